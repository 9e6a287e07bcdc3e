/* posix-shim test: fsync and fdatasync, and a pipe's size (F_GETPIPE_SZ, F_SETPIPE_SZ:
 * rounding, limits, EBUSY, and the bytes a resized pipe takes before EAGAIN). Built against
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
    result("F_SETPIPE_SZ of a file", fcntl(file, F_SETPIPE_SZ, 8192));
    result("F_SETPIPE_SZ(0)", fcntl(fds[1], F_SETPIPE_SZ, 0));
    result("F_SETPIPE_SZ(5000)", fcntl(fds[1], F_SETPIPE_SZ, 5000));
    result("F_GETPIPE_SZ of the read end", fcntl(fds[0], F_GETPIPE_SZ));
    result("F_SETPIPE_SZ(-1)", fcntl(fds[1], F_SETPIPE_SZ, -1));
    result("F_SETPIPE_SZ(1 MiB)", fcntl(fds[1], F_SETPIPE_SZ, 1 << 20));
    result("F_SETPIPE_SZ(4096)", fcntl(fds[0], F_SETPIPE_SZ, 4096));
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
    char chunk[1024];
    memset(chunk, 'p', sizeof chunk);
    long taken = 0;
    for (int i = 0; i < 16; i++) {
        ssize_t n = write(fds[1], chunk, sizeof chunk);
        if (n < 0) {
            printf("a 4096-byte pipe took %ld bytes, then %s\n", taken, errno_name(errno));
            break;
        }
        taken += n;
    }
    result("F_SETPIPE_SZ(16384), full", fcntl(fds[1], F_SETPIPE_SZ, 16384));
    result("write 1024 more", write(fds[1], chunk, sizeof chunk));
    result("write 1024 again", write(fds[1], chunk, sizeof chunk));
    result("F_SETPIPE_SZ(4096): 6144 held", fcntl(fds[1], F_SETPIPE_SZ, 4096));
    char out[8192];
    result("read 4096", read(fds[0], out, 4096));
    result("F_SETPIPE_SZ(4096): 2048 held", fcntl(fds[1], F_SETPIPE_SZ, 4096));
    result("F_GETPIPE_SZ", fcntl(fds[0], F_GETPIPE_SZ));
    close(file);
    unlink("/tmp/sync_pipe_size.txt");
    return 0;
}
