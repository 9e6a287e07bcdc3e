/* posix-shim test: a program started by posix_spawn or execve gets the epoll instances
 * that are not close-on-exec, at the same fds (or where posix_spawn's file actions put
 * them), with their interests: it waits on them, polls them, adds to them, and passes
 * them on again. An EPOLL_CLOEXEC one is not passed.
 *
 * Linux shares the set itself with the child; uxrt gives it a copy (README). The two
 * differ only when both processes go on using the set, so the parent looks at its set
 * only before its children start. Built against the host libc and against posix-shim;
 * both must print exactly the same. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#define RESULT_WIDTH 46
#include "result.h"

extern char **environ;

/* The data each interest carries. */
#define PIPE_DATA 7
#define CHILD_PIPE_DATA 8
#define INNER_DATA 99

/* The parent's fds, as the children are told them. */
static int ep, ep_dup, cloexec, outer, pipe_read;

/* One wait that does not block: how many events, and the sum of their data (the order
 * of several events is not something either system promises). */
static void wait_once(const char *what, int epfd) {
    struct epoll_event events[4];
    int n = epoll_wait(epfd, events, 4, 0);
    if (n < 0) {
        printf("%-*s -1 %s\n", RESULT_WIDTH, what, errno_name(errno));
        return;
    }
    unsigned long long sum = 0;
    for (int i = 0; i < n; i++) sum += events[i].data.u64;
    printf("%-*s %d, data %llu\n", RESULT_WIDTH, what, n, sum);
}

static int add(int epfd, int fd, unsigned events, unsigned long long data) {
    struct epoll_event event = {.events = events, .data.u64 = data};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
}

/* A spawned copy of this program: its sets, before and after it changes them. */
static int child(void) {
    /* (Before any use of epoll: the set lives on under its other name.) */
    result("close one of two names of a set", close(ep_dup));
    struct pollfd entry = {.fd = ep, .events = POLLIN};
    int n = poll(&entry, 1, 0);
    printf("%-*s %d, revents %#x\n", RESULT_WIDTH, "poll the set: readable", n, entry.revents);
    wait_once("the closed name", ep_dup);
    result("F_GETFD of the EPOLL_CLOEXEC one", fcntl(cloexec, F_GETFD));
    wait_once("the set: the parent's pipe", ep);
    wait_once("the set holding the set", outer);
    result("F_GETFD of the set", fcntl(ep, F_GETFD));

    int fds[2];
    if (pipe(fds) != 0) return 1;
    result("add a pipe of the child's own", add(ep, fds[0], EPOLLIN, CHILD_PIPE_DATA));
    result("write it", write(fds[1], "c", 1));
    wait_once("both pipes", ep);
    char byte;
    result("drain the parent's pipe", read(pipe_read, &byte, 1));
    wait_once("the child's pipe", ep);
    result("delete it", epoll_ctl(ep, EPOLL_CTL_DEL, fds[0], NULL));
    wait_once("nothing", ep);
    result("add the same pipe again", add(ep, fds[0], EPOLLIN, CHILD_PIPE_DATA));
    result("EEXIST for a second add", add(ep, fds[0], EPOLLIN, CHILD_PIPE_DATA));
    return 0;
}

/* A child that replaces its program: what it got passes on through execve. */
static int execs(char **argv) {
    char *args[] = {argv[0], "execed", argv[2], argv[3], argv[4], argv[5], argv[6], NULL};
    execv(argv[0], args);
    printf("execv: %s\n", errno_name(errno));
    return 1;
}

/* The program execve started. */
static int execed(void) {
    wait_once("after execve: the set", ep);
    result("F_GETFD of the EPOLL_CLOEXEC one", fcntl(cloexec, F_GETFD));
    wait_once("the set holding the set", outer);
    return 0;
}

/* A child whose file actions moved the set to fd 20 and the pipe to 21 (its interest
 * follows it: on Linux it is the open file's). */
static int moved(void) {
    wait_once("the set at fd 20", 20);
    result("F_GETFD of the set's old fd (closed)", fcntl(ep, F_GETFD));
    result("F_GETFD of the pipe's old fd (closed)", fcntl(pipe_read, F_GETFD));
    char byte;
    result("drain the pipe at fd 21", read(21, &byte, 1));
    wait_once("the set at fd 20 after", 20);
    return 0;
}

static void run(const char *what, char **argv, posix_spawn_file_actions_t *actions) {
    printf("-- %s\n", what);
    fflush(stdout);
    char numbers[5][12];
    int fds[5] = {ep, ep_dup, cloexec, outer, pipe_read};
    for (int i = 0; i < 5; i++) snprintf(numbers[i], sizeof numbers[i], "%d", fds[i]);
    char *args[] = {argv[0], (char *)what, numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], NULL};
    pid_t pid;
    int error = posix_spawn(&pid, argv[0], actions, NULL, args, environ);
    if (error != 0) {
        printf("posix_spawn: %s\n", errno_name(error));
        return;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    printf("%-*s %d\n", RESULT_WIDTH, "child's exit status", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(int argc, char **argv) {
    if (argc == 7) {
        ep = atoi(argv[2]), ep_dup = atoi(argv[3]), cloexec = atoi(argv[4]), outer = atoi(argv[5]);
        pipe_read = atoi(argv[6]);
        if (strcmp(argv[1], "child") == 0) return child();
        if (strcmp(argv[1], "exec") == 0) return execs(argv);
        if (strcmp(argv[1], "execed") == 0) return execed();
        if (strcmp(argv[1], "moved") == 0) return moved();
        return 2;
    }
    int fds[2];
    if (pipe(fds) != 0) return 1;
    pipe_read = fds[0];
    ep = epoll_create1(0);
    ep_dup = dup(ep);
    cloexec = epoll_create1(EPOLL_CLOEXEC);
    outer = epoll_create1(0);
    result("add the pipe", add(ep, pipe_read, EPOLLIN, PIPE_DATA));
    result("add it to the EPOLL_CLOEXEC one", add(cloexec, pipe_read, EPOLLIN, PIPE_DATA));
    result("add the set to another", add(outer, ep, EPOLLIN, INNER_DATA));
    result("write a byte", write(fds[1], "p", 1));
    wait_once("the parent's set", ep);

    run("child", argv, NULL);
    result("write another byte", write(fds[1], "q", 1));
    run("exec", argv, NULL);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, ep, 20);
    posix_spawn_file_actions_adddup2(&actions, pipe_read, 21);
    posix_spawn_file_actions_addclose(&actions, ep);
    posix_spawn_file_actions_addclose(&actions, pipe_read);
    run("moved", argv, &actions);
    posix_spawn_file_actions_destroy(&actions);
    return 0;
}
