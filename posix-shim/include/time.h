/* uxrt posix-shim: time.h. The monotonic clock only: uxrt reads no wall-clock time yet
 * (CLOCK_REALTIME gives EINVAL). */
#ifndef _TIME_H
#define _TIME_H
#include <sys/types.h>
typedef long time_t;
typedef int clockid_t;
struct timespec {
    time_t tv_sec;
    long tv_nsec;
};
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7
int clock_gettime(clockid_t clock, struct timespec *now);
#endif
