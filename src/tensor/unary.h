/* unary.h — pointwise sqrt, rsqrt, exp, log, pow with their derivatives.
 *
 *   fs_unary_forward(FS_RSQRT, y, x, n, 0);           // y = 1/sqrt(x)
 *   fs_unary_backward(FS_RSQRT, dx, dy, x, y, n, 0);  // dx = -0.5 dy y^3
 *
 * Backward (din ASSIGNED; NULL = not needed) uses, as PyTorch does:
 *   SQRT  din = dout / (2 out)              (needs out)
 *   RSQRT din = -0.5 dout out^3             (needs out)
 *   EXP   din = dout out                    (needs out)
 *   LOG   din = dout / in                   (needs in)
 *   POW   din = dout p in^(p-1), 0 if p==0  (needs in; FS_POW uses the exponent p)
 * The pointer that is not needed may be NULL.
 */
#ifndef FS_TENSOR_UNARY_H
#define FS_TENSOR_UNARY_H

typedef enum { FS_SQRT, FS_RSQRT, FS_EXP, FS_LOG, FS_POW } fs_unop;            /* FS_POW uses p */
void fs_unary_forward(fs_unop op, float *out, const float *in, long n, float p);
void fs_unary_backward(fs_unop op, float *din, const float *dout, const float *in, const float *out, long n,
                       float p);

#endif
