/* featmap.h — pieces shared by the inference networks (e4e, BiSeNet): an owned NCHW feature map,
 * eval-mode BatchNorm parameters read from a state_dict, and a name-prefix probe. */
#ifndef FS_MODELS_FEATMAP_H
#define FS_MODELS_FEATMAP_H

#include "core/err.h"
#include "weights/tensormap.h"

typedef struct fs_fmap {
    float *d;        /* (N, C, H, W), owned */
    int N, C, H, W;
} fs_fmap;

static inline long fs_fmap_numel(const fs_fmap *f) { return (long)f->N * f->C * f->H * f->W; }
static inline long fs_fmap_hw(const fs_fmap *f) { return (long)f->H * f->W; }
/* Allocates f->d for (N, C, H, W) with overflow checks; `what` names the network in the message. */
int fs_fmap_alloc(fs_fmap *f, int N, int C, int H, int W, const char *what, fs_err *err);
void fs_fmap_free(fs_fmap *f);

/* BatchNorm2d in eval mode: running stats and affine, all (C) F32 tensors borrowed from a map. */
typedef struct fs_bn_ref {
    const float *mean, *var, *gamma, *beta;
} fs_bn_ref;

/* prefix.running_mean / running_var / weight / bias, each contiguous F32 of shape (C). */
int fs_bn_ref_load(const fs_tensor_map *m, const char *prefix, int C, fs_bn_ref *bn, fs_err *err);

/* 1 when some tensor name starts with prefix. */
int fs_map_has_prefix(const fs_tensor_map *m, const char *prefix);

#endif
