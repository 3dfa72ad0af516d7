/* torch.h — PyTorch checkpoints without Python: torch.save zip archives, legacy
 * (pre-1.6) torch.save streams, and plain pickles holding tensors (NVIDIA
 * stylegan2-ada .pkl). Nothing in the file is ever executed (see pickle.h).
 *
 * Tensors keep their full key path: dict levels are joined with '/', module
 * levels (state_dict names, _modules/_parameters/_buffers of pickled modules)
 * with '.': "g_ema/convs.0.conv.weight", "G_ema/synthesis.b4.conv1.weight",
 * "state_dict/encoder.body.0.res_layer.1.weight", "latent_avg".
 * Non-contiguous tensors (channels_last) are copied into row-major order.
 * Persistent objects (torch_utils.persistence) found under a dict key P add
 * metadata "pickle:P:class_name" and "pickle:P:init_kwargs" (JSON text).
 *
 *   fs_tensor_map *m;
 *   if (fs_torch_load_mem(buf, len, FS_TORCH_TO_F32, &m, &err)) ...  // err has the offset
 */
#ifndef FS_WEIGHTS_TORCH_H
#define FS_WEIGHTS_TORCH_H

#include <stddef.h>

#include "weights/tensormap.h"

enum { FS_TORCH_TO_F32 = 1 }; /* F16/BF16/F64 storages become F32 (I64 kept) */

/* Sniffs zip / legacy / plain pickle. buf must stay valid during the call only. */
int fs_torch_load_mem(const unsigned char *buf, size_t len, int flags, fs_tensor_map **out, fs_err *err);
/* The same for one container, without sniffing (fuzz targets, tests). */
int fs_torch_load_zip_mem(const unsigned char *buf, size_t len, int flags, fs_tensor_map **out, fs_err *err);
int fs_torch_load_legacy_mem(const unsigned char *buf, size_t len, int flags, fs_tensor_map **out, fs_err *err);
int fs_torch_load_pickle_mem(const unsigned char *buf, size_t len, int flags, fs_tensor_map **out, fs_err *err);
int fs_torch_is_legacy(const unsigned char *buf, size_t len);
int fs_torch_is_pickle(const unsigned char *buf, size_t len);

/* NumPy .npy (v1–v3; <f2 <f4 <f8 <i4 <i8 |u1 |b1; Fortran order is transposed on load).
 * One tensor named `name`. */
int fs_npy_load_mem(const unsigned char *buf, size_t len, const char *name, int flags, fs_tensor_map **out,
                    fs_err *err);
int fs_npy_is_npy(const unsigned char *buf, size_t len);
/* Writes a float32 C-order .npy (atomic: tmp + rename). */
int fs_npy_write_f32(const char *path, const float *data, int ndim, const int64_t *shape, fs_err *err);

#endif
