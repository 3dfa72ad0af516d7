/* elementwise.h — broadcasting binary ops (add, sub, mul, div) and scaling.
 *
 *   int64_t xs[4] = {N, C, H, W}, bs[4] = {1, C, 1, 1};
 *   fs_binary_forward(FS_ADD, y, x, xs, bias, bs, xs, 4);            // y = x + bias (per channel)
 *   fs_binary_backward(FS_ADD, dx, dbias, dy, x, xs, bias, bs, xs, 4);
 *
 * NumPy / PyTorch broadcasting: every a_shape[i] and b_shape[i] equals out_shape[i] or 1 (pad
 * shorter shapes with leading 1s yourself; at most 8 dims). All arrays contiguous.
 * Backward: da, db are ASSIGNED, summed over the axes where a (or b) was broadcast (sums in double);
 * NULL = not needed. a is needed for MUL/DIV's db, b for MUL/DIV's da. da and db must not alias dout
 * (or each other); out may alias a or b in the forward when it has their shape.
 *   ADD: da = g, db = g      SUB: da = g, db = -g
 *   MUL: da = g b, db = g a  DIV: da = g / b, db = -g a / b^2
 */
#ifndef FS_TENSOR_ELEMENTWISE_H
#define FS_TENSOR_ELEMENTWISE_H

#include <stdint.h>

typedef enum { FS_ADD, FS_SUB, FS_MUL, FS_DIV } fs_binop;

void fs_binary_forward(fs_binop op, float *out, const float *a, const int64_t *a_shape, const float *b,
                       const int64_t *b_shape, const int64_t *out_shape, int ndim);
void fs_binary_backward(fs_binop op, float *da, float *db, const float *dout, const float *a,
                        const int64_t *a_shape, const float *b, const int64_t *b_shape,
                        const int64_t *out_shape, int ndim);

void fs_scale_forward(float *out, const float *in, float s, long n);      /* out = s*in; may alias */
void fs_scale_backward(float *din, const float *dout, float s, long n);   /* din = s*dout */

#endif
