/* The pool covers every index exactly once, for many sizes and thread counts,
 * a chunked reduction gives the same bits on every run with the same count, and
 * fs_parallel_chunks says exactly which thread indices a loop gives work to. */
#include "check.h"
#include "core/threads.h"

#include <stdint.h>

typedef struct { int *hits; double *partial; const float *x; } ctx_t;

static void mark(void *c, int64_t b, int64_t e, int t) {
    ctx_t *ctx = c;
    (void)t;
    for (int64_t i = b; i < e; i++) __atomic_add_fetch(&ctx->hits[i], 1, __ATOMIC_RELAXED);
}
static void seen(void *c, int64_t b, int64_t e, int t) {
    (void)b, (void)e;
    __atomic_or_fetch((uint64_t *)c, (uint64_t)1 << t, __ATOMIC_RELAXED);
}
static void psum(void *c, int64_t b, int64_t e, int t) {
    ctx_t *ctx = c;
    double s = 0;
    for (int64_t i = b; i < e; i++) s += ctx->x[i];
    ctx->partial[t] = s;
}

int main(void) {
    static int hits[10007];
    static float x[100003];
    for (int i = 0; i < 100003; i++) x[i] = (float)((i * 2654435761u) % 1000) / 7.0f - 50.0f;
    for (int nt = 1; nt <= 5; nt++) {
        fs_threads_init(nt);
        CHECK(fs_threads_count() == nt);
        for (int n = 0; n < 10007; n += 997) {
            memset(hits, 0, sizeof hits);
            ctx_t c = {hits, NULL, NULL};
            fs_parallel_for(n, 3, mark, &c);
            int ok = 1;
            for (int i = 0; i < n; i++) ok &= hits[i] == 1;
            CHECK_MSG(ok, "threads=%d n=%d", nt, n);
        }
        for (int n = 0; n < 40; n++)
            for (int grain = 1; grain <= 7; grain += 3) {
                uint64_t tids = 0;
                fs_parallel_for(n, grain, seen, &tids);
                const int k = fs_parallel_chunks(n, grain);
                CHECK_MSG(tids == (k ? ((uint64_t)1 << k) - 1 : 0), "threads=%d n=%d grain=%d: chunks %d, tids %#llx",
                          nt, n, grain, k, (unsigned long long)tids);
            }
        double partial[256], first = 0;
        for (int rep = 0; rep < 3; rep++) {
            memset(partial, 0, sizeof partial);
            ctx_t c = {NULL, partial, x};
            fs_parallel_for(100003, 1, psum, &c);
            double s = 0;
            for (int t = 0; t < 256; t++) s += partial[t];
            if (rep == 0) first = s;
            CHECK(memcmp(&s, &first, sizeof s) == 0);
        }
    }
    fs_threads_shutdown();
    return check_finish();
}
