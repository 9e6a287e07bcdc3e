/* Signals from elsewhere, delivered asynchronously: SIGALRM from alarm() interrupts a busy
 * loop, a blocked pipe read (EINTR, or restarted with SA_RESTART), a poll and a waitpid;
 * a blocked signal waits until unblocked and does not end a sleep; SIGCHLD from a child's
 * end wakes a poll loop through a self-pipe; a child's kill() ends its parent's
 * sigsuspend; the default action of a signal from another process ends it. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "errno_name.h"

extern char **environ;

static volatile sig_atomic_t caught[65];
static int self_pipe[2] = {-1, -1};

static void count(int signal) { caught[signal]++; }

/* Counts, and writes a byte to the self-pipe (write is async-signal-safe). */
static void count_and_write(int signal) {
    int saved = errno;
    caught[signal]++;
    if (self_pipe[1] >= 0) write(self_pipe[1], "s", 1);
    errno = saved;
}

static void on(int signal, void (*handler)(int), int flags) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    action.sa_flags = flags;
    sigaction(signal, &action, NULL);
}

static pid_t start(char *argv0, const char *what) {
    char *args[] = {argv0, "child", (char *)what, NULL};
    pid_t pid;
    fflush(stdout);
    int error = posix_spawn(&pid, argv0, NULL, NULL, args, environ);
    if (error != 0) {
        /* (Never go on with pid -1: kill(-1, ...) reaches every process one may signal.) */
        printf("posix_spawn %s: %s\n", what, errno_name(error));
        exit(1);
    }
    return pid;
}

static int child(const char *what) {
    if (strcmp(what, "sleep") == 0) {
        sleep(30);
        return 3;
    }
    if (strcmp(what, "signal-parent") == 0) {
        usleep(200 * 1000);
        return kill(getppid(), SIGUSR1) == 0 ? 0 : 1;
    }
    if (strcmp(what, "wait-for-term") == 0) {
        for (;;) pause();
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "child") == 0) return child(argv[2]);

    /* alarm's answer is what was left of the alarm it replaces, rounded. */
    unsigned first = alarm(5);
    unsigned left = alarm(0);
    printf("alarm(5): %u, then alarm(0): %u\n", first, left);

    /* A busy loop, interrupted. */
    on(SIGALRM, count, 0);
    alarm(1);
    unsigned long spins = 0;
    while (caught[SIGALRM] == 0) spins++;
    printf("busy loop: handler ran %d, loop went on after it %d\n", caught[SIGALRM], spins > 0);

    /* A blocked pipe read: EINTR without SA_RESTART... */
    int fds[2];
    pipe(fds);
    alarm(1);
    char byte = 0;
    ssize_t n = read(fds[0], &byte, 1);
    printf("read interrupted: %zd %s, handler ran %d\n", n, errno_name(errno), caught[SIGALRM]);

    /* ...restarted with it: the handler writes a byte, which the restarted read gets. */
    self_pipe[0] = fds[0];
    self_pipe[1] = fds[1];
    on(SIGALRM, count_and_write, SA_RESTART);
    alarm(1);
    n = read(fds[0], &byte, 1);
    printf("read with SA_RESTART: %zd '%c', handler ran %d\n", n, byte, caught[SIGALRM]);
    self_pipe[0] = self_pipe[1] = -1;

    /* poll is never restarted. */
    on(SIGALRM, count, SA_RESTART);
    struct pollfd one = {.fd = fds[0], .events = POLLIN};
    alarm(1);
    int r = poll(&one, 1, -1);
    printf("poll interrupted: %d %s, handler ran %d\n", r, errno_name(errno), caught[SIGALRM]);

    /* waitpid: EINTR, then the child is still there to end and reap. */
    on(SIGALRM, count, 0);
    pid_t sleeper = start(argv[0], "sleep");
    alarm(1);
    int status = 0;
    r = waitpid(sleeper, &status, 0);
    printf("waitpid interrupted: %d %s, handler ran %d\n", r, errno_name(errno), caught[SIGALRM]);
    kill(sleeper, SIGTERM);
    r = waitpid(sleeper, &status, 0);
    printf("then: reaped %d, killed by SIGTERM %d\n", r == sleeper, WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);

    /* A blocked signal waits, pending, and does not end a sleep; unblocking delivers it. */
    sigset_t alrm, pending;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    sigprocmask(SIG_BLOCK, &alrm, NULL);
    int before = caught[SIGALRM];
    alarm(1);
    struct timespec nap = {.tv_sec = 2, .tv_nsec = 0};
    r = nanosleep(&nap, NULL);
    sigpending(&pending);
    printf("blocked during a 2 s sleep: sleep %d, handler ran %d, pending %d\n", r, caught[SIGALRM] - before,
           sigismember(&pending, SIGALRM));
    sigprocmask(SIG_UNBLOCK, &alrm, NULL);
    printf("unblocked: handler ran %d\n", caught[SIGALRM] - before);

    /* SIGCHLD through a self-pipe wakes a poll loop. */
    pipe(self_pipe);
    on(SIGCHLD, count_and_write, SA_RESTART);
    pid_t quick = start(argv[0], "exit");
    struct pollfd wake = {.fd = self_pipe[0], .events = POLLIN};
    int interrupted = 0;
    while ((r = poll(&wake, 1, -1)) < 0 && errno == EINTR) interrupted = 1;
    (void)interrupted;
    r = waitpid(quick, &status, 0);
    printf("SIGCHLD: self-pipe readable %d, handler ran %d, child reaped %d\n", (wake.revents & POLLIN) != 0,
           caught[SIGCHLD], r == quick);
    on(SIGCHLD, SIG_DFL, 0);

    /* Another process's kill() ends sigsuspend. */
    on(SIGUSR1, count, 0);
    sigset_t usr1, none;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    pid_t signaller = start(argv[0], "signal-parent");
    r = sigsuspend(&none);
    printf("sigsuspend: %d %s, SIGUSR1 handler ran %d\n", r, errno_name(errno), caught[SIGUSR1]);
    waitpid(signaller, &status, 0);
    printf("the signaller: exit status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);

    /* A signal the receiver leaves at its default ends it (SIGTERM), or not (SIGCHLD). */
    pid_t waiter = start(argv[0], "wait-for-term");
    usleep(100 * 1000);
    kill(waiter, SIGCHLD);
    usleep(100 * 1000);
    r = waitpid(waiter, &status, WNOHANG);
    printf("SIGCHLD to a child at default: still running %d\n", r == 0);
    kill(waiter, SIGTERM);
    waitpid(waiter, &status, 0);
    printf("SIGTERM to it: killed by SIGTERM %d\n", WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    return 0;
}
