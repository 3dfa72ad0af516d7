/* upfirdn2d and bias_act: fast kernels against the plain loops, known values, and finite differences. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/threads.h"
#include "gradcheck.h"
#include "tensor/bias_act.h"
#include "tensor/upfirdn2d.h"

/* ---- upfirdn2d ---- */
typedef struct {
    fs_upfirdn2d_dims d;
    float *x, *f, *r, *y;
    float gain;
} ufd_case;

static double ufd_loss(void *vc) {
    ufd_case *c = vc;
    fs_upfirdn2d_forward(c->y, c->x, c->f, c->gain, &c->d);
    return tr_dot(c->y, c->r, (long)c->d.N * c->d.C * c->d.H_out * c->d.W_out);
}

static void ufd_test(const char *name, int N, int C, int H, int W, int KH, int KW, int upx, int upy, int dnx, int dny,
                     int px0, int px1, int py0, int py1, float gain, uint64_t seed, int sep) {
    fs_err err = {0};
    ufd_case c = {.d = {.N = N, .C = C, .H = H, .W = W, .KH = KH, .KW = KW, .up_x = upx, .up_y = upy,
                        .down_x = dnx, .down_y = dny, .pad_x0 = px0, .pad_x1 = px1, .pad_y0 = py0, .pad_y1 = py1},
                  .gain = gain};
    CHECK(fs_upfirdn2d_dims_init(&c.d, &err) == FS_OK);
    long nin = (long)N * C * H * W, nout = (long)N * C * c.d.H_out * c.d.W_out;
    c.x = malloc(sizeof(float) * nin);
    c.f = malloc(sizeof(float) * KH * KW);
    c.r = malloc(sizeof(float) * nout);
    c.y = malloc(sizeof(float) * nout);
    float *y2 = malloc(sizeof(float) * nout), *dx = malloc(sizeof(float) * nin), *dx2 = malloc(sizeof(float) * nin);
    tr_fill_normal(c.x, nin, 1, &seed);
    tr_fill_uniform(c.f, KH * KW, 0.1f, 1.0f, &seed); /* not symmetric: catches a missing flip */
    if (sep) { /* rank-1 (takes the separable fast path where up = down = 1) */
        float fy[16], fx[16];
        tr_fill_uniform(fy, KH, 0.1f, 1.0f, &seed);
        tr_fill_uniform(fx, KW, 0.1f, 1.0f, &seed);
        fs_upfirdn2d_outer(c.f, fy, KH, fx, KW);
    }
    tr_fill_normal(c.r, nout, 1, &seed);
    char buf[128];
    fs_upfirdn2d_forward(c.y, c.x, c.f, gain, &c.d);
    fs_upfirdn2d_forward_ref(y2, c.x, c.f, gain, &c.d);
    snprintf(buf, sizeof buf, "%s fwd fast=ref", name);
    check_allclose(buf, c.y, y2, nout, 1e-5, 1e-5);
    fs_upfirdn2d_backward(dx, c.r, c.f, gain, &c.d);
    fs_upfirdn2d_backward_ref(dx2, c.r, c.f, gain, &c.d);
    snprintf(buf, sizeof buf, "%s bwd fast=ref", name);
    check_allclose(buf, dx, dx2, nin, 1e-5, 1e-5);
    /* adjoint: <A x, r> == <x, A^T r> */
    double a = tr_dot(c.y, c.r, nout), b = tr_dot(c.x, dx, nin);
    CHECK_MSG(fabs(a - b) <= 1e-4 * (1 + fabs(a)), "%s adjoint %g vs %g", name, a, b);
    snprintf(buf, sizeof buf, "%s din", name);
    gradcheck(buf, c.x, nin, dx, ufd_loss, &c, 1e-2, 1e-3, 1e-2, 60);
    free(c.x), free(c.f), free(c.r), free(c.y), free(y2), free(dx), free(dx2);
}

