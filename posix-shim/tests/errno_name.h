/* Shared by the C tests (included, not a test itself): errno's symbolic name. The tests
 * print names, not strerror's text, which differs between C libraries (glibc says "Too
 * many open files" where musl says "No file descriptors available") while the numbers,
 * the behaviour under test, are the same. */
#ifndef ERRNO_NAME_H
#define ERRNO_NAME_H
#include <errno.h>

#define ERRNO_NAME(e) \
    case e:           \
        return #e;

static const char *errno_name(int e) {
    switch (e) {
        ERRNO_NAME(EPERM)
        ERRNO_NAME(ENOENT)
        ERRNO_NAME(ESRCH)
        ERRNO_NAME(EINTR)
        ERRNO_NAME(EIO)
        ERRNO_NAME(ENXIO)
        ERRNO_NAME(EBADF)
        ERRNO_NAME(ECHILD)
        ERRNO_NAME(EAGAIN)
        ERRNO_NAME(ENOMEM)
        ERRNO_NAME(EACCES)
        ERRNO_NAME(EFAULT)
        ERRNO_NAME(EBUSY)
        ERRNO_NAME(EEXIST)
        ERRNO_NAME(EXDEV)
        ERRNO_NAME(ENODEV)
        ERRNO_NAME(ENOTDIR)
        ERRNO_NAME(EISDIR)
        ERRNO_NAME(EINVAL)
        ERRNO_NAME(ENFILE)
        ERRNO_NAME(EMFILE)
        ERRNO_NAME(ENOTTY)
        ERRNO_NAME(EFBIG)
        ERRNO_NAME(ENOSPC)
        ERRNO_NAME(ESPIPE)
        ERRNO_NAME(EROFS)
        ERRNO_NAME(EPIPE)
        ERRNO_NAME(ERANGE)
        ERRNO_NAME(ENAMETOOLONG)
        ERRNO_NAME(ENOSYS)
        ERRNO_NAME(ENOTEMPTY)
        ERRNO_NAME(ELOOP)
        ERRNO_NAME(ENOTSUP)
    }
    return "(an errno these tests do not name)";
}
#endif
