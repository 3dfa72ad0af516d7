/* The distribution layer, run by test_dist_layer.sh as `mpirun -np N test_dist_layer N` (and alone,
 * where it must behave as one rank): the fixed-order sum gives the same bits on every rank and the
 * bits of the serial sum in rank order, within 1e-5 of the exact sum; broadcast, max (NaN wins),
 * agree (one rank fails: every rank fails with its message) and the static deal. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist/dist.h"

static int fails;
#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "rank %d: FAIL %s: ", fs_dist_rank(), #cond);    \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
            fails++;                                                         \
        }                                                                    \
    } while (0)

/* the value rank r contributes at i: mixed signs and magnitudes, so the order of a sum shows */
static float value(int r, size_t i) {
    uint32_t h = (uint32_t)(i * 2654435761u) ^ (uint32_t)(r * 40503u + 17u);
    h ^= h >> 15, h *= 2246822519u, h ^= h >> 13;
    float mag = (h & 3) == 0 ? 1e3f : (h & 3) == 1 ? 1.0f : 1e-3f;
    return mag * ((float)(h >> 8) / 16777216.0f - 0.5f);
}

static void test_sum(int size) {
    size_t n = (size_t)5 << 20; /* 20 MB: more than one 16 MB message */
    float *a = malloc(n * sizeof *a), *first = malloc(n * sizeof *a);
    FS_ASSERT(a && first);
    for (size_t i = 0; i < n; i++) a[i] = value(fs_dist_rank(), i);
    fs_err err = {0};
    CHECK(fs_dist_allreduce_sum_f32(a, n, &err) == FS_OK, "%s", err.msg);
    double maxdiff = 0;
    size_t bad_bits = 0;
    for (size_t i = 0; i < n; i++) {
        float serial = value(0, i);
        double exact = value(0, i), mag = fabs(exact);
        for (int r = 1; r < size; r++) serial += value(r, i), exact += value(r, i), mag += fabs(value(r, i));
        if (memcmp(&serial, &a[i], sizeof serial)) bad_bits++;
        double d = fabs((double)a[i] - exact) / (1.0 + mag); /* relative to the terms: sums cancel */
        if (!(d <= maxdiff) && maxdiff == maxdiff) maxdiff = d; /* a NaN comes in and stays */
    }
    CHECK(bad_bits == 0, "%zu of %zu sums differ from the serial sum in rank order", bad_bits, n);
    CHECK(maxdiff <= 1e-5, "max relative difference %g to the exact sum", maxdiff);
    /* every rank holds rank 0's bits */
    memcpy(first, a, n * sizeof *a);
    CHECK(fs_dist_broadcast(first, n * sizeof *first, 0, &err) == FS_OK, "%s", err.msg);
    CHECK(memcmp(first, a, n * sizeof *a) == 0, "the sum differs between ranks");
    if (fs_dist_rank() == 0) printf("OK allreduce_sum_f32 n=%zu ranks=%d maxdiff=%.3g (bits as the serial sum)\n", n, size, maxdiff);
    free(a), free(first);
}

static void test_small(int size) {
    fs_err err = {0};
    int r = fs_dist_rank();
    double v[3] = {r + 1.0, r == size - 1 && size > 1 ? NAN : -r, 0.5};
    CHECK(fs_dist_allreduce_f64(v, 3, FS_DIST_MAX, &err) == FS_OK, "%s", err.msg);
    CHECK(v[0] == size && (size == 1 ? v[1] == 0 : isnan(v[1])) && v[2] == 0.5, "max %g %g %g", v[0], v[1], v[2]);
    double s[2] = {r, 1};
    CHECK(fs_dist_allreduce_f64(s, 2, FS_DIST_SUM, &err) == FS_OK, "%s", err.msg);
    CHECK(s[0] == size * (size - 1) / 2.0 && s[1] == size, "sum %g %g", s[0], s[1]);
    char word[32] = "";
    int root = size - 1;
    if (r == root) snprintf(word, sizeof word, "from %d", root);
    CHECK(fs_dist_broadcast(word, sizeof word, root, &err) == FS_OK, "%s", err.msg);
    char want[32];
    snprintf(want, sizeof want, "from %d", root);
    CHECK(!strcmp(word, want), "broadcast got '%s'", word);
    CHECK(fs_dist_barrier(&err) == FS_OK, "%s", err.msg);
    CHECK(fs_dist_local_rank() >= 0 && fs_dist_local_rank() < size, "local rank %d", fs_dist_local_rank());

    /* agree: all fine, then the last rank fails */
    CHECK(fs_dist_agree(FS_OK, &err) == FS_OK && !fs_dist_failure_shared(), "agree on success");
    fs_err e2 = {0};
    int rc = FS_OK;
    if (r == root) rc = fs_errorf(&e2, "frame 7: disk full");
    rc = fs_dist_agree(rc, &e2);
    CHECK(rc == FS_ERR, "every rank fails");
    char expect[128];
    snprintf(expect, sizeof expect, r == root ? "frame 7: disk full" : "rank %d failed: frame 7: disk full", root);
    CHECK(!strcmp(e2.msg, expect), "message '%s'", e2.msg);
    CHECK(fs_dist_failure_shared() == (size > 1), "failure shared");

    /* the deal covers [0, n) exactly, in order */
    for (int64_t n = 0; n < 20; n++)
        for (int N = 1; N <= 5; N++) {
            int64_t next = 0;
            for (int k = 0; k < N; k++) {
                int64_t b, e;
                fs_dist_share(n, k, N, &b, &e);
                CHECK(b == next && e >= b && e - b <= n / N + 1 && e - b >= n / N, "share n=%lld N=%d", (long long)n, N);
                CHECK(k != 0 || n == 0 || e > b, "rank 0 gets an item: n=%lld N=%d", (long long)n, N);
                next = e;
            }
            CHECK(next == n, "share covers n=%lld N=%d", (long long)n, N);
        }
    char dev[32];
    snprintf(want, sizeof want, "cuda:%d", fs_dist_local_rank());
    CHECK(!strcmp(fs_dist_device("cuda", dev, sizeof dev), want), "device %s", dev);
    CHECK(!strcmp(fs_dist_device("cuda:3", dev, sizeof dev), "cuda:3"), "device %s", dev);
    CHECK(!strcmp(fs_dist_device("cpu", dev, sizeof dev), "cpu"), "device %s", dev);
    if (r == 0) printf("OK max/sum f64, broadcast, barrier, agree, share, device\n");
}

int main(int argc, char **argv) {
    fs_err err = {0};
    if (fs_dist_init(&err)) {
        fprintf(stderr, "FAIL init: %s\n", err.msg);
        return 1;
    }
    int expect = argc > 1 ? atoi(argv[1]) : 1, size = fs_dist_size();
    CHECK(size == expect, "%d ranks, expected %d (backend %s)", size, expect, fs_dist_backend());
    test_sum(size);
    test_small(size);
    fs_dist_finalize();
    return fails ? 1 : 0;
}
