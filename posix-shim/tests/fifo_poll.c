/* posix-shim test: poll on named pipes (apart from fifos.c, which also runs where there
 * is no poll: the kernel without notification queues). Two opens of a FIFO for reading
 * each hear of a write, also after the other closed; a writer is writable, and hears of
 * the last reader going. (Not checked: that a reader the other drained reads as not
 * ready. uxrt caches readiness per fd and clears it on that fd's own reads: the poll
 * says readable until this fd's read answers EAGAIN.) Built against the host libc and against posix-shim; both must
 * print exactly the same. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define RESULT_WIDTH 40
#include "result.h"

#define FIFO "/tmp/fifo_poll"

static void polled(const char *what, int fd, short events) {
    struct pollfd entry = {.fd = fd, .events = events};
    int n = poll(&entry, 1, 0);
    printf("%-*s %d, revents %#x\n", RESULT_WIDTH, what, n, entry.revents);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    unlink(FIFO);
    result("mkfifo", mkfifo(FIFO, 0600));
    int first = open(FIFO, O_RDONLY | O_NONBLOCK);
    int second = open(FIFO, O_RDONLY | O_NONBLOCK);
    int writer = open(FIFO, O_WRONLY | O_NONBLOCK);
    polled("the first reader, nothing yet", first, POLLIN);
    polled("the second reader, nothing yet", second, POLLIN);
    polled("the writer", writer, POLLOUT);
    result("close the second", close(second));
    result("write", write(writer, "one", 3));
    polled("the first reader, after", first, POLLIN);
    char buffer[8];
    result("read", read(first, buffer, sizeof buffer));
    second = open(FIFO, O_RDONLY | O_NONBLOCK);
    result("write", write(writer, "two", 3));
    polled("the first reader", first, POLLIN);
    polled("a new second reader", second, POLLIN);
    result("read it through the second", read(second, buffer, sizeof buffer));
    result("close both readers", close(first) | close(second));
    polled("the writer, no reader left", writer, POLLOUT);
    result("close the writer", close(writer));
    result("unlink", unlink(FIFO));
    return 0;
}
