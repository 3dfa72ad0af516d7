/* check.h — the tiny test harness every C test uses.
 *
 *   int main(void) {
 *       CHECK(x == 3);
 *       CHECK_CLOSE(got, want, 1e-5);                  // |got-want| <= tol
 *       check_allclose("img", got, want, n, 1e-4, 0);  // prints "OK img maxdiff=..." or where it fails
 *       const char *p = test_shared_path("fixtures/stylegan2_nvidia/io.safetensors"); // exits 77 (skip) if absent
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

/* Compares n floats: passes when |got-want| <= atol + rtol*|want| everywhere.
 * Prints one line: "OK name maxdiff=... " or "FAIL name ... at index i (got, want)". */
static inline int check_allclose(const char *name, const float *got, const float *want, long n, double atol,
                                 double rtol) {
    double maxdiff = 0, maxrel = 0;
    long worst = -1, first_bad = -1;
    for (long i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        if (!(d <= maxdiff)) {
            maxdiff = d;
            worst = i;
        }
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

/* Path under ../shared (env FS_SHARED set by ctest); exits 77 with a reason when absent. */
static inline const char *test_shared_path(const char *rel) {
    static char buf[8][4096];
    static int k = 0;
    const char *root = getenv("FS_SHARED");
    if (!root) root = "../shared";
    char *p = buf[k++ % 8];
    snprintf(p, 4096, "%s/%s", root, rel);
    if (access(p, R_OK) != 0) {
        printf("SKIP: %s not found (../shared is absent; CI always has it)\n", p);
        exit(77);
    }
    return p;
}

static inline void test_skip(const char *why) {
    printf("SKIP: %s\n", why);
    exit(77);
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
