/* reduce.c — sum / mean over axes (see reduce.h). */
#include "tensor/reduce.h"

#include <stdlib.h>

#include "core/err.h"

#define RD_MAX 8

/* For each input axis: element stride into `out` (0 on reduced axes). Returns out numel, sets count. */
static int64_t rd_setup(int64_t *ost, const int64_t *shape, int nd, unsigned mask, int64_t *count) {
    FS_ASSERT(nd >= 0 && nd <= RD_MAX);
    FS_ASSERT((mask >> nd) == 0); /* no bits beyond the last axis */
    int64_t acc = 1, cnt = 1;
    for (int i = nd - 1; i >= 0; i--) {
        if (mask & (1u << i)) {
            ost[i] = 0;
            cnt *= shape[i];
        } else {
            ost[i] = acc;
            acc *= shape[i];
        }
    }
    *count = cnt;
    return acc;
}

/* Visits every input element in row-major order with its output offset. */
#define RD_LOOP(nd, shape, ost, BODY)                                                                                  \
    do {                                                                                                               \
        int64_t total_ = 1;                                                                                            \
        for (int d_ = 0; d_ < (nd); d_++) total_ *= (shape)[d_];                                                       \
        int64_t cnt_[RD_MAX] = {0}, oo_ = 0;                                                                           \
        for (int64_t i = 0; i < total_; i++) {                                                                         \
            const int64_t oi = oo_;                                                                                    \
            BODY;                                                                                                      \
            for (int d_ = (nd)-1; d_ >= 0; d_--) {                                                                     \
                cnt_[d_]++;                                                                                            \
                oo_ += (ost)[d_];                                                                                      \
                if (cnt_[d_] < (shape)[d_]) break;                                                                     \
                oo_ -= (ost)[d_] * (shape)[d_];                                                                        \
                cnt_[d_] = 0;                                                                                          \
            }                                                                                                          \
        }                                                                                                              \
    } while (0)

void fs_reduce_forward(float *out, const float *in, const int64_t *shape, int ndim, unsigned axes_mask, int mean) {
    int64_t ost[RD_MAX], count;
    const int64_t n_out = rd_setup(ost, shape, ndim, axes_mask, &count);
    double *acc = calloc((size_t)(n_out > 0 ? n_out : 1), sizeof(double));
    FS_ASSERT(acc != NULL);
    RD_LOOP(ndim, shape, ost, acc[oi] += in[i]);
    for (int64_t o = 0; o < n_out; o++) out[o] = mean ? (float)(acc[o] / (double)count) : (float)acc[o];
    free(acc);
}

void fs_reduce_backward(float *din, const float *dout, const int64_t *shape, int ndim, unsigned axes_mask, int mean) {
    if (!din) return;
    int64_t ost[RD_MAX], count;
    rd_setup(ost, shape, ndim, axes_mask, &count);
    if (mean) {
        const float c = (float)count;
        RD_LOOP(ndim, shape, ost, din[i] = dout[oi] / c);
    } else {
        RD_LOOP(ndim, shape, ost, din[i] = dout[oi]);
    }
}
