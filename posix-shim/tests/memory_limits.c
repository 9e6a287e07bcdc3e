/* Memory: the process's limit (RLIMIT_AS), lowered and raised again; mremap growing a
 * mapping by moving it, contents kept; realloc of large blocks. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#define RESULT_WIDTH 34
#define RESULT_OK
#include "result.h"

#define MIB (1024 * 1024)

int main(void) {
    struct rlimit original, limit;
    result("getrlimit(RLIMIT_AS)", getrlimit(RLIMIT_AS, &original));
    printf("  soft <= hard: %d, at least 32 MiB: %d\n", original.rlim_cur <= original.rlim_max,
           original.rlim_cur >= 32 * MIB);
    limit = original;
    limit.rlim_cur = 32 * MIB;
    result("setrlimit(RLIMIT_AS, 32 MiB)", setrlimit(RLIMIT_AS, &limit));
    void *big = malloc(64 * MIB);
    printf("%-*s %s\n", RESULT_WIDTH, "malloc(64 MiB) under it", big ? "ok" : errno_name(errno));
    free(big);
    limit.rlim_cur = limit.rlim_max;
    result("setrlimit(back to the hard limit)", setrlimit(RLIMIT_AS, &limit));
    big = malloc(80 * MIB);
    if (big) memset(big, 1, 80 * MIB);
    printf("%-*s %s\n", RESULT_WIDTH, "malloc(80 MiB) then", big ? "ok" : errno_name(errno));
    free(big);

    /* mremap: a mapping grows by moving; what it held comes along. */
    unsigned char *map = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int i = 0; i < MIB; i++) map[i] = (unsigned char)(i * 7);
    unsigned char *grown = mremap(map, MIB, 8 * MIB, MREMAP_MAYMOVE);
    int kept = grown != MAP_FAILED;
    for (int i = 0; kept && i < MIB; i++) kept &= grown[i] == (unsigned char)(i * 7);
    int zero_tail = grown != MAP_FAILED && grown[8 * MIB - 1] == 0 && grown[MIB] == 0;
    printf("%-*s %s, contents kept %d, new part zeroed %d\n", RESULT_WIDTH, "mremap(1 MiB -> 8 MiB, MAYMOVE)",
           grown != MAP_FAILED ? "ok" : errno_name(errno), kept, zero_tail);
    unsigned char *shrunk = mremap(grown, 8 * MIB, 4096, 0);
    printf("%-*s %s, same place %d, contents kept %d\n", RESULT_WIDTH, "mremap(8 MiB -> 4 KiB)",
           shrunk != MAP_FAILED ? "ok" : errno_name(errno), shrunk == grown, shrunk[4095] == (unsigned char)(4095 * 7));
    void *bad = mremap(shrunk, 4096, 8192, 8);
    printf("%-*s %s\n", RESULT_WIDTH, "mremap(unknown flag)", bad != MAP_FAILED ? "ok" : errno_name(errno));
    result("munmap", munmap(shrunk, 4096));

    /* realloc of a large block, as a growing table does. */
    size_t size = MIB;
    unsigned long *table = malloc(size);
    for (size_t i = 0; i < size / sizeof *table; i++) table[i] = i;
    int intact = 1;
    for (; size < 64 * MIB; size *= 2) {
        table = realloc(table, size * 2);
        if (!table) break;
        for (size_t i = 0; i < size / sizeof *table; i++) intact &= table[i] == i;
        for (size_t i = size / sizeof *table; i < size * 2 / sizeof *table; i++) table[i] = i;
    }
    printf("%-*s %s, contents kept %d\n", RESULT_WIDTH, "realloc(1 MiB doubling to 64 MiB)", table ? "ok" : "NULL",
           intact);
    free(table);
    return 0;
}
