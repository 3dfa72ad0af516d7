/* wutil.c — private helpers of the weights readers (see wutil.h). */
#include "weights/wutil.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"

int fs__shape_ok(int ndim, const int64_t *shape, size_t esz) {
    if (ndim < 0 || ndim > FS_MAX_DIMS) return 0;
    uint64_t p = esz ? esz : 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) return 0;
        uint64_t d = shape[i] ? (uint64_t)shape[i] : 1;
        if (!fs_mul_u64(p, d, &p) || p > ((uint64_t)1 << 62)) return 0;
    }
    return 1;
}

float fs__half_to_float(uint16_t h) {
    int sign = (h >> 15) & 1, exp = (h >> 10) & 31, man = h & 1023;
    float v;
    if (exp == 0) v = ldexpf((float)man, -24);
    else if (exp == 31) v = man ? NAN : INFINITY;
    else v = ldexpf((float)(man | 1024), exp - 25);
    return sign ? -v : v;
}

float fs__bf16_to_float(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static double load_elem(fs_dtype dt, const unsigned char *p) {
    switch (dt) {
    case FS_F32: {
        uint32_t u = fs__le32(p);
        float f;
        memcpy(&f, &u, 4);
        return f;
    }
    case FS_F64: {
        uint64_t u = fs__le64(p);
        double d;
        memcpy(&d, &u, 8);
        return d;
    }
    case FS_F16: return fs__half_to_float(fs__le16(p));
    case FS_BF16: return fs__bf16_to_float(fs__le16(p));
    case FS_I64: return (double)(int64_t)fs__le64(p);
    case FS_I32: return (double)(int32_t)fs__le32(p);
    case FS_U8: return p[0];
    }
    return 0;
}

fs_tensor *fs__tensor_from_raw(const char *name, fs_dtype src_dtype, int ndim, const int64_t *shape,
                               const int64_t *strides, const void *src, int to_f32, int i64_to_f32, fs_err *err) {
    fs_dtype dst = src_dtype;
    int is_float = src_dtype == FS_F16 || src_dtype == FS_BF16 || src_dtype == FS_F64;
    int is_int = src_dtype == FS_I64 || src_dtype == FS_I32;
    if ((to_f32 && is_float) || (i64_to_f32 && is_int)) dst = FS_F32;
    if (strlen(name) >= sizeof(((fs_tensor *)0)->name)) {
        fs_errorf(err, "tensor name too long (%zu bytes, at most 127): '%.60s...'", strlen(name), name);
        return NULL;
    }
    if (!fs__shape_ok(ndim, shape, 8)) {
        fs_errorf(err, "tensor '%.100s': shape too large", name);
        return NULL;
    }
    fs_tensor *t = fs_tensor_create_dtype(dst, ndim, shape, err);
    if (!t) return NULL;
    snprintf(t->name, sizeof t->name, "%s", name);
    int64_t n = fs_tensor_numel(t);
    size_t esz = fs_dtype_size(src_dtype);
    const unsigned char *s = src;
    if (!strides && dst == src_dtype) {
        memcpy(t->data, src, (size_t)n * esz);
        return t;
    }
    int64_t idx[FS_MAX_DIMS] = {0};
    unsigned char *d = t->data;
    size_t desz = fs_dtype_size(dst);
    for (int64_t k = 0; k < n; k++) {
        int64_t off = 0;
        if (strides) {
            for (int i = 0; i < ndim; i++) off += idx[i] * strides[i];
        } else {
            off = k * (int64_t)esz;
        }
        if (dst == src_dtype) {
            memcpy(d + (size_t)k * desz, s + off, esz);
        } else {
            float f = (float)load_elem(src_dtype, s + off);
            memcpy(d + (size_t)k * 4, &f, 4);
        }
        for (int i = ndim - 1; i >= 0; i--) {
            if (++idx[i] < shape[i]) break;
            idx[i] = 0;
        }
    }
    return t;
}

void fs__str_add(fs__str *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc < b->len + n + 1) {
            if (nc > SIZE_MAX / 2) {
                b->oom = 1;
                return;
            }
            nc *= 2;
        }
        char *p = realloc(b->s, nc);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->s = p;
        b->cap = nc;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void fs__str_addf(fs__str *b, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) {
        fs__str_add(b, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    fs__str_add(b, big, (size_t)n);
    free(big);
}

void fs__str_json(fs__str *b, const char *s) {
    fs__str_add(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fs__str_add(b, "\\\"", 2); break;
        case '\\': fs__str_add(b, "\\\\", 2); break;
        case '\n': fs__str_add(b, "\\n", 2); break;
        case '\r': fs__str_add(b, "\\r", 2); break;
        case '\t': fs__str_add(b, "\\t", 2); break;
        default:
            if (*p < 0x20) fs__str_addf(b, "\\u%04x", *p);
            else fs__str_add(b, (const char *)p, 1);
        }
    }
    fs__str_add(b, "\"", 1);
}

void fs__str_free(fs__str *b) {
    free(b->s);
    memset(b, 0, sizeof *b);
}
