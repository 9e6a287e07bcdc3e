/* uxrt's own functions for C programs, beyond POSIX (posix-shim). Programs that also
 * build on a Unix host include this under `#ifdef __uxrt__` (which `cargo xtask` defines
 * for uxrt builds). */
#ifndef _UXRT_H
#define _UXRT_H
#include <sys/types.h>

/* uxrt has no fork: start `path` with `argv` (NULL-ended); the child gets the fds. */
pid_t uxrt_spawn(const char *path, char *const argv[]);

/* Kernel entries (all threads) since uxrt_kernel_entries_reset, or -1 where the kernel
 * does not count them (only the benchmark kernel does). */
int uxrt_kernel_entries_reset(void);
long uxrt_kernel_entries(void);
/* The same entries by kind, as "fast:4,slowcall:0,...": the length written, or -1. */
int uxrt_kernel_entry_kinds(char *buffer, unsigned long size);

#endif
