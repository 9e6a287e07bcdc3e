/* uxrt posix-shim: the stdio basics, in C because formatting takes C's varargs (stable
 * Rust cannot define variadic functions). Everything ends in read(2)/write(2). stdout is
 * line-buffered, stderr unbuffered, stdin read ahead. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct uxrt_file {
    int fd;
    int unbuffered;
    size_t used; /* output: bytes waiting; input: bytes left from `next` */
    size_t next;
    int eof;
    int reading; /* the buffer holds input read ahead */
    char buffer[4096];
};

static struct uxrt_file files[3] = {{0, 0, 0, 0, 0, 1, {0}}, {1, 0, 0, 0, 0, 0, {0}}, {2, 1, 0, 0, 0, 0, {0}}};
FILE *stdin = &files[0];
FILE *stdout = &files[1];
FILE *stderr = &files[2];

int fileno(FILE *file) { return file->fd; }

static int write_all(int fd, const char *bytes, size_t length) {
    while (length > 0) {
        ssize_t n = write(fd, bytes, length);
        if (n <= 0)
            return EOF;
        bytes += n;
        length -= (size_t)n;
    }
    return 0;
}

int fflush(FILE *file) {
    if (file == NULL) {
        fflush(stdout);
        return fflush(stderr);
    }
    if (file->reading || file->used == 0)
        return 0;
    size_t used = file->used;
    file->used = 0;
    return write_all(file->fd, file->buffer, used);
}

/* Called by exit() and after main returns. */
void uxrt_stdio_flush(void) { fflush(NULL); }

static int put_bytes(FILE *file, const char *bytes, size_t length) {
    if (file->unbuffered)
        return write_all(file->fd, bytes, length);
    for (size_t i = 0; i < length; i++) {
        if (file->used == sizeof file->buffer && fflush(file) == EOF)
            return EOF;
        file->buffer[file->used++] = bytes[i];
        if (bytes[i] == '\n' && fflush(file) == EOF)
            return EOF;
    }
    return 0;
}

/* ---- Formatting ---------------------------------------------------------------- */

struct sink {
    char *buffer;
    size_t size;
    size_t length; /* what the whole output would take */
};

static void emit(struct sink *sink, char c) {
    if (sink->length + 1 < sink->size)
        sink->buffer[sink->length] = c;
    sink->length++;
}

static void emit_padded(struct sink *sink, const char *text, size_t length, int width, int left, char pad) {
    int fill = width > (int)length ? width - (int)length : 0;
    /* A sign stays in front of zero padding. */
    if (pad == '0' && length > 0 && text[0] == '-') {
        emit(sink, '-');
        text++;
        length--;
    }
    if (!left)
        while (fill-- > 0)
            emit(sink, pad);
    for (size_t i = 0; i < length; i++)
        emit(sink, text[i]);
    if (left)
        while (fill-- > 0)
            emit(sink, ' ');
}

