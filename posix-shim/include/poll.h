/* uxrt posix-shim: poll.h. One wait on the process's notification queue. */
#ifndef _POLL_H
#define _POLL_H
#define POLLIN 0x1
#define POLLPRI 0x2
#define POLLOUT 0x4
#define POLLERR 0x8
#define POLLHUP 0x10
#define POLLNVAL 0x20
typedef unsigned long nfds_t;
struct pollfd {
    int fd;
    short events;
    short revents;
};
int poll(struct pollfd *fds, nfds_t count, int timeout_ms);
#endif
