/* uxrt posix-shim: unistd.h. Files go straight to their server (libuxrt fs). */
#ifndef _UNISTD_H
#define _UNISTD_H
#include <sys/types.h>
#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
ssize_t read(int fd, void *buf, size_t count);
ssize_t write(int fd, const void *buf, size_t count);
ssize_t pread(int fd, void *buf, size_t count, off_t offset);
ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset);
int close(int fd);
int fsync(int fd);
int fdatasync(int fd);
off_t lseek(int fd, off_t offset, int whence);
int dup(int fd);
int dup2(int old, int new_fd);
int dup3(int old, int new_fd, int flags);
int pipe(int fds[2]);
int pipe2(int fds[2], int flags);
int unlink(const char *path);
int rmdir(const char *path);
int chdir(const char *path);
char *getcwd(char *buf, size_t size);
int isatty(int fd);
pid_t getpid(void);
pid_t getppid(void);
unsigned int sleep(unsigned int seconds);
int usleep(unsigned int us);
void _exit(int status) __attribute__((noreturn));
/* sysconf names (glibc's values); other names give EINVAL. */
#define _SC_CLK_TCK 2
#define _SC_OPEN_MAX 4
#define _SC_PAGESIZE 30
#define _SC_PAGE_SIZE _SC_PAGESIZE
long sysconf(int name);
int getpagesize(void);
int getdtablesize(void);
/* uxrt has no fork: start `path` with `argv` (NULL-ended); the child gets the fds. */
pid_t uxrt_spawn(const char *path, char *const argv[]);
/* Kernel entries (all threads) since uxrt_kernel_entries_reset, or -1 where the kernel
 * does not count them (only the benchmark kernel does). */
int uxrt_kernel_entries_reset(void);
long uxrt_kernel_entries(void);
/* The same entries by kind, as "fast:4,slowcall:0,...": the length written, or -1. */
int uxrt_kernel_entry_kinds(char *buffer, unsigned long size);
#endif
