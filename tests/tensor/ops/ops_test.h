/* ops_test.h — shared helpers for the tests in tests/tensor/ops (finite-difference losses, adjoint
 * checks, bit-equality). Include after check.h / gradcheck.h. */
#ifndef FS_TESTS_OPS_TEST_H
#define FS_TESTS_OPS_TEST_H

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"

static inline float *ot_alloc(long n) {
    float *p = calloc((size_t)(n > 0 ? n : 1), sizeof(float));
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

static inline float *ot_normal(long n, float scale, uint64_t *s) {
    float *p = ot_alloc(n);
    tr_fill_normal(p, n, scale, s);
    return p;
}

/* Loss for gradcheck: sum(out * r) where fwd(ctx) recomputes out from the current inputs.
 * Embed as the FIRST member of an op-specific context. */
typedef struct ot_loss {
    void (*fwd)(void *self);
    float *out;
    const float *r;
    long n_out;
} ot_loss;

static inline double ot_loss_fn(void *ctx) {
    ot_loss *l = ctx;
    l->fwd(ctx);
    return tr_dot(l->out, l->r, l->n_out);
}

/* Moves every value of x at least `gap` away from each kink in kinks[0..nk). */
static inline void ot_avoid_kinks(float *x, long n, const float *kinks, int nk, float gap) {
    for (long i = 0; i < n; i++)
        for (int k = 0; k < nk; k++)
            if (fabsf(x[i] - kinks[k]) < gap) x[i] = kinks[k] + (x[i] >= kinks[k] ? gap : -gap);
}

/* Bit-identical comparison (NaN-safe by bits). */
static inline int ot_same_bits(const char *name, const void *a, const void *b, long n_floats) {
    check__count++;
    if (memcmp(a, b, sizeof(float) * (size_t)n_floats) != 0) {
        check__failures++;
        const float *x = a, *y = b;
        long i = 0;
        while (i < n_floats && memcmp(x + i, y + i, sizeof(float)) == 0) i++;
        fprintf(stderr, "FAIL %s: not bit-identical at [%ld]: %.9g vs %.9g\n", name, i, x[i], y[i]);
        return 0;
    }
    printf("OK %s bit-identical (n=%ld)\n", name, n_floats);
    return 1;
}

/* Adjoint test for a linear op A: <A x, y> == <x, A^T y> (computed in double). */
static inline int ot_adjoint(const char *name, const float *x, const float *Ax, long nx_in, const float *y,
                             const float *ATy, long n_out, double rtol) {
    double lhs = tr_dot(Ax, y, n_out), rhs = tr_dot(x, ATy, nx_in);
    double scale = 0;
    for (long i = 0; i < n_out; i++) scale += fabs((double)Ax[i] * y[i]);
    check__count++;
    if (!(fabs(lhs - rhs) <= rtol * (scale + 1e-30))) {
        check__failures++;
        fprintf(stderr, "FAIL adjoint %s: <Ax,y>=%.10g <x,ATy>=%.10g\n", name, lhs, rhs);
        return 0;
    }
    printf("OK adjoint %s: <Ax,y>=%.10g <x,ATy>=%.10g\n", name, lhs, rhs);
    return 1;
}

#endif
