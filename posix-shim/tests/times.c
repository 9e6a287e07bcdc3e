/* posix-shim test: a file's three times. A new file's are equal; a write moves the
 * modification and change times, not the access time; a read moves the access time the
 * first time after a change and not again (Linux's default, relatime); chmod moves only
 * the change time; utimensat, futimens, utimes and utime set them (UTIME_NOW,
 * UTIME_OMIT, a symbolic link itself with AT_SYMLINK_NOFOLLOW) with Linux's errors.
 * Built against the host libc and against posix-shim; both must print exactly the
 * same. (Steps are 20 ms apart: Linux stamps files with a clock of coarse ticks.) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#define RESULT_WIDTH 44
#include "result.h"

#define FILE_ "/tmp/times.txt"
#define LINK "/tmp/times.link"

static struct stat before;

static long long ns(struct timespec t) { return (long long)t.tv_sec * 1000000000LL + t.tv_nsec; }

static const char *compare(struct timespec now, struct timespec then) {
    return ns(now) > ns(then) ? "later" : ns(now) == ns(then) ? "same" : "earlier";
}

/* What moved since the last call (each time against its value then). */
static void moved(const char *what) {
    struct stat now;
    if (stat(FILE_, &now) != 0) {
        printf("%-*s stat -1 %s\n", RESULT_WIDTH, what, errno_name(errno));
        return;
    }
    printf("%-*s access %s, modification %s, change %s\n", RESULT_WIDTH, what, compare(now.st_atim, before.st_atim),
           compare(now.st_mtim, before.st_mtim), compare(now.st_ctim, before.st_ctim));
    before = now;
    usleep(20 * 1000);
}

static void show(const char *what, const char *path) {
    struct stat now;
    if (lstat(path, &now) != 0) {
        printf("%-*s -1 %s\n", RESULT_WIDTH, what, errno_name(errno));
        return;
    }
    printf("%-*s access %lld.%09ld, modification %lld.%09ld\n", RESULT_WIDTH, what, (long long)now.st_atim.tv_sec,
           now.st_atim.tv_nsec, (long long)now.st_mtim.tv_sec, now.st_mtim.tv_nsec);
}

int main(void) {
    unlink(FILE_);
    unlink(LINK);
    int fd = open(FILE_, O_RDWR | O_CREAT | O_TRUNC, 0644);
    stat(FILE_, &before);
    printf("%-*s %s\n", RESULT_WIDTH, "a new file's three times are equal",
           ns(before.st_atim) == ns(before.st_mtim) && ns(before.st_mtim) == ns(before.st_ctim) ? "yes" : "no");
    usleep(20 * 1000);
    char buffer[8];
    result("write", write(fd, "abc", 3));
    moved("after a write");
    result("pread", pread(fd, buffer, 3, 0));
    moved("after the first read since");
    result("pread", pread(fd, buffer, 3, 0));
    moved("after another read");
    result("chmod", chmod(FILE_, 0600));
    moved("after chmod");
    result("pread", pread(fd, buffer, 3, 0));
    moved("after a read since chmod");

    printf("-- setting them\n");
    struct timespec both[2] = {{1000000000, 5}, {1500000000, 999999999}};
    result("utimensat", utimensat(AT_FDCWD, FILE_, both, 0));
    show("set", FILE_);
    moved("(the change time)");
    struct timespec omit_access[2] = {{0, UTIME_OMIT}, {1600000000, 0}};
    result("utimensat, access omitted", utimensat(AT_FDCWD, FILE_, omit_access, 0));
    show("set", FILE_);
    moved("(the change time)");
    struct timespec omit_both[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    result("utimensat, both omitted", utimensat(AT_FDCWD, FILE_, omit_both, 0));
    moved("nothing changes");
    struct timespec now_access[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    result("futimens, access now", futimens(fd, now_access));
    moved("after");
    result("utimensat(NULL): both now", utimensat(AT_FDCWD, FILE_, NULL, 0));
    moved("after");
    struct timeval old[2] = {{1200000000, 250000}, {1300000000, 0}};
    result("utimes", utimes(FILE_, old));
    show("set", FILE_);
    struct utimbuf older = {1100000000, 1150000000};
    result("utime", utime(FILE_, &older));
    show("set", FILE_);
    result("futimes", futimes(fd, old));
    show("set", FILE_);

    printf("-- links and errors\n");
    result("symlink", symlink(FILE_, LINK));
    result("utimensat through the link", utimensat(AT_FDCWD, LINK, both, 0));
    show("the file", FILE_);
    result("utimensat of the link itself", utimensat(AT_FDCWD, LINK, omit_access, AT_SYMLINK_NOFOLLOW));
    show("the file, unchanged", FILE_);
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    result("nanoseconds out of range", utimensat(AT_FDCWD, FILE_, bad, 0));
    result("unknown flags", utimensat(AT_FDCWD, FILE_, both, 0x4000));
    result("a missing file", utimensat(AT_FDCWD, "/tmp/no/such", both, 0));
    result("futimens of a closed fd", futimens(99, both));
    close(fd);
    unlink(LINK);
    unlink(FILE_);
    return 0;
}
