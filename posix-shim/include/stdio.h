/* uxrt posix-shim: stdio.h basics (c/stdio.c): formatted output, lines in, on fds. */
#ifndef _STDIO_H
#define _STDIO_H
#include <stdarg.h>
#include <stddef.h>
#define EOF (-1)
typedef struct uxrt_file FILE;
extern FILE *stdin;
extern FILE *stdout;
extern FILE *stderr;
int printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
int fprintf(FILE *file, const char *format, ...) __attribute__((format(printf, 2, 3)));
int dprintf(int fd, const char *format, ...) __attribute__((format(printf, 2, 3)));
int snprintf(char *buffer, size_t size, const char *format, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buffer, size_t size, const char *format, va_list args);
int vfprintf(FILE *file, const char *format, va_list args);
int puts(const char *s);
int fputs(const char *s, FILE *file);
int putchar(int c);
int fputc(int c, FILE *file);
int fflush(FILE *file);
char *fgets(char *buffer, int size, FILE *file);
int fgetc(FILE *file);
int getchar(void);
void perror(const char *prefix);
int fileno(FILE *file);
FILE *fopen(const char *path, const char *mode);
int fclose(FILE *file);
#endif
