/* waitbench: the cost of waiting on many fds, and of the basic I/O paths, written against
 * POSIX so that the same source runs on uxrt (posix-shim) and on Linux (in a guest booted
 * by the same QEMU command line, see image/src/bench.rs).
 *
 *   waitbench [quick]      every measurement (quick: small sizes, few rounds: a test)
 *   waitbench scale N K [ROUNDS]   one wait-at-scale measurement
 *   waitbench basic        the basic paths only (pipe ping-pong, reads, spawn)
 *   waitbench producer GO W...   (started by itself) per byte read on fd GO, writes a
 *                          byte to each fd W
 *   waitbench exit         (started by itself) exits at once: the spawn measurement
 *   waitbench sink IN OUT BYTES   (started by itself) reads fd IN to its end, writing a
 *                          byte to fd OUT after each BYTES read: the stream's reader
 *
 * Wait at scale: N pipes, k of them made ready per round (spread evenly among the N).
 *   wait: one wait call (poll, select, epoll_wait) with the k already ready, then draining;
 *   wake: a producer process is told to write the k bytes; the consumer waits until it
 *         has drained all k (the wake-ups, context switches and the producer's writes).
 * Times are time-stamp counter ticks: under QEMU -icount, guest instructions.
 * Each result is one line, `waitbench NAME key=value ...`, for the tool to read. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __uxrt__
#include <uxrt.h>
#else
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#endif

#define MAX_READY 16
#define MAX_ROUNDS 200

static unsigned long ticks(void) {
    unsigned lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((unsigned long)hi << 32) | lo;
}

static void fail(const char *what) {
    printf("waitbench: %s: %s\n", what, strerror(errno));
    exit(1);
}

static const char *self_path = "/bin/waitbench";

/* Keeps `fd` from the children (a child holding a pipe's write end would keep its reader
 * from ever seeing the end). */
static int private_fd(int fd) {
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) fail("fcntl");
    return fd;
}

/* --- profile windows (cargo xtask profile) --------------------------------------- */

/* A marker NOP (`nopl 0x5aaa55WW(%rax)`, which no compiler emits) opens profile window WW
 * (1..15) or, with 0, closes the open one: uxrt's QEMU plugin counts what runs in between,
 * the kernel and servers included. Anywhere else it is a NOP. The timed regions:
 * 1-4 a wait (poll, select, epoll, epoll-edge), 5-8 a wake-up (the same order), 9 pipe
 * ping-pong, 10 a 1-byte read, 11 a 64 KiB read, 12 spawn + exit + wait, 13 1 MiB
 * through a pipe. */
#define PROFILE_MARK(w) __asm__ volatile(".byte 0x0f, 0x1f, 0x80, " #w ", 0x55, 0xaa, 0x5a" ::: "memory")
enum {
    WINDOW_WAIT = 1,
    WINDOW_WAKE = 5,
    WINDOW_PING_PONG = 9,
    WINDOW_READ_1 = 10,
    WINDOW_READ_64K = 11,
    WINDOW_SPAWN = 12,
    WINDOW_STREAM = 13
};

static void profile_open(int window) {
    /* (The marker's operand is an immediate: one per window.) */
    switch (window) {
    case 1: PROFILE_MARK(1); break;
    case 2: PROFILE_MARK(2); break;
    case 3: PROFILE_MARK(3); break;
    case 4: PROFILE_MARK(4); break;
    case 5: PROFILE_MARK(5); break;
    case 6: PROFILE_MARK(6); break;
    case 7: PROFILE_MARK(7); break;
    case 8: PROFILE_MARK(8); break;
    case 9: PROFILE_MARK(9); break;
    case 10: PROFILE_MARK(10); break;
    case 11: PROFILE_MARK(11); break;
    case 12: PROFILE_MARK(12); break;
    case 13: PROFILE_MARK(13); break;
    default: break;
    }
}

static void profile_close(void) {
    PROFILE_MARK(0);
}

/* --- kernel entries (uxrt's benchmark kernel counts them) ------------------------ */

