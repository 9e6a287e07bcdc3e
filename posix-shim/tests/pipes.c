/* posix-shim test: pipes, poll and non-blocking transfers, and PIPE_BUF: a write of at
 * most PIPE_BUF bytes goes in whole or not at all, and a pipe is writable while such a
 * write can go in. Built against the host libc and against posix-shim; both must print
 * exactly the same. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "errno_name.h"

static void show(const char *what, int fd, short events) {
    struct pollfd p = {fd, events, 0};
    int n = poll(&p, 1, 0);
    printf("%-28s n=%d revents=%#x\n", what, n, (unsigned)p.revents);
}

int main(void) {
    int fds[2];
    if (pipe(fds) != 0) {
        printf("pipe: %s\n", errno_name(errno));
        return 1;
    }
    show("empty, read end", fds[0], POLLIN);
    show("empty, write end", fds[1], POLLOUT);
    ssize_t n = write(fds[1], "hello", 5);
    printf("write: %zd\n", n);
    show("data", fds[0], POLLIN | POLLOUT);
    char buffer[16] = {0};
    n = read(fds[0], buffer, sizeof buffer - 1);
    printf("read: %zd '%s'\n", n, buffer);
    show("drained", fds[0], POLLIN);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    n = read(fds[0], buffer, 1);
    printf("non-blocking read: %zd %s\n", n, n < 0 ? errno_name(errno) : "");
    printf("flags: %s\n", (fcntl(fds[0], F_GETFL) & O_NONBLOCK) ? "O_NONBLOCK" : "none");
    write(fds[1], "x", 1);
    close(fds[1]);
    show("data and no writer", fds[0], POLLIN);
    read(fds[0], buffer, 1);
    show("no writer", fds[0], POLLIN);
    n = read(fds[0], buffer, 1);
    printf("read at end: %zd\n", n);
    close(fds[0]);
    struct pollfd bad = {fds[0], POLLIN, 0};
    int count = poll(&bad, 1, 0);
    printf("closed fd: n=%d revents=%#x\n", count, (unsigned)bad.revents);
    n = write(fds[1], "x", 1);
    printf("write to closed: %zd %s\n", n, errno_name(errno));
    /* A pipe whose reader went (only polled: writing would raise SIGPIPE on Linux). */
    pipe(fds);
    close(fds[0]);
    show("no reader", fds[1], POLLOUT);
    close(fds[1]);
    /* PIPE_BUF: a full pipe, then room for less than PIPE_BUF bytes, then for PIPE_BUF. */
    pipe(fds);
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
    static char page[PIPE_BUF];
    long filled = 0;
    while ((n = write(fds[1], page, sizeof page)) > 0) filled += n;
    printf("filled with PIPE_BUF writes: %ld, then %s\n", filled, errno_name(errno));
    static char out[PIPE_BUF];
    printf("read 100: %zd\n", read(fds[0], out, 100));
    show("100 bytes of room", fds[1], POLLOUT);
    n = write(fds[1], page, sizeof page);
    printf("write PIPE_BUF: %zd %s\n", n, n < 0 ? errno_name(errno) : "");
    n = write(fds[1], page, 200);
    printf("write 200: %zd %s\n", n, n < 0 ? errno_name(errno) : "");
    printf("read 4000: %zd\n", read(fds[0], out, 4000));
    show("4100 bytes of room", fds[1], POLLOUT);
    n = write(fds[1], page, sizeof page);
    printf("write PIPE_BUF: %zd %s\n", n, n < 0 ? errno_name(errno) : "");
    close(fds[0]);
    close(fds[1]);
    /* Timeout: nothing comes in 10 ms. */
    pipe(fds);
    struct pollfd wait_for = {fds[0], POLLIN, 0};
    count = poll(&wait_for, 1, 10);
    printf("timeout: %d\n", count);
    return 0;
}
