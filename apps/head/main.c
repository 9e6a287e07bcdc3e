/* head: the first lines of each file (or of standard input).
 *
 *   head [-n COUNT] [FILE...]     COUNT lines (10 by default); "-" is standard input
 *
 * With several files each gets a "==> NAME <==" header, as POSIX says. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int head(FILE *in, long count) {
    int c;
    while (count > 0 && (c = getc(in)) != EOF) {
        if (putchar(c) == EOF) return 1;
        if (c == '\n') count--;
    }
    return ferror(in) ? 1 : 0;
}

int main(int argc, char **argv) {
    long count = 10;
    int first = 1;
    if (argc > 1 && strncmp(argv[1], "-n", 2) == 0) {
        const char *value = argv[1][2] ? argv[1] + 2 : argc > 2 ? argv[2] : NULL;
        char *end;
        count = value ? strtol(value, &end, 10) : -1;
        if (!value || *end || count < 0) {
            fprintf(stderr, "usage: head [-n COUNT] [FILE...]\n");
            return 2;
        }
        first = argv[1][2] ? 2 : 3;
    }
    if (first >= argc) return head(stdin, count);
    int status = 0;
    for (int i = first; i < argc; i++) {
        FILE *in = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "r");
        if (!in) {
            fprintf(stderr, "head: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        if (argc - first > 1) printf("%s==> %s <==\n", i > first ? "\n" : "", argv[i]);
        status |= head(in, count);
        if (in != stdin) fclose(in);
    }
    return status;
}
