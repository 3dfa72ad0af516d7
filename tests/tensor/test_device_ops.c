/* Every op of the backend table on a device (argv[1]: "cuda" or "sim") against the CPU kernels on the host, on
 * odd shapes (groups, strides, dilation, padding, clamp, up/down sampling, batch sizes that fill no warp).
 * sim must agree bit for bit (same kernels); cuda within a float tolerance scaled by the reference's magnitude.
 * Exits 77 (skipped) with the reason when the device is absent: a build without CUDA, or no visible GPU. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/threads.h"
#include "tensor/backend.h"
#include "tensor/devops.h"
#include "tensor/device.h"
#include "tensor/gemm.h"
#include "tensor/linear.h"

static const fs_backend *dut; /* device under test */
static int exact;             /* sim: bits must match */
static uint64_t seed = 99;

static float *rnd(long n, float scale) {
    float *x = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    for (long i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = scale * ((float)((seed >> 40) & 0xffffff) / 8388608.0f - 1.0f);
    }
    return x;
}
static float *fdup(const float *x, long n) {
    float *y = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    memcpy(y, x, sizeof(float) * (size_t)n);
    return y;
}
/* device copy of a host array (uploaded while the device backend is selected) */
static void *up(const void *h, size_t bytes) {
    fs_backend_set(dut);
    void *d = fs_dev_alloc(bytes, NULL);
    FS_ASSERT(d);
    fs_dev_upload(d, h, bytes);
    return d;
}
/* compares device result d (n floats) with the host reference; frees d */
static void cmp(const char *what, float *d, const float *ref, long n, double rtol) {
    fs_backend_set(dut);
    float *h = fs_dev_to_host_f32(d, n);
    fs_dev_free(d);
    double mx = 0, md = 0;
    long bad = 0;
    for (long i = 0; i < n; i++) {
        double r = fabs(ref[i]);
        if (r > mx) mx = r;
    }
    for (long i = 0; i < n; i++) {
        double e = fabs((double)h[i] - ref[i]);
        md = check_max(md, e);
        if (exact ? memcmp(&h[i], &ref[i], 4) != 0 : !(e <= rtol * mx + 1e-6)) bad++;
    }
    CHECK_MSG(bad == 0, "%s on %s: %ld of %ld values off (max |diff| %.3g, max |ref| %.3g)", what, dut->name, bad, n,
              md, mx);
    if (!bad) printf("OK %-34s n=%-7ld max|diff| %.3g\n", what, n, md);
    free(h);
}
static void cmp_d(const char *what, double *d, const double *ref, long n) { /* double results */
    fs_backend_set(dut);
    double *h = malloc(sizeof(double) * (size_t)n);
    fs_dev_download(h, d, sizeof(double) * (size_t)n);
    fs_dev_free(d);
    float *hf = malloc(sizeof(float) * (size_t)n), *rf = malloc(sizeof(float) * (size_t)n);
    for (long i = 0; i < n; i++) hf[i] = (float)h[i], rf[i] = (float)ref[i];
    float *dv = up(hf, sizeof(float) * (size_t)n);
    cmp(what, dv, rf, n, 1e-5);
    free(h), free(hf), free(rf);
}
#define CPU() fs_backend_set(fs_backend_cpu())

