/* masked_loss.h — STIT's masked MSE (docs/method.md §5.3):
 *   masked(a, b, M) = Σ_{n,c,x,y} ((a − b)·M)² / (N · Σ_{x,y} M)
 * with a, b (N, 3, H, W) and one (H, W) mask shared by the channels (so it is 3× a
 * per-channel mean, exactly as STIT). N > 1 averages the per-sample losses.
 * Returns 0 when the mask is empty. The backward writes (assigns) dL/da. */
#ifndef FS_PIPELINE_MASKED_LOSS_H
#define FS_PIPELINE_MASKED_LOSS_H

double fs_masked_mse_forward(const float *a, const float *b, const float *mask, int N, int C, int H, int W);
/* da (N,C,H,W) = scale · dL/da   (scale: the loss weight, e.g. 0.01 for the content term). */
void fs_masked_mse_backward(float *da, const float *a, const float *b, const float *mask, int N, int C, int H, int W,
                            double scale, int accumulate);

/* STIT's --l1: Σ |(a − b)·M| / (N · Σ M), and its (sub)gradient sign(a − b)·M. */
double fs_masked_l1_forward(const float *a, const float *b, const float *mask, int N, int C, int H, int W);
void fs_masked_l1_backward(float *da, const float *a, const float *b, const float *mask, int N, int C, int H, int W,
                           double scale, int accumulate);

#endif
