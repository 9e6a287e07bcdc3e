/* The C library itself (musl in the image, glibc on the host): formatting and parsing,
 * sorting, non-local jumps, time formatting, regular expressions, memory, constructors
 * and exit handlers. The same output from both shows programs get a whole C library. */
#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static int constructed;
/* Thread-local variables: initialised (.tdata) and zeroed (.tbss). */
static __thread int tls_counter = 41;
static __thread char tls_buffer[64];

__attribute__((constructor)) static void construct(void) { constructed = 42; }

static void at_exit_first(void) { printf("atexit: registered first, runs last\n"); }
static void at_exit_second(void) { printf("atexit: registered second, runs first\n"); }

static int compare_ints(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static jmp_buf jump;

static void jump_back(int depth) {
    if (depth <= 0) longjmp(jump, 7);
    if (depth < 100) jump_back(depth - 1);
}

static void regex_match(const char *pattern, const char *text) {
    regex_t re;
    regmatch_t match[2];
    if (regcomp(&re, pattern, REG_EXTENDED) != 0) {
        printf("regcomp %s: failed\n", pattern);
        return;
    }
    if (regexec(&re, text, 2, match, 0) == 0) {
        printf("regex %-14s on %-16s: [%d,%d) group [%d,%d)\n", pattern, text, (int)match[0].rm_so,
               (int)match[0].rm_eo, (int)match[1].rm_so, (int)match[1].rm_eo);
    } else {
        printf("regex %-14s on %-16s: no match\n", pattern, text);
    }
    regfree(&re);
}

int main(void) {
    printf("constructor ran: %d\n", constructed);
    tls_counter++;
    tls_buffer[10] = 'x';
    printf("__thread: %d, zeroed %d, written %c\n", tls_counter, tls_buffer[0] == 0 && tls_buffer[63] == 0, tls_buffer[10]);
    atexit(at_exit_first);
    atexit(at_exit_second);

    printf("%%g: %g %g %g %g\n", 0.1, 1e-10, 123456789.0, 2.5);
    printf("%%e %%f: %.3e %.4f %10.2f|\n", 12345.678, 3.14159265, -1.5);
    printf("%%x %%o %%#x %%+d %%05d: %x %o %#x %+d %05d\n", 255, 8, 255, 7, 42);
    printf("%%s %%c %%%%: [%-6s] [%6s] %c %%\n", "left", "right", 'z');
    char small[8];
    const char *volatile long_text = "truncated text";
    int wanted = snprintf(small, sizeof small, "%s", long_text);
    printf("snprintf: %d \"%s\"\n", wanted, small);

    char *end;
    double pi = strtod("3.141592653589793", NULL), large = strtod("1e300x", &end);
    printf("strtod: %.17g %.17g rest \"%s\"\n", pi, large, end);
    printf("strtol: %ld %ld %lu\n", strtol("-0x1f", NULL, 16), strtol("0777", NULL, 0), strtoul("4294967295", NULL, 10));
    int a, b;
    char word[16];
    int scanned = sscanf("12 34 words", "%d %d %15s", &a, &b, word);
    printf("sscanf: %d -> %d %d %s\n", scanned, a, b, word);
    printf("math: sqrt(2) %.17g, floor(-2.5) %g, pow(2,10) %g, sin(1) %.10g\n", sqrt(2.0), floor(-2.5),
           pow(2, 10), sin(1.0));
    printf("ctype: %d %d %d %c\n", !!isalpha('q'), !!isdigit('q'), !!isspace('\t'), toupper('m'));

    int numbers[] = {42, -7, 19, 0, 1000, 3, -50, 8};
    qsort(numbers, 8, sizeof numbers[0], compare_ints);
    printf("qsort:");
    for (int i = 0; i < 8; i++) printf(" %d", numbers[i]);
    printf("\n");
    int key = 19;
    int *found = bsearch(&key, numbers, 8, sizeof numbers[0], compare_ints);
    printf("bsearch 19: index %d\n", found ? (int)(found - numbers) : -1);

    int jumped = setjmp(jump);
    if (jumped == 0) jump_back(5);
    printf("longjmp: back with %d\n", jumped);

    time_t epoch_day = 86400 * 365;
    struct tm *tm = gmtime(&epoch_day);
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %A %j", tm);
    printf("strftime: %s\n", when);
    printf("mktime round trip: %d\n", (int)(timegm(tm) == epoch_day));

    time_t now = time(NULL);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    printf("time: after 2023 %d, gettimeofday agrees %d, clock() >= 0 %d\n", now > 1700000000,
           tv.tv_sec >= now && tv.tv_sec - now <= 1, clock() >= 0);

    regex_match("a(b+)c", "xxabbbcyy");
    regex_match("^[0-9]+$", "12345");
    regex_match("^[0-9]+$", "12a45");

    /* Small blocks, a large one, growth, and their contents kept. */
    char *blocks[100];
    for (int i = 0; i < 100; i++) {
        blocks[i] = malloc(16 + i);
        memset(blocks[i], i, 16 + i);
    }
    int intact = 1;
    for (int i = 0; i < 100; i++) {
        intact &= blocks[i][15 + i] == (char)i;
        free(blocks[i]);
    }
    char *big = malloc(1 << 20);
    memset(big, 'x', 1 << 20);
    big = realloc(big, 3 << 20);
    intact &= big[(1 << 20) - 1] == 'x';
    free(big);
    char *grown = NULL;
    for (int size = 1; size <= 100000; size *= 3) {
        grown = realloc(grown, size);
        grown[size - 1] = 'g';
    }
    free(grown);
    printf("malloc/realloc/free: intact %d\n", intact);
    char *copy = strdup("duplicated");
    printf("strdup: %s, strlen %zu, strchr %s, strstr %s\n", copy, strlen(copy), strchr(copy, 'c'),
           strstr(copy, "cat"));
    free(copy);
    return 0;
}