static void gemm_ops(void) {
    int M = 37, N = 29, K = 53;
    for (int t = 0; t < 4; t++) {
        int ta = t & 1, tb = t >> 1;
        float *A = rnd((long)M * K, 1), *B = rnd((long)K * N, 1), *C = rnd((long)M * N, 1), *C0 = fdup(C, (long)M * N);
        CPU();
        fs_sgemm_cpu(ta, tb, M, N, K, 0.7f, A, ta ? M : K, B, tb ? K : N, 0.3f, C, N);
        float *dA = up(A, 4L * M * K), *dB = up(B, 4L * K * N), *dC = up(C0, 4L * M * N);
        dut->sgemm(ta, tb, M, N, K, 0.7f, dA, ta ? M : K, dB, tb ? K : N, 0.3f, dC, N);
        char nm[64];
        snprintf(nm, sizeof nm, "sgemm transA %d transB %d", ta, tb);
        cmp(nm, dC, C, (long)M * N, 1e-5);
        fs_dev_free(dA), fs_dev_free(dB);
        free(A), free(B), free(C), free(C0);
    }
    int Mx = 5, Kx = 19, No = 13;
    float *x = rnd(Mx * Kx, 1), *w = rnd(No * Kx, 1), *b = rnd(No, 1), *y = rnd(Mx * No, 1), *dy = rnd(Mx * No, 1);
    float *dx = rnd(Mx * Kx, 1), *dw = rnd(No * Kx, 1), *db = rnd(No, 1), *dw0 = fdup(dw, No * Kx), *db0 = fdup(db, No);
    CPU();
    fs_linear_forward_cpu(y, x, w, b, Mx, Kx, No);
    fs_linear_backward_cpu(dx, dw, db, dy, x, w, Mx, Kx, No);
    float *gx = up(x, 4L * Mx * Kx), *gw = up(w, 4L * No * Kx), *gb = up(b, 4L * No), *gy = up(y, 4L * Mx * No);
    float *gdy = up(dy, 4L * Mx * No), *gdx = up(dx, 4L * Mx * Kx), *gdw = up(dw0, 4L * No * Kx), *gdb = up(db0, 4L * No);
    dut->linear_forward(gy, gx, gw, gb, Mx, Kx, No);
    dut->linear_backward(gdx, gdw, gdb, gdy, gx, gw, Mx, Kx, No);
    cmp("linear forward", gy, y, Mx * No, 1e-5);
    cmp("linear backward dx", gdx, dx, Mx * Kx, 1e-5);
    cmp("linear backward dw (+=)", gdw, dw, No * Kx, 1e-5);
    cmp("linear backward db (+=)", gdb, db, No, 1e-5);
    fs_dev_free(gx), fs_dev_free(gw), fs_dev_free(gb), fs_dev_free(gdy);
    free(x), free(w), free(b), free(y), free(dy), free(dx), free(dw), free(db), free(dw0), free(db0);
}

static void conv_ops(void) {
    fs_conv2d_dims d = fs_conv2d_dims_make(3, 6, 11, 9, 4, 3, 2, 1);
    d.groups = 2, d.dil_w = 2, d.pad_left = 2, d.pad_right = 2;
    CHECK(fs_conv2d_dims_init(&d, NULL) == FS_OK);
    long ni = fs_conv2d_in_numel(&d), no = fs_conv2d_out_numel(&d), nw = fs_conv2d_weight_numel(&d);
    float *in = rnd(ni, 1), *w = rnd(nw, 1), *b = rnd(d.C_out, 1), *out = rnd(no, 1), *dout = rnd(no, 1);
    float *din = rnd(ni, 1), *dw = rnd(nw, 1), *db = rnd(d.C_out, 1), *dw0 = fdup(dw, nw), *db0 = fdup(db, d.C_out);
    CPU();
    fs_conv2d_forward_cpu(out, in, w, b, &d);
    fs_conv2d_backward_cpu(din, dw, db, dout, in, w, &d);
    float *gi = up(in, 4 * ni), *gw = up(w, 4 * nw), *gb = up(b, 4L * d.C_out), *go = up(out, 4 * no);
    float *gdo = up(dout, 4 * no), *gdi = up(din, 4 * ni), *gdw = up(dw0, 4 * nw), *gdb = up(db0, 4L * d.C_out);
    dut->conv2d_forward(go, gi, gw, gb, &d);
    dut->conv2d_backward(gdi, gdw, gdb, gdo, gi, gw, &d);
    cmp("conv2d forward (groups 2, s2, dil)", go, out, no, 1e-5);
    cmp("conv2d backward din", gdi, din, ni, 1e-5);
    cmp("conv2d backward dweight (+=)", gdw, dw, nw, 1e-5);
    cmp("conv2d backward dbias (+=)", gdb, db, d.C_out, 1e-5);
    fs_dev_free(gi), fs_dev_free(gw), fs_dev_free(gb), fs_dev_free(gdo);
    free(in), free(w), free(b), free(out), free(dout), free(din), free(dw), free(db), free(dw0), free(db0);

    fs_conv_transpose2d_dims t = {.N = 2, .C_in = 4, .H = 5, .W = 7, .C_out = 6, .KH = 3, .KW = 3, .stride_h = 2,
                                  .stride_w = 2, .pad_h = 1, .pad_w = 0, .out_pad_h = 1, .dil_h = 1, .dil_w = 1,
                                  .groups = 2};
    CHECK(fs_conv_transpose2d_dims_init(&t, NULL) == FS_OK);
    ni = fs_conv_transpose2d_in_numel(&t), no = fs_conv_transpose2d_out_numel(&t);
    nw = fs_conv_transpose2d_weight_numel(&t);
    in = rnd(ni, 1), w = rnd(nw, 1), b = rnd(t.C_out, 1), out = rnd(no, 1), dout = rnd(no, 1);
    din = rnd(ni, 1), dw = rnd(nw, 1), db = rnd(t.C_out, 1), dw0 = fdup(dw, nw), db0 = fdup(db, t.C_out);
    CPU();
    fs_conv_transpose2d_forward_cpu(out, in, w, b, &t);
    fs_conv_transpose2d_backward_cpu(din, dw, db, dout, in, w, &t);
    gi = up(in, 4 * ni), gw = up(w, 4 * nw), gb = up(b, 4L * t.C_out), go = up(out, 4 * no);
    gdo = up(dout, 4 * no), gdi = up(din, 4 * ni), gdw = up(dw0, 4 * nw), gdb = up(db0, 4L * t.C_out);
    dut->conv_transpose2d_forward(go, gi, gw, gb, &t);
    dut->conv_transpose2d_backward(gdi, gdw, gdb, gdo, gi, gw, &t);
    cmp("conv_transpose2d forward (out_pad)", go, out, no, 1e-5);
    cmp("conv_transpose2d backward din", gdi, din, ni, 1e-5);
    cmp("conv_transpose2d backward dweight", gdw, dw, nw, 1e-5);
    cmp("conv_transpose2d backward dbias", gdb, db, t.C_out, 1e-5);
    fs_dev_free(gi), fs_dev_free(gw), fs_dev_free(gb), fs_dev_free(gdo);
    free(in), free(w), free(b), free(out), free(dout), free(din), free(dw), free(db), free(dw0), free(db0);
}

