/* posix-shim test: named pipes. mkfifo, mkfifoat, mknod and mknodat (each file type
 * and error), opening a FIFO (ENXIO for a non-blocking writer with no reader, EEXIST,
 * ENOTDIR), its data, end-of-file and EPIPE, a new writer after end-of-file, the bytes a
 * FIFO drops with its last end, and a blocking open that waits for the other end (a
 * child writes). Built against the host libc and against posix-shim; both must print
 * exactly the same. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define RESULT_WIDTH 44
#include "result.h"

#define DIR_ "/tmp/fifos.d"
#define FIFO DIR_ "/fifo"

extern char **environ;

static const char *kind(mode_t mode) {
    if (S_ISFIFO(mode)) return "fifo";
    if (S_ISREG(mode)) return "regular";
    if (S_ISDIR(mode)) return "directory";
    return "other";
}

static void show(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) {
        printf("stat %-39s -1 %s\n", path, errno_name(errno));
        return;
    }
    printf("stat %-39s %s %04o size %lld\n", path, kind(st.st_mode), (unsigned)(st.st_mode & 07777),
           (long long)st.st_size);
}

/* Reads what is there now and prints it (or the error). */
static void drain(const char *what, int fd) {
    char buffer[64];
    ssize_t n = read(fd, buffer, sizeof buffer - 1);
    if (n < 0) {
        printf("%-*s -1 %s\n", RESULT_WIDTH, what, errno_name(errno));
    } else {
        buffer[n] = 0;
        printf("%-*s %zd \"%s\"\n", RESULT_WIDTH, what, n, buffer);
    }
}

/* The child: a blocking open for writing (which waits for the parent's reader). */
static int writer(void) {
    int fd = open(FIFO, O_WRONLY);
    if (fd < 0) return 10;
    const char text[] = "from the child";
    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) return 11;
    return close(fd) == 0 ? 0 : 12;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "writer") == 0) return writer();
    signal(SIGPIPE, SIG_IGN);
    umask(022);
    mkdir(DIR_, 0755);
    unlink(FIFO);

    printf("-- making\n");
    result("mkfifo", mkfifo(FIFO, 0666));
    show(FIFO);
    result("mkfifo again", mkfifo(FIFO, 0600));
    result("mkfifo in a missing directory", mkfifo(DIR_ "/no/fifo", 0600));
    result("mkfifo under the fifo", mkfifo(FIFO "/x", 0600));
    result("mkfifoat", mkfifoat(AT_FDCWD, DIR_ "/at", 0640));
    show(DIR_ "/at");
    result("mknod S_IFIFO", mknod(DIR_ "/node", S_IFIFO | 0600, 0));
    show(DIR_ "/node");
    result("mknod S_IFREG", mknod(DIR_ "/regular", S_IFREG | 0640, 0));
    show(DIR_ "/regular");
    result("mknod with no type", mknod(DIR_ "/plain", 0600, 0));
    show(DIR_ "/plain");
    result("mknod S_IFREG over a file", mknod(DIR_ "/plain", S_IFREG | 0600, 0));
    result("mknod S_IFDIR", mknod(DIR_ "/dir", S_IFDIR | 0755, 0));
    result("mknod of no known type", mknod(DIR_ "/odd", 0030000 | 0600, 0));
    result("mknodat S_IFIFO", mknodat(AT_FDCWD, DIR_ "/node2", S_IFIFO | 0600, 0));
    show(DIR_ "/node2");
    result("rename a fifo", rename(DIR_ "/node2", DIR_ "/moved"));
    show(DIR_ "/moved");

    printf("-- opening without waiting\n");
    result("writer with no reader", open(FIFO, O_WRONLY | O_NONBLOCK));
    result("O_CREAT|O_EXCL", open(FIFO, O_RDONLY | O_NONBLOCK | O_CREAT | O_EXCL, 0600));
    result("O_DIRECTORY", open(FIFO, O_RDONLY | O_NONBLOCK | O_DIRECTORY));
    int reader = open(FIFO, O_RDONLY | O_NONBLOCK);
    result("reader", reader >= 0 ? 0 : -1);
    drain("read with no writer yet", reader);
    int writer_fd = open(FIFO, O_WRONLY | O_NONBLOCK);
    result("writer", writer_fd >= 0 ? 0 : -1);
    struct stat st;
    result("fstat", fstat(reader, &st));
    printf("%-*s %s\n", RESULT_WIDTH, "its kind", kind(st.st_mode));
    result("lseek", lseek(reader, 0, SEEK_SET));
    result("write", write(writer_fd, "hello", 5));
    drain("read", reader);
    drain("read of an empty fifo", reader);
    result("close the writer", close(writer_fd));
    drain("read after the writer", reader);
    writer_fd = open(FIFO, O_WRONLY | O_NONBLOCK);
    result("a new writer", writer_fd >= 0 ? 0 : -1);
    drain("read with a new writer", reader);
    result("write", write(writer_fd, "again", 5));
    drain("read", reader);
    result("close the reader", close(reader));
    result("write with no reader", write(writer_fd, "x", 1));
    reader = open(FIFO, O_RDONLY | O_NONBLOCK);
    result("write to a new reader", write(writer_fd, "kept?", 5));
    result("close both", close(writer_fd) | close(reader));
    reader = open(FIFO, O_RDONLY | O_NONBLOCK);
    drain("what the last close dropped", reader);
    result("close", close(reader));

    printf("-- a blocking open waits for the other end\n");
    fflush(stdout);
    char *args[] = {argv[0], "writer", NULL};
    pid_t pid;
    int error = posix_spawn(&pid, argv[0], NULL, NULL, args, environ);
    if (error != 0) {
        printf("posix_spawn: %s\n", errno_name(error));
        return 1;
    }
    reader = open(FIFO, O_RDONLY);
    result("blocking reader", reader >= 0 ? 0 : -1);
    char received[64] = {0};
    size_t got = 0;
    ssize_t n;
    while ((n = read(reader, received + got, sizeof received - 1 - got)) > 0) got += (size_t)n;
    printf("%-*s \"%s\", then %zd\n", RESULT_WIDTH, "read until end-of-file", received, n);
    int status = 0;
    waitpid(pid, &status, 0);
    printf("%-*s %d\n", RESULT_WIDTH, "the writer's status", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    result("close", close(reader));

    printf("-- listing and removing\n");
    DIR *dir = opendir(DIR_);
    struct dirent *entry;
    int fifos = 0, regular = 0;
    while (dir && (entry = readdir(dir)) != NULL) {
        fifos += entry->d_type == DT_FIFO;
        regular += entry->d_type == DT_REG;
    }
    if (dir) closedir(dir);
    printf("%-*s %d fifos, %d regular files\n", RESULT_WIDTH, "readdir", fifos, regular);
    const char *names[] = {FIFO, DIR_ "/at", DIR_ "/node", DIR_ "/regular", DIR_ "/plain", DIR_ "/moved"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) unlink(names[i]);
    show(FIFO);
    result("rmdir", rmdir(DIR_));
    return 0;
}
