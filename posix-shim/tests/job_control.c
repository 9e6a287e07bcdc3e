/* Job control signals: SIGSTOP and SIGTSTP stop a child (waitpid with WUNTRACED says
 * so, and it makes no progress while stopped), SIGCONT lets it go on (WCONTINUED), a
 * child that catches SIGTSTP is not stopped, a stopped child in a blocking pipe read
 * loses nothing written meanwhile, and SIGKILL ends a stopped child. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errno_name.h"

extern char **environ;

static volatile sig_atomic_t tstp_caught;
static void on_tstp(int signal) { (void)signal; tstp_caught++; }

/* Starts this program as `child WHAT` with the given stdin and stdout, in a process
 * group of its own: its parent (this process) in another group of the session keeps
 * the group from being orphaned, where Linux would discard SIGTSTP (as it is when the
 * test runs under a parent that has gone, in CI). */
static pid_t start(char *argv0, const char *what, int in, int out) {
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in, 0);
    posix_spawn_file_actions_adddup2(&actions, out, 1);
    char *args[] = {argv0, "child", (char *)what, NULL};
    pid_t pid;
    fflush(stdout);
    int error = posix_spawn(&pid, argv0, &actions, &attributes, args, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (error != 0) {
        /* (Never go on with pid -1: kill(-1, ...) reaches every process one may signal.) */
        printf("posix_spawn %s: %s\n", what, errno_name(error));
        exit(1);
    }
    return pid;
}

static int child(const char *what) {
    if (strcmp(what, "ticker") == 0) {
        /* (Bounded, and it holds only its own end of the pipe: it never outlives a
         * parent that failed, by much.) */
        for (int i = 0; i < 1000; i++) {
            if (write(1, "t", 1) != 1) return 1;
            usleep(20 * 1000);
        }
        return 0;
    }
    if (strcmp(what, "echo") == 0) {
        char byte;
        if (read(0, &byte, 1) != 1) return 1;
        return write(1, &byte, 1) == 1 ? 0 : 2;
    }
    if (strcmp(what, "catch-tstp") == 0) {
        signal(SIGTSTP, on_tstp);
        while (!tstp_caught) usleep(10 * 1000);
        write(1, "c", 1);
        return 0;
    }
    return 3;
}

/* Bytes readable now from the non-blocking `fd` (drained). */
static int drain(int fd) {
    char buffer[256];
    int total = 0;
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) total += n;
    return total;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "child") == 0) return child(argv[2]);

    int ticks[2];
    pipe2(ticks, O_CLOEXEC);
    pid_t ticker = start(argv[0], "ticker", 0, ticks[1]);
    close(ticks[1]);
    char byte;
    read(ticks[0], &byte, 1);
    fcntl(ticks[0], F_SETFL, O_NONBLOCK);

    int status = 0;
    kill(ticker, SIGSTOP);
    pid_t r = waitpid(ticker, &status, WUNTRACED);
    printf("SIGSTOP: waitpid %d, stopped %d, by SIGSTOP %d\n", r == ticker, WIFSTOPPED(status),
           WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
    drain(ticks[0]);
    usleep(300 * 1000);
    printf("while stopped: %d bytes\n", drain(ticks[0]));
    r = waitpid(ticker, &status, WNOHANG | WUNTRACED);
    printf("no second report of the same stop: %d\n", r);

    kill(ticker, SIGCONT);
    r = waitpid(ticker, &status, WCONTINUED);
    printf("SIGCONT: waitpid %d, continued %d\n", r == ticker, WIFCONTINUED(status));
    usleep(300 * 1000);
    printf("going on: bytes came %d\n", drain(ticks[0]) > 0);

    kill(ticker, SIGTSTP);
    r = waitpid(ticker, &status, WUNTRACED);
    printf("SIGTSTP at its default: stopped %d, by SIGTSTP %d\n", WIFSTOPPED(status),
           WIFSTOPPED(status) && WSTOPSIG(status) == SIGTSTP);
    kill(ticker, SIGKILL);
    r = waitpid(ticker, &status, 0);
    printf("SIGKILL while stopped: reaped %d, killed by SIGKILL %d\n", r == ticker,
           WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    close(ticks[0]);

    /* A stopped reader loses nothing written while it was stopped. */
    int in[2], out[2];
    pipe2(in, O_CLOEXEC);
    pipe2(out, O_CLOEXEC);
    pid_t echo = start(argv[0], "echo", in[0], out[1]);
    close(in[0]);
    close(out[1]);
    usleep(100 * 1000);
    kill(echo, SIGSTOP);
    waitpid(echo, &status, WUNTRACED);
    write(in[1], "e", 1);
    usleep(100 * 1000);
    kill(echo, SIGCONT);
    char echoed = 0;
    ssize_t n = read(out[0], &echoed, 1);
    waitpid(echo, &status, 0);
    printf("stopped reader: echoed %zd '%c', exit status %d\n", n, echoed, WEXITSTATUS(status));
    close(in[1]);
    close(out[0]);

    /* SIGTSTP caught: a handler runs, nothing stops. */
    int caught[2];
    pipe2(caught, O_CLOEXEC);
    pid_t catcher = start(argv[0], "catch-tstp", 0, caught[1]);
    close(caught[1]);
    usleep(200 * 1000);
    kill(catcher, SIGTSTP);
    n = read(caught[0], &byte, 1);
    r = waitpid(catcher, &status, WUNTRACED);
    printf("SIGTSTP caught: wrote %zd '%c', exited %d with %d\n", n, byte, WIFEXITED(status), WEXITSTATUS(status));
    return 0;
}