static void resample_ops(void) {
    static const float fir[16] = {1, 3, 3, 1, 3, 9, 9, 3, 3, 9, 9, 3, 1, 3, 3, 1};
    for (int k = 0; k < 2; k++) { /* up 2 (the skip path), down 2 */
        fs_upfirdn2d_dims d = {.N = 2, .C = 3, .H = 7, .W = 5, .KH = 4, .KW = 4, .up_x = k ? 1 : 2,
                               .up_y = k ? 1 : 2, .down_x = k ? 2 : 1, .down_y = k ? 2 : 1, .pad_x0 = 2, .pad_x1 = 1,
                               .pad_y0 = 2, .pad_y1 = k ? 2 : 1};
        CHECK(fs_upfirdn2d_dims_init(&d, NULL) == FS_OK);
        long ni = (long)d.N * d.C * d.H * d.W, no = (long)d.N * d.C * d.H_out * d.W_out;
        float *in = rnd(ni, 1), *out = rnd(no, 1), *dout = rnd(no, 1), *din = rnd(ni, 1);
        CPU();
        fs_upfirdn2d_forward_cpu(out, in, fir, 4.0f / 64, &d);
        fs_upfirdn2d_backward_cpu(din, dout, fir, 4.0f / 64, &d);
        float *gi = up(in, 4 * ni), *go = up(out, 4 * no), *gdo = up(dout, 4 * no), *gdi = up(din, 4 * ni);
        dut->upfirdn2d_forward(go, gi, fir, 4.0f / 64, &d);
        dut->upfirdn2d_backward(gdi, gdo, fir, 4.0f / 64, &d);
        cmp(k ? "upfirdn2d forward (down 2)" : "upfirdn2d forward (up 2)", go, out, no, 1e-5);
        cmp(k ? "upfirdn2d backward (down 2)" : "upfirdn2d backward (up 2)", gdi, din, ni, 1e-5);
        fs_dev_free(gi), fs_dev_free(gdo);
        free(in), free(out), free(dout), free(din);
    }
    int N = 3, C = 5;
    long HW = 13, n = (long)N * C * HW;
    float *in = rnd(n, 2), *b = rnd(C, 1), *out = rnd(n, 1), *dout = rnd(n, 1), *din = rnd(n, 1), *db = rnd(C, 1);
    float *db0 = fdup(db, C);
    CPU();
    fs_bias_act_forward_cpu(out, in, b, N, C, HW, FS_ACT_LRELU, 0.2f, 1.4f, 0.9f);
    fs_bias_act_backward_cpu(din, db, dout, in, b, N, C, HW, FS_ACT_LRELU, 0.2f, 1.4f, 0.9f);
    float *gi = up(in, 4 * n), *gb = up(b, 4L * C), *go = up(out, 4 * n), *gdo = up(dout, 4 * n), *gdi = up(din, 4 * n);
    float *gdb = up(db0, 4L * C);
    dut->bias_act_forward(go, gi, gb, N, C, HW, FS_ACT_LRELU, 0.2f, 1.4f, 0.9f);
    dut->bias_act_backward(gdi, gdb, gdo, gi, gb, N, C, HW, FS_ACT_LRELU, 0.2f, 1.4f, 0.9f);
    cmp("bias_act forward (lrelu, clamp)", go, out, n, 1e-6);
    cmp("bias_act backward din", gdi, din, n, 1e-6);
    cmp("bias_act backward dbias (+=)", gdb, db, C, 1e-5);
    fs_dev_free(gi), fs_dev_free(gb), fs_dev_free(gdo);
    free(in), free(b), free(out), free(dout), free(din), free(db), free(db0);
}

