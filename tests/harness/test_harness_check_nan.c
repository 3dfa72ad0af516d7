/* The test harness itself (check.h, gradcheck.h): a NaN must fail every comparison the tests use, a
 * skip after a failed check exits 1, not 77, and a missing ../shared skips (77), or fails (1) under
 * CI=true. Each case runs in a child process and its exit status is compared with the verdict it must
 * give. `test_harness_check_nan CASE` runs one case directly: ctest runs "rel_nan" (the
 * gradient-parity comparison fed a NaN) and expects it to fail. */
#include <sys/wait.h>

#include "check.h"
#include "gradcheck.h"

static const float zeros[4] = {0, 0, 0, 0};
static float nan_first[4], nan_ref[4], grad_x[4] = {0.5f, -1, 2, 0.25f};
static float x_nan[4], ref_nan[4]; /* grad_x with one entry NaN: the only difference */

static void allclose_nan(void) { check_allclose("nan vs x", x_nan, grad_x, 4, 1e-3, 0); }
static void allclose_nan_ref(void) { check_allclose("x vs nan", grad_x, ref_nan, 4, 1e-3, 0); }
static void rel_nan(void) { check_rel("grad with a NaN", x_nan, grad_x, 4, 1e-3, 0); }
static void rel_nan_ref(void) { check_rel("reference with a NaN", grad_x, ref_nan, 4, 1e-3, 0); }
static void close_nan(void) { CHECK_CLOSE(NAN, 0.0, 1.0); }
static void maxdiff_nan(void) { CHECK(check_maxdiff(nan_first, zeros, 4) <= 10); }
static void max_loop_nan(void) {
    double md = 0; /* the pattern the parity tests use: md = max(md, |got - want|) */
    for (int i = 0; i < 4; i++) md = check_max(md, fabs((double)nan_first[i] - zeros[i]));
    CHECK(md <= 10);
}
static double sum_loss(void *ctx) { return tr_dot((const float *)ctx, (const float *)ctx, 4) * 0.5; }
static void gradcheck_nan(void) {
    float an[4] = {0.5f, NAN, 2, 0.25f}; /* d(0.5|x|^2)/dx = x, one entry NaN */
    gradcheck("nan", grad_x, 4, an, sum_loss, grad_x, 1e-3, 1e-3, 1e-2, 4);
}
static void skip_after_failure(void) {
    CHECK(0);
    test_skip("a later reason");
}
static void skip_clean(void) { test_skip("nothing failed"); }
static void shared_missing(void) {
    setenv("FS_SHARED", "/nonexistent/fs_shared", 1);
    unsetenv("CI");
    test_shared_path("fixtures/x");
}
static void shared_missing_ci(void) {
    setenv("FS_SHARED", "/nonexistent/fs_shared", 1);
    setenv("CI", "true", 1);
    test_shared_path("fixtures/x");
}
static void shared_missing_after_failure(void) { /* a failed check, then ../shared absent: 1, not 77 */
    setenv("FS_SHARED", "/nonexistent/fs_shared", 1);
    unsetenv("CI");
    CHECK(0);
    test_shared_path("fixtures/x");
}
static void shared_optional_missing(void) { /* an optional part: NULL, and the test goes on */
    setenv("FS_SHARED", "/nonexistent/fs_shared", 1);
    unsetenv("CI");
    CHECK(test_shared_find("fixtures/x") == NULL);
}
static void shared_optional_missing_ci(void) {
    setenv("FS_SHARED", "/nonexistent/fs_shared", 1);
    setenv("CI", "true", 1);
    test_shared_find("fixtures/x");
}
static void shared_present(void) { /* present: the path, under CI=true too */
    setenv("FS_SHARED", "/", 1);
    setenv("CI", "true", 1);
    const char *p = test_shared_find("tmp"), *q = test_shared_path("tmp");
    CHECK(p && q && !strcmp(p, "//tmp") && !strcmp(q, "//tmp"));
}
static void clean_pass(void) { /* the same helpers on finite data pass: the harness does not fail everything */
    check_allclose("x vs x", grad_x, grad_x, 4, 0, 0);
    check_rel("x vs x", grad_x, grad_x, 4, 1e-3, 0);
    float an[4] = {0.5f, -1, 2, 0.25f};
    gradcheck("0.5|x|^2", grad_x, 4, an, sum_loss, grad_x, 1e-3, 1e-3, 1e-2, 4);
    CHECK_CLOSE(1.0, 1.0 + 1e-9, 1e-6);
}

static const struct {
    const char *name;
    void (*fn)(void);
    int want; /* exit status */
} cases[] = {
    {"allclose_nan", allclose_nan, 1},   {"allclose_nan_ref", allclose_nan_ref, 1},
    {"rel_nan", rel_nan, 1},             {"rel_nan_ref", rel_nan_ref, 1},
    {"close_nan", close_nan, 1},         {"maxdiff_nan", maxdiff_nan, 1},
    {"max_loop_nan", max_loop_nan, 1},   {"gradcheck_nan", gradcheck_nan, 1},
    {"skip_after_failure", skip_after_failure, 1},
    {"skip_clean", skip_clean, 77},      {"shared_missing", shared_missing, 77},
    {"shared_missing_ci", shared_missing_ci, 1},
    {"shared_missing_after_failure", shared_missing_after_failure, 1},
    {"shared_optional_missing", shared_optional_missing, 0},
    {"shared_optional_missing_ci", shared_optional_missing_ci, 1},
    {"shared_present", shared_present, 0},
    {"clean_pass", clean_pass, 0},
};
enum { NCASES = sizeof cases / sizeof cases[0] };

static int run_case(int k) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        check__failures = check__count = 0; /* the verdict is the case's own */
        cases[k].fn();
        exit(check_finish());
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv) {
    /* NaN first, then larger finite differences: the order that loses a NaN in "if (!(d <= m)) m = d" */
    nan_first[0] = NAN, nan_first[1] = 1, nan_first[2] = 2, nan_first[3] = 3;
    nan_ref[0] = 1, nan_ref[1] = NAN, nan_ref[2] = 5, nan_ref[3] = 7;
    memcpy(x_nan, grad_x, sizeof x_nan), memcpy(ref_nan, grad_x, sizeof ref_nan);
    x_nan[0] = NAN, ref_nan[2] = NAN;
    if (argc == 2) {
        for (int k = 0; k < NCASES; k++)
            if (!strcmp(argv[1], cases[k].name)) {
                cases[k].fn();
                return check_finish();
            }
        fprintf(stderr, "unknown case %s\n", argv[1]);
        return 2;
    }
    CHECK(isnan(check_max(0, NAN)) && isnan(check_max(NAN, 0)) && isnan(check_min(1, NAN)));
    CHECK(isnan(check_maxdiff(nan_first, zeros, 4)) && isnan(check_maxabs(nan_ref, 4)));
    CHECK(check_max(1, 2) == 2 && check_min(1, 2) == 1 && check_maxdiff(grad_x, zeros, 4) == 2);
    for (int k = 0; k < NCASES; k++) {
        printf("-- case %s (must exit %d)\n", cases[k].name, cases[k].want);
        int got = run_case(k);
        CHECK_MSG(got == cases[k].want, "case %s exited %d, must exit %d", cases[k].name, got, cases[k].want);
    }
    return check_finish();
}
