/* posix-shim test: creating and duplicating descriptors with flags (pipe2, dup3, creat)
 * and the limits a program asks for (getpagesize, sysconf, getdtablesize). Built against
 * the host libc and against posix-shim; both must print exactly the same. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

static void flags_of(const char *what, int fd) {
    int fd_flags = fcntl(fd, F_GETFD);
    int status = fcntl(fd, F_GETFL);
    printf("%-22s cloexec=%d nonblock=%d\n", what, (fd_flags & FD_CLOEXEC) != 0, (status & O_NONBLOCK) != 0);
}

#define RESULT_WIDTH 26
#define RESULT_OK
#include "result.h"

int main(void) {
    int fds[2];
    result("pipe2(0)", pipe2(fds, 0));
    flags_of("  read end", fds[0]);
    flags_of("  write end", fds[1]);
    close(fds[0]);
    close(fds[1]);
    result("pipe2(CLOEXEC)", pipe2(fds, O_CLOEXEC));
    flags_of("  read end", fds[0]);
    close(fds[0]);
    close(fds[1]);
    result("pipe2(NONBLOCK)", pipe2(fds, O_NONBLOCK));
    flags_of("  write end", fds[1]);
    char byte;
    ssize_t n = read(fds[0], &byte, 1);
    printf("  empty read: %zd %s\n", n, n < 0 ? errno_name(errno) : "");
    result("pipe2(bad flags)", pipe2(fds + 0, 0x40000000));

    int high = dup3(fds[0], 100, O_CLOEXEC);
    printf("dup3(CLOEXEC) -> %d\n", high);
    flags_of("  new fd", high);
    flags_of("  old fd", fds[0]);
    result("dup3(same fd)", dup3(fds[0], fds[0], 0));
    result("dup3(bad flags)", dup3(fds[0], 101, O_NONBLOCK));
    result("dup3(closed fd)", dup3(77, 101, 0));
    printf("dup3(over open fd) -> %d\n", dup3(fds[1], 100, 0));
    flags_of("  replaced fd", 100);
    int from = fcntl(fds[0], F_DUPFD, 50);
    printf("F_DUPFD(50) -> %d\n", from);
    flags_of("  new fd", from);
    printf("F_DUPFD(50) again -> %d\n", fcntl(fds[0], F_DUPFD, 50));
    int cloexec = fcntl(fds[1], F_DUPFD_CLOEXEC, 0);
    printf("F_DUPFD_CLOEXEC(0) -> %s\n", cloexec >= 0 && cloexec < from ? "the lowest free fd" : "?");
    flags_of("  new fd", cloexec);
    result("F_DUPFD(closed fd)", fcntl(77, F_DUPFD, 0));
    result("F_DUPFD(-1)", fcntl(fds[0], F_DUPFD, -1));
    result("F_DUPFD(past the limit)", fcntl(fds[0], F_DUPFD, 1 << 30));
    close(from);
    close(from + 1);
    close(cloexec);
    close(100);
    close(fds[0]);
    close(fds[1]);

    int made = creat("/tmp/descriptors.txt", 0644);
    printf("creat -> %s\n", made >= 0 ? "fd" : errno_name(errno));
    printf("  write: %zd\n", write(made, "abc", 3));
    n = read(made, &byte, 1);
    printf("  read on write-only: %zd %s\n", n, n < 0 ? errno_name(errno) : "");
    close(made);
    made = creat("/tmp/descriptors.txt", 0644);
    struct stat info;
    fstat(made, &info);
    printf("creat again: size %lld\n", (long long)info.st_size);
    close(made);
    unlink("/tmp/descriptors.txt");
    result("creat(no dir)", creat("/no/such/dir/file", 0644));

    printf("getpagesize: %d\n", getpagesize());
    printf("sysconf(_SC_PAGESIZE): %ld\n", sysconf(_SC_PAGESIZE));
    long open_max = sysconf(_SC_OPEN_MAX);
    printf("sysconf(_SC_OPEN_MAX) >= 1024: %d\n", open_max >= 1024);
    printf("getdtablesize() == _SC_OPEN_MAX: %d\n", getdtablesize() == open_max);
    errno = 0;
    long unknown = sysconf(-1);
    printf("sysconf(-1): %ld %s\n", unknown, errno_name(errno));

    /* Terminal calls on what is no terminal. */
    int ends[2];
    pipe(ends);
    struct termios settings;
    struct winsize size;
    result("tcgetattr(a pipe)", tcgetattr(ends[0], &settings));
    result("ioctl(a pipe, TIOCGWINSZ)", ioctl(ends[1], TIOCGWINSZ, &size));
    result("isatty(a pipe)", isatty(ends[0]) ? 1 : -1);
    result("tcgetattr(a closed fd)", tcgetattr(99, &settings));
    close(ends[0]);
    close(ends[1]);
    return 0;
}
