/* The pool covers every index exactly once, for many sizes and thread counts,
 * and a chunked reduction gives the same bits on every run with the same count. */
#include "check.h"
#include "core/threads.h"

#include <stdint.h>

typedef struct { int *hits; double *partial; const float *x; } ctx_t;

static void mark(void *c, int64_t b, int64_t e, int t) {
    ctx_t *ctx = c;
    (void)t;
    for (int64_t i = b; i < e; i++) __atomic_add_fetch(&ctx->hits[i], 1, __ATOMIC_RELAXED);
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
