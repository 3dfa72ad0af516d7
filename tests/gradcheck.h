/* gradcheck.h — finite-difference checks of backward passes (tests only).
 *
 * Pattern: loss = sum(out * r) with a fixed random r, so dL/dout = r. Run the op's
 * backward with dout = r to get analytic gradients, then:
 *   gradcheck("conv.din", in, n_in, din, loss_fn, ctx, 1e-2, 1e-3, 1e-2, 200);
 * where loss_fn(ctx) recomputes the forward and returns sum(out*r) in double.
 * Central differences in float32 need eps ~1e-2..1e-3 on O(1) data; where the op is
 * smooth and the loss is accumulated in double this gives ~1e-3 relative accuracy.
 */
#ifndef FS_TESTS_GRADCHECK_H
#define FS_TESTS_GRADCHECK_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "check.h"

/* xorshift-based deterministic random numbers for tests */
static inline uint64_t tr_next(uint64_t *s) {
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}
static inline float tr_uniform(uint64_t *s) { return (float)((tr_next(s) >> 40) * (1.0 / 16777216.0)); }
static inline float tr_normal(uint64_t *s) {
    float u1 = tr_uniform(s) + 1e-7f, u2 = tr_uniform(s);
    return sqrtf(-2.0f * logf(u1)) * cosf(6.2831853f * u2);
}
static inline void tr_fill_normal(float *x, long n, float scale, uint64_t *s) {
    for (long i = 0; i < n; i++) x[i] = scale * tr_normal(s);
}
static inline void tr_fill_uniform(float *x, long n, float lo, float hi, uint64_t *s) {
    for (long i = 0; i < n; i++) x[i] = lo + (hi - lo) * tr_uniform(s);
}
static inline double tr_dot(const float *a, const float *b, long n) {
    double s = 0;
    for (long i = 0; i < n; i++) s += (double)a[i] * (double)b[i];
    return s;
}

typedef double (*gradcheck_loss_fn)(void *ctx);

/* Compares analytic[i] with (L(x+eps) - L(x-eps)) / 2eps at up to max_checks indices
 * (all when n <= max_checks, otherwise a deterministic spread). Pass when
 * |an - fd| <= atol + rtol * max(|an|, |fd|). Prints one OK/FAIL line. */
static inline int gradcheck(const char *name, float *x, long n, const float *analytic, gradcheck_loss_fn loss,
                            void *ctx, double eps, double atol, double rtol, long max_checks) {
    long step = n <= max_checks ? 1 : n / max_checks;
    double worst = 0;
    long worst_i = -1, nbad = 0, nchecked = 0;
    double worst_an = 0, worst_fd = 0;
    for (long i = (step > 1 ? step / 2 : 0); i < n; i += step) {
        float keep = x[i];
        x[i] = (float)(keep + eps);
        double lp = loss(ctx);
        x[i] = (float)(keep - eps);
        double lm = loss(ctx);
        double h = (double)(float)(keep + eps) - (double)(float)(keep - eps);
        x[i] = keep;
        double fd = (lp - lm) / h;
        double an = analytic[i];
        double err = fabs(an - fd);
        double lim = atol + rtol * check_max(fabs(an), fabs(fd));
        double ratio = err / lim;
        worst_i = worst_i < 0 ? i : worst_i;
        if (worst == worst && !(ratio <= worst)) { /* a NaN ratio stays the worst */
            worst = ratio;
            worst_i = i;
            worst_an = an;
            worst_fd = fd;
        }
        if (!(err <= lim)) nbad++;
        nchecked++;
    }
    check__count++;
    if (nbad) {
        check__failures++;
        fprintf(stderr, "FAIL grad %s: %ld/%ld points off; worst [%ld] analytic %.8g vs finite-diff %.8g\n", name,
                nbad, nchecked, worst_i, worst_an, worst_fd);
        return 0;
    }
    printf("OK grad %s (%ld points, worst %.2f of tolerance)\n", name, nchecked, worst);
    return 1;
}

#endif