/* Appends " NAME_kinds=fast:4,slowcall:0,..." to `out`: the kernel entries, by kind, since
 * the last uxrt_kernel_entries_reset (nothing where the kernel does not count them). */
static void entry_kinds(char *out, size_t size, const char *name) {
#ifdef __uxrt__
    char kinds[256];
    if (uxrt_kernel_entry_kinds(kinds, sizeof kinds) < 0) return;
    size_t used = strlen(out);
    snprintf(out + used, size - used, " %s_kinds=%s", name, kinds);
#else
    (void)out, (void)size, (void)name;
#endif
}

static int counting_entries(void) {
#ifdef __uxrt__
    return uxrt_kernel_entries_reset() == 0;
#else
    return 0;
#endif
}

/* --- statistics ------------------------------------------------------------------- */

static void sort(unsigned long *values, int count) {
    for (int i = 1; i < count; i++) {
        unsigned long v = values[i];
        int j = i - 1;
        while (j >= 0 && values[j] > v) {
            values[j + 1] = values[j];
            j--;
        }
        values[j + 1] = v;
    }
}

/* Sorts `samples`; the median and the 99th percentile. */
static void summary(unsigned long *samples, int count, unsigned long *median, unsigned long *p99) {
    sort(samples, count);
    *median = samples[count / 2];
    int at = (count * 99 + 99) / 100 - 1;
    *p99 = samples[at < 0 ? 0 : at];
}

/* --- processes -------------------------------------------------------------------- */

/* Starts `waitbench ARGS...` (argv[0] is added), the child holding this one's fds. */
static pid_t start_self(char **args) {
    char *argv[MAX_READY + 4];
    int n = 0;
    argv[n++] = (char *)self_path;
    while (*args && n < MAX_READY + 3) {
        argv[n++] = *args++;
    }
    argv[n] = NULL;
#ifdef __uxrt__
    pid_t pid = uxrt_spawn(self_path, argv);
#else
    pid_t pid = fork();
    if (pid == 0) {
        execv(self_path, argv);
        _exit(127);
    }
#endif
    if (pid < 0) {
        fail("spawn");
    }
    return pid;
}

