/* posix-shim test: fsync and fdatasync, and a pipe's size (F_GETPIPE_SZ). Built against
 * the host libc and against posix-shim; both must print exactly the same. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define RESULT_WIDTH 28
#include "result.h"

int main(void) {
    int file = open("/tmp/sync_pipe_size.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(file, "data", 4);
    result("fsync(a file)", fsync(file));
    result("fdatasync(a file)", fdatasync(file));
    int fds[2];
    pipe(fds);
    result("fsync(a pipe)", fsync(fds[1]));
    result("fdatasync(a pipe)", fdatasync(fds[0]));
    result("fsync(a closed fd)", fsync(99));
    result("F_GETPIPE_SZ of a pipe", fcntl(fds[0], F_GETPIPE_SZ));
    result("F_GETPIPE_SZ of the other end", fcntl(fds[1], F_GETPIPE_SZ));
    result("F_GETPIPE_SZ of a file", fcntl(file, F_GETPIPE_SZ));
    close(file);
    unlink("/tmp/sync_pipe_size.txt");
    return 0;
}
