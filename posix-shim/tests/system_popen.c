/* system and popen (musl's, over posix_spawn and waitpid): a shell command's exit
 * status, reading a command's output, and writing to a command's input. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

int main(void) {
    fflush(stdout);
    int status = system("echo from system; exit 4");
    printf("system: exited %d status %d\n", WIFEXITED(status), WEXITSTATUS(status));
    printf("system(NULL): a shell exists %d\n", system(NULL) != 0);
    FILE *p = popen("echo line one; echo line two", "r");
    char line[64];
    while (p && fgets(line, sizeof line, p)) printf("popen read: %s", line);
    printf("pclose: %d\n", p ? WEXITSTATUS(pclose(p)) : -1);
    FILE *w = popen("wc -c", "w");
    fputs("twelve bytes", w);
    fflush(stdout);
    printf("pclose of a writer: %d\n", w ? WEXITSTATUS(pclose(w)) : -1);
    return 0;
}
