/* image_input.h — what `encode`, `lpips` and `parse` accept where they take an image:
 * a PNG/JPEG file (one image, converted to RGB NCHW float in [-1, 1] as x/127.5 - 1), or a
 * .safetensors file holding a tensor [N,3,H,W] float32 in [-1, 1] that is used as is (no
 * resizing, no clamping). A file with several tensors needs "FILE.safetensors:NAME".
 * Also: writing one named tensor to a facestitch safetensors file (atomic). */
#ifndef FS_CLI_IMAGE_INPUT_H
#define FS_CLI_IMAGE_INPUT_H

#include <stdint.h>

#include "core/err.h"

typedef struct fs_cli_batch {
    float *data;     /* (N, 3, H, W), malloc'ed */
    int N, H, W;
    int from_tensor; /* 1 when read from .safetensors */
} fs_cli_batch;

int fs_cli_batch_load(const char *arg, fs_cli_batch *b, fs_err *err);
void fs_cli_batch_free(fs_cli_batch *b);
/* Writes tensor `name` of shape (ndim dims) with metadata {"format":"facestitch", "kind":kind}. */
int fs_cli_save_tensor(const char *path, const char *name, const float *data, int ndim, const int64_t *shape,
                       const char *kind, fs_err *err);

#endif
