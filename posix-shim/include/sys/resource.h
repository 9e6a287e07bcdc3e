/* uxrt posix-shim: sys/resource.h. Only the fd limit is kept (Linux's values). */
#ifndef _SYS_RESOURCE_H
#define _SYS_RESOURCE_H
#include <sys/types.h>
typedef unsigned long rlim_t;
struct rlimit {
    rlim_t rlim_cur;
    rlim_t rlim_max;
};
#define RLIM_INFINITY (~0UL)
#define RLIMIT_NOFILE 7
/* RLIMIT_NOFILE only; other resources give EINVAL. */
int getrlimit(int resource, struct rlimit *limit);
int setrlimit(int resource, const struct rlimit *limit);
#endif
