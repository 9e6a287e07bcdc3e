/* posix-shim test: the fd limit (getrlimit, setrlimit), the monotonic clock and
 * positioned I/O (pread, pwrite). Built against the host libc and against posix-shim;
 * both must print exactly the same. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define RESULT_WIDTH 26
#include "result.h"

int main(void) {
    struct rlimit limit;
    result("getrlimit(NOFILE)", getrlimit(RLIMIT_NOFILE, &limit));
    printf("  soft <= hard: %d, soft >= 64: %d\n", limit.rlim_cur <= limit.rlim_max, limit.rlim_cur >= 64);
    struct rlimit low = {16, limit.rlim_max};
    result("setrlimit(soft 16)", setrlimit(RLIMIT_NOFILE, &low));
    int last = -1, fd;
    while ((fd = dup(2)) >= 0) last = fd;
    printf("  dup until %s; the last fd %d\n", errno_name(errno), last);
    result("  dup2 to fd 16", dup2(2, 16));
    result("  open beyond", open("/dev/null", O_RDONLY));
    for (int i = 3; i <= last; i++) close(i);
    struct rlimit inverted = {limit.rlim_max, limit.rlim_max - 1};
    result("setrlimit(soft > hard)", setrlimit(RLIMIT_NOFILE, &inverted));
    result("setrlimit(back)", setrlimit(RLIMIT_NOFILE, &limit));
    result("getrlimit(bad resource)", getrlimit(12345, &limit));

    struct timespec a, b;
    result("clock_gettime(MONOTONIC)", clock_gettime(CLOCK_MONOTONIC, &a));
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("  nanoseconds in range: %d, not going back: %d\n", a.tv_nsec >= 0 && a.tv_nsec < 1000000000,
           b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
    result("clock_gettime(bad clock)", clock_gettime(12345, &a));

    int file = open("/tmp/limits_time.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(file, "hello ......", 12);
    result("pwrite at 6", pwrite(file, "world", 5, 6));
    result("  offset after", lseek(file, 0, SEEK_CUR));
    char buffer[16] = {0};
    result("pread at 0", pread(file, buffer, 11, 0));
    printf("  read '%s'\n", buffer);
    result("  offset after", lseek(file, 0, SEEK_CUR));
    result("pread past the end", pread(file, buffer, 4, 100));
    result("pread at -1", pread(file, buffer, 4, -1));
    close(file);
    unlink("/tmp/limits_time.txt");
    int fds[2];
    pipe(fds);
    result("pread of a pipe", pread(fds[0], buffer, 1, 0));
    result("pwrite of a pipe", pwrite(fds[1], "x", 1, 0));
    return 0;
}