/* NVIDIA upfirdn2d on a 1-D impulse, by hand: up 2, pad (2,1), filter [1,3,3,1]/8 x gain 2 per axis. */
static void ufd_known(void) {
    fs_err err = {0};
    float k1[4] = {1, 3, 3, 1}, f[16];
    fs_upfirdn2d_outer(f, k1, 4, k1, 4);
    for (int i = 0; i < 16; i++) f[i] /= 64.0f;
    /* constant input -> upsample2d gives the constant in the interior (gain 4 compensates the zeros) */
    fs_upfirdn2d_dims d = {.N = 1, .C = 1, .H = 4, .W = 4, .KH = 4, .KW = 4, .up_x = 2, .up_y = 2, .down_x = 1,
                           .down_y = 1, .pad_x0 = 2, .pad_x1 = 1, .pad_y0 = 2, .pad_y1 = 1};
    CHECK(fs_upfirdn2d_dims_init(&d, &err) == FS_OK && d.H_out == 8 && d.W_out == 8);
    float in[16], out[64];
    for (int i = 0; i < 16; i++) in[i] = 1.5f;
    fs_upfirdn2d_forward(out, in, f, 4.0f, &d);
    CHECK_CLOSE(out[3 * 8 + 4], 1.5f, 1e-6);
    CHECK_CLOSE(out[1 * 8 + 1], 1.5f, 1e-6);
    /* corner (0,0): only taps (pad 2) -> weights (3/4 + ...) : row 0 sees in rows 0 with 3/8*2... = 0.75*... */
    /* impulse at in[0][0]: out[y][x] = g(y) g(x) with g = [3/4, 1/4? ...] computed by the definition */
    memset(in, 0, sizeof in);
    in[0] = 1;
    fs_upfirdn2d_forward(out, in, f, 4.0f, &d);
    /* padded 1-D signal: [0,0,1,0,0,...]; out[y] = sum_k u[y+k] f[3-k] * 2 -> y=0: u[2]*f[1]*2 = 3/8*2 = 0.75
       y=1: u[2]*f[0]... k=1 -> f[2]=3/8 -> 0.75; y=2: k=0 -> f[3]=1/8 -> 0.25 */
    CHECK_CLOSE(out[0], 0.75 * 0.75, 1e-6);
    CHECK_CLOSE(out[1], 0.75 * 0.75, 1e-6);
    CHECK_CLOSE(out[2], 0.75 * 0.25, 1e-6);
    CHECK_CLOSE(out[3], 0.0, 1e-7);
    /* bad dims are rejected */
    fs_upfirdn2d_dims bad = d;
    bad.pad_x0 = -10;
    CHECK(fs_upfirdn2d_dims_init(&bad, &err) != FS_OK);
    bad = d;
    bad.up_x = 0;
    CHECK(fs_upfirdn2d_dims_init(&bad, &err) != FS_OK);
}

/* ---- bias_act ---- */
typedef struct {
    int N, C;
    long HW;
    fs_act act;
    float alpha, gain, clamp;
    float *x, *b, *r, *y;
} ba_case;

static double ba_loss(void *vc) {
    ba_case *c = vc;
    fs_bias_act_forward(c->y, c->x, c->b, c->N, c->C, c->HW, c->act, c->alpha, c->gain, c->clamp);
    return tr_dot(c->y, c->r, (long)c->N * c->C * c->HW);
}

