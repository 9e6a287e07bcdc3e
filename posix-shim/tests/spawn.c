/* posix_spawn with file actions: the child's stdout a pipe (dup2), a file opened for it
 * (open), the pipe's read end closed in it (close); its exit status through waitpid;
 * posix_spawnp's search and its errors. The test runs itself as the child. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errno_name.h"

#define FILE_PATH "/tmp/ctest-spawn.txt"

extern char **environ;

static int child(int closed_fd) {
    printf("child: hello through the pipe\n");
    fflush(stdout);
    dprintf(5, "child: written to fd 5, opened for it\n");
    errno = 0;
    int flags = fcntl(closed_fd, F_GETFD);
    printf("child: the pipe's read end (fd %d) is %s\n", closed_fd, flags < 0 ? errno_name(errno) : "open");
    printf("child: argument %s, environment TEST_VALUE=%s\n", "child", getenv("TEST_VALUE"));
    return 3;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "child") == 0) return child(atoi(argv[2]));

    int fds[2];
    pipe(fds);
    char fd_text[16];
    snprintf(fd_text, sizeof fd_text, "%d", fds[0]);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addopen(&actions, 5, FILE_PATH, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char *child_argv[] = {argv[0], "child", fd_text, NULL};
    char *child_env[] = {"TEST_VALUE=42", NULL};
    pid_t pid;
    int error = posix_spawn(&pid, argv[0], &actions, NULL, child_argv, child_env);
    printf("posix_spawn: %s\n", error ? errno_name(error) : "ok");
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    char text[512];
    ssize_t n, total = 0;
    while ((n = read(fds[0], text + total, sizeof text - 1 - total)) > 0) total += n;
    text[total] = 0;
    printf("from the child's stdout:\n%s", text);
    close(fds[0]);
    int status;
    pid_t waited = waitpid(pid, &status, 0);
    printf("waitpid: the child %s, exit status %d\n", waited == pid ? "ended" : "?", WEXITSTATUS(status));
    FILE *f = fopen(FILE_PATH, "r");
    printf("its file: %s", f && fgets(text, sizeof text, f) ? text : "(none)\n");
    if (f) fclose(f);
    unlink(FILE_PATH);

    error = posix_spawnp(&pid, "no-such-program-anywhere", NULL, NULL, child_argv, environ);
    printf("posix_spawnp of a missing program: %s\n", error ? errno_name(error) : "ok");
    error = posix_spawn(&pid, "/no/such/program", NULL, NULL, child_argv, environ);
    printf("posix_spawn of a missing path: %s\n", error ? errno_name(error) : "ok");
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, 77, 1);
    error = posix_spawn(&pid, argv[0], &actions, NULL, child_argv, environ);
    printf("posix_spawn with dup2 of a closed fd: %s\n", error ? errno_name(error) : "ok");
    if (!error) waitpid(pid, &status, 0);
    posix_spawn_file_actions_destroy(&actions);
    return 0;
}
