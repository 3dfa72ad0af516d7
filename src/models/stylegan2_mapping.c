/* stylegan2_mapping.c — the mapping network z -> w -> ws (broadcast to num_ws rows), truncation,
 * and its backward.
 *   x = z * rsqrt(mean(z^2) + 1e-8)
 *   x = lrelu(x (W * lr/sqrt(in))^T + b * lr, 0.2) * sqrt(2)      for each of the mapping_layers FC layers
 *   ws[:, r] = x ;  truncation on rows < cutoff: w_avg + psi (w - w_avg)
 * A host-side edge of the device seam (docs/gpu.md): z, ws, dws, dz are host arrays; the mapping's parameters are
 * downloaded for each call (a few MB, once per inversion) and its gradients downloaded, accumulated and uploaded.
 * Its kernels are the host backend's (the selected one when device memory is host memory, else "cpu"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/stylegan2_internal.h"
#include "tensor/backend.h"
#include "tensor/bias_act.h"
#include "tensor/device.h"
#include "tensor/linear.h"

static const fs_backend *host_kernels(void) { return fs_dev_is_host() ? fs_backend_get() : fs_backend_cpu(); }

static int max_dim(const fs_sg2_config *c) {
    int m = 0;
    for (int i = 0; i <= c->mapping_layers; i++)
        if (c->mapping_dims[i] > m) m = c->mapping_dims[i];
    return m;
}

/* Runs the mapping; acts (mapping_layers+1 buffers of N*maxd): acts[0] = normalised z, acts[i+1] = layer i output;
 * pre[i] = layer i before bias_act (NULL to skip). wbuf: maxd*maxd scratch for the scaled weight. */
static void mapping_run(const fs_sg2 *g, const float *z, int N, float **acts, float **pre, float *wbuf) {
    const fs_sg2_config *c = &g->cfg;
    const fs_backend *hk = host_kernels();
    int zd = c->z_dim;
    for (int n = 0; n < N; n++) {
        const float *zi = z + (long)n * zd;
        float ms = 0;
        for (int j = 0; j < zd; j++) ms += zi[j] * zi[j];
        float r = 1.0f / sqrtf(ms / zd + 1e-8f);
        for (int j = 0; j < zd; j++) acts[0][(long)n * zd + j] = zi[j] * r;
    }
    for (int i = 0; i < c->mapping_layers; i++) {
        int in = c->mapping_dims[i], out = c->mapping_dims[i + 1];
        float wg = (float)(c->lr_multiplier / sqrt((double)in));
        long nw = (long)in * out;
        fs_dev_download(wbuf, g->p.map_w[i], sizeof(float) * (size_t)nw);
        for (long k = 0; k < nw; k++) wbuf[k] = wbuf[k] * wg;
        float *y = pre ? pre[i] : acts[i + 1];
        hk->linear_forward(y, acts[i], wbuf, NULL, N, in, out);
        float *b = wbuf + nw; /* effective bias */
        fs_dev_download(b, g->p.map_b[i], sizeof(float) * (size_t)out);
        for (int k = 0; k < out; k++) b[k] = b[k] * c->lr_multiplier;
        hk->bias_act_forward(acts[i + 1], y, b, N, out, 1, FS_ACT_LRELU, 0.2f, (float)sqrt(2.0), -1.0f);
    }
}

static float lerp_avg(fs_sg2_layout layout, float avg, float w, float psi) {
    if (layout == FS_SG2_LAYOUT_NVIDIA) /* torch.lerp(w_avg, w, psi) */
        return psi < 0.5f ? avg + psi * (w - avg) : w - (w - avg) * (1.0f - psi);
    return avg + psi * (w - avg); /* rosinality: latent_avg + truncation * (style - latent_avg) */
}

void fs_sg2_truncate(const fs_sg2 *g, float *ws, int N, float psi, int cutoff) {
    const fs_sg2_config *c = &g->cfg;
    if (psi == 1.0f) return;
    int rows = cutoff <= 0 || cutoff > c->num_ws ? c->num_ws : cutoff;
    float avg[256]; /* w_avg comes down a piece at a time: nothing to allocate, nothing to fail */
    for (int j0 = 0; j0 < c->w_dim; j0 += 256) {
        int nj = c->w_dim - j0 < 256 ? c->w_dim - j0 : 256;
        fs_dev_download(avg, g->p.w_avg + j0, sizeof(float) * (size_t)nj);
        for (int n = 0; n < N; n++)
            for (int r = 0; r < rows; r++) {
                float *w = ws + ((long)n * c->num_ws + r) * c->w_dim + j0;
                for (int j = 0; j < nj; j++) w[j] = lerp_avg(c->layout, avg[j], w[j], psi);
            }
    }
}

typedef struct {
    float *block;
    float *acts[FS_SG2_MAX_MAPPING + 1], *pre[FS_SG2_MAX_MAPPING];
    float *wbuf;
    float *gbuf; /* backward: host copies of a layer's bias (max dim) and weight (max dim^2) gradients */
} map_work;

static int work_alloc(const fs_sg2 *g, int N, int with_pre, map_work *w, fs_err *err) {
    const fs_sg2_config *c = &g->cfg;
    long md = max_dim(c);
    int L = c->mapping_layers;
    long n = (long)(L + 1 + (with_pre ? L : 0)) * N * md + (with_pre ? 2 : 1) * (md * md + md);
    w->block = malloc(sizeof(float) * (size_t)n);
    if (!w->block) return fs_errorf(err, "stylegan2: out of memory (mapping)");
    float *p = w->block;
    for (int i = 0; i <= L; i++) w->acts[i] = p, p += N * md;
    for (int i = 0; i < L; i++) w->pre[i] = with_pre ? p : NULL, p += with_pre ? N * md : 0;
    w->wbuf = p;
    w->gbuf = with_pre ? p + md * md + md : NULL;
    return FS_OK;
}

