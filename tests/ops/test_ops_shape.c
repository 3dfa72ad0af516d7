/* concat / slice / permute / gather: forwards against explicit index loops, backwards as exact
 * adjoints (and finite differences), round trips (slice of concat, permute then inverse). */
#include "ops_test.h"
#include "tensor/shape.h"

static void test_concat_slice(uint64_t *s) {
    /* (2, Ck, 3, 5) for Ck = 1, 4, 2 along axis 1 */
    int64_t s0[4] = {2, 1, 3, 5}, s1[4] = {2, 4, 3, 5}, s2[4] = {2, 2, 3, 5}, so[4] = {2, 7, 3, 5};
    const long n0 = 30, n1 = 120, n2 = 60, no = 210;
    float *a = ot_normal(n0, 1, s), *b = ot_normal(n1, 1, s), *c = ot_normal(n2, 1, s), *y = ot_alloc(no);
    const float *ins[3] = {a, b, c};
    const int64_t *shapes[3] = {s0, s1, s2};
    fs_concat_forward(y, ins, shapes, 3, 4, 1);
    int ok = 1;
    for (int n = 0; n < 2; n++)
        for (int ch = 0; ch < 7; ch++)
            for (int i = 0; i < 15; i++) {
                float got = y[(n * 7 + ch) * 15 + i];
                float want = ch < 1   ? a[(n * 1 + ch) * 15 + i]
                             : ch < 5 ? b[(n * 4 + ch - 1) * 15 + i]
                                      : c[(n * 2 + ch - 5) * 15 + i];
                ok &= got == want;
            }
    CHECK_MSG(ok, "concat along axis 1 matches explicit loops");
    /* slice [1,5) along axis 1 of the concat gives back b; backward of slice is zero elsewhere */
    float *sb = ot_alloc(n1);
    fs_slice_forward(sb, y, so, 4, 1, 1, 5);
    ot_same_bits("slice(concat) == part", sb, b, n1);
    float *g = ot_normal(no, 1, s), *da = ot_alloc(n0), *db = ot_alloc(n1), *dc = ot_alloc(n2);
    float *dins[3] = {da, db, dc};
    fs_concat_backward(dins, g, shapes, 3, 4, 1);
    double lhs = tr_dot(y, g, no), rhs = tr_dot(a, da, n0) + tr_dot(b, db, n1) + tr_dot(c, dc, n2);
    CHECK_MSG(fabs(lhs - rhs) < 1e-9 * (fabs(lhs) + 1), "concat adjoint %.12g vs %.12g", lhs, rhs);
    float *dins_null[3] = {NULL, db, NULL};
    fs_concat_backward(dins_null, g, shapes, 3, 4, 1); /* NULL parts skipped */
    float *dy = ot_alloc(no), *gs = ot_normal(n1, 1, s);
    fs_slice_backward(dy, gs, so, 4, 1, 1, 5);
    fs_slice_forward(sb, y, so, 4, 1, 1, 5);
    lhs = tr_dot(sb, gs, n1), rhs = tr_dot(y, dy, no);
    CHECK_MSG(fabs(lhs - rhs) < 1e-9 * (fabs(lhs) + 1), "slice adjoint %.12g vs %.12g", lhs, rhs);
    int zero_outside = 1;
    for (int n = 0; n < 2; n++)
        for (int ch = 0; ch < 7; ch++)
            for (int i = 0; i < 15; i++)
                if (ch < 1 || ch >= 5) zero_outside &= dy[(n * 7 + ch) * 15 + i] == 0.0f;
    CHECK_MSG(zero_outside, "slice backward is zero outside the slice");
    /* axis 0 and last axis */
    int64_t t0[2] = {2, 3}, t1[2] = {1, 3}, to[2] = {3, 3};
    float p[6] = {1, 2, 3, 4, 5, 6}, q[3] = {7, 8, 9}, pq[9];
    const float *pi[2] = {p, q};
    const int64_t *ps[2] = {t0, t1};
    fs_concat_forward(pq, pi, ps, 2, 2, 0);
    CHECK(pq[0] == 1 && pq[6] == 7 && pq[8] == 9);
    int64_t u0[2] = {3, 2}, u1[2] = {3, 1};
    const int64_t *us[2] = {u0, u1};
    fs_concat_forward(pq, pi, us, 2, 2, 1);
    CHECK(pq[0] == 1 && pq[1] == 2 && pq[2] == 7 && pq[3] == 3 && pq[5] == 8 && pq[8] == 9);
    (void)to;
    free(a), free(b), free(c), free(y), free(sb), free(g), free(da), free(db), free(dc), free(dy), free(gs);
}

