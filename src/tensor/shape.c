/* shape.c — concat, slice, permute, gather (see shape.h). */
#include "tensor/shape.h"

#include <string.h>

#include "core/err.h"

#define SH_MAX 8

static int64_t prod(const int64_t *s, int from, int to) {
    int64_t n = 1;
    for (int i = from; i < to; i++) n *= s[i];
    return n;
}

static void concat_check(const int64_t *const *shapes, int k, int ndim, int axis) {
    FS_ASSERT(k >= 1 && ndim >= 1 && ndim <= SH_MAX && axis >= 0 && axis < ndim);
    for (int j = 1; j < k; j++)
        for (int i = 0; i < ndim; i++) FS_ASSERT(i == axis || shapes[j][i] == shapes[0][i]);
}

/* dir 0: ins -> out; dir 1: out -> ins. */
static void concat_copy(int dir, float *out, const float *cout, float *const *dins, const float *const *ins,
                        const int64_t *const *shapes, int k, int ndim, int axis) {
    concat_check(shapes, k, ndim, axis);
    const int64_t outer = prod(shapes[0], 0, axis), inner = prod(shapes[0], axis + 1, ndim);
    int64_t total_axis = 0;
    for (int j = 0; j < k; j++) total_axis += shapes[j][axis];
    const int64_t out_row = total_axis * inner;
    int64_t off = 0;
    for (int j = 0; j < k; j++) {
        const int64_t len = shapes[j][axis] * inner;
        for (int64_t o = 0; o < outer; o++) {
            if (dir == 0)
                memcpy(out + o * out_row + off, ins[j] + o * len, sizeof(float) * (size_t)len);
            else if (dins[j])
                memcpy(dins[j] + o * len, cout + o * out_row + off, sizeof(float) * (size_t)len);
        }
        off += len;
    }
}

void fs_concat_forward(float *out, const float *const *ins, const int64_t *const *shapes, int k, int ndim, int axis) {
    concat_copy(0, out, NULL, NULL, ins, shapes, k, ndim, axis);
}

void fs_concat_backward(float *const *dins, const float *dout, const int64_t *const *shapes, int k, int ndim,
                        int axis) {
    concat_copy(1, NULL, dout, dins, NULL, shapes, k, ndim, axis);
}

static void slice_check(const int64_t *shape, int ndim, int axis, int64_t begin, int64_t end) {
    FS_ASSERT(ndim >= 1 && ndim <= SH_MAX && axis >= 0 && axis < ndim);
    FS_ASSERT(0 <= begin && begin <= end && end <= shape[axis]);
}

void fs_slice_forward(float *out, const float *in, const int64_t *shape, int ndim, int axis, int64_t begin,
                      int64_t end) {
    slice_check(shape, ndim, axis, begin, end);
    const int64_t outer = prod(shape, 0, axis), inner = prod(shape, axis + 1, ndim);
    const int64_t in_row = shape[axis] * inner, out_row = (end - begin) * inner;
    for (int64_t o = 0; o < outer; o++)
        memcpy(out + o * out_row, in + o * in_row + begin * inner, sizeof(float) * (size_t)out_row);
}

void fs_slice_backward(float *din, const float *dout, const int64_t *shape, int ndim, int axis, int64_t begin,
                       int64_t end) {
    if (!din) return;
    slice_check(shape, ndim, axis, begin, end);
    const int64_t outer = prod(shape, 0, axis), inner = prod(shape, axis + 1, ndim);
    const int64_t in_row = shape[axis] * inner, out_row = (end - begin) * inner;
    memset(din, 0, sizeof(float) * (size_t)(outer * in_row));
    for (int64_t o = 0; o < outer; o++)
        memcpy(din + o * in_row + begin * inner, dout + o * out_row, sizeof(float) * (size_t)out_row);
}

/* dir 0: out[o] = in[i]; dir 1: din[i] = dout[o]; o runs over the permuted shape in order. */
static void permute_run(int dir, float *dst, const float *src, const int64_t *shape, int ndim, const int *perm) {
    FS_ASSERT(ndim >= 1 && ndim <= SH_MAX);
    int64_t in_st[SH_MAX], ost[SH_MAX], oshape[SH_MAX];
    int seen = 0;
    for (int i = 0; i < ndim; i++) in_st[i] = prod(shape, i + 1, ndim);
    for (int i = 0; i < ndim; i++) {
        FS_ASSERT(perm[i] >= 0 && perm[i] < ndim && !(seen & (1 << perm[i])));
        seen |= 1 << perm[i];
        oshape[i] = shape[perm[i]];
        ost[i] = in_st[perm[i]];
    }
    const int64_t total = prod(shape, 0, ndim);
    int64_t cnt[SH_MAX] = {0}, ii = 0;
    for (int64_t o = 0; o < total; o++) {
        if (dir == 0)
            dst[o] = src[ii];
        else
            dst[ii] = src[o];
        for (int d = ndim - 1; d >= 0; d--) {
            cnt[d]++;
            ii += ost[d];
            if (cnt[d] < oshape[d]) break;
            ii -= ost[d] * oshape[d];
            cnt[d] = 0;
        }
    }
}

void fs_permute_forward(float *out, const float *in, const int64_t *shape, int ndim, const int *perm) {
    permute_run(0, out, in, shape, ndim, perm);
}

void fs_permute_backward(float *din, const float *dout, const int64_t *shape, int ndim, const int *perm) {
    if (!din) return;
    permute_run(1, din, dout, shape, ndim, perm);
}

void fs_gather_rows_forward(float *out, const float *table, const int64_t *idx, long n_idx, long row) {
    for (long i = 0; i < n_idx; i++) {
        FS_ASSERT(idx[i] >= 0);
        memcpy(out + i * row, table + idx[i] * row, sizeof(float) * (size_t)row);
    }
}

void fs_gather_rows_backward(float *dtable, const float *dout, const int64_t *idx, long n_idx, long row) {
    if (!dtable) return;
    for (long i = 0; i < n_idx; i++) {
        FS_ASSERT(idx[i] >= 0);
        float *t = dtable + idx[i] * row;
        const float *g = dout + i * row;
        for (long j = 0; j < row; j++) t[j] += g[j];
    }
}
