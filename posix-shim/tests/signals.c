/* Signals a process sends itself (raise, kill of itself, SIGPIPE): handlers, SA_SIGINFO,
 * SA_RESETHAND, ignoring, masks and pending signals delivered when unblocked, and the
 * default actions seen by the parent (a child killed by SIGPIPE and by SIGTERM). */
#define _GNU_SOURCE
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errno_name.h"

extern char **environ;

static volatile int caught[65];
static volatile int info_signo, during_mask_blocked;

static void handler(int signal) {
    caught[signal]++;
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    during_mask_blocked = sigismember(&now, signal);
}

static void info_handler(int signal, siginfo_t *info, void *context) {
    (void)context;
    caught[signal]++;
    info_signo = info->si_signo;
}

/* A child that writes to a pipe nobody reads, or raises a signal. */
static int child(const char *what) {
    if (strcmp(what, "pipe") == 0) {
        int fds[2];
        pipe(fds);
        close(fds[0]);
        write(fds[1], "x", 1);
        printf("child: still alive after the write\n");
        return 0;
    }
    raise(SIGTERM);
    printf("child: still alive after raise\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "child") == 0) return child(argv[2]);

    signal(SIGUSR1, handler);
    int r = raise(SIGUSR1);
    printf("raise(SIGUSR1): %d, caught %d, itself blocked in its handler %d\n", r, caught[SIGUSR1], during_mask_blocked);
    r = kill(getpid(), SIGUSR1);
    printf("kill(getpid(), SIGUSR1): %d, caught %d\n", r, caught[SIGUSR1]);

    sigset_t block, pending;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGUSR1);
    sigpending(&pending);
    printf("blocked: caught %d, pending %d\n", caught[SIGUSR1], sigismember(&pending, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    sigpending(&pending);
    printf("unblocked: caught %d, pending %d\n", caught[SIGUSR1], sigismember(&pending, SIGUSR1));

    /* sigsuspend with a signal pending that its mask lets through: it is delivered,
     * then sigsuspend fails with EINTR and the old mask is back. */
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGUSR1);
    sigset_t none, now;
    sigemptyset(&none);
    int before_suspend = caught[SIGUSR1];
    r = sigsuspend(&none);
    int suspend_errno = errno;
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("sigsuspend: %d %s, caught %d more, blocked again %d\n", r, errno_name(suspend_errno),
           caught[SIGUSR1] - before_suspend, sigismember(&now, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &block, NULL);

    struct sigaction action, old;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = info_handler;
    action.sa_flags = SA_SIGINFO | SA_RESETHAND;
    printf("sigaction(SIGUSR2, SA_SIGINFO | SA_RESETHAND): %d\n", sigaction(SIGUSR2, &action, NULL));
    raise(SIGUSR2);
    sigaction(SIGUSR2, NULL, &old);
    printf("  caught %d, si_signo %d, reset to the default %d\n", caught[SIGUSR2], info_signo,
           old.sa_handler == SIG_DFL);
    r = sigaction(SIGKILL, &action, NULL);
    printf("sigaction(SIGKILL): %d %s\n", r, errno_name(errno));
    r = sigaction(0, &action, NULL);
    printf("sigaction(0): %d %s\n", r, errno_name(errno));
    r = raise(100);
    printf("raise(100): %d %s\n", r, errno_name(errno));

    /* SIGPIPE ignored, then handled: the write fails with EPIPE. */
    int fds[2];
    pipe(fds);
    close(fds[0]);
    signal(SIGPIPE, SIG_IGN);
    ssize_t n = write(fds[1], "x", 1);
    printf("write with SIGPIPE ignored: %zd %s\n", n, errno_name(errno));
    signal(SIGPIPE, handler);
    n = write(fds[1], "x", 1);
    printf("write with a SIGPIPE handler: %zd %s, caught %d\n", n, errno_name(errno), caught[SIGPIPE]);
    close(fds[1]);
    signal(SIGCHLD, SIG_DFL);
    printf("raise(SIGCHLD), ignored by default: %d\n", raise(SIGCHLD));

    /* Default actions, seen by the parent. */
    const char *children[] = {"pipe", "term"};
    for (int i = 0; i < 2; i++) {
        char *args[] = {argv[0], "child", (char *)children[i], NULL};
        pid_t pid;
        fflush(stdout);
        posix_spawn(&pid, argv[0], NULL, NULL, args, environ);
        int status;
        waitpid(pid, &status, 0);
        int by = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        printf("child %s: killed %d, by SIGPIPE %d, by SIGTERM %d\n", children[i], WIFSIGNALED(status),
               by == SIGPIPE, by == SIGTERM);
    }
    return 0;
}
