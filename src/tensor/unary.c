/* unary.c — pointwise math (see unary.h). */
#include "tensor/unary.h"

#include <math.h>

#include "core/err.h"

void fs_unary_forward(fs_unop op, float *out, const float *in, long n, float p) {
    switch (op) {
    case FS_SQRT:
        for (long i = 0; i < n; i++) out[i] = sqrtf(in[i]);
        break;
    case FS_RSQRT:
        for (long i = 0; i < n; i++) out[i] = 1.0f / sqrtf(in[i]);
        break;
    case FS_EXP:
        for (long i = 0; i < n; i++) out[i] = expf(in[i]);
        break;
    case FS_LOG:
        for (long i = 0; i < n; i++) out[i] = logf(in[i]);
        break;
    case FS_POW:
        if (p == 2.0f)
            for (long i = 0; i < n; i++) out[i] = in[i] * in[i];
        else if (p == 1.0f)
            for (long i = 0; i < n; i++) out[i] = in[i];
        else
            for (long i = 0; i < n; i++) out[i] = powf(in[i], p);
        break;
    default:
        FS_ASSERT(!"unknown fs_unop");
    }
}

void fs_unary_backward(fs_unop op, float *din, const float *dout, const float *in, const float *out, long n, float p) {
    if (!din) return;
    switch (op) {
    case FS_SQRT:
        FS_ASSERT(out != NULL);
        for (long i = 0; i < n; i++) din[i] = dout[i] / (2.0f * out[i]);
        break;
    case FS_RSQRT:
        FS_ASSERT(out != NULL);
        for (long i = 0; i < n; i++) din[i] = -0.5f * dout[i] * out[i] * out[i] * out[i];
        break;
    case FS_EXP:
        FS_ASSERT(out != NULL);
        for (long i = 0; i < n; i++) din[i] = dout[i] * out[i];
        break;
    case FS_LOG:
        FS_ASSERT(in != NULL);
        for (long i = 0; i < n; i++) din[i] = dout[i] / in[i];
        break;
    case FS_POW:
        FS_ASSERT(in != NULL);
        if (p == 0.0f)
            for (long i = 0; i < n; i++) din[i] = 0.0f;
        else if (p == 2.0f)
            for (long i = 0; i < n; i++) din[i] = dout[i] * 2.0f * in[i];
        else if (p == 1.0f)
            for (long i = 0; i < n; i++) din[i] = dout[i];
        else
            for (long i = 0; i < n; i++) din[i] = dout[i] * p * powf(in[i], p - 1.0f);
        break;
    default:
        FS_ASSERT(!"unknown fs_unop");
    }
}
