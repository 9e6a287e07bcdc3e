/* posix-shim test: an epoll instance is an fd like any other. It takes the lowest free
 * fd, has close-on-exec and O_NONBLOCK (fcntl), can be duplicated (both fds name one
 * set, which lives while either is open), refuses read and write as Linux does,
 * is readable to poll and select while its set has something ready, and goes into
 * another epoll (level- and edge-triggered there), with loops and chains of more than
 * five sets refused (ELOOP). Built against the host libc and against posix-shim; both
 * must print exactly the same. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unistd.h>

#define RESULT_WIDTH 46
#include "result.h"

/* One wait that does not block: how many events, and the first one's data. */
static void wait_once(const char *what, int epfd) {
    struct epoll_event events[4];
    int n = epoll_wait(epfd, events, 4, 0);
    if (n < 0) {
        printf("%-*s -1 %s\n", RESULT_WIDTH, what, errno_name(errno));
    } else if (n == 0) {
        printf("%-*s 0\n", RESULT_WIDTH, what);
    } else {
        printf("%-*s %d, data %llu, events %#x\n", RESULT_WIDTH, what, n, (unsigned long long)events[0].data.u64,
               events[0].events);
    }
}

static int add(int epfd, int fd, unsigned events, unsigned long long data) {
    struct epoll_event event = {.events = events, .data.u64 = data};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
}

static void polled(const char *what, int fd) {
    struct pollfd entry = {.fd = fd, .events = POLLIN};
    int n = poll(&entry, 1, 0);
    printf("%-*s %d, revents %#x\n", RESULT_WIDTH, what, n, entry.revents);
}

int main(void) {
    int probe = dup(1);
    close(probe);
    int ep = epoll_create1(0);
    printf("%-*s %s\n", RESULT_WIDTH, "epoll_create1 takes the lowest free fd", ep == probe ? "yes" : "no");

    printf("-- fcntl\n");
    result("F_GETFD", fcntl(ep, F_GETFD));
    int cloexec = epoll_create1(EPOLL_CLOEXEC);
    result("F_GETFD of EPOLL_CLOEXEC", fcntl(cloexec, F_GETFD));
    result("F_SETFD 0", fcntl(cloexec, F_SETFD, 0));
    result("F_GETFD after", fcntl(cloexec, F_GETFD));
    result("F_SETFL O_NONBLOCK", fcntl(cloexec, F_SETFL, O_NONBLOCK));
    result("O_NONBLOCK in F_GETFL", (fcntl(cloexec, F_GETFL) & O_NONBLOCK) != 0);
    result("close", close(cloexec));
    result("F_GETFD of it closed", fcntl(cloexec, F_GETFD));

    printf("-- not a file\n");
    char byte = 'x';
    result("read", read(ep, &byte, 1));
    result("write", write(ep, &byte, 1));
    result("lseek", lseek(ep, 0, SEEK_SET));

    printf("-- duplicates\n");
    int fds[2];
    pipe(fds);
    int copy = dup(ep);
    result("add a pipe through the copy", add(copy, fds[0], EPOLLIN, 7));
    result("add it again through the first", add(ep, fds[0], EPOLLIN, 7));
    result("add the copy to the set", add(ep, copy, EPOLLIN, 1));
    wait_once("an empty pipe", ep);
    write(fds[1], "a", 1);
    wait_once("written", ep);
    result("close the first fd", close(ep));
    wait_once("the copy still names the set", copy);
    result("dup2 it back", dup2(copy, ep) == ep);
    result("close the copy", close(copy));
    wait_once("through the first again", ep);

    printf("-- poll and select\n");
    polled("poll, something ready", ep);
    read(fds[0], &byte, 1);
    polled("poll, nothing ready", ep);
    write(fds[1], "b", 1);
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(ep, &readable);
    struct timeval zero = {0, 0};
    int n = select(ep + 1, &readable, NULL, NULL, &zero);
    printf("%-*s %d, %s\n", RESULT_WIDTH, "select", n, FD_ISSET(ep, &readable) ? "readable" : "not readable");
    read(fds[0], &byte, 1);

    printf("-- nested\n");
    int outer = epoll_create1(0);
    result("add the set to another", add(outer, ep, EPOLLIN, 100));
    result("add it again", add(outer, ep, EPOLLIN, 100));
    wait_once("the outer set, nothing ready", outer);
    write(fds[1], "c", 1);
    wait_once("the outer set, level-triggered", outer);
    wait_once("and again", outer);
    wait_once("the inner set", ep);
    read(fds[0], &byte, 1);
    wait_once("the outer set, drained", outer);
    struct epoll_event edge = {.events = EPOLLIN | EPOLLET, .data.u64 = 200};
    result("make it edge-triggered", epoll_ctl(outer, EPOLL_CTL_MOD, ep, &edge));
    write(fds[1], "d", 1);
    wait_once("the outer set, edge-triggered", outer);
    wait_once("not again", outer);
    write(fds[1], "e", 1);
    wait_once("until more comes", outer);
    result("a loop", add(ep, outer, EPOLLIN, 0));
    result("the set into itself", add(ep, ep, EPOLLIN, 0));
    result("delete it from the outer set", epoll_ctl(outer, EPOLL_CTL_DEL, ep, NULL));
    wait_once("the outer set, after", outer);
    result("a loop, now allowed", add(ep, outer, EPOLLIN, 0));
    result("close the inner set", close(ep));
    result("close the outer set", close(outer));

    printf("-- chains\n");
    int chain[8];
    for (int i = 0; i < 8; i++) chain[i] = epoll_create1(0);
    for (int i = 0; i + 1 < 8; i++) {
        char what[64];
        snprintf(what, sizeof what, "set %d into set %d", i, i + 1);
        result(what, add(chain[i + 1], chain[i], EPOLLIN, i));
    }
    int top[7];
    for (int i = 0; i < 7; i++) top[i] = epoll_create1(0);
    for (int i = 0; i + 1 < 7; i++) {
        char what[64];
        snprintf(what, sizeof what, "set %d into set %d, from the top", i + 1, i);
        result(what, add(top[i], top[i + 1], EPOLLIN, i));
    }
    for (int i = 0; i < 8; i++) close(chain[i]);
    for (int i = 0; i < 7; i++) close(top[i]);
    int again = epoll_create1(0);
    printf("%-*s %s\n", RESULT_WIDTH, "closed sets free their fds", again == probe ? "yes" : "no");
    return 0;
}
