// Streaming-read bandwidth: T threads each sum one contiguous slice of a SIZE-byte buffer as 64-bit
// words (the compiler vectorizes the loop; -O3 -march=native), best of REPS passes. Prints GB/s.
// The memory-bandwidth baseline for the decode roofline in compare.sh (same idea as
// benchmarks/.../StreamRead.java, without needing the JMH project).
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct { const uint64_t *p; size_t n; uint64_t sum; } slice_t;

static void *run(void *arg) {
    slice_t *s = arg;
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    size_t i = 0;
    for (; i + 4 <= s->n; i += 4) { a0 += s->p[i]; a1 += s->p[i + 1]; a2 += s->p[i + 2]; a3 += s->p[i + 3]; }
    for (; i < s->n; i++) a0 += s->p[i];
    s->sum = a0 + a1 + a2 + a3;
    return NULL;
}

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    size_t bytes = (size_t) (argc > 2 ? atof(argv[2]) : 1024) * 1024 * 1024 / 1024; // MiB
    int reps = argc > 3 ? atoi(argv[3]) : 10;
    bytes = bytes * 1024;
    size_t words = bytes / 8;
    uint64_t *buf = aligned_alloc(64, words * 8);
    for (size_t i = 0; i < words; i++) buf[i] = i;
    pthread_t th[256];
    slice_t sl[256];
    double best = 0;
    uint64_t total = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        size_t per = (words / threads) & ~(size_t) 7;
        for (int t = 0; t < threads; t++) {
            sl[t].p = buf + per * t;
            sl[t].n = t == threads - 1 ? words - per * t : per;
            pthread_create(&th[t], NULL, run, &sl[t]);
        }
        for (int t = 0; t < threads; t++) { pthread_join(th[t], NULL); total += sl[t].sum; }
        double gbs = bytes / (now() - t0) / 1e9;
        if (gbs > best) best = gbs;
    }
    printf("%.2f\n", best);
    fprintf(stderr, "streamread: %d threads, %zu MiB, best of %d: %.2f GB/s (checksum %llu)\n", threads,
            bytes >> 20, reps, best, (unsigned long long) total);
    return 0;
}
