/* elementwise.c — broadcasting binary ops (see elementwise.h). */
#include "tensor/elementwise.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"

#define BC_MAX 8

/* Element strides of a contiguous tensor of shape `s`, 0 along broadcast axes. */
static void bc_strides(int64_t *st, const int64_t *s, const int64_t *out_shape, int nd) {
    int64_t acc = 1;
    for (int i = nd - 1; i >= 0; i--) {
        FS_ASSERT(s[i] == out_shape[i] || s[i] == 1);
        st[i] = s[i] == 1 ? 0 : acc;
        acc *= s[i];
    }
}

static int64_t numel(const int64_t *s, int nd) {
    int64_t n = 1;
    for (int i = 0; i < nd; i++) n *= s[i];
    return n;
}

static int same_shape(const int64_t *a, const int64_t *b, int nd) {
    for (int i = 0; i < nd; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

static inline float binop(fs_binop op, float x, float y) {
    switch (op) {
    case FS_ADD:
        return x + y;
    case FS_SUB:
        return x - y;
    case FS_MUL:
        return x * y;
    default:
        return x / y;
    }
}

/* Walks the output in row-major order; calls body(o, ia, ib) per element via the macro below. */
#define BC_LOOP(nd, out_shape, sa, sb, BODY)                                                                           \
    do {                                                                                                               \
        const int64_t inner_ = (nd) > 0 ? (out_shape)[(nd)-1] : 1;                                                     \
        const int64_t sa_l_ = (nd) > 0 ? (sa)[(nd)-1] : 0, sb_l_ = (nd) > 0 ? (sb)[(nd)-1] : 0;                        \
        const int64_t total_ = numel(out_shape, nd);                                                                   \
        int64_t cnt_[BC_MAX] = {0}, oa_ = 0, ob_ = 0;                                                                  \
        for (int64_t o0_ = 0; inner_ > 0 && o0_ < total_; o0_ += inner_) {                                             \
            for (int64_t k_ = 0; k_ < inner_; k_++) {                                                                  \
                const int64_t o = o0_ + k_, ia = oa_ + k_ * sa_l_, ib = ob_ + k_ * sb_l_;                              \
                BODY;                                                                                                  \
            }                                                                                                          \
            for (int d_ = (nd)-2; d_ >= 0; d_--) {                                                                     \
                cnt_[d_]++;                                                                                            \
                oa_ += (sa)[d_];                                                                                       \
                ob_ += (sb)[d_];                                                                                       \
                if (cnt_[d_] < (out_shape)[d_]) break;                                                                 \
                oa_ -= (sa)[d_] * (out_shape)[d_];                                                                     \
                ob_ -= (sb)[d_] * (out_shape)[d_];                                                                     \
                cnt_[d_] = 0;                                                                                          \
            }                                                                                                          \
        }                                                                                                              \
    } while (0)

void fs_binary_forward(fs_binop op, float *out, const float *a, const int64_t *a_shape, const float *b,
                       const int64_t *b_shape, const int64_t *out_shape, int ndim) {
    FS_ASSERT(ndim >= 0 && ndim <= BC_MAX);
    int64_t sa[BC_MAX], sb[BC_MAX];
    bc_strides(sa, a_shape, out_shape, ndim);
    bc_strides(sb, b_shape, out_shape, ndim);
    if (same_shape(a_shape, out_shape, ndim) && same_shape(b_shape, out_shape, ndim)) {
        const int64_t n = numel(out_shape, ndim);
        for (int64_t i = 0; i < n; i++) out[i] = binop(op, a[i], b[i]);
        return;
    }
    BC_LOOP(ndim, out_shape, sa, sb, out[o] = binop(op, a[ia], b[ib]));
}

/* Gradient of one operand: dst (shape s) = sum over broadcast axes of g(o, ia, ib). */
static void grad_operand(fs_binop op, int which, float *dst, const int64_t *s, const float *dout, const float *a,
                         const float *b, const int64_t *sa, const int64_t *sb, const int64_t *out_shape, int nd) {
    const int64_t n = numel(s, nd);
    const int direct = same_shape(s, out_shape, nd);
    double *acc = NULL;
    if (!direct) {
        acc = calloc((size_t)(n > 0 ? n : 1), sizeof(double));
        FS_ASSERT(acc != NULL);
    }
#define GRAD_VALUE(o, ia, ib)                                                                                          \
    (which == 0 ? (op == FS_MUL   ? dout[o] * b[ib]                                                                    \
                   : op == FS_DIV ? dout[o] / b[ib]                                                                    \
                                  : dout[o])                                                                           \
                : (op == FS_ADD   ? dout[o]                                                                            \
                   : op == FS_SUB ? -dout[o]                                                                           \
                   : op == FS_MUL ? dout[o] * a[ia]                                                                    \
                                  : -dout[o] * a[ia] / (b[ib] * b[ib])))
    if (which == 0) {
        if (direct)
            BC_LOOP(nd, out_shape, sa, sb, dst[ia] = GRAD_VALUE(o, ia, ib));
        else
            BC_LOOP(nd, out_shape, sa, sb, acc[ia] += GRAD_VALUE(o, ia, ib));
    } else {
        if (direct)
            BC_LOOP(nd, out_shape, sa, sb, dst[ib] = GRAD_VALUE(o, ia, ib));
        else
            BC_LOOP(nd, out_shape, sa, sb, acc[ib] += GRAD_VALUE(o, ia, ib));
    }
#undef GRAD_VALUE
    if (!direct) {
        for (int64_t i = 0; i < n; i++) dst[i] = (float)acc[i];
        free(acc);
    }
}

void fs_binary_backward(fs_binop op, float *da, float *db, const float *dout, const float *a, const int64_t *a_shape,
                        const float *b, const int64_t *b_shape, const int64_t *out_shape, int ndim) {
    FS_ASSERT(ndim >= 0 && ndim <= BC_MAX);
    int64_t sa[BC_MAX], sb[BC_MAX];
    bc_strides(sa, a_shape, out_shape, ndim);
    bc_strides(sb, b_shape, out_shape, ndim);
    if (da) grad_operand(op, 0, da, a_shape, dout, a, b, sa, sb, out_shape, ndim);
    if (db) grad_operand(op, 1, db, b_shape, dout, a, b, sa, sb, out_shape, ndim);
}

void fs_scale_forward(float *out, const float *in, float s, long n) {
    for (long i = 0; i < n; i++) out[i] = s * in[i];
}

void fs_scale_backward(float *din, const float *dout, float s, long n) {
    if (!din) return;
    for (long i = 0; i < n; i++) din[i] = s * dout[i];
}