static int ended_well(pid_t pid) {
    int status = 0;
    return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int producer(int go, int *writers, int count) {
    char byte;
    while (read(go, &byte, 1) == 1) {
        for (int i = 0; i < count; i++) {
            if (write(writers[i], "x", 1) != 1) {
                return 1;
            }
        }
    }
    return 0;
}

/* --- wait at scale ---------------------------------------------------------------- */

enum mechanism { POLL, SELECT, EPOLL, EPOLL_EDGE, MECHANISMS };
static const char *mechanism_names[] = {"poll", "select", "epoll", "epoll-edge"};

struct scale {
    int n, k;
    int *readers;               /* read ends, in poll order */
    int *writers;               /* their write ends (idle ones stay open: no hang-up) */
    int ready_write[MAX_READY]; /* write ends of the k pipes made ready */
    struct pollfd *pollfds;
    int epoll;                  /* -1 when not made */
    int max_fd;
};

/* The k ready pipes are made first (so their write ends have low fds: a uxrt child
 * inherits fds below 64 only), then the others; position i * n / k of the poll order is
 * ready. */
static void scale_open(struct scale *s, int n, int k) {
    s->n = n;
    s->k = k;
    s->readers = calloc(n, sizeof(int));
    s->writers = calloc(n, sizeof(int));
    s->pollfds = calloc(n, sizeof(struct pollfd));
    if (!s->readers || !s->writers || !s->pollfds) fail("calloc");
    s->epoll = -1;
    s->max_fd = 0;
    for (int i = 0; i < k; i++) {
        int fds[2];
        if (pipe(fds) != 0) fail("pipe");
        s->readers[i * n / k] = private_fd(fds[0]);
        s->writers[i * n / k] = fds[1];
        s->ready_write[i] = fds[1];
    }
    int next_ready = 0;
    for (int i = 0; i < n; i++) {
        if (next_ready < k && i == next_ready * n / k) {
            next_ready++;
            continue;
        }
        int fds[2];
        if (pipe(fds) != 0) fail("pipe");
        s->readers[i] = private_fd(fds[0]);
        s->writers[i] = private_fd(fds[1]);
    }
    for (int i = 0; i < n; i++) {
        s->pollfds[i].fd = s->readers[i];
        s->pollfds[i].events = POLLIN;
        if (s->readers[i] > s->max_fd) s->max_fd = s->readers[i];
    }
}

static void scale_close(struct scale *s) {
    for (int i = 0; i < s->n; i++) {
        close(s->readers[i]);
        close(s->writers[i]);
    }
    if (s->epoll >= 0) close(s->epoll);
    free(s->readers);
    free(s->writers);
    free(s->pollfds);
}

static void epoll_prepare(struct scale *s, int edge) {
    if (s->epoll >= 0) close(s->epoll);
    s->epoll = epoll_create1(0);
    if (s->epoll < 0) fail("epoll_create1");
    for (int i = 0; i < s->n; i++) {
        struct epoll_event event;
        event.events = EPOLLIN | (edge ? EPOLLET : 0);
        event.data.u64 = (unsigned long)i;
        if (epoll_ctl(s->epoll, EPOLL_CTL_ADD, s->readers[i], &event) != 0) fail("epoll_ctl");
    }
}

static void drain(int fd) {
    char byte;
    if (read(fd, &byte, 1) != 1) fail("read");
}

/* One wait (blocking); drains what it found: how many fds that was. */
static int wait_once(struct scale *s, enum mechanism m) {
    int found = 0;
    switch (m) {
    case POLL: {
        int ready = poll(s->pollfds, s->n, -1);
        if (ready < 0) fail("poll");
        for (int i = 0; i < s->n && found < ready; i++) {
            if (s->pollfds[i].revents & POLLIN) {
                drain(s->readers[i]);
                found++;
            }
        }
        break;
    }
    case SELECT: {
        fd_set set;
        FD_ZERO(&set);
        for (int i = 0; i < s->n; i++) FD_SET(s->readers[i], &set);
        int ready = select(s->max_fd + 1, &set, NULL, NULL, NULL);
        if (ready < 0) fail("select");
        for (int i = 0; i < s->n && found < ready; i++) {
            if (FD_ISSET(s->readers[i], &set)) {
                drain(s->readers[i]);
                found++;
            }
        }
        break;
    }
    case EPOLL:
    case EPOLL_EDGE: {
        struct epoll_event events[MAX_READY];
        int ready = epoll_wait(s->epoll, events, MAX_READY, -1);
        if (ready < 0) fail("epoll_wait");
        for (int i = 0; i < ready; i++) {
            drain(s->readers[events[i].data.u64]);
            found++;
        }
        break;
    }
    default:
        break;
    }
    return found;
}

static void wait_at_scale(int n, int k, int rounds) {
    /* (First, like the ready pipes: a uxrt child inherits fds below 64 only.) */
    int go[2];
    if (pipe(go) != 0) fail("pipe");
    struct scale s;
    scale_open(&s, n, k);
    unsigned long wait[MAX_ROUNDS], wake[MAX_ROUNDS];
    char *args[MAX_READY + 3];
    char numbers[MAX_READY + 1][12];
    int a = 0;
    args[a++] = "producer";
    snprintf(numbers[0], sizeof numbers[0], "%d", go[0]);
    args[a++] = numbers[0];
    for (int i = 0; i < k; i++) {
        snprintf(numbers[i + 1], sizeof numbers[i + 1], "%d", s.ready_write[i]);
        args[a++] = numbers[i + 1];
    }
    args[a] = NULL;
    private_fd(go[1]);
    pid_t child = start_self(args);
    close(go[0]);
    for (int m = 0; m < MECHANISMS; m++) {
        if (m == SELECT && s.max_fd >= FD_SETSIZE) continue;
        if (m == EPOLL || m == EPOLL_EDGE) epoll_prepare(&s, m == EPOLL_EDGE);
        /* Round -1 is not counted: the first wait on an fd sets up its watch (on uxrt,
         * the fd's notification and subscription; on Linux, poll's tables). */
        for (int r = -1; r < rounds; r++) {
            /* wait: the k are ready before the call. */
            for (int i = 0; i < k; i++) {
                if (write(s.ready_write[i], "x", 1) != 1) fail("write");
            }
            /* (Round -1 is not profiled either.) */
            if (r >= 0) profile_open(WINDOW_WAIT + m);
            unsigned long start = ticks();
            int got = 0;
            while (got < k) got += wait_once(&s, (enum mechanism)m);
            if (r >= 0) wait[r] = ticks() - start;
            profile_close();
            /* wake: another process makes them ready while this one waits. */
            if (r >= 0) profile_open(WINDOW_WAKE + m);
            start = ticks();
            if (write(go[1], "g", 1) != 1) fail("write");
            got = 0;
            while (got < k) got += wait_once(&s, (enum mechanism)m);
            if (r >= 0) wake[r] = ticks() - start;
            profile_close();
        }
        unsigned long wait_median, wait_p99, wake_median, wake_p99;
        summary(wait, rounds, &wait_median, &wait_p99);
        summary(wake, rounds, &wake_median, &wake_p99);
        /* One more round of each, counting kernel entries over what was timed. */
        char entries[600] = "";
        for (int i = 0; i < k; i++) {
            if (write(s.ready_write[i], "x", 1) != 1) fail("write");
        }
        if (counting_entries()) {
            int got = 0;
            while (got < k) got += wait_once(&s, (enum mechanism)m);
            entry_kinds(entries, sizeof entries, "wait");
            counting_entries();
            if (write(go[1], "g", 1) != 1) fail("write");
            got = 0;
            while (got < k) got += wait_once(&s, (enum mechanism)m);
            entry_kinds(entries, sizeof entries, "wake");
        } else {
            int got = 0;
            while (got < k) got += wait_once(&s, (enum mechanism)m);
        }
        printf("waitbench scale mechanism=%s n=%d k=%d rounds=%d wait_median=%lu wait_p99=%lu "
               "wait_per_event=%lu wake_median=%lu wake_p99=%lu%s\n",
               mechanism_names[m], n, k, rounds, wait_median, wait_p99, wait_median / k, wake_median, wake_p99, entries);
        fflush(stdout);
    }
    close(go[1]);
    if (!ended_well(child)) {
        printf("waitbench: the producer failed\n");
        exit(1);
    }
    scale_close(&s);
}

/* --- the basic paths ---------------------------------------------------------------- */

/* `entries`: the kernel entries of one more, counted, operation (or ""). */
static void report(const char *name, unsigned long *samples, int count, const char *unit, const char *entries) {
    unsigned long median, p99;
    summary(samples, count, &median, &p99);
    printf("waitbench %s rounds=%d median=%lu p99=%lu unit=%s%s\n", name, count, median, p99, unit, entries);
    fflush(stdout);
}

/* A byte to another process and back, through two pipes. */
static void pipe_ping_pong(int rounds) {
    int there[2], back[2];
    if (pipe(there) != 0 || pipe(back) != 0) fail("pipe");
    char go[12], reply[12];
    snprintf(go, sizeof go, "%d", there[0]);
    snprintf(reply, sizeof reply, "%d", back[1]);
    char *args[] = {"producer", go, reply, NULL};
    private_fd(there[1]);
    private_fd(back[0]);
    pid_t child = start_self(args);
    close(there[0]);
    close(back[1]);
    unsigned long samples[MAX_ROUNDS];
    char entries[300] = "";
    for (int r = 0; r <= rounds; r++) {
        int counted = r == rounds && counting_entries();
        /* (Round 0 leases the read ends: the profile shows the steady state.) */
        if (r > 0 && r < rounds) profile_open(WINDOW_PING_PONG);
        unsigned long start = ticks();
        if (write(there[1], "p", 1) != 1) fail("write");
        drain(back[0]);
        if (r < rounds) samples[r] = ticks() - start;
        profile_close();
        if (counted) entry_kinds(entries, sizeof entries, "op");
    }
    close(there[1]);
    close(back[0]);
    if (!ended_well(child)) fail("ping-pong partner");
    report("pipe-ping-pong", samples, rounds, "ticks", entries);
}

/* What `waitbench sink` does: reads `in` to its end (64 KiB at a time, as `cat`
 * would), telling `out` after each `bytes` it got. */
static int sink(int in, int out, long bytes) {
    /* (On the heap: static buffers are memory every spawn of waitbench maps.) */
    enum { BUFFER = 64 * 1024 };
    char *buffer = malloc(BUFFER);
    if (!buffer) return 1;
    long got = 0;
    ssize_t n;
    while ((n = read(in, buffer, BUFFER)) > 0) {
        got += n;
        if (got >= bytes) {
            got -= bytes;
            if (write(out, "d", 1) != 1) return 1;
        }
    }
    return n == 0 && got == 0 ? 0 : 1;
}

/* 1 MiB through a pipe to another process in 4 KiB writes, until that process has read
 * it all (it says so through a second pipe): ticks per KiB. */
static void pipe_stream(int rounds) {
    enum { TOTAL = 1 << 20, WRITE = 4096 };
    int data[2], done[2];
    if (pipe(data) != 0 || pipe(done) != 0) fail("pipe");
    char in[12], out[12], bytes[12];
    snprintf(in, sizeof in, "%d", data[0]);
    snprintf(out, sizeof out, "%d", done[1]);
    snprintf(bytes, sizeof bytes, "%d", TOTAL);
    char *args[] = {"sink", in, out, bytes, NULL};
    private_fd(data[1]);
    private_fd(done[0]);
    pid_t child = start_self(args);
    close(data[0]);
    close(done[1]);
    char chunk[WRITE];
    memset(chunk, 's', sizeof chunk);
    unsigned long samples[MAX_ROUNDS];
    char entries[300] = "";
    for (int r = 0; r <= rounds; r++) {
        int counted = r == rounds && counting_entries();
        if (r < rounds) profile_open(WINDOW_STREAM);
        unsigned long start = ticks();
        for (int sent = 0; sent < TOTAL; sent += WRITE) {
            if (write(data[1], chunk, WRITE) != WRITE) fail("write");
        }
        drain(done[0]);
        if (r < rounds) samples[r] = (ticks() - start) / (TOTAL / 1024);
        profile_close();
        if (counted) entry_kinds(entries, sizeof entries, "op");
    }
    close(data[1]);
    close(done[0]);
    if (!ended_well(child)) fail("stream reader");
    report("pipe-1-MiB", samples, rounds, "ticks-per-KiB", entries);
}

static void reads(int rounds) {
    unsigned long samples[MAX_ROUNDS];
    int zero = open("/dev/zero", O_RDONLY);
    if (zero < 0) fail("open /dev/zero");
    char byte;
    char entries[300] = "";
    for (int r = 0; r <= rounds; r++) {
        int counted = r == rounds && counting_entries();
        if (r < rounds) profile_open(WINDOW_READ_1);
        unsigned long start = ticks();
        if (read(zero, &byte, 1) != 1) fail("read");
        if (r < rounds) samples[r] = ticks() - start;
        profile_close();
        if (counted) entry_kinds(entries, sizeof entries, "op");
    }
    close(zero);
    report("read-1-byte", samples, rounds, "ticks", entries);

    enum { CHUNK = 64 * 1024, CHUNKS = 16 };
    char *buffer = malloc(CHUNK);
    if (!buffer) fail("malloc");
    memset(buffer, 'b', CHUNK);
    int file = open("/tmp/waitbench.data", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (file < 0) fail("open /tmp/waitbench.data");
    for (int i = 0; i < CHUNKS; i++) {
        if (write(file, buffer, CHUNK) != CHUNK) fail("write");
    }
    entries[0] = 0;
    for (int r = 0; r <= rounds; r++) {
        if (lseek(file, (off_t)(r % CHUNKS) * CHUNK, SEEK_SET) < 0) fail("lseek");
        int counted = r == rounds && counting_entries();
        if (r < rounds) profile_open(WINDOW_READ_64K);
        unsigned long start = ticks();
        if (read(file, buffer, CHUNK) != CHUNK) fail("read");
        if (r < rounds) samples[r] = ticks() - start;
        profile_close();
        if (counted) entry_kinds(entries, sizeof entries, "op");
    }
    close(file);
    unlink("/tmp/waitbench.data");
    free(buffer);
    report("read-64-KiB", samples, rounds, "ticks", entries);
}

/* Spawns under `name`: run first on a fresh boot (`waitbench spawn`) and again after
 * every other benchmark, the two figures show whether earlier work made spawning dearer
 * (seL4 re-zeroing memory it hands out again, allocator state). */
static void spawns(const char *name, int rounds) {
    unsigned long samples[MAX_ROUNDS];
    char *args[] = {"exit", NULL};
    char entries[300] = "";
    for (int r = 0; r <= rounds; r++) {
        int counted = r == rounds && counting_entries();
        if (r < rounds) profile_open(WINDOW_SPAWN);
        unsigned long start = ticks();
        pid_t child = start_self(args);
        if (!ended_well(child)) fail("spawned child");
        if (r < rounds) samples[r] = ticks() - start;
        profile_close();
        if (counted) entry_kinds(entries, sizeof entries, "op");
    }
    report(name, samples, rounds, "ticks", entries);
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "producer") == 0) {
        int writers[MAX_READY];
        int count = 0;
        for (int i = 3; i < argc && count < MAX_READY; i++) writers[count++] = atoi(argv[i]);
        return producer(atoi(argv[2]), writers, count);
    }
    if (argc >= 2 && strcmp(argv[1], "exit") == 0) {
        return 0;
    }
    if (argc >= 5 && strcmp(argv[1], "sink") == 0) {
        return sink(atoi(argv[2]), atoi(argv[3]), atol(argv[4]));
    }
    if (argc >= 2 && strcmp(argv[1], "basic") == 0) {
        pipe_ping_pong(100);
        pipe_stream(10);
        reads(100);
        spawns("spawn-exit-wait", 20);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "spawn") == 0) {
        spawns("spawn-exit-wait-fresh-boot", argc >= 3 ? atoi(argv[2]) : 20);
        return 0;
    }
    if (argc >= 4 && strcmp(argv[1], "scale") == 0) {
        wait_at_scale(atoi(argv[2]), atoi(argv[3]), argc >= 5 ? atoi(argv[4]) : 20);
        return 0;
    }
    int quick = argc >= 2 && strcmp(argv[1], "quick") == 0;
