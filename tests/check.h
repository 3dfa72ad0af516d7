/* check.h — the tiny test harness every C test uses.
 *
 *   int main(void) {
 *       CHECK(x == 3);
 *       CHECK_CLOSE(got, want, 1e-5);                  // |got-want| <= tol
 *       check_allclose("img", got, want, n, 1e-4, 0);  // prints "OK img maxdiff=..." or where it fails
 *       const char *p = test_shared_path("fixtures/stylegan2_nvidia/io.safetensors"); // exits 77 (skip) if absent,
 *                                                      // 1 under CI=true; test_shared_find: NULL if absent
 *       return check_finish();                         // 0 if every check passed
 *   }
 * Exit code 77 = skipped (ctest SKIP_RETURN_CODE), with the reason printed.
 */
#ifndef FS_TESTS_CHECK_H
#define FS_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int check__failures = 0;
static int check__count = 0;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        check__count++;                                                               \
        if (!(cond)) {                                                                \
            check__failures++;                                                        \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);           \
        }                                                                             \
    } while (0)

#define CHECK_MSG(cond, ...)                                                          \
    do {                                                                              \
        check__count++;                                                               \
        if (!(cond)) {                                                                \
            check__failures++;                                                        \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);           \
            fprintf(stderr, __VA_ARGS__);                                             \
            fputc('\n', stderr);                                                      \
        }                                                                             \
    } while (0)

#define CHECK_CLOSE(got, want, tol)                                                   \
    do {                                                                              \
        double g_ = (double)(got), w_ = (double)(want);                               \
        check__count++;                                                               \
        if (!(fabs(g_ - w_) <= (tol))) {                                              \
            check__failures++;                                                        \
            fprintf(stderr, "FAIL %s:%d: %s = %.9g, want %.9g (tol %g)\n", __FILE__,  \
                    __LINE__, #got, g_, w_, (double)(tol));                           \
        }                                                                             \
    } while (0)

/* NaN-propagating max and min: check_max(NaN, x) returns x, so a running "md = check_max(md, d)" lets a NaN
 * difference pass as 0. Every max-difference in the tests goes through these (a NaN in, a NaN out, and
 * "NaN <= tol" is false). tests/harness/test_harness_check_nan.c feeds them NaN. */
static inline double check_max(double a, double b) {
    if (a != a || b != b) return NAN;
    return a > b ? a : b;
}
static inline double check_min(double a, double b) {
    if (a != a || b != b) return NAN;
    return a < b ? a : b;
}

/* Clamp for reference formulas written in the tests (NaN stays NaN). */
static inline double check_clamp(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* max |got - want| over n floats; NaN as soon as one difference is NaN. */
static inline double check_maxdiff(const float *got, const float *want, long n) {
    double m = 0;
    for (long i = 0; i < n; i++) m = check_max(m, fabs((double)got[i] - (double)want[i]));
    return m;
}

/* max |x| over n floats; NaN when one is NaN. */
static inline double check_maxabs(const float *x, long n) {
    double m = 0;
    for (long i = 0; i < n; i++) m = check_max(m, fabs((double)x[i]));
    return m;
}

/* Relative max difference: max|got - want| / max|want| (NaN when either holds a NaN). Fails the check
 * when it is over rtol; prints the line when it fails or when verbose. Returns the relative difference. */
static inline double check_rel(const char *name, const float *got, const float *want, long n, double rtol,
                               int verbose) {
    double mx = check_maxabs(want, n), md = check_maxdiff(got, want, n);
    double rel = md / (mx > 0 ? mx : 1);
    check__count++;
    if (!(rel <= rtol)) {
        check__failures++;
        fprintf(stderr, "FAIL %s: max diff %.3g = %.3g of max|ref| %.3g (limit %.3g)\n", name, md, rel, mx, rtol);
    } else if (verbose) {
        printf("OK %s: rel %.3g\n", name, rel);
    }
    return rel;
}

/* Compares n floats: passes when |got-want| <= atol + rtol*|want| everywhere.
 * Prints one line: "OK name maxdiff=... " or "FAIL name ... at index i (got, want)". */
static inline int check_allclose(const char *name, const float *got, const float *want, long n, double atol,
                                 double rtol) {
    double maxdiff = 0, maxrel = 0;
    long worst = -1, first_bad = -1;
    for (long i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        if (maxdiff == maxdiff && !(d <= maxdiff)) worst = i; /* the first NaN stays the worst */
        maxdiff = check_max(maxdiff, d);
        double r = d / (fabs((double)want[i]) + 1e-12);
        if (r > maxrel && fabs((double)want[i]) > 1e-6) maxrel = r;
        if (first_bad < 0 && !(d <= atol + rtol * fabs((double)want[i]))) first_bad = i;
    }
    check__count++;
    if (first_bad >= 0) {
        check__failures++;
        fprintf(stderr, "FAIL %s maxdiff=%.3g at [%ld]: got %.9g want %.9g (first bad [%ld]: %.9g vs %.9g)\n", name,
                maxdiff, worst, worst >= 0 ? got[worst] : 0.0, worst >= 0 ? want[worst] : 0.0, first_bad,
                got[first_bad], want[first_bad]);
        return 0;
    }
    printf("OK %s maxdiff=%.3g maxrel=%.3g (n=%ld)\n", name, maxdiff, maxrel, n);
    return 1;
}

/* A skip never hides a failure: a test that already failed a check exits 1, not 77. */
static inline void test_skip(const char *why) {
    if (check__failures) {
        fprintf(stderr, "%d of %d checks FAILED before the skip (%s)\n", check__failures, check__count, why);
        exit(1);
    }
    printf("SKIP: %s\n", why);
    exit(77);
}

/* Path under ../shared (env FS_SHARED set by ctest), or NULL when it is absent, for a part of a test that
 * may be left out; fails (exit 1) when CI=true, where ../shared is always provided and its absence is a
 * broken setup. */
static inline const char *test_shared_find(const char *rel) {
    static char buf[8][4096];
    static int k = 0;
    const char *root = getenv("FS_SHARED");
    if (!root) root = "../shared";
    char *p = buf[k++ % 8];
    snprintf(p, 4096, "%s/%s", root, rel);
    if (access(p, R_OK) == 0) return p;
    const char *ci = getenv("CI");
    if (ci && !strcmp(ci, "true")) {
        fprintf(stderr, "FAIL: %s not found and CI=true (CI always provides ../shared)\n", p);
        exit(1);
    }
    return NULL;
}

/* Path under ../shared; skips (77) with a reason when absent (exit 1 when a check already failed), or
 * fails (1) when CI=true. */
static inline const char *test_shared_path(const char *rel) {
    const char *p = test_shared_find(rel);
    if (!p) {
        char why[4200];
        const char *root = getenv("FS_SHARED");
        snprintf(why, sizeof why, "%s/%s not found (../shared is absent; CI always has it)", root ? root : "../shared",
                 rel);
        test_skip(why);
    }
    return p;
}

static inline int check_finish(void) {
    if (check__failures) {
        fprintf(stderr, "%d of %d checks FAILED\n", check__failures, check__count);
        return 1;
    }
    printf("all %d checks passed\n", check__count);
    return 0;
}

#endif