static void small_ops(void) {
    long P = 7, HW = 37, n = P * HW;
    float *a = rnd(n, 1), *b = rnd(n, 1), *s = rnd(P, 1), *out = rnd(n, 1);
    double red[7], red2[7];
    float *a2 = fdup(a, n);
    CPU();
    fs_scale_planes_cpu(out, a, s, 0.7f, P, HW);
    fs_dot_planes_cpu(red, a, b, P, HW);
    fs_dot_scale_planes_cpu(red2, a2, b, s, 0.7f, P, HW);
    float *ga = up(a, 4 * n), *gb = up(b, 4 * n), *gs = up(s, 4 * P), *go = up(out, 4 * n), *ga2 = up(a, 4 * n);
    double *gr = up(red, sizeof red), *gr2 = up(red, sizeof red);
    dut->scale_planes(go, ga, gs, 0.7f, P, HW);
    dut->dot_planes(gr, ga, gb, P, HW);
    dut->dot_scale_planes(gr2, ga2, gb, gs, 0.7f, P, HW);
    cmp("scale_planes", go, out, n, 1e-6);
    cmp_d("dot_planes", gr, red, P);
    cmp_d("dot_scale_planes (sums)", gr2, red2, P);
    cmp("dot_scale_planes (scaled)", ga2, a2, n, 1e-6);
    /* rows x cols reductions and maps */
    long R = 5, Cc = 11;
    float *m = rnd(R * Cc, 1), *dst = rnd(Cc, 1), *dst0 = fdup(dst, Cc), *dst2 = rnd(Cc, 1), *dst20 = fdup(dst2, Cc);
    double md[55];
    for (int i = 0; i < 55; i++) md[i] = m[i] * 1.5;
    float *sq = rnd(R, 1), *perm = rnd(R * Cc, 1), *perm2 = rnd(R * Cc, 1), *perm20 = fdup(perm2, R * Cc);
    CPU();
    fs_sum_rows_f32_cpu(dst, m, R, Cc);
    fs_sum_rows_f64_cpu(dst2, md, R, Cc);
    fs_row_sumsq_cpu(sq, m, R, Cc);
    fs_permute01_cpu(perm, m, R, 1, Cc, 0); /* (5, 1, 11) -> (1, 5, 11): a copy */
    fs_permute01_cpu(perm2, m, 1, R, Cc, 1);
    float *gm = up(m, 4 * R * Cc), *gd = up(dst0, 4 * Cc), *gd2 = up(dst20, 4 * Cc), *gsq = up(sq, 4 * R);
    double *gmd = up(md, sizeof md);
    float *gp = up(perm, 4 * R * Cc), *gp2 = up(perm20, 4 * R * Cc);
    dut->sum_rows_f32(gd, gm, R, Cc);
    dut->sum_rows_f64(gd2, gmd, R, Cc);
    dut->row_sumsq(gsq, gm, R, Cc);
    dut->permute01(gp, gm, R, 1, Cc, 0);
    dut->permute01(gp2, gm, 1, R, Cc, 1);
    cmp("sum_rows_f32 (+=)", gd, dst, Cc, 1e-6);
    cmp("sum_rows_f64 (+=)", gd2, dst2, Cc, 1e-6);
    cmp("row_sumsq", gsq, sq, R, 1e-6);
    cmp("permute01", gp, perm, R * Cc, 0);
    cmp("permute01 accumulate", gp2, perm2, R * Cc, 1e-6);
    /* a true 2-axis swap */
    float *sw = rnd(6 * 4 * 9, 1), *swo = rnd(6 * 4 * 9, 1);
    CPU();
    fs_permute01_cpu(swo, sw, 6, 4, 9, 0);
    float *gsw = up(sw, 4 * 216), *gswo = up(swo, 4 * 216);
    dut->permute01(gswo, gsw, 6, 4, 9, 0);
    cmp("permute01 (6, 4, 9)", gswo, swo, 216, 0);
    /* elementwise maps, in place on copies */
    float *e1 = rnd(n, 1), *e2 = rnd(n, 1), *e3 = rnd(n, 1), *pos = rnd(n, 1);
    for (long i = 0; i < n; i++) pos[i] = fabsf(pos[i]) + 0.1f;
    float *r1 = fdup(e1, n), *r2 = fdup(pos, n), *r3 = fdup(e1, n), *r4 = rnd(n, 1), *r5 = fdup(e1, n), *r6 = fdup(e1, n);
    float *r7 = fdup(e1, n), *r8 = rnd(n, 1), *r9 = rnd(n, 1), *r10 = fdup(e1, n);
    double *dd = malloc(sizeof(double) * n);
    for (long i = 0; i < n; i++) dd[i] = e2[i] * 3.0;
    CPU();
    fs_add_cpu(r1, e2, n);
    fs_rsqrt_eps_cpu(r2, 1e-8f, n);
    fs_sub_prod_cpu(r3, 0.3f, e2, e3, n);
    fs_square_scaled_cpu(r4, e1, 0.6f, n);
    fs_sub_rows_scaled_cpu(r5, e2, s, P, HW);
    fs_scale_add_bias_cpu(r6, 0.5f, e3, P, HW);
    fs_fill_cpu(r7, 2.5f, n);
    fs_demod_q_cpu(r8, dd, pos, n);
    fs_f64_scaled_cpu(r9, dd, 0.25f, n);
    float *g1 = up(e1, 4 * n), *g2 = up(pos, 4 * n), *g3 = up(e1, 4 * n), *g4 = up(e1, 4 * n), *g5 = up(e1, 4 * n);
    float *g6 = up(e1, 4 * n), *g7 = up(e1, 4 * n), *g8 = up(e1, 4 * n), *g9 = up(e1, 4 * n);
    float *ge2 = up(e2, 4 * n), *ge3 = up(e3, 4 * n), *gpos = up(pos, 4 * n), *gs2 = up(s, 4 * P);
    double *gdd = up(dd, sizeof(double) * n);
    dut->add(g1, ge2, n);
    dut->rsqrt_eps(g2, 1e-8f, n);
    dut->sub_prod(g3, 0.3f, ge2, ge3, n);
    dut->square_scaled(g4, g4, 0.6f, n);
    dut->sub_rows_scaled(g5, ge2, gs2, P, HW);
    dut->scale_add_bias(g6, 0.5f, ge3, P, HW);
    dut->fill(g7, 2.5f, n);
    dut->demod_q(g8, gdd, gpos, n);
    dut->f64_scaled(g9, gdd, 0.25f, n);
    cmp("add", g1, r1, n, 1e-6);
    cmp("rsqrt_eps", g2, r2, n, 1e-6);
    cmp("sub_prod", g3, r3, n, 1e-6);
    cmp("square_scaled (in place)", g4, r4, n, 1e-6);
    cmp("sub_rows_scaled", g5, r5, n, 1e-6);
    cmp("scale_add_bias", g6, r6, n, 1e-6);
    cmp("fill", g7, r7, n, 0);
    cmp("demod_q", g8, r8, n, 1e-6);
    cmp("f64_scaled", g9, r9, n, 1e-6);
    (void)r10;
    fs_backend_set(dut);
    fs_dev_free(ga), fs_dev_free(gb), fs_dev_free(gs), fs_dev_free(gm), fs_dev_free(gmd), fs_dev_free(gsw);
    fs_dev_free(ge2), fs_dev_free(ge3), fs_dev_free(gpos), fs_dev_free(gs2), fs_dev_free(gdd);
    free(a), free(b), free(s), free(out), free(a2), free(m), free(dst), free(dst0), free(dst2), free(dst20), free(sq);
    free(perm), free(perm2), free(perm20), free(sw), free(swo), free(e1), free(e2), free(e3), free(pos), free(r1);
    free(r2), free(r3), free(r4), free(r5), free(r6), free(r7), free(r8), free(r9), free(r10), free(dd);
}

