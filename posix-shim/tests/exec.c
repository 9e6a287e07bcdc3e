/* execve replaces the program of a process, which keeps its pid and its open files
 * (those not close-on-exec), and whose parent waits for the new program's exit status.
 * The test runs itself: parent -> child (posix_spawn) -> the child execs the test again. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errno_name.h"

extern char **environ;

/* The child: opens a kept and a close-on-exec fd, then becomes "after". */
static int before(char *self) {
    int kept = open("/tmp", O_RDONLY | O_DIRECTORY);
    int dropped = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char pid_text[16], kept_text[16], dropped_text[16];
    snprintf(pid_text, sizeof pid_text, "%d", (int)getpid());
    snprintf(kept_text, sizeof kept_text, "%d", kept);
    snprintf(dropped_text, sizeof dropped_text, "%d", dropped);
    printf("before exec: two fds open\n");
    fflush(stdout);
    char *args[] = {self, "after", pid_text, kept_text, dropped_text, NULL};
    char *env[] = {"STAGE=after-exec", NULL};
    execve(self, args, env);
    printf("execve failed: %s\n", errno_name(errno));
    return 1;
}

static int after(char **argv) {
    printf("after exec: same pid %d, STAGE=%s\n", atoi(argv[2]) == (int)getpid(), getenv("STAGE"));
    printf("  fd kept open: %d, close-on-exec fd closed: %d\n", fcntl(atoi(argv[3]), F_GETFD) >= 0,
           fcntl(atoi(argv[4]), F_GETFD) < 0 && errno == EBADF);
    return 5;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "before") == 0) return before(argv[0]);
    if (argc == 5 && strcmp(argv[1], "after") == 0) return after(argv);

    errno = 0;
    char *none[] = {"/no/such/program", NULL};
    int r = execve("/no/such/program", none, environ);
    printf("execve of a missing program: %d %s, still running\n", r, errno_name(errno));

    char *args[] = {argv[0], "before", NULL};
    pid_t pid;
    /* (The child writes to the same output: what is buffered goes first.) */
    fflush(stdout);
    int error = posix_spawn(&pid, argv[0], NULL, NULL, args, environ);
    int status = 0;
    pid_t ended = waitpid(pid, &status, 0);
    printf("posix_spawn: %s\n", error ? errno_name(error) : "ok");
    printf("waitpid: the same child %d, exited %d, status %d\n", ended == pid, WIFEXITED(status),
           WEXITSTATUS(status));
    return 0;
}
