/* bisenet.h — BiSeNet face parsing (zllrunning/face-parsing.PyTorch, the `79999_iter.pth` model STIT
 * uses for its stitching masks), inference only.
 *
 *   fs_bisenet *bs = NULL;
 *   if (fs_bisenet_load("bisenet.safetensors", &bs, &err)) ...;
 *   float *logits = malloc(N * 19 * H * W * sizeof(float));
 *   fs_bisenet_parse(bs, img, N, H, W, logits, &err);     // img: (N,3,H,W) RGB in [-1,1]
 *   fs_bisenet_argmax(labels, logits, N, 19, H * W);      // class ids (CelebAMask-HQ order)
 *   fs_bisenet_destroy(bs);
 *
 * Network: ResNet-18 context path (feat8/16/32), attention refinement modules on 1/16 and 1/32,
 * global-average context, nearest upsampling (PyTorch legacy: src = floor(dst*in/out)), feature
 * fusion module on concat(feat8, feat_cp8), the main head (ConvBNReLU 3x3 + 1x1 conv), bilinearly
 * upsampled with align_corners=True to the input size. BN in eval mode (running stats, eps 1e-5).
 * The input transform (STIT's calc_mask): clip to [-1,1], (x+1)/2, then ImageNet mean/std.
 * STIT feeds 512x512 (nearest-downscaled 1024 crops); any size works here.
 *
 * Weights: face-parsing.PyTorch state_dict names unchanged (cp.resnet.*, cp.arm16.*, ffm.*,
 * conv_out.*, ...); widths and the class count are read from the shapes.
 * Class ids: 0 background, 1 skin, 2 l_brow, 3 r_brow, 4 l_eye, 5 r_eye, 6 eye_g, 7 l_ear,
 * 8 r_ear, 9 ear_r, 10 nose, 11 mouth, 12 u_lip, 13 l_lip, 14 neck, 15 neck_l, 16 cloth, 17 hair, 18 hat.
 */
#ifndef FS_MODELS_BISENET_H
#define FS_MODELS_BISENET_H

#include <stdint.h>

#include "core/err.h"
#include "weights/tensormap.h"

typedef struct fs_bisenet fs_bisenet;

/* Called with intermediate activations (names as the fixture's act.*: "feat8", "feat16", "feat32",
 * "feat_cp8", "feat_cp16", "feat_fuse", "conv_out_lowres", "conv_out16_lowres", "conv_out32_lowres");
 * the auxiliary heads run only when a hook is given. data: (N, C, H, W), valid during the call. */
typedef void (*fs_bisenet_hook)(void *user, const char *name, const float *data, int N, int C, int H, int W);

int fs_bisenet_create(fs_bisenet **out, fs_tensor_map *m, int take_ownership, fs_err *err);
int fs_bisenet_load(const char *path, fs_bisenet **out, fs_err *err);
void fs_bisenet_destroy(fs_bisenet *bs);
int fs_bisenet_num_classes(const fs_bisenet *bs);

/* x: (N, 3, H, W) network input (already ImageNet-normalised); logits: (N, n_classes, H, W). */
int fs_bisenet_forward(const fs_bisenet *bs, const float *x, int N, int H, int W, float *logits,
                       fs_bisenet_hook hook, void *user, fs_err *err);
/* x = ((clip(img, -1, 1) + 1) / 2 - mean) / std per RGB channel; img, x: (N, 3, HW); may alias. */
void fs_bisenet_normalize(float *x, const float *img, int N, long HW);
/* fs_bisenet_normalize then fs_bisenet_forward. img: (N, 3, H, W) in [-1, 1]. */
int fs_bisenet_parse(const fs_bisenet *bs, const float *img, int N, int H, int W, float *logits, fs_err *err);
/* labels[n*HW + p] = argmax_c logits[n, c, p] (the first maximum on ties, like torch.argmax on CPU). */
void fs_bisenet_argmax(uint8_t *labels, const float *logits, int N, int C, long HW);

#endif
