/* shape.h — data-movement ops: concat, slice, permute, gather rows.
 *
 *   const float *parts[2] = {a, b};  const int64_t *shapes[2] = {sa, sb};   // (N, Ca, H, W), (N, Cb, H, W)
 *   fs_concat_forward(y, parts, shapes, 2, 4, 1);                            // y: (N, Ca+Cb, H, W)
 *   fs_slice_forward(y, x, s, 4, 1, 0, 3);                                   // channels [0, 3)
 *   int perm[4] = {0, 2, 3, 1};  fs_permute_forward(y, x, s, 4, perm);      // NCHW -> NHWC
 *
 * All arrays contiguous, ndim <= 8. Input gradients are ASSIGNED (slice's din is zero outside the
 * slice); gather's dtable ACCUMULATES (it is an embedding table, a parameter). NULL = not needed.
 */
#ifndef FS_TENSOR_SHAPE_H
#define FS_TENSOR_SHAPE_H

#include <stdint.h>

/* out: shapes with dim `axis` summed; every other dim equal across the k inputs. */
void fs_concat_forward(float *out, const float *const *ins, const int64_t *const *shapes, int k, int ndim, int axis);
/* dins[i] may be NULL (that input needs no gradient). */
void fs_concat_backward(float *const *dins, const float *dout, const int64_t *const *shapes, int k, int ndim, int axis);
/* out: shape with dim `axis` = end - begin; 0 <= begin <= end <= shape[axis]. */
void fs_slice_forward(float *out, const float *in, const int64_t *shape, int ndim, int axis, int64_t begin, int64_t end);
void fs_slice_backward(float *din, const float *dout, const int64_t *shape, int ndim, int axis, int64_t begin, int64_t end);
/* out.shape[i] = shape[perm[i]] (like torch.permute). `shape` is the INPUT's shape in both directions. */
void fs_permute_forward(float *out, const float *in, const int64_t *shape, int ndim, const int *perm);
void fs_permute_backward(float *din, const float *dout, const int64_t *shape, int ndim, const int *perm);
/* out[i,:] = table[idx[i],:]  (rows of `row` floats); backward accumulates into dtable. */
void fs_gather_rows_forward(float *out, const float *table, const int64_t *idx, long n_idx, long row);
void fs_gather_rows_backward(float *dtable, const float *dout, const int64_t *idx, long n_idx, long row);

#endif
