/* Directory streams: opendir, readdir (names and types), rewinddir, closedir, scandir
 * with alphasort, and their errors. Entries are sorted before printing: their order is
 * the file system's. "." and ".." are left out (uxrt's directories have none). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errno_name.h"

#define DIR_PATH "/tmp/ctest-directories"

static int compare(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int not_dots(const struct dirent *entry) { return strcmp(entry->d_name, ".") && strcmp(entry->d_name, ".."); }

static const char *type_name(unsigned char type) {
    switch (type) {
    case DT_REG: return "file";
    case DT_DIR: return "directory";
    case DT_UNKNOWN: return "unknown";
    default: return "other";
    }
}

int main(void) {
    mkdir(DIR_PATH, 0755);
    const char *files[] = {"banana", "apple", "cherry"};
    for (int i = 0; i < 3; i++) {
        char path[128];
        snprintf(path, sizeof path, DIR_PATH "/%s", files[i]);
        close(open(path, O_WRONLY | O_CREAT, 0644));
    }
    mkdir(DIR_PATH "/sub", 0755);

    DIR *dir = opendir(DIR_PATH);
    printf("opendir: %s\n", dir ? "ok" : errno_name(errno));
    char *names[16];
    int count = 0;
    struct dirent *entry;
    errno = 0;
    while ((entry = readdir(dir)) != NULL) {
        if (!not_dots(entry)) continue;
        char line[300];
        snprintf(line, sizeof line, "%s (%s, inode %s)", entry->d_name, type_name(entry->d_type),
                 entry->d_ino ? "set" : "0");
        names[count++] = strdup(line);
    }
    printf("readdir ended with errno %s\n", errno ? errno_name(errno) : "0");
    qsort(names, count, sizeof names[0], compare);
    for (int i = 0; i < count; i++) printf("  %s\n", names[i]);
    rewinddir(dir);
    int again = 0;
    while ((entry = readdir(dir)) != NULL) again += not_dots(entry);
    printf("after rewinddir: %d entries\n", again);
    printf("closedir: %d\n", closedir(dir));

    struct dirent **list;
    int n = scandir(DIR_PATH, &list, not_dots, alphasort);
    printf("scandir: %d:", n);
    for (int i = 0; i < n; i++) {
        printf(" %s", list[i]->d_name);
        free(list[i]);
    }
    printf("\n");
    free(list);

    errno = 0;
    printf("opendir of a file: %s\n", opendir(DIR_PATH "/apple") ? "ok" : errno_name(errno));
    printf("opendir of nothing: %s\n", opendir(DIR_PATH "/nothing") ? "ok" : errno_name(errno));

    for (int i = 0; i < 3; i++) {
        char path[128];
        snprintf(path, sizeof path, DIR_PATH "/%s", files[i]);
        unlink(path);
    }
    rmdir(DIR_PATH "/sub");
    printf("rmdir: %d\n", rmdir(DIR_PATH));
    return 0;
}