static size_t format_unsigned(char *out, unsigned long long value, unsigned base, int upper) {
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char reversed[32];
    size_t n = 0;
    do {
        reversed[n++] = digits[value % base];
        value /= base;
    } while (value != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = reversed[n - 1 - i];
    return n;
}

int vsnprintf(char *buffer, size_t size, const char *format, va_list args) {
    struct sink sink = {buffer, size, 0};
    for (const char *at = format; *at; at++) {
        if (*at != '%') {
            emit(&sink, *at);
            continue;
        }
        at++;
        int left = 0, alternate = 0;
        char pad = ' ';
        for (;; at++) {
            if (*at == '-')
                left = 1;
            else if (*at == '0')
                pad = '0';
            else if (*at == '#')
                alternate = 1;
            else
                break;
        }
        int width = 0;
        if (*at == '*') {
            width = va_arg(args, int);
            at++;
        }
        while (*at >= '0' && *at <= '9')
            width = width * 10 + (*at++ - '0');
        int precision = -1;
        if (*at == '.') {
            precision = 0;
            at++;
            while (*at >= '0' && *at <= '9')
                precision = precision * 10 + (*at++ - '0');
        }
        int longs = 0;
        while (*at == 'l' || *at == 'z' || *at == 'h') {
            if (*at != 'h')
                longs++;
            at++;
        }
        char text[40];
        size_t length = 0;
        switch (*at) {
        case 'd':
        case 'i': {
            long long value = longs ? va_arg(args, long long) : va_arg(args, int);
            unsigned long long magnitude = value < 0 ? 0ULL - (unsigned long long)value : (unsigned long long)value;
            if (value < 0)
                text[length++] = '-';
            length += format_unsigned(text + length, magnitude, 10, 0);
            emit_padded(&sink, text, length, width, left, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            unsigned long long value = longs ? va_arg(args, unsigned long long) : va_arg(args, unsigned);
            unsigned base = *at == 'u' ? 10 : *at == 'o' ? 8 : 16;
            if (alternate && base == 16 && value != 0) {
                text[length++] = '0';
                text[length++] = *at;
            }
            length += format_unsigned(text + length, value, base, *at == 'X');
            emit_padded(&sink, text, length, width, left, pad);
            break;
        }
        case 'p': {
            text[0] = '0';
            text[1] = 'x';
            length = 2 + format_unsigned(text + 2, (unsigned long long)(size_t)va_arg(args, void *), 16, 0);
            emit_padded(&sink, text, length, width, left, ' ');
            break;
        }
        case 'c':
            text[0] = (char)va_arg(args, int);
            emit_padded(&sink, text, 1, width, left, ' ');
            break;
        case 's': {
            const char *s = va_arg(args, const char *);
            if (s == NULL)
                s = "(null)";
            size_t n = strlen(s);
            if (precision >= 0 && (size_t)precision < n)
                n = (size_t)precision;
            emit_padded(&sink, s, n, width, left, ' ');
            break;
        }
        case '%':
            emit(&sink, '%');
            break;
        default: /* unknown: printed as it is */
            emit(&sink, '%');
            if (*at)
                emit(&sink, *at);
            else
                at--;
        }
    }
    if (size > 0)
        buffer[sink.length < size ? sink.length : size - 1] = '\0';
    return (int)sink.length;
}

int snprintf(char *buffer, size_t size, const char *format, ...) {
    va_list args;
    va_start(args, format);
    int n = vsnprintf(buffer, size, format, args);
    va_end(args);
    return n;
}

int vfprintf(FILE *file, const char *format, va_list args) {
    char small[512];
    va_list again;
    va_copy(again, args);
    int n = vsnprintf(small, sizeof small, format, args);
    if (n < 0) {
        va_end(again);
        return n;
    }
    if ((size_t)n < sizeof small) {
        va_end(again);
        return put_bytes(file, small, (size_t)n) == EOF ? EOF : n;
    }
    /* Longer than the stack buffer: format it again into a heap buffer. */
    char *big = malloc((size_t)n + 1);
    if (big == NULL) {
        va_end(again);
        return EOF;
    }
    vsnprintf(big, (size_t)n + 1, format, again);
    va_end(again);
    int result = put_bytes(file, big, (size_t)n) == EOF ? EOF : n;
    free(big);
    return result;
}

int fprintf(FILE *file, const char *format, ...) {
    va_list args;
    va_start(args, format);
    int n = vfprintf(file, format, args);
    va_end(args);
    return n;
}

int printf(const char *format, ...) {
    va_list args;
    va_start(args, format);
    int n = vfprintf(stdout, format, args);
    va_end(args);
    return n;
}

int dprintf(int fd, const char *format, ...) {
    char text[1024];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(text, sizeof text, format, args);
    va_end(args);
    if (n < 0)
        return n;
    size_t length = (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
    return write_all(fd, text, length) == EOF ? EOF : n;
}

int fputs(const char *s, FILE *file) { return put_bytes(file, s, strlen(s)) == EOF ? EOF : 1; }

int puts(const char *s) {
    if (fputs(s, stdout) == EOF)
        return EOF;
    return fputc('\n', stdout) == EOF ? EOF : 1;
}

int fputc(int c, FILE *file) {
    char byte = (char)c;
    return put_bytes(file, &byte, 1) == EOF ? EOF : (unsigned char)c;
}

int putchar(int c) { return fputc(c, stdout); }

void perror(const char *prefix) {
    if (prefix != NULL && *prefix != '\0')
        fprintf(stderr, "%s: ", prefix);
    fprintf(stderr, "%s\n", strerror(errno));
}

/* ---- Files by name -------------------------------------------------------------- */

FILE *fopen(const char *path, const char *mode) {
    int flags = mode[0] == 'r' ? O_RDONLY : mode[0] == 'w' ? O_WRONLY | O_CREAT | O_TRUNC : O_WRONLY | O_CREAT | O_APPEND;
    if (mode[1] == '+' || (mode[1] != '\0' && mode[2] == '+'))
        flags = (flags & ~3) | O_RDWR;
    int fd = open(path, flags, 0644);
    if (fd < 0)
        return NULL;
    FILE *file = malloc(sizeof *file);
    if (file == NULL) {
        close(fd);
        return NULL;
    }
    memset(file, 0, sizeof *file);
    file->fd = fd;
    return file;
}

int fclose(FILE *file) {
    int flushed = fflush(file);
    int closed = close(file->fd);
    if (file != stdin && file != stdout && file != stderr)
        free(file);
    return flushed == EOF || closed != 0 ? EOF : 0;
}

/* ---- Input ---------------------------------------------------------------------- */

int fgetc(FILE *file) {
    file->reading = 1;
    if (file->used == 0) {
        if (file->eof)
            return EOF;
        fflush(stdout); /* a prompt shows before the program waits */
        ssize_t n = read(file->fd, file->buffer, sizeof file->buffer);
        if (n <= 0) {
            file->eof = 1;
            return EOF;
        }
        file->used = (size_t)n;
        file->next = 0;
    }
    file->used--;
    return (unsigned char)file->buffer[file->next++];
}

int getchar(void) { return fgetc(stdin); }

char *fgets(char *buffer, int size, FILE *file) {
    int n = 0;
    while (n + 1 < size) {
        int c = fgetc(file);
        if (c == EOF)
            break;
        buffer[n++] = (char)c;
        if (c == '\n')
            break;
    }
    if (n == 0)
        return NULL;
    buffer[n] = '\0';
    return buffer;
}
