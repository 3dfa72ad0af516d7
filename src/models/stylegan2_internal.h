/* stylegan2_internal.h — private helpers shared by the stylegan2_*.c files (not a public API). */
#ifndef FS_MODELS_STYLEGAN2_INTERNAL_H
#define FS_MODELS_STYLEGAN2_INTERNAL_H

#include <stddef.h>

#include "models/stylegan2.h"

int fs__sg2_config_finish(fs_sg2_config *c, int K, fs_err *err);
void fs__sg2_point(const fs_sg2_config *c, fs_sg2_params *p, float *base);


/* The [1,3,3,1] x [1,3,3,1] / 64 resampling filter (4x4). */
extern const float fs__sg2_fir[16];

/* ---- layers (stylegan2_layers.c) ---- */
/* s (N, C_in) = ws_rows (N, w_dim) A^T / sqrt(w_dim) + b */
void fs__sg2_affine_forward(float *s, const float *w_rows, const float *A, const float *b, int N, int w_dim, int C_in);
/* ds (N, C_in) -> dA (+=), db (+=), dw_rows (+=) */
void fs__sg2_affine_backward(float *dw_rows, float *dA, float *db, const float *ds, const float *w_rows,
                             const float *A, int N, int w_dim, int C_in);

/* Work buffers one modulated-conv call may use (sizes checked by the caller's plan). */
typedef struct fs__sg2_work {
    float *xs;   /* (N, C_in, H, W) */
    float *tmp;  /* (C_out, 2H+1, 2W+1) one sample of the transposed conv; also (C_out, C_in) Wsq */
    float *wt;   /* (C_in, C_out, K, K) transposed weight / its gradient */
    float *small; /* (N, C_out) + (N, C_in) + ... */
    double *red;  /* (N, max C) device scratch for per-plane sums */
} fs__sg2_work;

/* Modulated conv (+ demod unless torgb): y (N, C_out, res, res) before demod; demod (N, C_out) (NULL for torgb);
 * x (N, C_in, H, W); s (N, C_in) styles (S space). */
void fs__sg2_modconv_forward(float *y, float *demod, const float *x, const float *s, const float *weight,
                             const fs_sg2_layer_info *L, fs_sg2_layout layout, int N, fs__sg2_work *w);
/* Backward of modconv given dy_total = dL/d(y*demod) ... see stylegan2_layers.c for the exact contract. */
void fs__sg2_modconv_backward(float *dx, float *ds, float *dweight, float *dy, const double *dd, const float *y,
                              const float *demod, const float *x, const float *s, const float *weight,
                              const fs_sg2_layer_info *L, fs_sg2_layout layout, int N, fs__sg2_work *w);
/* Reference path (NVIDIA eval mode): per-sample modulated+demodulated weights, one grouped conv; y gets the
 * demodulated output, demod is set to 1. Forward only. FS_ERR (out of memory) when its weights cannot be allocated. */
int fs__sg2_modconv_forward_fused(float *y, float *demod, const float *x, const float *s, const float *weight,
                                  const fs_sg2_layer_info *L, fs_sg2_layout layout, int N, fs_err *err);

/* ---- shared by forward and backward (stylegan2_forward.c) ---- */
#include "tensor/upfirdn2d.h"
fs__sg2_work fs__sg2_work_of(fs_sg2_acts *a);
void fs__sg2_conv_output(const fs_sg2 *g, const fs_sg2_acts *a, int l, float *out);
void fs__sg2_const_input(const fs_sg2 *g, int N, float *x);
fs_upfirdn2d_dims fs__sg2_skip_dims(const fs_sg2_config *c, int b, int N);
enum { FS__SG2_XS = 0, FS__SG2_TMP, FS__SG2_WT, FS__SG2_B1, FS__SG2_B2, FS__SG2_B3 };

float fs__sg2_style_gain(const fs_sg2_layer_info *L, fs_sg2_layout layout); /* input scaling gain */

#endif
