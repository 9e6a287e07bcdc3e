/* posix-shim test: select and epoll (level, edge, one-shot) over pipes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/resource.h>
#include <unistd.h>

#include "errno_name.h"

#define PIPES 8

static int ready_count(int epfd) {
    struct epoll_event events[PIPES];
    int n = epoll_wait(epfd, events, PIPES, 0);
    unsigned long mask = 0;
    for (int i = 0; i < n; i++)
        mask |= 1UL << events[i].data.u32;
    printf("  epoll: %d ready, mask %#lx\n", n, mask);
    return n;
}

int main(void) {
    int r[PIPES], w[PIPES], fds[2];
    for (int i = 0; i < PIPES; i++) {
        pipe(fds);
        r[i] = fds[0];
        w[i] = fds[1];
    }
    write(w[1], "a", 1);
    write(w[5], "b", 1);
    fd_set set;
    FD_ZERO(&set);
    int top = 0;
    for (int i = 0; i < PIPES; i++) {
        FD_SET(r[i], &set);
        if (r[i] > top)
            top = r[i];
    }
    struct timeval none = {0, 0};
    int n = select(top + 1, &set, NULL, NULL, &none);
    printf("select: %d ready:", n);
    for (int i = 0; i < PIPES; i++)
        if (FD_ISSET(r[i], &set))
            printf(" %d", i);
    printf("\n");

    /* fds above FD_SETSIZE: as on Linux, a larger set of nfds bits. */
#ifndef __uxrt__
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < 2048 && limit.rlim_max >= 2048) {
        limit.rlim_cur = 2048;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
#endif
    int quiet = dup2(r[0], 1200), loud = dup2(r[5], 1500);
    unsigned long big[1501 / 64 + 1];
    memset(big, 0, sizeof big);
    big[1200 / 64] |= 1UL << (1200 % 64);
    big[1500 / 64] |= 1UL << (1500 % 64);
    n = select(1501, (fd_set *)big, NULL, NULL, &none);
    printf("select above 1024: dup2 %d %d, %d ready: 1200 %lu 1500 %lu\n", quiet, loud, n,
           (big[1200 / 64] >> (1200 % 64)) & 1, (big[1500 / 64] >> (1500 % 64)) & 1);
    close(quiet);
    close(loud);

    int epfd = epoll_create1(0);
    unsigned modes[3] = {EPOLLIN, EPOLLIN | EPOLLET, EPOLLIN | EPOLLONESHOT};
    const char *names[3] = {"level", "edge", "one-shot"};
    for (int m = 0; m < 3; m++) {
        printf("%s:\n", names[m]);
        for (int i = 0; i < PIPES; i++) {
            struct epoll_event event = {modes[m], {.u64 = 0}};
            event.data.u32 = (unsigned)i;
            epoll_ctl(epfd, m == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, r[i], &event);
        }
        ready_count(epfd);
        ready_count(epfd);
        write(w[2], "c", 1);
        ready_count(epfd);
        char byte;
        read(r[2], &byte, 1);
    }
    struct epoll_event event = {EPOLLIN, {.u64 = 99}};
    int result = epoll_ctl(epfd, EPOLL_CTL_ADD, r[0], &event);
    printf("add twice: %d %s\n", result, errno_name(errno));
    result = epoll_ctl(epfd, EPOLL_CTL_DEL, r[0], NULL);
    printf("del: %d\n", result);
    result = epoll_ctl(epfd, EPOLL_CTL_DEL, r[0], NULL);
    printf("del again: %d %s\n", result, errno_name(errno));
    result = close(epfd);
    printf("close: %d\n", result);
    return 0;
}
