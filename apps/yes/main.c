/* yes: prints its arguments (or "y") on a line, again and again, until its output goes
 * away (a write to a pipe nobody reads raises SIGPIPE, which ends it). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    char line[4096] = "y";
    if (argc > 1) {
        line[0] = 0;
        for (int i = 1; i < argc; i++) {
            if (strlen(line) + strlen(argv[i]) + 2 > sizeof line) break;
            if (i > 1) strcat(line, " ");
            strcat(line, argv[i]);
        }
    }
    for (;;) {
        if (puts(line) == EOF) return 1;
    }
}