static void test_permute(uint64_t *s) {
    int64_t sh[4] = {2, 3, 5, 7};
    const long n = 210;
    float *x = ot_normal(n, 1, s), *y = ot_alloc(n), *z = ot_alloc(n), *g = ot_normal(n, 1, s), *dx = ot_alloc(n);
    int perm[4] = {0, 2, 3, 1}; /* NCHW -> NHWC */
    fs_permute_forward(y, x, sh, 4, perm);
    int ok = 1;
    for (int a = 0; a < 2; a++)
        for (int c = 0; c < 3; c++)
            for (int h = 0; h < 5; h++)
                for (int w = 0; w < 7; w++) ok &= y[((a * 5 + h) * 7 + w) * 3 + c] == x[((a * 3 + c) * 5 + h) * 7 + w];
    CHECK_MSG(ok, "permute NCHW->NHWC matches explicit loops");
    /* inverse permutation gives x back */
    int inv[4] = {0, 3, 1, 2};
    int64_t ysh[4] = {2, 5, 7, 3};
    fs_permute_forward(z, y, ysh, 4, inv);
    ot_same_bits("permute then inverse", z, x, n);
    /* backward = inverse permutation (adjoint) */
    fs_permute_backward(dx, g, sh, 4, perm);
    double lhs = tr_dot(y, g, n), rhs = tr_dot(x, dx, n);
    CHECK_MSG(fabs(lhs - rhs) < 1e-9 * (fabs(lhs) + 1), "permute adjoint %.12g vs %.12g", lhs, rhs);
    int perm3[3] = {2, 0, 1};
    int64_t sh3[3] = {3, 1, 4};
    float a3[12], b3[12];
    for (int i = 0; i < 12; i++) a3[i] = (float)i;
    fs_permute_forward(b3, a3, sh3, 3, perm3); /* out (4, 3, 1): out[k][i][0] = a[i][0][k] */
    CHECK(b3[0] == 0 && b3[1] == 4 && b3[2] == 8 && b3[3] == 1 && b3[11] == 11);
    free(x), free(y), free(z), free(g), free(dx);
}

static void test_gather(uint64_t *s) {
    const long rows = 6, row = 5, n_idx = 8;
    float *table = ot_normal(rows * row, 1, s), *y = ot_alloc(n_idx * row), *g = ot_normal(n_idx * row, 1, s);
    int64_t idx[8] = {3, 0, 5, 3, 3, 1, 0, 2};
    fs_gather_rows_forward(y, table, idx, n_idx, row);
    int ok = 1;
    for (long i = 0; i < n_idx; i++)
        for (long j = 0; j < row; j++) ok &= y[i * row + j] == table[idx[i] * row + j];
    CHECK_MSG(ok, "gather rows");
    float *dt = ot_alloc(rows * row);
    for (long i = 0; i < rows * row; i++) dt[i] = 1.0f;
    fs_gather_rows_backward(dt, g, idx, n_idx, row);
    /* row 3 was used three times: 1 + g[0] + g[3] + g[4] */
    for (long j = 0; j < row; j++)
        CHECK_CLOSE(dt[3 * row + j], 1.0 + g[0 * row + j] + g[3 * row + j] + g[4 * row + j], 1e-6);
    for (long j = 0; j < row; j++) CHECK(dt[4 * row + j] == 1.0f); /* unused row untouched */
    free(table), free(y), free(g), free(dt);
}

int main(void) {
    uint64_t s = 5;
    test_concat_slice(&s);
    test_permute(&s);
    test_gather(&s);
    return check_finish();
}