static void ba_test(const char *name, fs_act act, float gain, float clamp, uint64_t seed) {
    ba_case c = {.N = 2, .C = 5, .HW = 7, .act = act, .alpha = 0.2f, .gain = gain, .clamp = clamp};
    long n = (long)c.N * c.C * c.HW;
    c.x = malloc(sizeof(float) * n), c.r = malloc(sizeof(float) * n), c.y = malloc(sizeof(float) * n);
    c.b = malloc(sizeof(float) * c.C);
    float *y2 = malloc(sizeof(float) * n), *dx = malloc(sizeof(float) * n), *dx2 = malloc(sizeof(float) * n);
    float db[5] = {0}, db2[5] = {0};
    tr_fill_normal(c.x, n, 2, &seed);
    /* keep FD points away from the kinks */
    for (long i = 0; i < n; i++)
        if (fabsf(c.x[i]) < 0.1f) c.x[i] += 0.3f;
    for (int i = 0; i < c.C; i++) c.b[i] = 0;
    tr_fill_normal(c.r, n, 1, &seed);
    fs_bias_act_forward(c.y, c.x, c.b, c.N, c.C, c.HW, act, c.alpha, gain, clamp);
    fs_bias_act_forward_ref(y2, c.x, c.b, c.N, c.C, c.HW, act, c.alpha, gain, clamp);
    char buf[96];
    snprintf(buf, sizeof buf, "%s fwd fast=ref", name);
    check_allclose(buf, c.y, y2, n, 0, 0);
    fs_bias_act_backward(dx, db, c.r, c.x, c.b, c.N, c.C, c.HW, act, c.alpha, gain, clamp);
    fs_bias_act_backward_ref(dx2, db2, c.r, c.x, c.b, c.N, c.C, c.HW, act, c.alpha, gain, clamp);
    snprintf(buf, sizeof buf, "%s bwd fast=ref", name);
    check_allclose(buf, dx, dx2, n, 0, 0);
    check_allclose(buf, db, db2, c.C, 1e-5, 1e-5);
    /* plain-loop formula */
    int ok = 1;
    for (long i = 0; i < n; i++) {
        float t = c.x[i] + c.b[(i / c.HW) % c.C];
        if (act == FS_ACT_LRELU && t <= 0) t *= 0.2f;
        t *= gain;
        if (clamp >= 0) t = (float)check_clamp(t, -clamp, clamp);
        ok &= fabsf(t - c.y[i]) <= 1e-6f * (1 + fabsf(t));
    }
    CHECK_MSG(ok, "%s formula", name);
    snprintf(buf, sizeof buf, "%s din", name);
    gradcheck(buf, c.x, n, dx, ba_loss, &c, 1e-3, 1e-3, 1e-2, 100);
    /* bias gradient: shift the bias away from zero so no point crosses a kink */
    snprintf(buf, sizeof buf, "%s dbias", name);
    gradcheck(buf, c.b, c.C, db, ba_loss, &c, 1e-3, 1e-3, 1e-2, 100);
    free(c.x), free(c.b), free(c.r), free(c.y), free(y2), free(dx), free(dx2);
}

int main(void) {
    for (int pass = 0; pass < 2; pass++) {
        fs_threads_init(pass == 0 ? 1 : 2);
        ufd_known();
        ufd_test("up2 pad2,1", 2, 3, 5, 6, 4, 4, 2, 2, 1, 1, 2, 1, 2, 1, 4.0f, 1, 0);
        ufd_test("blur pad1,1", 1, 2, 9, 9, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1, 4.0f, 2, 0);
        ufd_test("down2", 1, 2, 8, 7, 4, 4, 1, 1, 2, 2, 1, 1, 1, 1, 1.0f, 3, 0);
        ufd_test("neg pads", 1, 2, 10, 9, 3, 5, 1, 2, 1, 1, -2, 1, 3, -3, 1.0f, 4, 0);
        ufd_test("mixed up/down", 2, 1, 6, 5, 4, 2, 3, 2, 2, 3, 0, 2, 1, 0, 2.5f, 5, 0);
        ufd_test("separable blur pad1,1", 2, 3, 17, 17, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1, 4.0f, 6, 1);
        ufd_test("separable odd pads", 1, 2, 9, 12, 3, 5, 1, 1, 1, 1, 2, -1, 0, 3, 1.5f, 7, 1);
        ufd_test("separable neg pads", 1, 1, 11, 7, 5, 2, 1, 1, 1, 1, -2, 0, -1, -1, 1.0f, 8, 1);
        ufd_test("separable up2", 1, 2, 5, 5, 4, 4, 2, 2, 1, 1, 2, 1, 2, 1, 4.0f, 9, 1);
        ba_test("lrelu", FS_ACT_LRELU, sqrtf(2.0f), -1, 10);
        ba_test("lrelu clamp", FS_ACT_LRELU, sqrtf(2.0f), 1.5f, 11);
        ba_test("linear clamp", FS_ACT_LINEAR, 1.0f, 1.0f, 12);
        ba_test("linear", FS_ACT_LINEAR, 1.0f, -1, 13);
    }
    return check_finish();
}
