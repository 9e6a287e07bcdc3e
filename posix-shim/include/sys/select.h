/* uxrt posix-shim: sys/select.h (on poll). */
#ifndef _SYS_SELECT_H
#define _SYS_SELECT_H
#include <sys/types.h>
#define FD_SETSIZE 1024
typedef struct {
    unsigned long bits[FD_SETSIZE / 64];
} fd_set;
struct timeval {
    long tv_sec;
    long tv_usec;
};
#define FD_ZERO(set) __builtin_memset((set), 0, sizeof(fd_set))
#define FD_SET(fd, set) ((set)->bits[(fd) / 64] |= 1UL << ((fd) % 64))
#define FD_CLR(fd, set) ((set)->bits[(fd) / 64] &= ~(1UL << ((fd) % 64)))
#define FD_ISSET(fd, set) (((set)->bits[(fd) / 64] >> ((fd) % 64)) & 1)
int select(int nfds, fd_set *read, fd_set *write, fd_set *except, struct timeval *timeout);
#endif
