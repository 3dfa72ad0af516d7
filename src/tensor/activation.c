/* activation.c — plain-loop pointwise activations and softmax (see activation.h). */
#include "tensor/activation.h"

#include <math.h>

void fs_relu_forward(float *out, const float *in, long n) {
    for (long i = 0; i < n; i++) out[i] = in[i] < 0.0f ? 0.0f : in[i]; /* NaN propagates, as torch.relu */
}

void fs_relu_backward(float *din, const float *dout, const float *in, long n) {
    if (!din) return;
    for (long i = 0; i < n; i++) din[i] = in[i] > 0.0f ? dout[i] : 0.0f;
}

void fs_leaky_relu_forward(float *out, const float *in, long n, float slope) {
    for (long i = 0; i < n; i++) out[i] = in[i] > 0.0f ? in[i] : in[i] * slope;
}

void fs_leaky_relu_backward(float *din, const float *dout, const float *in, long n, float slope) {
    if (!din) return;
    for (long i = 0; i < n; i++) din[i] = in[i] > 0.0f ? dout[i] : dout[i] * slope;
}

void fs_prelu_forward(float *out, const float *in, const float *alpha, int N, int C, long HW) {
    for (int b = 0; b < N; b++)
        for (int c = 0; c < C; c++) {
            const float a = alpha[c];
            const float *x = in + ((long)b * C + c) * HW;
            float *y = out + ((long)b * C + c) * HW;
            for (long i = 0; i < HW; i++) y[i] = x[i] > 0.0f ? x[i] : a * x[i];
        }
}

void fs_prelu_backward(float *din, float *dalpha, const float *dout, const float *in, const float *alpha, int N, int C,
                       long HW) {
    for (int c = 0; c < C; c++) {
        double da = 0.0;
        for (int b = 0; b < N; b++) {
            const long off = ((long)b * C + c) * HW;
            const float *x = in + off, *dy = dout + off;
            if (dalpha) /* before din is written: din may alias dout */
                for (long i = 0; i < HW; i++)
                    if (!(x[i] > 0.0f)) da += (double)dy[i] * (double)x[i];
            if (din) {
                float *dx = din + off;
                const float a = alpha[c];
                for (long i = 0; i < HW; i++) dx[i] = x[i] > 0.0f ? dy[i] : a * dy[i];
            }
        }
        if (dalpha) dalpha[c] += (float)da;
    }
}

void fs_sigmoid_forward(float *out, const float *in, long n) {
    for (long i = 0; i < n; i++) {
        const float x = in[i];
        if (x >= 0.0f) {
            out[i] = 1.0f / (1.0f + expf(-x));
        } else {
            const float e = expf(x);
            out[i] = e / (1.0f + e);
        }
    }
}

void fs_sigmoid_backward(float *din, const float *dout, const float *out, long n) {
    if (!din) return;
    for (long i = 0; i < n; i++) din[i] = dout[i] * (1.0f - out[i]) * out[i];
}

void fs_tanh_forward(float *out, const float *in, long n) {
    for (long i = 0; i < n; i++) out[i] = tanhf(in[i]);
}

void fs_tanh_backward(float *din, const float *dout, const float *out, long n) {
    if (!din) return;
    for (long i = 0; i < n; i++) din[i] = dout[i] * (1.0f - out[i] * out[i]);
}

void fs_softmax_forward(float *out, const float *in, long outer, int dim, long inner) {
    for (long o = 0; o < outer; o++)
        for (long j = 0; j < inner; j++) {
            const float *x = in + o * dim * inner + j;
            float *y = out + o * dim * inner + j;
            float mx = -INFINITY;
            for (int k = 0; k < dim; k++)
                if (x[k * inner] > mx) mx = x[k * inner];
            double s = 0.0;
            for (int k = 0; k < dim; k++) {
                const float e = expf(x[k * inner] - mx);
                y[k * inner] = e;
                s += e;
            }
            const float inv = (float)(1.0 / s);
            for (int k = 0; k < dim; k++) y[k * inner] *= inv;
        }
}

void fs_softmax_backward(float *din, const float *dout, const float *out, long outer, int dim, long inner) {
    if (!din) return;
    for (long o = 0; o < outer; o++)
        for (long j = 0; j < inner; j++) {
            const long base = o * dim * inner + j;
            double s = 0.0;
            for (int k = 0; k < dim; k++) s += (double)dout[base + k * inner] * (double)out[base + k * inner];
            const float sf = (float)s;
            for (int k = 0; k < dim; k++) din[base + k * inner] = out[base + k * inner] * (dout[base + k * inner] - sf);
        }
}
