/* direction.h — latent edit directions (reference/stit.md §4.1).
 *
 * A W direction file holds one tensor of shape (w_dim), (1, w_dim) or (num_ws, w_dim)
 * (.npy as STIT ships them, .pt, or .safetensors). STIT's convention is kept so its
 * recipes mean the same: only row 0 is used, on every layer, and the latent moves by
 * strength/2:   w_edit[l] = w[l] + (strength / 2) · d[0]   for all l.
 */
#ifndef FS_PIPELINE_DIRECTION_H
#define FS_PIPELINE_DIRECTION_H

#include "core/err.h"

typedef struct fs_direction {
    char name[256];
    int w_dim;
    float *d;        /* (w_dim): row 0 of the file */
} fs_direction;

/* Loads a direction file; fails with a message naming the file when its shape does not fit w_dim. */
int fs_direction_load(const char *path, int w_dim, fs_direction **out, fs_err *err);
void fs_direction_destroy(fs_direction *d);
/* ws (num_ws, w_dim) += strength/2 · d on every layer. */
void fs_direction_apply(float *ws, int num_ws, const fs_direction *d, double strength);

#endif
