/* stdio streams over files and pipes: fopen's modes, formatted and binary I/O, seeking,
 * line reading, append, fdopen, ungetc, end of file and errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errno_name.h"

#define PATH "/tmp/ctest-streams.txt"

static void show(const char *what, FILE *f) {
    printf("%-22s %s\n", what, f ? "ok" : errno_name(errno));
}

int main(void) {
    FILE *f = fopen(PATH, "w");
    show("fopen w", f);
    for (int i = 1; i <= 5; i++) fprintf(f, "line %d: %s %.2f\n", i, i % 2 ? "odd" : "even", i / 3.0);
    printf("ftell after writing    %ld\n", ftell(f));
    printf("fclose                 %d\n", fclose(f));

    f = fopen(PATH, "r");
    show("fopen r", f);
    char line[64];
    while (fgets(line, sizeof line, f)) printf("  read: %s", line);
    printf("feof %d ferror %d\n", !!feof(f), !!ferror(f));
    rewind(f);
    int c = fgetc(f);
    ungetc('L', f);
    printf("fgetc %c, then after ungetc: %c\n", c, fgetc(f));
    fseek(f, -7, SEEK_END);
    printf("fseek from the end:    %s", fgets(line, sizeof line, f));
    fclose(f);

    f = fopen(PATH, "a");
    fputs("appended\n", f);
    fclose(f);
    f = fopen(PATH, "r+");
    char all[512];
    size_t n = fread(all, 1, sizeof all - 1, f);
    all[n] = 0;
    printf("fread after append     %zu bytes, last line %s", n, strrchr(all, ':') ? "line 5 kept\n" : "?\n");
    fseek(f, 0, SEEK_SET);
    fwrite("LINE", 1, 4, f);
    fflush(f);
    fseek(f, 0, SEEK_SET);
    printf("overwritten in r+:     %s", fgets(line, sizeof line, f));
    fclose(f);

    show("fopen missing", fopen("/tmp/no/such/file", "r"));
    show("fopen bad mode", fopen(PATH, "x"));

    int fds[2];
    pipe(fds);
    FILE *in = fdopen(fds[0], "r"), *out = fdopen(fds[1], "w");
    show("fdopen pipe", in && out ? in : NULL);
    fprintf(out, "through a pipe %d\n", 42);
    fclose(out);
    printf("from the pipe:         %s", fgets(line, sizeof line, in));
    printf("then end of file:      %s\n", fgets(line, sizeof line, in) ? "more" : "EOF");
    fclose(in);

    char *text = NULL;
    size_t size = 0;
    f = fopen(PATH, "r");
    ssize_t got = getline(&text, &size, f);
    printf("getline                %zd %s", got, text);
    free(text);
    fclose(f);
    printf("remove                 %d\n", remove(PATH));
    return 0;
}
