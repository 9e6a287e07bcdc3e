/* grep PATTERN [FILE...]: lines containing PATTERN (a plain string). -v: lines without
 * it; -c: only how many; -q: nothing, only the status. Exit status 0 if a line was
 * selected, 1 if none, 2 on error.
 * A C program built with gcc against posix-shim. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int invert, count_only, quiet;
static long selected;

static int grep(FILE *in, const char *pattern) {
    char line[4096];
    while (fgets(line, sizeof line, in) != NULL) {
        int match = strstr(line, pattern) != NULL;
        if (match != invert) {
            selected++;
            if (!count_only && !quiet)
                fputs(line, stdout);
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        if (strcmp(argv[i], "-v") == 0)
            invert = 1;
        else if (strcmp(argv[i], "-c") == 0)
            count_only = 1;
        else if (strcmp(argv[i], "-q") == 0)
            quiet = 1;
        else {
            fprintf(stderr, "grep: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: grep [-v] [-c] [-q] PATTERN [FILE...]\n");
        return 2;
    }
    const char *pattern = argv[i++];
    int status = 0;
    if (i == argc)
        grep(stdin, pattern);
    for (; i < argc; i++) {
        FILE *in = fopen(argv[i], "r");
        if (in == NULL) {
            fprintf(stderr, "grep: %s: %s\n", argv[i], strerror(errno));
            status = 2;
            continue;
        }
        grep(in, pattern);
        fclose(in);
    }
    if (count_only && !quiet)
        printf("%ld\n", selected);
    return status ? status : selected > 0 ? 0 : 1;
}
