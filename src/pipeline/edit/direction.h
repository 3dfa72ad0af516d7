/* direction.h — latent edit directions (docs/method.md §4.1).
 *
 * A W direction file holds one tensor of shape (w_dim), (1, w_dim) or (num_ws, w_dim)
 * (.npy as STIT ships them, .pt, or .safetensors). STIT's convention is kept so its
 * recipes mean the same: only row 0 is used, on every layer, and the latent moves by
 * strength/2:   w_edit[l] = w[l] + (strength / 2) · d[0]   for all l.
 */
#ifndef FS_PIPELINE_DIRECTION_H
#define FS_PIPELINE_DIRECTION_H

#include "core/err.h"

typedef enum { FS_DIR_W = 0, FS_DIR_S = 1 } fs_direction_space;

typedef struct fs_direction {
    char name[256];
    fs_direction_space space;
    int w_dim;
    float *d;        /* W: (w_dim), row 0 of the file. S: (len) per-channel style offsets */
    long len;        /* S: number of style channels covered */
    int conv_only;   /* S: 1 when the vector covers the conv layers only (STIT's StyleCLIP layout,
                        ToRGB styles untouched), 0 when it covers every layer */
} fs_direction;

/* Loads a W direction file; fails with a message naming the file when its shape does not fit w_dim. */
int fs_direction_load(const char *path, int w_dim, fs_direction **out, fs_err *err);
/* Loads a W direction, or an S-space direction (StyleCLIP-style) for generator `cfg`: one flat
 * vector of Σ C_in over the conv layers (STIT's global directions, e.g. 6048 for FFHQ 1024) or over
 * every layer incl. ToRGB (9088), in the generator's layer order. S edits follow STIT:
 * s_edit = s + strength · d (no halving). */
struct fs_sg2_config;
int fs_direction_load_for(const char *path, const struct fs_sg2_config *cfg, fs_direction **out, fs_err *err);
/* styles[l] (C_in of layer l) += strength · d (S directions only). */
void fs_direction_apply_styles(float *const *styles, const struct fs_sg2_config *cfg, const fs_direction *d,
                               double strength);
void fs_direction_destroy(fs_direction *d);
/* ws (num_ws, w_dim) += strength/2 · d on every layer. */
void fs_direction_apply(float *ws, int num_ws, const fs_direction *d, double strength);

#endif
