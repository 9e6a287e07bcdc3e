/* The *at calls with AT_FDCWD and absolute paths (openat, fstatat, mkdirat, renameat,
 * faccessat, unlinkat), their errors, and readlink where there are no links. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RESULT_WIDTH 40
#include "result.h"

int main(void) {
    chdir("/tmp");
    result("mkdirat(AT_FDCWD, ctest-at)", mkdirat(AT_FDCWD, "ctest-at", 0755));
    int fd = openat(AT_FDCWD, "ctest-at/file", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    result("openat(AT_FDCWD, ctest-at/file)", fd >= 0 ? 0 : -1);
    result("write", write(fd, "twelve bytes", 12));
    struct stat st;
    result("fstatat(AT_FDCWD, relative)", fstatat(AT_FDCWD, "ctest-at/file", &st, 0));
    printf("  size %ld, regular %d\n", (long)st.st_size, S_ISREG(st.st_mode));
    result("fstatat(bad fd, absolute)", fstatat(12345, "/tmp/ctest-at/file", &st, 0));
    result("fstatat(fd, \"\", AT_EMPTY_PATH)", fstatat(fd, "", &st, AT_EMPTY_PATH));
    printf("  size %ld\n", (long)st.st_size);
    result("fstatat(bad flags)", fstatat(AT_FDCWD, "ctest-at/file", &st, 0x4000000));
    result("fstatat(bad fd, relative)", fstatat(12345, "ctest-at/file", &st, 0));
    result("fstatat(a file's fd, relative)", fstatat(fd, "file", &st, 0));
    close(fd);
    result("faccessat(F_OK)", faccessat(AT_FDCWD, "ctest-at/file", F_OK, 0));
    result("faccessat(missing)", faccessat(AT_FDCWD, "ctest-at/none", F_OK, 0));
    result("renameat", renameat(AT_FDCWD, "ctest-at/file", AT_FDCWD, "/tmp/ctest-at/moved"));
    result("fstatat(the old name)", fstatat(AT_FDCWD, "ctest-at/file", &st, 0));
    char link[64];
    result("readlink(a file)", readlink("/tmp/ctest-at/moved", link, sizeof link));
    result("readlink(missing)", readlink("/tmp/ctest-at/none", link, sizeof link));
    result("unlinkat(bad flags)", unlinkat(AT_FDCWD, "ctest-at/moved", 0x1));

    /* Modes: what a file is made with, less the umask; chmod. */
    struct stat mode;
    umask(027);
    printf("umask(027) then umask() is %03o\n", (unsigned)umask(027));
    close(open("/tmp/ctest-at/made", O_WRONLY | O_CREAT, 0666));
    stat("/tmp/ctest-at/made", &mode);
    printf("  a file made 0666 is %04o\n", (unsigned)(mode.st_mode & 07777));
    mkdir("/tmp/ctest-at/dir", 0777);
    stat("/tmp/ctest-at/dir", &mode);
    printf("  a directory made 0777 is %04o, a directory %d\n", (unsigned)(mode.st_mode & 07777), S_ISDIR(mode.st_mode));
    result("chmod(0600)", chmod("/tmp/ctest-at/made", 0600));
    stat("/tmp/ctest-at/made", &mode);
    printf("  now %04o, still a file %d\n", (unsigned)(mode.st_mode & 07777), S_ISREG(mode.st_mode));
    result("fchmodat(AT_FDCWD, 0755)", fchmodat(AT_FDCWD, "ctest-at/made", 0755, 0));
    fstatat(AT_FDCWD, "ctest-at/made", &mode, 0);
    printf("  now %04o\n", (unsigned)(mode.st_mode & 07777));
    result("chmod(missing)", chmod("/tmp/ctest-at/none", 0600));

    /* Times: stamped when made, modified by a write, changed (only) by chmod. */
    struct timespec pause = {0, 30 * 1000 * 1000};
    time_t before = time(NULL);
    int timed = open("/tmp/ctest-at/timed", O_WRONLY | O_CREAT, 0644);
    struct stat made, written, changed;
    fstat(timed, &made);
    printf("  made now: %d\n", made.st_mtime >= before && made.st_mtime <= time(NULL));
    nanosleep(&pause, NULL);
    write(timed, "x", 1);
    fstat(timed, &written);
    int later = written.st_mtim.tv_sec > made.st_mtim.tv_sec ||
                (written.st_mtim.tv_sec == made.st_mtim.tv_sec && written.st_mtim.tv_nsec > made.st_mtim.tv_nsec);
    printf("  a write moves the modification time on: %d\n", later);
    nanosleep(&pause, NULL);
    fchmodat(AT_FDCWD, "/tmp/ctest-at/timed", 0600, 0);
    stat("/tmp/ctest-at/timed", &changed);
    printf("  chmod keeps it: %d, and moves the change time on: %d\n",
           changed.st_mtim.tv_sec == written.st_mtim.tv_sec && changed.st_mtim.tv_nsec == written.st_mtim.tv_nsec,
           changed.st_ctim.tv_sec * 1000000000L + changed.st_ctim.tv_nsec >
               written.st_ctim.tv_sec * 1000000000L + written.st_ctim.tv_nsec);
    result("fchmod(0640)", fchmod(timed, 0640));
    fstat(timed, &changed);
    printf("  now %04o\n", (unsigned)(changed.st_mode & 07777));
    close(timed);
    unlink("/tmp/ctest-at/timed");
    umask(022);
    unlink("/tmp/ctest-at/made");
    rmdir("/tmp/ctest-at/dir");
    result("unlinkat(the file)", unlinkat(AT_FDCWD, "ctest-at/moved", 0));
    result("unlinkat(the directory, no flag)", unlinkat(AT_FDCWD, "ctest-at", 0));
    result("unlinkat(AT_REMOVEDIR)", unlinkat(AT_FDCWD, "/tmp/ctest-at", AT_REMOVEDIR));
    return 0;
}
