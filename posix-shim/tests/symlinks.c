/* Symbolic links: symlink, symlinkat, readlink, readlinkat, lstat and fstatat with
 * AT_SYMLINK_NOFOLLOW, links followed by open, stat, chmod and chdir (relative and
 * absolute targets, chains, links to directories and across mounts), O_NOFOLLOW,
 * O_CREAT through a dangling link, loops (ELOOP), and what acts on the link itself
 * (unlink, rename, mkdir, rmdir, O_CREAT|O_EXCL). */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RESULT_WIDTH 44
#include "result.h"

#define DIR_ "/tmp/ctest-links"

static const char *names[] = {"file", "rel", "abs", "chain", "dangling", "made", "dirlink", "loop-a", "loop-b",
                              "self", "null", "moved", "missing", "dir/inner", "dir", "gone"};

static void clean(void) {
    for (unsigned i = 0; i < sizeof names / sizeof *names; i++) {
        char path[128];
        snprintf(path, sizeof path, DIR_ "/%s", names[i]);
        if (unlink(path) != 0) {
            rmdir(path);
        }
    }
    rmdir(DIR_);
}

/* readlink's answer as text. */
static void show_link(const char *what, const char *path) {
    char target[256];
    ssize_t n = readlink(path, target, sizeof target);
    result(what, n);
    if (n >= 0) {
        printf("  -> \"%.*s\"\n", (int)n, target);
    }
}

static void show_lstat(const char *what, const char *path) {
    struct stat st;
    result(what, lstat(path, &st));
    printf("  link %d, regular %d, directory %d, size %ld, mode %04o\n", S_ISLNK(st.st_mode), S_ISREG(st.st_mode),
           S_ISDIR(st.st_mode), (long)st.st_size, (unsigned)(st.st_mode & 07777));
}

static void show_stat(const char *what, const char *path) {
    struct stat st;
    memset(&st, 0, sizeof st);
    int r = stat(path, &st);
    result(what, r);
    if (r == 0) {
        printf("  link %d, regular %d, directory %d, character device %d, size %ld\n", S_ISLNK(st.st_mode),
               S_ISREG(st.st_mode), S_ISDIR(st.st_mode), S_ISCHR(st.st_mode),
               /* (A directory's size is the file system's own.) */
               S_ISDIR(st.st_mode) ? 0L : (long)st.st_size);
    }
}

static void show_contents(const char *what, const char *path) {
    char bytes[64] = {0};
    int fd = open(path, O_RDONLY);
    result(what, fd >= 0 ? 0 : -1);
    if (fd >= 0) {
        ssize_t n = read(fd, bytes, sizeof bytes - 1);
        printf("  read %ld: \"%s\"\n", (long)n, n > 0 ? bytes : "");
        close(fd);
    }
}

