/* posix-shim test: anonymous memory (mmap, munmap). Built against the host libc and
 * against posix-shim; both must print exactly the same. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define RESULT_WIDTH 30
#include "result.h"

static void mapped(const char *what, void *at) {
    if (at == MAP_FAILED) {
        printf("%-30s MAP_FAILED %s\n", what, errno_name(errno));
    } else {
        printf("%-30s an address, page-aligned: %d\n", what, ((unsigned long)at & 4095) == 0);
    }
}

int main(void) {
    long page = sysconf(_SC_PAGESIZE);
    char *three = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mapped("mmap(3 pages, anonymous)", three);
    int zeroes = 1;
    for (long i = 0; i < 3 * page; i++) zeroes &= three[i] == 0;
    printf("  all zero: %d\n", zeroes);
    memset(three, 'a', 3 * page);
    result("munmap(the middle page)", munmap(three + page, page));
    printf("  first and last pages kept: %c %c\n", three[0], three[3 * page - 1]);
    result("munmap(the rest)", munmap(three, 3 * page));
    result("munmap(nothing there)", munmap(three, page));
    result("munmap(unaligned)", munmap(three + 1, page));
    result("munmap(length 0)", munmap(three, 0));

    char *shared = mmap(NULL, 100, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    mapped("mmap(100 bytes, shared)", shared);
    strcpy(shared, "written");
    printf("  reads back: %s\n", shared);
    result("munmap(100 bytes)", munmap(shared, 100));

    mapped("mmap(length 0)", mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    mapped("mmap(neither private nor shared)", mmap(NULL, page, PROT_READ, MAP_ANONYMOUS, -1, 0));
    mapped("mmap(unaligned offset)", mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 100));
    mapped("mmap(a closed fd)", mmap(NULL, page, PROT_READ, MAP_PRIVATE, 55, 0));
    return 0;
}