int fs_sg2_mapping_forward(const fs_sg2 *g, float *ws, const float *z, int N, float psi, int cutoff, fs_err *err) {
    const fs_sg2_config *c = &g->cfg;
    map_work w;
    if (work_alloc(g, N, 0, &w, err)) return FS_ERR;
    mapping_run(g, z, N, w.acts, NULL, w.wbuf);
    const float *x = w.acts[c->mapping_layers];
    for (int n = 0; n < N; n++)
        for (int r = 0; r < c->num_ws; r++)
            memcpy(ws + ((long)n * c->num_ws + r) * c->w_dim, x + (long)n * c->w_dim, sizeof(float) * c->w_dim);
    fs_sg2_truncate(g, ws, N, psi, cutoff);
    free(w.block);
    return FS_OK;
}

int fs_sg2_mapping_backward(const fs_sg2 *g, float *dz, fs_sg2_grads *gr, const float *dws, const float *z, int N,
                            float psi, int cutoff, fs_err *err) {
    const fs_sg2_config *c = &g->cfg;
    int L = c->mapping_layers;
    map_work w;
    if (work_alloc(g, N, 1, &w, err)) return FS_ERR;
    long md = max_dim(c);
    float *dcur = malloc(sizeof(float) * (size_t)(2 * N * md));
    if (!dcur) {
        free(w.block);
        return fs_errorf(err, "stylegan2: out of memory (mapping)");
    }
    float *dbase = dcur, *dnext = dcur + N * md;
    const fs_backend *hk = host_kernels();
    mapping_run(g, z, N, w.acts, w.pre, w.wbuf);
    /* broadcast + truncation: dw = sum over rows, rows < cutoff scaled by psi */
    int rows = psi == 1.0f ? 0 : (cutoff <= 0 || cutoff > c->num_ws ? c->num_ws : cutoff);
    for (int n = 0; n < N; n++)
        for (int j = 0; j < c->w_dim; j++) {
            double acc = 0;
            for (int r = 0; r < c->num_ws; r++)
                acc += (double)dws[((long)n * c->num_ws + r) * c->w_dim + j] * (r < rows ? psi : 1.0f);
            dcur[(long)n * c->w_dim + j] = (float)acc;
        }
    for (int i = L - 1; i >= 0; i--) {
        int in = c->mapping_dims[i], out = c->mapping_dims[i + 1];
        float wg = (float)(c->lr_multiplier / sqrt((double)in));
        long nw = (long)in * out;
        float *b = w.wbuf + nw;
        fs_dev_download(b, g->p.map_b[i], sizeof(float) * (size_t)out);
        for (int k = 0; k < out; k++) b[k] = b[k] * c->lr_multiplier;
        /* bias_act backward in place: dcur = dL/d(pre-bias) */
        hk->bias_act_backward(dcur, NULL, dcur, w.pre[i], b, N, out, 1, FS_ACT_LRELU, 0.2f, (float)sqrt(2.0), -1.0f);
        if (gr) { /* the device gradients come down, take the sums in the same order, go back up */
            float *gb = w.gbuf, *gw = w.gbuf + out;
            fs_dev_download(gb, gr->p.map_b[i], sizeof(float) * (size_t)out);
            fs_dev_download(gw, gr->p.map_w[i], sizeof(float) * (size_t)nw);
            for (long k = 0; k < (long)N * out; k++) gb[k % out] += dcur[k] * c->lr_multiplier;
            /* dW += wg * dpre^T x */
            float *tmp = w.wbuf; /* reuse: (out, in) */
            memset(tmp, 0, sizeof(float) * (size_t)nw);
            hk->linear_backward(NULL, tmp, NULL, dcur, w.acts[i], NULL, N, in, out);
            for (long k = 0; k < nw; k++) gw[k] += tmp[k] * wg;
            fs_dev_upload(gr->p.map_b[i], gb, sizeof(float) * (size_t)out);
            fs_dev_upload(gr->p.map_w[i], gw, sizeof(float) * (size_t)nw);
        }
        fs_dev_download(w.wbuf, g->p.map_w[i], sizeof(float) * (size_t)nw);
        for (long k = 0; k < nw; k++) w.wbuf[k] = w.wbuf[k] * wg;
        hk->linear_backward(dnext, NULL, NULL, dcur, w.acts[i], w.wbuf, N, in, out);
        float *t = dcur;
        dcur = dnext;
        dnext = t;
    }
    /* normalisation: x = z r, r = (mean z^2 + eps)^-1/2 ; dz = r dx - r^3/D z (dx.z) */
    if (dz) {
        int D = c->z_dim;
        for (int n = 0; n < N; n++) {
            const float *zi = z + (long)n * D;
            const float *dx = dcur + (long)n * D;
            double ms = 0, dot = 0;
            for (int j = 0; j < D; j++) ms += (double)zi[j] * zi[j], dot += (double)dx[j] * zi[j];
            double r = 1.0 / sqrt(ms / D + 1e-8);
            for (int j = 0; j < D; j++) dz[(long)n * D + j] = (float)(r * dx[j] - r * r * r / D * zi[j] * dot);
        }
    }
    free(dbase);
    free(w.block);
    return FS_OK;
}