static void model_ops(void) {
    int N = 2, C = 5;
    long HW = 29, n = (long)N * C * HW;
    for (int mode = 0; mode < 3; mode++) { /* shared noise map, per-sample noise with clamp, no noise */
        float *y = rnd(n, 2), *d = rnd(N * C, 1), *noise = rnd(N * HW, 1), *st = rnd(1, 1), *b = rnd(C, 1);
        float *out = rnd(n, 1), *dc = rnd(n, 1), *dc0 = fdup(dc, n);
        double dd[10], db[10], dn[10];
        const float *nz = mode == 2 ? NULL : noise;
        long stride = mode == 1 ? HW : 0;
        float clamp = mode == 1 ? 0.8f : -1.0f;
        CPU();
        fs_modact_forward_cpu(out, y, d, nz, stride, st, b, clamp, N, C, HW);
        fs_modact_backward_cpu(dc, dd, db, dn, y, d, nz, stride, st, b, clamp, N, C, HW);
        float *gy = up(y, 4 * n), *gd = up(d, 4L * N * C), *gn = up(noise, 4L * N * HW), *gst = up(st, 4);
        float *gb = up(b, 4L * C), *go = up(out, 4 * n), *gdc = up(dc0, 4 * n);
        double *gdd = up(dd, sizeof dd), *gdb = up(db, sizeof db), *gdn = up(dn, sizeof dn);
        dut->modact_forward(go, gy, gd, mode == 2 ? NULL : gn, stride, gst, gb, clamp, N, C, HW);
        dut->modact_backward(gdc, gdd, gdb, gdn, gy, gd, mode == 2 ? NULL : gn, stride, gst, gb, clamp, N, C, HW);
        char nm[64];
        snprintf(nm, sizeof nm, "modact forward (mode %d)", mode);
        cmp(nm, go, out, n, 1e-6);
        snprintf(nm, sizeof nm, "modact backward dy (mode %d)", mode);
        cmp(nm, gdc, dc, n, 1e-6);
        cmp_d("modact backward sum dz*y", gdd, dd, N * C);
        cmp_d("modact backward sum dz", gdb, db, N * C);
        if (mode != 2) cmp_d("modact backward sum dz*noise", gdn, dn, N * C);
        fs_backend_set(dut);
        if (mode == 2) fs_dev_free(gdn);
        fs_dev_free(gy), fs_dev_free(gd), fs_dev_free(gn), fs_dev_free(gst), fs_dev_free(gb);
        free(y), free(d), free(noise), free(st), free(b), free(out), free(dc), free(dc0);
    }
    long na = 1000;
    float *x = rnd(na, 1), *m = rnd(na, 0.1f), *v = rnd(na, 0.1f), *g = rnd(na, 1);
    for (long i = 0; i < na; i++) v[i] = fabsf(v[i]);
    float *x0 = fdup(x, na), *m0 = fdup(m, na), *v0 = fdup(v, na);
    fs_adam_consts k = {.wd = 0.01f, .w1 = 0.1f, .b2 = 0.999f, .one_m_b2 = 0.001f, .bc2s = 0.3f, .eps = 1e-8f,
                        .neg_step = -0.01f};
    CPU();
    fs_adam_update_cpu(x, m, v, g, &k, na);
    float *gx = up(x0, 4 * na), *gm = up(m0, 4 * na), *gv = up(v0, 4 * na), *gg = up(g, 4 * na);
    dut->adam_update(gx, gm, gv, gg, &k, na);
    cmp("adam_update x", gx, x, na, 1e-6);
    cmp("adam_update m", gm, m, na, 1e-6);
    cmp("adam_update v", gv, v, na, 1e-6);
    fs_backend_set(dut);
    fs_dev_free(gg);
    free(x), free(m), free(v), free(g), free(x0), free(m0), free(v0);
}

