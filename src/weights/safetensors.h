/* safetensors.h — read and write the safetensors format.
 *
 * Reader: validates header length bounds, JSON, offsets in range, no overlap,
 * byte size == dtype size × shape, no duplicate names. F16/BF16/F64 are
 * converted to F32 when FS_ST_TO_F32 is set (I64 stays I64 unless also set).
 * Writer: tensors sorted by name, back to back, header padded with spaces to a
 * multiple of 8, "__metadata__" from the map's metadata; written to
 * "<path>.tmp" then renamed (never a half-written file).
 */
#ifndef FS_WEIGHTS_SAFETENSORS_H
#define FS_WEIGHTS_SAFETENSORS_H

#include <stddef.h>

#include "weights/tensormap.h"

/* FS_ST_TO_F32: F16/BF16/F64 become F32. FS_ST_I64_TO_F32: I64/I32 become F32 too. */
enum { FS_ST_TO_F32 = 1, FS_ST_I64_TO_F32 = 2 };

int fs_safetensors_load(const char *path, int flags, fs_tensor_map **out, fs_err *err);
int fs_safetensors_load_mem(const void *buf, size_t len, int flags, fs_tensor_map **out, fs_err *err);
int fs_safetensors_save(const char *path, const fs_tensor_map *m, fs_err *err);

#endif