int main(void) {
    clean();
    result("mkdir(" DIR_ ")", mkdir(DIR_, 0755));
    result("chdir(" DIR_ ")", chdir(DIR_));
    int fd = open("file", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    result("write(file)", write(fd, "the file's bytes", 16));
    close(fd);

    printf("-- making and reading links\n");
    result("symlink(file, rel)", symlink("file", "rel"));
    result("symlink(/tmp/.../file, abs)", symlink(DIR_ "/file", DIR_ "/abs"));
    result("symlinkat(rel, AT_FDCWD, chain)", symlinkat("rel", AT_FDCWD, "chain"));
    result("symlink(missing, dangling)", symlink("missing", "dangling"));
    result("symlink(x, rel): exists", symlink("x", "rel"));
    result("symlink(x, file): exists", symlink("x", "file"));
    result("symlink(\"\", gone): empty target", symlink("", "gone"));
    result("symlink(x, nodir/name)", symlink("x", "nodir/name"));
    show_link("readlink(rel)", "rel");
    show_link("readlink(abs)", DIR_ "/abs");
    show_link("readlink(chain): one level", "chain");
    show_link("readlink(dangling)", "dangling");
    char small[4];
    result("readlink(abs, 4 bytes): cut", readlink("abs", small, sizeof small));
    printf("  \"%.4s\"\n", small);
    result("readlink(rel, 0 bytes)", readlink("rel", small, 0));
    result("readlink(file): no link", readlink("file", small, sizeof small));
    result("readlink(missing)", readlink("missing", small, sizeof small));
    char target[64];
    ssize_t n = readlinkat(AT_FDCWD, "rel", target, sizeof target);
    result("readlinkat(AT_FDCWD, rel)", n);

    printf("-- lstat sees the link, stat what it names\n");
    show_lstat("lstat(rel)", "rel");
    show_lstat("lstat(abs)", "abs");
    show_lstat("lstat(file)", "file");
    show_stat("stat(rel)", "rel");
    show_stat("stat(chain)", "chain");
    show_stat("stat(dangling)", "dangling");
    struct stat st;
    result("fstatat(chain, AT_SYMLINK_NOFOLLOW)", fstatat(AT_FDCWD, "chain", &st, AT_SYMLINK_NOFOLLOW));
    printf("  link %d, size %ld\n", S_ISLNK(st.st_mode), (long)st.st_size);
    result("fstatat(chain, 0)", fstatat(AT_FDCWD, "chain", &st, 0));
    printf("  regular %d, size %ld\n", S_ISREG(st.st_mode), (long)st.st_size);

    printf("-- open follows\n");
    show_contents("open(rel)", "rel");
    show_contents("open(abs)", "abs");
    show_contents("open(chain)", "chain");
    result("open(rel, O_NOFOLLOW)", open("rel", O_RDONLY | O_NOFOLLOW));
    result("open(dangling)", open("dangling", O_RDONLY));
    result("open(dangling, O_CREAT|O_EXCL)", open("dangling", O_WRONLY | O_CREAT | O_EXCL, 0644));
    result("open(rel, O_CREAT|O_EXCL)", open("rel", O_WRONLY | O_CREAT | O_EXCL, 0644));
    fd = open("dangling", O_WRONLY | O_CREAT, 0600);
    result("open(dangling, O_CREAT): makes the target", fd >= 0 ? 0 : -1);
    result("write", write(fd, "made", 4));
    close(fd);
    show_stat("stat(missing): now there", "missing");
    show_lstat("lstat(dangling): still a link", "dangling");
    fd = open("file", O_RDONLY | O_NOFOLLOW);
    result("open(file, O_NOFOLLOW): no link", fd >= 0 ? 0 : -1);
    close(fd);
    result("chmod(rel, 0600): the file's", chmod("rel", 0600));
    show_lstat("lstat(file)", "file");
    result("fchmodat(rel, AT_SYMLINK_NOFOLLOW)", fchmodat(AT_FDCWD, "rel", 0644, AT_SYMLINK_NOFOLLOW));
    result("fchmodat(file, AT_SYMLINK_NOFOLLOW)", fchmodat(AT_FDCWD, "file", 0644, AT_SYMLINK_NOFOLLOW));

    printf("-- directories\n");
    result("mkdir(dir)", mkdir("dir", 0755));
    fd = open("dir/inner", O_WRONLY | O_CREAT, 0644);
    result("write(dir/inner)", write(fd, "inner", 5));
    close(fd);
    result("symlink(dir, dirlink)", symlink("dir", "dirlink"));
    show_contents("open(dirlink/inner)", "dirlink/inner");
    show_lstat("lstat(dirlink/inner): through", "dirlink/inner");
    show_stat("stat(dirlink)", "dirlink");
    result("open(rel/x): a file on the way", open("rel/x", O_RDONLY));
    result("mkdir(dirlink): exists", mkdir("dirlink", 0755));
    result("rmdir(dirlink): no directory", rmdir("dirlink"));
    result("open(dirlink, O_DIRECTORY)", (fd = open("dirlink", O_RDONLY | O_DIRECTORY)) >= 0 ? 0 : -1);
    close(fd);
    DIR *listing = opendir(DIR_);
    int links = 0, entries = 0;
    for (struct dirent *entry; listing && (entry = readdir(listing));) {
        entries += entry->d_name[0] != '.';
        links += entry->d_type == DT_LNK;
    }
    closedir(listing);
    printf("readdir: %d entries, %d links\n", entries, links);
    result("chdir(dirlink)", chdir("dirlink"));
    char cwd[128];
    printf("  getcwd: %s\n", getcwd(cwd, sizeof cwd) ? cwd : "(failed)");
    show_contents("open(inner)", "inner");
    result("chdir(" DIR_ ")", chdir(DIR_));
    result("chdir(rel): a file", chdir("rel"));

    printf("-- loops and other mounts\n");
    result("symlink(loop-b, loop-a)", symlink("loop-b", "loop-a"));
    result("symlink(loop-a, loop-b)", symlink("loop-a", "loop-b"));
    result("symlink(self, self)", symlink("self", "self"));
    result("open(loop-a)", open("loop-a", O_RDONLY));
    result("stat(self)", stat("self", &st));
    result("stat(loop-a/x)", stat("loop-a/x", &st));
    result("chdir(loop-b)", chdir("loop-b"));
    show_lstat("lstat(loop-a)", "loop-a");
    result("symlink(/dev/null, null)", symlink("/dev/null", "null"));
    show_stat("stat(null)", "null");
    fd = open("null", O_WRONLY);
    result("write(null)", write(fd, "gone", 4));
    close(fd);

    printf("-- what acts on the link\n");
    result("rename(abs, moved)", rename("abs", "moved"));
    show_link("readlink(moved)", "moved");
    show_contents("open(moved)", "moved");
    result("unlink(rel)", unlink("rel"));
    show_stat("stat(file): still there", "file");
    show_stat("stat(chain): rel is gone", "chain");
    result("unlink(dirlink)", unlink("dirlink"));
    show_stat("stat(dir)", "dir");

    clean();
    return 0;
}
