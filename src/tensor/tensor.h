/* tensor.h — float32 N-d tensors with byte strides, views and a device tag.
 *
 *   int64_t shape[4] = {1, 3, 64, 64};
 *   fs_tensor *t = fs_tensor_create(4, shape, &err);   // owns its data, zeroed
 *   float *p = fs_tensor_f32(t);                         // asserts contiguous f32
 *   fs_tensor v = fs_tensor_view_slice(t, 1, 0, 2);      // channels 0..1, shares data
 *   fs_tensor_destroy(t);                                // views of t are now dangling
 *
 * Ownership: `_create` returns a tensor that owns its data; `_destroy` frees it.
 * `_view*` returns a struct by value that borrows the data of another tensor.
 * Strides are in BYTES (like ggml's nb[]). Kernels either honour strides or
 * call fs_tensor_f32(), which asserts contiguity.
 */
#ifndef FS_TENSOR_TENSOR_H
#define FS_TENSOR_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define FS_MAX_DIMS 8

typedef enum { FS_F32 = 0, FS_F64, FS_F16, FS_BF16, FS_I64, FS_I32, FS_U8 } fs_dtype;
typedef enum { FS_DEVICE_CPU = 0, FS_DEVICE_CUDA = 1 } fs_device;

typedef struct fs_tensor {
    fs_dtype dtype;
    int ndim;
    int64_t shape[FS_MAX_DIMS];
    int64_t strides[FS_MAX_DIMS]; /* bytes */
    void *data;
    fs_device device;
    int owns_data; /* 1: _destroy frees data */
    char name[128];
} fs_tensor;

size_t fs_dtype_size(fs_dtype t);
const char *fs_dtype_name(fs_dtype t); /* "F32", "I64", ... (safetensors spelling) */

/* New contiguous tensor (zero-filled). NULL + err on bad shape or out of memory. */
fs_tensor *fs_tensor_create(int ndim, const int64_t *shape, fs_err *err);
fs_tensor *fs_tensor_create_dtype(fs_dtype dtype, int ndim, const int64_t *shape, fs_err *err);
/* Deep copy into a new contiguous tensor. */
fs_tensor *fs_tensor_clone(const fs_tensor *t, fs_err *err);
void fs_tensor_destroy(fs_tensor *t);

/* Borrowing view of an existing buffer (contiguous strides). */
fs_tensor fs_tensor_view(float *data, int ndim, const int64_t *shape);
/* View of indices [begin, end) along `dim`. */
fs_tensor fs_tensor_view_slice(const fs_tensor *t, int dim, int64_t begin, int64_t end);
/* View with dims permuted: out.dim[i] = t.dim[perm[i]]. */
fs_tensor fs_tensor_view_permute(const fs_tensor *t, const int *perm);

int64_t fs_tensor_numel(const fs_tensor *t);
size_t fs_tensor_nbytes(const fs_tensor *t);
int fs_tensor_is_contiguous(const fs_tensor *t);
void fs_tensor_set_contiguous_strides(fs_tensor *t);
/* Data as float*, asserting dtype F32, CPU and contiguity. */
float *fs_tensor_f32(const fs_tensor *t);
/* Copies src (any strides) into dst (any strides); same shape and dtype required. */
void fs_tensor_copy(fs_tensor *dst, const fs_tensor *src);
int fs_tensor_same_shape(const fs_tensor *a, const fs_tensor *b);
/* "[2, 3, 64, 64]" into buf. */
const char *fs_tensor_shape_str(const fs_tensor *t, char *buf, size_t n);

#endif
