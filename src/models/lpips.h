/* lpips.h — LPIPS v0.1 perceptual distance (richzhang/PerceptualSimilarity), AlexNet or
 * VGG16 trunk, forward and backward with respect to the first image.
 *
 *   fs_lpips *lp = NULL;
 *   if (fs_lpips_load("lpips_alex.safetensors", &lp, &err)) ...;   // any format the loader reads
 *   float d[2];                                                    // one distance per image
 *   float *grad = malloc(2 * 3 * H * W * sizeof(float));
 *   fs_lpips_distance(lp, a, b, 2, H, W, d, NULL, grad, 1.0f, &err);  // grad = d(sum d)/da
 *   fs_lpips_destroy(lp);
 *
 * Images are NCHW float32 RGB in [-1, 1] (the network's ScalingLayer is applied inside).
 * Device seam (docs/gpu.md): the images a, b, x and grad_a are DEVICE memory of the selected backend (host
 * memory on the cpu backends); dist, per_layer and the features fs_lpips_features returns are host memory.
 * distance(a, b) = sum over 5 taps k of mean_{h,w} sum_c lin_k[c] (n(a)_k - n(b)_k)^2 where
 * n(f) = f / (sqrt(sum_c f^2) + 1e-10) (the official normalize_tensor).
 * Taps: alex relu1..relu5 (features 1,4,7,9,11); vgg relu1_2, relu2_2, relu3_3, relu4_3, relu5_3
 * (features 3,8,15,22,29). Dropout of the lin layers is inert (eval mode).
 *
 * Weights: canonical kind "lpips" names (docs/canonical-names.md): features.{i}.weight/.bias
 * (torchvision layout), lin{k}.model.1.weight [1,C,1,1], scaling_layer.shift/.scale [1,3,1,1]
 * (defaults of the official ScalingLayer when absent). The trunk kind comes from metadata "net"
 * or, when absent, from the shape of features.0.weight (11x11: alex, 3x3: vgg).
 *
 * Gradient note: at a pixel where every channel of a tap is exactly 0 PyTorch's autograd
 * produces NaN (sqrt'(0)); there the ReLU before the tap blocks any gradient anyway, so we
 * return 0 for that pixel's contribution.
 */
#ifndef FS_MODELS_LPIPS_H
#define FS_MODELS_LPIPS_H

#include "core/err.h"
#include "weights/tensormap.h"

#define FS_LPIPS_TAPS 5

typedef enum { FS_LPIPS_ALEX = 0, FS_LPIPS_VGG = 1 } fs_lpips_net;

typedef struct fs_lpips fs_lpips;

/* Builds the network from a tensor map (the map is borrowed: it must outlive the model unless
 * take_ownership is set, in which case the model destroys it, also on failure). */
int fs_lpips_create(fs_lpips **out, fs_tensor_map *m, int take_ownership, fs_err *err);
/* Loads any weights file (fs_weights_load_canonical with kind "lpips"); errors name the file. */
int fs_lpips_load(const char *path, fs_lpips **out, fs_err *err);
void fs_lpips_destroy(fs_lpips *lp);

fs_lpips_net fs_lpips_net_kind(const fs_lpips *lp);
const char *fs_lpips_net_name(const fs_lpips *lp);   /* "alex" or "vgg" */
int fs_lpips_tap_channels(const fs_lpips *lp, int k); /* C of tap k */

/* dist: (N) distances; per_layer: (FS_LPIPS_TAPS, N) or NULL; grad_a: (N, 3, H, W) or NULL,
 * ASSIGNED = grad_scale * d(sum_n dist[n]) / da. a, b: (N, 3, H, W) in [-1, 1]. */
int fs_lpips_distance(const fs_lpips *lp, const float *a, const float *b, int N, int H, int W, float *dist,
                      float *per_layer, float *grad_a, float grad_scale, fs_err *err);

/* Trunk features of one image batch (after the ScalingLayer), for tests and tools:
 * feats[k]: (N, C_k, H_k, W_k) newly malloc'ed (caller frees each); dims[k] = {C_k, H_k, W_k}. */
int fs_lpips_features(const fs_lpips *lp, const float *x, int N, int H, int W, float *feats[FS_LPIPS_TAPS],
                      int dims[FS_LPIPS_TAPS][3], fs_err *err);

/* A fixed second image whose normalised features are computed once (PTI compares many renders
 * with the same target): like fs_lpips_distance with b = the target's image. */
typedef struct fs_lpips_target fs_lpips_target;
int fs_lpips_target_create(fs_lpips_target **out, const fs_lpips *lp, const float *b, int N, int H, int W,
                           fs_err *err);
void fs_lpips_target_destroy(fs_lpips_target *t);
int fs_lpips_distance_to(const fs_lpips *lp, const fs_lpips_target *t, const float *a, float *dist,
                         float *per_layer, float *grad_a, float grad_scale, fs_err *err);

#endif
