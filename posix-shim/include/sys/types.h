/* uxrt posix-shim: basic types (x86_64). */
#ifndef _SYS_TYPES_H
#define _SYS_TYPES_H
/* Programs that run on both tell uxrt (no fork: uxrt_spawn) from a Unix host by this. */
#define __uxrt__ 1
#include <stddef.h>
#include <stdint.h>
typedef long ssize_t;
typedef long off_t;
typedef int pid_t;
typedef unsigned int mode_t;
typedef unsigned long ino_t;
typedef unsigned int nlink_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;
#endif
