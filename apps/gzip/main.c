/* gzip: compresses and decompresses files with zlib (from the crates.io package libz-sys;
 * this program is uxrt's own).
 *
 *   gzip FILE              FILE -> FILE.gz (FILE is kept)
 *   gzip -d FILE.gz        FILE.gz -> FILE
 *   gzip --check PATH N    N bytes of generated text written to PATH, compressed to
 *                          PATH.gz and back, in memory too; sizes and CRC-32s printed
 *
 * Exit status 0 on success, 1 on an error (said on standard error). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zlib.h"

#define CHUNK 16384

static int fail(const char *what, const char *path) {
    fprintf(stderr, "gzip: %s: %s\n", path, what);
    return 1;
}

/* Copies `in` (plain) into the gzip file `out_path`. */
static int compress_file(const char *in_path, const char *out_path) {
    FILE *in = fopen(in_path, "rb");
    if (!in) return fail("cannot open", in_path);
    gzFile out = gzopen(out_path, "wb6");
    if (!out) return fclose(in), fail("cannot create", out_path);
    static unsigned char buffer[CHUNK];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, in)) > 0)
        if (gzwrite(out, buffer, (unsigned)n) != (int)n) return fclose(in), gzclose(out), fail("write failed", out_path);
    int bad = ferror(in);
    fclose(in);
    if (gzclose(out) != Z_OK || bad) return fail("failed", out_path);
    return 0;
}

/* Copies the gzip file `in_path` into `out_path` (plain). */
static int decompress_file(const char *in_path, const char *out_path) {
    gzFile in = gzopen(in_path, "rb");
    if (!in) return fail("cannot open", in_path);
    FILE *out = fopen(out_path, "wb");
    if (!out) return gzclose(in), fail("cannot create", out_path);
    static unsigned char buffer[CHUNK];
    int n;
    while ((n = gzread(in, buffer, sizeof buffer)) > 0)
        if (fwrite(buffer, 1, (size_t)n, out) != (size_t)n) return gzclose(in), fclose(out), fail("write failed", out_path);
    int errors;
    const char *message = gzerror(in, &errors);
    gzclose(in);
    if (fclose(out) != 0 || n < 0) return fail(n < 0 ? message : "failed", out_path);
    return 0;
}

/* The CRC-32 and length of a file. */
static unsigned long file_crc(const char *path, long *length) {
    FILE *f = fopen(path, "rb");
    unsigned long crc = crc32(0, NULL, 0);
    *length = 0;
    if (!f) return crc;
    static unsigned char buffer[CHUNK];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, f)) > 0) {
        crc = crc32(crc, buffer, (unsigned)n);
        *length += (long)n;
    }
    fclose(f);
    return crc;
}

/* Lines of pseudo-random words: compressible, but not trivially. */
static void generate(unsigned char *text, size_t size) {
    static const char *words[] = {"seL4", "notification", "queue", "uxrt", "capability", "endpoint", "badge",
                                  "reply", "root", "server", "pipe", "select", "poll", "epoll", "musl", "zlib"};
    unsigned long state = 12345;
    size_t at = 0;
    while (at < size) {
        state = state * 6364136223846793005UL + 1442695040888963407UL;
        const char *word = words[(state >> 33) % 16];
        for (const char *c = word; *c && at < size; c++) text[at++] = (unsigned char)*c;
        if (at < size) text[at++] = (state >> 40) % 9 == 0 ? '\n' : ' ';
    }
}

static int check(const char *path, long size) {
    unsigned char *text = malloc((size_t)size);
    generate(text, (size_t)size);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, (size_t)size, f) != (size_t)size || fclose(f) != 0) return fail("cannot write", path);
    char packed[512], unpacked[512];
    snprintf(packed, sizeof packed, "%s.gz", path);
    snprintf(unpacked, sizeof unpacked, "%s.out", path);
    long length;
    unsigned long crc = file_crc(path, &length);
    printf("zlib %s\n", zlibVersion());
    printf("original:      %ld bytes, CRC-32 %08lx\n", length, crc);
    if (compress_file(path, packed)) return 1;
    unsigned long packed_crc = file_crc(packed, &length);
    printf("gzip file:     %ld bytes, CRC-32 %08lx\n", length, packed_crc);
    if (decompress_file(packed, unpacked)) return 1;
    unsigned long back = file_crc(unpacked, &length);
    printf("decompressed:  %ld bytes, CRC-32 %08lx, %s\n", length, back, back == crc ? "same" : "DIFFERENT");

    /* The same in memory, at the best compression. */
    uLongf bound = compressBound((uLong)size), out_size = bound;
    unsigned char *out = malloc(bound), *again = malloc((size_t)size);
    int status = compress2(out, &out_size, text, (uLong)size, Z_BEST_COMPRESSION);
    printf("compress2:     %d, %lu bytes, CRC-32 %08lx\n", status, (unsigned long)out_size, crc32(0, out, out_size));
    uLongf again_size = (uLongf)size;
    status = uncompress(again, &again_size, out, out_size);
    printf("uncompress:    %d, %lu bytes, %s\n", status, (unsigned long)again_size,
           memcmp(again, text, (size_t)size) == 0 ? "same" : "DIFFERENT");
    printf("truncated:     %d\n", uncompress(again, &again_size, out, out_size / 2));
    unlink(path);
    unlink(packed);
    unlink(unpacked);
    free(text);
    free(out);
    free(again);
    return back == crc ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--check") == 0) return check(argv[2], atol(argv[3]));
    if (argc == 3 && strcmp(argv[1], "-d") == 0) {
        size_t length = strlen(argv[2]);
        if (length < 4 || strcmp(argv[2] + length - 3, ".gz") != 0) return fail("does not end in .gz", argv[2]);
        char out[4096];
        snprintf(out, sizeof out, "%.*s", (int)(length - 3), argv[2]);
        return decompress_file(argv[2], out);
    }
    if (argc == 2 && argv[1][0] != '-') {
        char out[4096];
        snprintf(out, sizeof out, "%s.gz", argv[1]);
        return compress_file(argv[1], out);
    }
    fprintf(stderr, "usage: gzip FILE | gzip -d FILE.gz | gzip --check PATH N\n");
    return 2;
}
