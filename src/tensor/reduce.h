/* reduce.h — sum / mean over a set of axes.
 *
 *   int64_t s[4] = {N, C, H, W};
 *   fs_reduce_forward(m, x, s, 4, (1u << 2) | (1u << 3), 1);   // m: (N, C, 1, 1) = mean over H, W
 *   fs_reduce_backward(dx, dm, s, 4, (1u << 2) | (1u << 3), 1);
 *
 * Bit i of axes_mask selects axis i (ndim <= 8); out has those axes of size 1 (same element count
 * as the shape with them removed). Sums are accumulated in double, mean = sum / count.
 * Backward: din (shape) = dout broadcast back (/ count for mean), ASSIGNED.
 */
#ifndef FS_TENSOR_REDUCE_H
#define FS_TENSOR_REDUCE_H

#include <stdint.h>

void fs_reduce_forward(float *out, const float *in, const int64_t *shape, int ndim, unsigned axes_mask, int mean);
void fs_reduce_backward(float *din, const float *dout, const int64_t *shape, int ndim, unsigned axes_mask,
                        int mean);

#endif
