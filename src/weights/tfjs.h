/* tfjs.h — read TensorFlow.js weights: a "*-weights_manifest.json" plus its binary shards
 * (the form face-api ships its networks in; see docs/models.md).
 *
 *   fs_tensor_map *m = NULL;
 *   if (fs_tfjs_load("model/ssd_mobilenetv1_model-weights_manifest.json", &m, &err)) ...err.msg...
 *   const fs_tensor *w = fs_tensor_map_get(m, "prediction_layer/box_predictor_0/box_encoding_predictor/weights");
 *
 * The manifest is a JSON array of groups {"paths": [shard files], "weights": [{"name", "shape",
 * "dtype", "quantization"?}]}. A group's shards, concatenated, hold its weights back to back in
 * manifest order (little-endian). dtype "float32" or "int32" (both read as F32); quantization
 * {"dtype": "uint8"|"uint16", "min", "scale"} stores v = q * scale + min (TF.js's dequantisation,
 * computed in double, rounded to float; int32 weights take Math.round of it), {"dtype": "float16"} stores halves. Tensors keep TF's
 * shapes (conv filters [kh, kw, in, out], depthwise [kh, kw, in, multiplier]).
 *
 * Strict: every size is overflow-checked; the shards' total length must equal the weights' bytes
 * exactly; names are unique; shard paths are relative without ".." (resolved next to the
 * manifest); numbers must be finite. Errors are one line naming the file and the reason; outputs
 * are untouched on failure.
 */
#ifndef FS_WEIGHTS_TFJS_H
#define FS_WEIGHTS_TFJS_H

#include <stddef.h>

#include "weights/tensormap.h"

/* Hands the bytes of shard `path` (as written in the manifest) to the reader; they stay valid
 * until the reader returns. Returns FS_OK or FS_ERR with err set. */
typedef int (*fs_tfjs_shard_fn)(void *user, const char *path, const unsigned char **data, size_t *len, fs_err *err);

int fs_tfjs_load(const char *manifest_path, fs_tensor_map **out, fs_err *err);
int fs_tfjs_load_mem(const char *json, size_t json_len, fs_tfjs_shard_fn shard, void *user, fs_tensor_map **out,
                     fs_err *err);
/* 1 when `path` names a TF.js weights manifest: ends in ".json" and the text starts with '['. */
int fs_tfjs_is_manifest(const char *path, const unsigned char *head, size_t n);

#endif
