#include "tensor/tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"

size_t fs_dtype_size(fs_dtype t) {
    switch (t) {
    case FS_F32: return 4;
    case FS_F64: return 8;
    case FS_F16: return 2;
    case FS_BF16: return 2;
    case FS_I64: return 8;
    case FS_I32: return 4;
    case FS_U8: return 1;
    }
    return 0;
}

const char *fs_dtype_name(fs_dtype t) {
    switch (t) {
    case FS_F32: return "F32";
    case FS_F64: return "F64";
    case FS_F16: return "F16";
    case FS_BF16: return "BF16";
    case FS_I64: return "I64";
    case FS_I32: return "I32";
    case FS_U8: return "U8";
    }
    return "?";
}

void fs_tensor_set_contiguous_strides(fs_tensor *t) {
    int64_t s = (int64_t)fs_dtype_size(t->dtype);
    for (int i = t->ndim - 1; i >= 0; i--) {
        t->strides[i] = s;
        s *= t->shape[i];
    }
}

fs_tensor *fs_tensor_create_dtype(fs_dtype dtype, int ndim, const int64_t *shape, fs_err *err) {
    if (ndim < 0 || ndim > FS_MAX_DIMS) {
        fs_errorf(err, "tensor: %d dimensions (at most %d)", ndim, FS_MAX_DIMS);
        return NULL;
    }
    size_t n = fs_dtype_size(dtype), strides_max = fs_dtype_size(dtype);
    for (int i = 0; i < ndim; i++) {
        /* the byte size, and every byte stride (zero-sized dims do not shrink those), must fit */
        if (shape[i] < 0 || !fs_mul_size(n, (size_t)shape[i], &n) ||
            !fs_mul_size(strides_max, shape[i] ? (size_t)shape[i] : 1, &strides_max) || strides_max > (size_t)INT64_MAX) {
            fs_errorf(err, "tensor: invalid or too large shape");
            return NULL;
        }
    }
    fs_tensor *t = calloc(1, sizeof *t);
    if (!t) {
        fs_errorf(err, "tensor: out of memory");
        return NULL;
    }
    t->data = calloc(n ? n : 1, 1);
    if (!t->data) {
        free(t);
        fs_errorf(err, "tensor: out of memory allocating %zu bytes", n);
        return NULL;
    }
    t->dtype = dtype;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++) t->shape[i] = shape[i];
    fs_tensor_set_contiguous_strides(t);
    t->owns_data = 1;
    t->device = FS_DEVICE_CPU;
    return t;
}

fs_tensor *fs_tensor_create(int ndim, const int64_t *shape, fs_err *err) {
    return fs_tensor_create_dtype(FS_F32, ndim, shape, err);
}

fs_tensor *fs_tensor_clone(const fs_tensor *src, fs_err *err) {
    fs_tensor *t = fs_tensor_create_dtype(src->dtype, src->ndim, src->shape, err);
    if (!t) return NULL;
    fs_tensor_copy(t, src);
    memcpy(t->name, src->name, sizeof t->name);
    return t;
}

void fs_tensor_destroy(fs_tensor *t) {
    if (!t) return;
    if (t->owns_data) free(t->data);
    free(t);
}

fs_tensor fs_tensor_view(float *data, int ndim, const int64_t *shape) {
    FS_ASSERT(ndim >= 0 && ndim <= FS_MAX_DIMS);
    fs_tensor t;
    memset(&t, 0, sizeof t);
    t.dtype = FS_F32;
    t.ndim = ndim;
    for (int i = 0; i < ndim; i++) t.shape[i] = shape[i];
    fs_tensor_set_contiguous_strides(&t);
    t.data = data;
    return t;
}

fs_tensor fs_tensor_view_slice(const fs_tensor *t, int dim, int64_t begin, int64_t end) {
    FS_ASSERT(dim >= 0 && dim < t->ndim && begin >= 0 && begin <= end && end <= t->shape[dim]);
    fs_tensor v = *t;
    v.owns_data = 0;
    v.shape[dim] = end - begin;
    v.data = (char *)t->data + begin * t->strides[dim];
    return v;
}

fs_tensor fs_tensor_view_permute(const fs_tensor *t, const int *perm) {
    fs_tensor v = *t;
    v.owns_data = 0;
    for (int i = 0; i < t->ndim; i++) {
        FS_ASSERT(perm[i] >= 0 && perm[i] < t->ndim);
        v.shape[i] = t->shape[perm[i]];
        v.strides[i] = t->strides[perm[i]];
    }
    return v;
}

int64_t fs_tensor_numel(const fs_tensor *t) {
    int64_t n = 1;
    for (int i = 0; i < t->ndim; i++) n *= t->shape[i];
    return n;
}

size_t fs_tensor_nbytes(const fs_tensor *t) { return (size_t)fs_tensor_numel(t) * fs_dtype_size(t->dtype); }

int fs_tensor_is_contiguous(const fs_tensor *t) {
    int64_t s = (int64_t)fs_dtype_size(t->dtype);
    for (int i = t->ndim - 1; i >= 0; i--) {
        if (t->shape[i] != 1 && t->strides[i] != s) return 0;
        s *= t->shape[i];
    }
    return 1;
}

float *fs_tensor_f32(const fs_tensor *t) {
    FS_ASSERT(t->dtype == FS_F32);
    FS_ASSERT(t->device == FS_DEVICE_CPU);
    FS_ASSERT(fs_tensor_is_contiguous(t));
    return (float *)t->data;
}

int fs_tensor_same_shape(const fs_tensor *a, const fs_tensor *b) {
    if (a->ndim != b->ndim) return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return 0;
    return 1;
}

static void copy_rec(char *d, const int64_t *ds, const char *s, const int64_t *ss, const int64_t *shape, int nd,
                     size_t esz) {
    if (nd == 0) {
        memcpy(d, s, esz);
        return;
    }
    for (int64_t i = 0; i < shape[0]; i++) copy_rec(d + i * ds[0], ds + 1, s + i * ss[0], ss + 1, shape + 1, nd - 1, esz);
}

void fs_tensor_copy(fs_tensor *dst, const fs_tensor *src) {
    FS_ASSERT(fs_tensor_same_shape(dst, src) && dst->dtype == src->dtype);
    if (fs_tensor_is_contiguous(dst) && fs_tensor_is_contiguous(src)) {
        memmove(dst->data, src->data, fs_tensor_nbytes(src));
        return;
    }
    copy_rec(dst->data, dst->strides, src->data, src->strides, src->shape, src->ndim, fs_dtype_size(src->dtype));
}

const char *fs_tensor_shape_str(const fs_tensor *t, char *buf, size_t n) {
    size_t k = 0;
    k += (size_t)snprintf(buf + k, k < n ? n - k : 0, "[");
    for (int i = 0; i < t->ndim; i++)
        k += (size_t)snprintf(buf + k, k < n ? n - k : 0, "%s%lld", i ? ", " : "", (long long)t->shape[i]);
    snprintf(buf + (k < n ? k : n - 1), k < n ? n - k : 1, "]");
    return buf;
}
