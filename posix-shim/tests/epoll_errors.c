/* posix-shim test: epoll's error cases, as Linux's manual pages give them. Built against
 * the host libc and against posix-shim; both must print exactly the same. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define RESULT_WIDTH 34
#define RESULT_OK
#include "result.h"

int main(void) {
    result("epoll_create1(0)", epoll_create1(0));
    result("epoll_create1(EPOLL_CLOEXEC)", epoll_create1(EPOLL_CLOEXEC));
    result("epoll_create1(bad flags)", epoll_create1(12345));
    result("epoll_create(0)", epoll_create(0));
    int ep = epoll_create1(0);
    int fds[2];
    pipe(fds);
    struct epoll_event event = {EPOLLIN, {0}};
    result("add a pipe", epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &event));
    result("add it again", epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &event));
    result("modify one not added", epoll_ctl(ep, EPOLL_CTL_MOD, fds[1], &event));
    result("delete it", epoll_ctl(ep, EPOLL_CTL_DEL, fds[0], NULL));
    result("delete it again", epoll_ctl(ep, EPOLL_CTL_DEL, fds[0], NULL));
    result("add the epoll fd to itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &event));
    result("a bad operation", epoll_ctl(ep, 42, fds[0], &event));
    result("a closed fd", epoll_ctl(ep, EPOLL_CTL_ADD, 99, &event));
    result("on a closed epoll fd", epoll_ctl(98, EPOLL_CTL_ADD, fds[0], &event));
    result("on a pipe, not an epoll fd", epoll_ctl(fds[1], EPOLL_CTL_ADD, fds[0], &event));
    int file = open("/tmp/epoll_errors.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    result("add a regular file", epoll_ctl(ep, EPOLL_CTL_ADD, file, &event));
    close(file);
    unlink("/tmp/epoll_errors.txt");
    result("wait for 0 events", epoll_wait(ep, &event, 0, 0));
    result("wait on a pipe", epoll_wait(fds[0], &event, 1, 0));
    result("close it", close(ep));
    result("wait on it closed", epoll_wait(ep, &event, 1, 0));
    return 0;
}
