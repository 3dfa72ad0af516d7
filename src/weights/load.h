/* load.h — open any weights file facestitch understands.
 *
 * fs_weights_load: sniffs the format (safetensors, PyTorch zip, legacy torch.save,
 * NVIDIA .pkl, .npy) and returns every tensor as F32 (I64 kept) under its full
 * original key path ("g_ema/convs.0.conv.weight" style for pickles, names as stored for safetensors).
 *
 * fs_weights_load_canonical: the same, then maps the tensors of a known model kind to
 * facestitch's canonical names (docs/canonical-names.md) and fills metadata
 * ("format"="facestitch", "kind", "version"="1", architecture facts). A canonical
 * safetensors file (made by `facestitch convert`) is returned as is.
 * kind: "auto", "stylegan2", "e4e", "lpips", "bisenet" or "raw".
 */
#ifndef FS_WEIGHTS_LOAD_H
#define FS_WEIGHTS_LOAD_H

#include "weights/tensormap.h"

int fs_weights_load(const char *path, fs_tensor_map **out, fs_err *err);
int fs_weights_load_canonical(const char *path, const char *kind, fs_tensor_map **out, fs_err *err);

/* Like fs_weights_load_canonical; backbone (NULL ok) is a second file merged in first
 * (lpips: the torchvision alexnet/vgg16 trunk .pth beside the lin-layer file). */
int fs_weights_load_canonical_ex(const char *path, const char *kind, const char *backbone, fs_tensor_map **out,
                                 fs_err *err);
/* In-memory variant of fs_weights_load (name_hint names the tensor of a .npy). */
int fs_weights_load_mem(const unsigned char *buf, size_t len, const char *name_hint, fs_tensor_map **out, fs_err *err);
/* "safetensors", "pytorch-zip", "pytorch-legacy", "pickle", "npy", or NULL when unknown. */
const char *fs_weights_format_name(const unsigned char *buf, size_t len);
/* Kind of a raw map from its key names: "stylegan2", "e4e", "lpips", "bisenet", the "kind" of a
 * facestitch file, or NULL when unknown. */
const char *fs_weights_detect_kind(const fs_tensor_map *m);
/* Maps a raw map (from fs_weights_load) to canonical names. *out = a new map, or NULL when raw
 * itself is the answer (already canonical, or kind "raw": metadata format/kind/version added).
 * Tensors may be moved out of raw; destroy raw either way. backbone: NULL or a second raw map. */
int fs_weights_canonicalize(fs_tensor_map *raw, const char *kind, fs_tensor_map *backbone, fs_tensor_map **out,
                            fs_err *err);

#endif
