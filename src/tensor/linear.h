/* linear.h — fully connected layer, y = x W^T (+ b) (PyTorch nn.Linear layout).
 *
 *   fs_linear_forward(y, x, w, b, M, K, N_out);              // x (M, K), w (N_out, K), b (N_out) or NULL
 *   fs_linear_backward(dx, dw, db, dy, x, w, M, K, N_out);   // dx =, dw +=, db +=; NULL = not needed
 *
 * Dispatches through the backend table (tensor/backend.h); `_ref` is the plain-loop reference
 * (double accumulation), `_cpu` goes through fs_sgemm.
 */
#ifndef FS_TENSOR_LINEAR_H
#define FS_TENSOR_LINEAR_H

/* y = x W^T (+ b): x (M, K), W (N_out, K), y (M, N_out). */
void fs_linear_forward(float *y, const float *x, const float *w, const float *b, int M, int K, int N_out);
void fs_linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w,
                        int M, int K, int N_out);

void fs_linear_forward_ref(float *y, const float *x, const float *w, const float *b, int M, int K, int N_out);
void fs_linear_backward_ref(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w,
                            int M, int K, int N_out);
void fs_linear_forward_cpu(float *y, const float *x, const float *w, const float *b, int M, int K, int N_out);
void fs_linear_backward_cpu(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w,
                            int M, int K, int N_out);

#endif
