/* wutil.h — private helpers shared by the weights readers (not a public API):
 * little-endian loads, half/bfloat16 conversion, raw-buffer → tensor, a growable string. */
#ifndef FS_WEIGHTS_WUTIL_H
#define FS_WEIGHTS_WUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "tensor/tensor.h"

static inline uint16_t fs__le16(const unsigned char *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t fs__le32(const unsigned char *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t fs__le64(const unsigned char *p) { return (uint64_t)fs__le32(p) | ((uint64_t)fs__le32(p + 4) << 32); }

/* 1 when a tensor of this shape has representable byte strides: the product of max(dim, 1)
 * times esz fits in 2^62 (a zero dimension must not hide overflowing others). */
int fs__shape_ok(int ndim, const int64_t *shape, size_t esz);

float fs__half_to_float(uint16_t h);
float fs__bf16_to_float(uint16_t h);

/* New tensor named `name` from raw little-endian elements of `src_dtype` at `src`
 * (n elements, shape given; byte strides `strides` may be NULL for contiguous).
 * to_f32: float dtypes (F16, BF16, F64) become F32; i64_to_f32: I64/I32 become F32 too.
 * src may be unaligned. */
fs_tensor *fs__tensor_from_raw(const char *name, fs_dtype src_dtype, int ndim, const int64_t *shape,
                               const int64_t *strides, const void *src, int to_f32, int i64_to_f32, fs_err *err);

/* Growable NUL-terminated string; on allocation failure `oom` is set and appends are dropped. */
typedef struct fs__str {
    char *s;
    size_t len, cap;
    int oom;
} fs__str;
void fs__str_add(fs__str *b, const char *s, size_t n);
void fs__str_addf(fs__str *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends s as a JSON string literal (quotes included). */
void fs__str_json(fs__str *b, const char *s);
void fs__str_free(fs__str *b);

#endif