#ifndef __uxrt__
    /* 16384 pipes hold 32768 fds: more than Linux's default limit. */
    struct rlimit files = {40000, 40000};
    setrlimit(RLIMIT_NOFILE, &files);
    if (getpid() == 1) {
        /* The Linux guest's init: /dev/zero and /tmp as uxrt has them. */
        self_path = "/init";
        mkdir("/dev", 0755);
        mkdir("/tmp", 01777);
        if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0) fail("mount /dev");
        if (mount("tmpfs", "/tmp", "tmpfs", 0, NULL) != 0) fail("mount /tmp");
    }
    else if (argv[0][0] == '/') self_path = argv[0];
    else self_path = "/proc/self/exe";
#endif
    static const int sizes[] = {1, 16, 64, 65, 256, 1024, 4096, 16384};
    static const int quick_sizes[] = {1, 16, 65};
    const int *n = quick ? quick_sizes : sizes;
    int count = quick ? 3 : 8;
    int rounds = quick ? 5 : 50;
    for (int i = 0; i < count; i++) {
        wait_at_scale(n[i], 1, rounds);
        if (n[i] >= 16) wait_at_scale(n[i], 16, rounds);
    }
    pipe_ping_pong(quick ? 5 : 100);
    pipe_stream(quick ? 2 : 10);
    reads(quick ? 5 : 100);
    spawns("spawn-exit-wait", quick ? 3 : 20);
    printf("waitbench done\n");
    fflush(stdout);
#ifndef __uxrt__
    if (getpid() == 1) reboot(RB_AUTOBOOT);
#endif
    return 0;
}
