/* uxrt's guest profiler: a QEMU TCG plugin (`cargo xtask profile` builds and loads it).
 *
 * It counts the guest instructions executed inside *windows*, per translation block.
 * Code under test opens window W (1..15) and closes it (0) with a marker instruction
 * no compiler emits, a 7-byte NOP with a recognisable displacement:
 *     nopl 0x5aaa55WW(%rax)   = 0f 1f 80 WW 55 aa 5a
 * Everything executed between the markers is counted, the kernel and the servers the
 * code calls included. At exit it writes, to the file named by its `out=` argument:
 *     window W opened N total T median M        (instructions per opening: median M)
 *     block VADDR C1,...,C15 BYTES SIZES        (executions of the block in each window,
 *                                                its bytes in hex, its instructions' sizes)
 *     window W opened N total T median M typical K
 *                                          (K openings within 1% of the median)
 *     block VADDR C1,...,C15 BYTES SIZES T1,...,T15
 *                                          (T: its executions in those typical openings)
 * and xtask matches each block to a binary (by address and bytes: every uxrt program is
 * linked at the same address) and a function. The typical openings give a profile of
 * the case the median measures, which a few outliers (a first opening that sets
 * things up, an interrupt) do not blur. A block runs whole, so instructions of a
 * block that starts before a marker count in the window that was open when it started. */
#include "qemu-plugin-api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

UXRT_PLUGIN_EXPORT int qemu_plugin_version = 1;

enum { WINDOWS = 16, INSTANCES = 4096, MARKER_SIZE = 7 };

struct block {
    struct block *next;
    uint64_t vaddr;
    size_t insns;
    size_t bytes;
    uint64_t count[WINDOWS];
    uint8_t *code;
    uint8_t *sizes;
    uint64_t typical[WINDOWS];
    uint64_t opening;    /* the last opening it ran in (its number) */
    uint64_t in_opening; /* its executions in that opening */
};

/* Every closed opening's blocks and their executions, kept until exit to sum those of
 * the typical openings (no more once memory runs out: then no typical profile). */
struct touch {
    struct block *block;
    uint64_t count;
};
struct opening_log {
    size_t first, end; /* its touches */
    uint64_t instructions;
    unsigned window;
};
static struct touch *touches;
static size_t touches_used, touches_size;
static struct opening_log *logs;
static size_t logs_used, logs_size;
static struct block **touched; /* the open opening's blocks */
static size_t touched_used, touched_size;
static uint64_t opening_number = 1;
static int logging = 1;

/* Makes room for one more element in `*array` (of `*size`, `used` taken). */
static int grow(void **array, size_t *size, size_t used, size_t element) {
    if (used < *size) return 1;
    size_t more = *size ? 2 * *size : 1024;
    void *bigger = realloc(*array, more * element);
    if (!bigger) return logging = 0;
    *array = bigger, *size = more;
    return 1;
}

/* The open opening ended with `instructions`: its blocks go to the log. */
static void log_opening(unsigned window, uint64_t instructions) {
    if (logging && grow((void **)&logs, &logs_size, logs_used, sizeof *logs)) {
        struct opening_log *log = &logs[logs_used++];
        log->first = touches_used, log->window = window, log->instructions = instructions;
        for (size_t i = 0; i < touched_used && logging; i++) {
            if (grow((void **)&touches, &touches_size, touches_used, sizeof *touches))
                touches[touches_used++] = (struct touch){touched[i], touched[i]->in_opening};
        }
        log->end = touches_used;
    }
    touched_used = 0;
    opening_number++;
}

static struct block *blocks;
static unsigned current;                 /* the open window; 0: none */
static uint64_t opened[WINDOWS];
static uint64_t total[WINDOWS];
static uint64_t instance;                /* instructions of the open window's opening */
static uint64_t instances[WINDOWS][INSTANCES];
static const char *out_path = "profile.out";

static void block_executed(unsigned int vcpu, void *data) {
    struct block *block = data;
    (void)vcpu;
    if (current) {
        block->count[current]++;
        instance += block->insns;
        if (block->opening != opening_number) {
            block->opening = opening_number, block->in_opening = 0;
            if (logging && grow((void **)&touched, &touched_size, touched_used, sizeof *touched))
                touched[touched_used++] = block;
        }
        block->in_opening++;
    }
}

static void marker_executed(unsigned int vcpu, void *data) {
    unsigned window = (unsigned)(uintptr_t)data;
    (void)vcpu;
    if (current) {
        if (opened[current] <= INSTANCES) instances[current][opened[current] - 1] = instance;
        total[current] += instance;
        log_opening(current, instance);
    }
    instance = 0;
    current = window < WINDOWS ? window : 0;
    if (current) opened[current]++;
}

