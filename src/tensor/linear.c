/* linear.c — y = x W^T + b: dispatch, plain-loop reference, SGEMM path. */
#include "tensor/linear.h"

#include "tensor/backend.h"
#include "tensor/gemm.h"

void fs_linear_forward(float *y, const float *x, const float *w, const float *b, int M, int K, int N_out) {
    fs_backend_get()->linear_forward(y, x, w, b, M, K, N_out);
}

void fs_linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w, int M,
                        int K, int N_out) {
    fs_backend_get()->linear_backward(dx, dw, db, dy, x, w, M, K, N_out);
}

/* y[m, o] = b[o] + sum_k x[m, k] * w[o, k] */
void fs_linear_forward_ref(float *y, const float *x, const float *w, const float *b, int M, int K, int N_out) {
    for (int m = 0; m < M; m++)
        for (int o = 0; o < N_out; o++) {
            double acc = b ? b[o] : 0.0;
            for (int k = 0; k < K; k++) acc += (double)x[(long)m * K + k] * w[(long)o * K + k];
            y[(long)m * N_out + o] = (float)acc;
        }
}

void fs_linear_backward_ref(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w, int M,
                            int K, int N_out) {
    if (dx)
        for (int m = 0; m < M; m++)
            for (int k = 0; k < K; k++) {
                double acc = 0;
                for (int o = 0; o < N_out; o++) acc += (double)dy[(long)m * N_out + o] * w[(long)o * K + k];
                dx[(long)m * K + k] = (float)acc;
            }
    if (dw)
        for (int o = 0; o < N_out; o++)
            for (int k = 0; k < K; k++) {
                double acc = 0;
                for (int m = 0; m < M; m++) acc += (double)dy[(long)m * N_out + o] * x[(long)m * K + k];
                dw[(long)o * K + k] += (float)acc;
            }
    if (db)
        for (int o = 0; o < N_out; o++) {
            double acc = 0;
            for (int m = 0; m < M; m++) acc += dy[(long)m * N_out + o];
            db[o] += (float)acc;
        }
}

void fs_linear_forward_cpu(float *y, const float *x, const float *w, const float *b, int M, int K, int N_out) {
    if (b)
        for (int m = 0; m < M; m++)
            for (int o = 0; o < N_out; o++) y[(long)m * N_out + o] = b[o];
    fs_sgemm_cpu(0, 1, M, N_out, K, 1.0f, x, K, w, K, b ? 1.0f : 0.0f, y, N_out);
}

void fs_linear_backward_cpu(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w, int M,
                            int K, int N_out) {
    if (dx) fs_sgemm_cpu(0, 0, M, K, N_out, 1.0f, dy, N_out, w, K, 0.0f, dx, K);
    if (dw) fs_sgemm_cpu(1, 0, N_out, K, M, 1.0f, dy, N_out, x, K, 1.0f, dw, K);
    if (db)
        for (int o = 0; o < N_out; o++) {
            double acc = 0;
            for (int m = 0; m < M; m++) acc += dy[(long)m * N_out + o];
            db[o] += (float)acc;
        }
}
