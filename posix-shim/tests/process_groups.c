/* Process groups: children put in a group of their own with posix_spawn's
 * POSIX_SPAWN_SETPGROUP, getpgid, kill(-group) reaching every member and nobody else;
 * sessions: setsid in a child (not a group leader) and not twice, getsid. */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errno_name.h"

extern char **environ;

/* A child that waits for input that never comes, until a signal ends it. */
static int waiter(void) {
    char c;
    read(0, &c, 1);
    return 0;
}

static pid_t start(char *self, int fd, pid_t group) {
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, group);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fd, 0);
    char *args[] = {self, "wait", NULL};
    pid_t pid = -1;
    int error = posix_spawn(&pid, self, &actions, &attributes, args, environ);
    if (error) printf("posix_spawn: %s\n", errno_name(error));
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    return pid;
}

/* A child in its parent's group makes a session of its own. */
static int new_session(void) {
    pid_t parent_session = getsid(0);
    pid_t session = setsid();
    printf("setsid: leads it %d, and the group %d, left its parent's %d\n", session == getpid() && getsid(0) == getpid(),
           getpgrp() == getpid(), getsid(0) != parent_session);
    int r = setsid();
    printf("setsid again: %d %s\n", r, errno_name(errno));
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "wait") == 0) return waiter();
    if (argc == 2 && strcmp(argv[1], "setsid") == 0) return new_session();
    int fds[2];
    pipe(fds);
    pid_t first = start(argv[0], fds[0], 0);
    pid_t second = start(argv[0], fds[0], first);
    pid_t outsider = start(argv[0], fds[0], 0);
    printf("first leads its group %d, second joined it %d, outsider apart %d\n", getpgid(first) == first,
           getpgid(second) == first, getpgid(outsider) == outsider);
    printf("this process's group is getpgrp(): %d\n", getpgid(0) == getpgrp());
    printf("kill(-group, 0): %d\n", kill(-first, 0));
    printf("kill(-group, SIGTERM): %d\n", kill(-first, SIGTERM));
    int status;
    for (int i = 0; i < 2; i++) {
        pid_t pid = waitpid(i == 0 ? first : second, &status, 0);
        printf("member %d: ended by SIGTERM %d\n", i + 1, pid > 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    }
    printf("the outsider still runs: %d\n", waitpid(outsider, &status, WNOHANG) == 0);
    kill(outsider, SIGKILL);
    waitpid(outsider, &status, 0);
    printf("the outsider then ended by SIGKILL %d\n", WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    errno = 0;
    int r = kill(-first, SIGTERM);
    printf("kill of an empty group: %d %s\n", r, errno_name(errno));
    r = setpgid(getpid(), 999999);
    printf("setpgid into a group that does not exist: %d %s\n", r, errno_name(errno));

    r = getsid(999999);
    printf("getsid(0) is getsid(getpid()): %d; of no process: %d %s\n", getsid(0) == getsid(getpid()), r,
           errno_name(errno));
    char *args[] = {argv[0], "setsid", NULL};
    pid_t child;
    fflush(stdout);
    posix_spawn(&child, argv[0], NULL, NULL, args, environ);
    waitpid(child, &status, 0);
    return 0;
}