static int is_marker(const uint8_t *code, size_t size) {
    static const uint8_t head[] = {0x0f, 0x1f, 0x80}, tail[] = {0x55, 0xaa, 0x5a};
    return size == MARKER_SIZE && memcmp(code, head, 3) == 0 && memcmp(code + 4, tail, 3) == 0;
}

static void block_translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    size_t insns = qemu_plugin_tb_n_insns(tb), bytes = 0;
    for (size_t i = 0; i < insns; i++) bytes += qemu_plugin_insn_size(qemu_plugin_tb_get_insn(tb, i));
    struct block *block = calloc(1, sizeof *block);
    uint8_t *code = malloc(bytes ? bytes : 1), *sizes = malloc(insns ? insns : 1);
    if (!block || !code || !sizes) {
        free(block), free(code), free(sizes);
        return;
    }
    block->vaddr = qemu_plugin_tb_vaddr(tb);
    block->insns = insns;
    block->bytes = bytes;
    block->code = code;
    block->sizes = sizes;
    size_t at = 0;
    for (size_t i = 0; i < insns; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        size_t size = qemu_plugin_insn_size(insn);
        memcpy(code + at, qemu_plugin_insn_data(insn), size);
        sizes[i] = (uint8_t)size;
        if (is_marker(code + at, size)) {
            void *window = (void *)(uintptr_t)code[at + 3];
            qemu_plugin_register_vcpu_insn_exec_cb(insn, marker_executed, QEMU_PLUGIN_CB_NO_REGS, window);
        }
        at += size;
    }
    /* (A block translated again, after the guest changed its code or its mapping, is a
     * new record: each is matched on its own bytes.) */
    block->next = blocks;
    blocks = block;
    qemu_plugin_register_vcpu_tb_exec_cb(tb, block_executed, QEMU_PLUGIN_CB_NO_REGS, block);
}

static int by_value(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void write_profile(qemu_plugin_id_t id, void *data) {
    (void)id, (void)data;
    FILE *out = fopen(out_path, "w");
    if (!out) return;
    uint64_t median[WINDOWS] = {0}, typical[WINDOWS] = {0};
    for (unsigned w = 1; w < WINDOWS; w++) {
        uint64_t closed = opened[w] - (current == w), logged = closed < INSTANCES ? closed : INSTANCES;
        qsort(instances[w], logged, sizeof instances[w][0], by_value);
        median[w] = logged ? instances[w][logged / 2] : 0;
    }
    /* The typical openings: within 1% of their window's median. */
    for (size_t i = 0; i < logs_used && logging; i++) {
        struct opening_log *log = &logs[i];
        uint64_t m = median[log->window], off = log->instructions > m ? log->instructions - m : m - log->instructions;
        if (off * 100 > m) continue;
        typical[log->window]++;
        for (size_t t = log->first; t < log->end; t++) touches[t].block->typical[log->window] += touches[t].count;
    }
    for (unsigned w = 1; w < WINDOWS; w++) {
        if (!opened[w]) continue;
        uint64_t closed = opened[w] - (current == w);
        fprintf(out, "window %u opened %llu total %llu median %llu typical %llu\n", w, (unsigned long long)closed,
                (unsigned long long)total[w], (unsigned long long)median[w],
                (unsigned long long)(logging ? typical[w] : 0));
    }
    for (struct block *block = blocks; block; block = block->next) {
        uint64_t any = 0;
        for (unsigned w = 1; w < WINDOWS; w++) any |= block->count[w];
        if (!any) continue;
        fprintf(out, "block %llx ", (unsigned long long)block->vaddr);
        for (unsigned w = 1; w < WINDOWS; w++) fprintf(out, "%s%llu", w > 1 ? "," : "", (unsigned long long)block->count[w]);
        fputc(' ', out);
        for (size_t i = 0; i < block->bytes; i++) fprintf(out, "%02x", block->code[i]);
        fputc(' ', out);
        for (size_t i = 0; i < block->insns; i++) fprintf(out, "%s%u", i ? "," : "", block->sizes[i]);
        fputc(' ', out);
        for (unsigned w = 1; w < WINDOWS; w++) fprintf(out, "%s%llu", w > 1 ? "," : "", (unsigned long long)block->typical[w]);
        fputc('\n', out);
    }
    fclose(out);
}

UXRT_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "out=", 4) == 0) out_path = argv[i] + 4;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, block_translated);
    qemu_plugin_register_atexit_cb(id, write_profile, NULL);
    return 0;
}