/* the LPIPS ops: relu, max-pool with argmax (overlapping windows, padding, ceil mode), ScalingLayer, channel
 * normalisation (one pixel all zero), one tap with and without gradient */
static void lpips_ops(void) {
    int N = 2, C = 5;
    long HW = 31, n = (long)N * C * HW;
    float *x = rnd(n, 1), *dy = rnd(n, 1), *r = rnd(n, 1), *rg = rnd(n, 1);
    CPU();
    fs_relu_cpu(r, x, n);
    fs_relu_grad_cpu(rg, dy, x, n);
    float *gx = up(x, 4 * n), *gdy = up(dy, 4 * n), *gr = up(x, 4 * n), *grg = up(x, 4 * n);
    dut->relu(gr, gx, n);
    dut->relu_grad(grg, gdy, gx, n);
    cmp("relu", gr, r, n, 0);
    cmp("relu_grad", grg, rg, n, 0);
    for (int k = 0; k < 2; k++) { /* alexnet's 3/2 pool; a padded ceil-mode 2/2 pool */
        fs_pool2d_dims d = {.N = 2, .C = 3, .H = 13, .W = 10, .KH = k ? 2 : 3, .KW = k ? 2 : 3, .stride_h = 2,
                            .stride_w = 2, .pad_h = k, .pad_w = k, .ceil_mode = k};
        CHECK(fs_pool2d_dims_init(&d, NULL) == FS_OK);
        long ni = (long)d.N * d.C * d.H * d.W, no = (long)d.N * d.C * d.H_out * d.W_out;
        float *in = rnd(ni, 1), *out = rnd(no, 1), *dout = rnd(no, 1), *din = rnd(ni, 1);
        int32_t *idx = malloc(sizeof(int32_t) * (size_t)no);
        CPU();
        fs_maxpool2d_cpu(out, idx, in, &d);
        fs_maxpool2d_grad_cpu(din, dout, idx, &d);
        float *gi = up(in, 4 * ni), *go = up(out, 4 * no), *go2 = up(out, 4 * no), *gdo = up(dout, 4 * no);
        float *gdi = up(din, 4 * ni);
        int32_t *gidx = up(idx, sizeof(int32_t) * (size_t)no);
        dut->maxpool2d(go, gidx, gi, &d);
        dut->maxpool2d(go2, NULL, gi, &d);
        dut->maxpool2d_grad(gdi, gdo, gidx, &d);
        cmp(k ? "maxpool2d forward (pad, ceil)" : "maxpool2d forward (3/2)", go, out, no, 0);
        cmp("maxpool2d forward, no argmax", go2, out, no, 0);
        cmp(k ? "maxpool2d backward (pad, ceil)" : "maxpool2d backward (3/2)", gdi, din, ni, 1e-6);
        fs_backend_set(dut);
        fs_dev_free(gi), fs_dev_free(gdo), fs_dev_free(gidx);
        free(in), free(out), free(dout), free(din), free(idx);
    }
    float *sh = rnd(C, 1), *sc = rnd(C, 1), *aff = rnd(n, 1), *aff2 = rnd(n, 1);
    for (int c = 0; c < C; c++) sc[c] = 0.3f + fabsf(sc[c]);
    CPU();
    fs_channel_affine_cpu(aff, x, sh, sc, N, C, HW);
    fs_channel_affine_cpu(aff2, x, NULL, sc, N, C, HW);
    float *gsh = up(sh, 4L * C), *gsc = up(sc, 4L * C), *gaff = up(x, 4 * n), *gaff2 = up(x, 4 * n);
    dut->channel_affine(gaff, gx, gsh, gsc, N, C, HW);
    dut->channel_affine(gaff2, gx, NULL, gsc, N, C, HW);
    cmp("channel_affine", gaff, aff, n, 1e-6);
    cmp("channel_affine (no shift)", gaff2, aff2, n, 1e-6);
    /* normalisation and a tap on relu'd features (pixel 3 of image 1 all zero: norm 0, gradient 0) */
    float *f = fdup(r, n), *t = rnd(n, 1), *lin = rnd(C, 1);
    for (int c = 0; c < C; c++) f[((long)1 * C + c) * HW + 3] = 0.0f, lin[c] = fabsf(lin[c]);
    float *nf = rnd(n, 1), *norm = rnd(N * HW, 1), *tn = fdup(t, n), *dist = rnd(N, 1), *dist2 = rnd(N, 1);
    float *df = rnd(n, 1), *pix = rnd(HW, 1);
    CPU();
    fs_channel_norm_cpu(nf, norm, f, N, C, HW);
    fs_channel_norm_cpu(tn, NULL, tn, N, C, HW);
    fs_lpips_tap_cpu(dist, df, pix, f, nf, norm, tn, lin, N, C, HW, 0.7f);
    fs_lpips_tap_cpu(dist2, NULL, pix, f, nf, norm, tn, lin, N, C, HW, 0.7f);
    float *gf = up(f, 4 * n), *gnf = up(x, 4 * n), *gnorm = up(x, 4L * N * HW), *gtn = up(t, 4 * n);
    float *glin = up(lin, 4L * C), *gdist = up(dist2, 4L * N), *gdist2 = up(dist, 4L * N), *gdf = up(x, 4 * n);
    float *gtn2 = up(t, 4 * n), *gpix = up(x, 4 * HW), *gnf2 = up(x, 4 * n), *gnorm2 = up(x, 4L * N * HW);
    dut->channel_norm(gnf, gnorm, gf, N, C, HW);
    dut->channel_norm(gtn, NULL, gtn, N, C, HW);
    dut->lpips_tap(gdist, gdf, gpix, gf, gnf, gnorm, gtn, glin, N, C, HW, 0.7f);
    dut->lpips_tap(gdist2, NULL, gpix, gf, gnf, gnorm, gtn, glin, N, C, HW, 0.7f);
    fs_dev_copy(gnf2, gnf, 4 * (size_t)n);
    fs_dev_copy(gnorm2, gnorm, 4 * (size_t)N * HW);
    cmp("channel_norm", gnf2, nf, n, 1e-6);
    cmp("channel_norm (norm)", gnorm2, norm, N * HW, 1e-6);
    cmp("channel_norm (in place)", gtn, tn, n, 1e-6);
    cmp("lpips_tap dist", gdist, dist, N, 1e-5);
    cmp("lpips_tap dist (no gradient)", gdist2, dist2, N, 1e-5);
    cmp("lpips_tap gradient", gdf, df, n, 1e-5);
    /* the L2 loss, with and without gradient */
    double l2[2];
    float *l2g = fdup(dy, n);
    CPU();
    fs_l2_diff_cpu(l2, l2g, x, t, 0.3, n);
    fs_l2_diff_cpu(l2 + 1, NULL, x, t, 0.3, n);
    double *gl2 = up(l2, sizeof l2);
    float *gl2g = up(dy, 4 * n);
    dut->l2_diff(gl2, gl2g, gx, gtn2, 0.3, n);
    dut->l2_diff(gl2 + 1, NULL, gx, gtn2, 0.3, n);
    cmp_d("l2_diff sums", gl2, l2, 2);
    cmp("l2_diff gradient (+=)", gl2g, l2g, n, 1e-6);
    free(l2g);
    fs_backend_set(dut);
    fs_dev_free(gtn2);
    fs_dev_free(gx), fs_dev_free(gdy), fs_dev_free(gsh), fs_dev_free(gsc), fs_dev_free(gf), fs_dev_free(gnf);
    fs_dev_free(gnorm), fs_dev_free(glin), fs_dev_free(gpix);
    free(x), free(dy), free(r), free(rg), free(sh), free(sc), free(aff), free(aff2), free(f), free(t), free(lin);
    free(nf), free(norm), free(tn), free(dist), free(dist2), free(df), free(pix);
}

int main(int argc, char **argv) {
    const char *dev = argc > 1 ? argv[1] : "cuda";
    fs_err err = {0};
    if (!strcmp(dev, "cuda") && !fs_backend_cuda())
        test_skip("this build has no CUDA backend (configure with -DFS_CUDA=ON on a machine with nvcc)");
    if (fs_device_select(dev, &err)) {
        char why[sizeof err.msg + 64];
        snprintf(why, sizeof why, "device %s not usable here: %s", dev, err.msg);
        test_skip(why);
    }
    fs_threads_init(2);
    dut = fs_backend_get();
    exact = !strcmp(dut->name, "sim");
    char buf[256];
    printf("device under test: %s (%s)\n", fs_device_describe(buf, sizeof buf), exact ? "bit-exact" : "tolerance");
    gemm_ops();
    conv_ops();
    resample_ops();
    small_ops();
    model_ops();
    lpips_ops();
    fs_backend_set(NULL);
    fs_threads_shutdown();
    return check_finish();
}
