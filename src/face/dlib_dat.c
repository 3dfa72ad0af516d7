/* dlib_dat.c — dlib serialization primitives (see dlib_dat.h). */
#include "face/dlib_dat.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

static int fail(fs_dlib_reader *r, const char *fmt, ...) {
    if (!r->err[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, sizeof r->err, fmt, ap);
        va_end(ap);
    }
    return FS_ERR;
}

fs_dlib_reader fs_dlib_reader_init(const void *buf, size_t len) {
    fs_dlib_reader r;
    memset(&r, 0, sizeof r);
    r.p = buf;
    r.len = len;
    return r;
}

size_t fs_dlib_left(const fs_dlib_reader *r) { return r->len - r->pos; }

int fs_dlib_int(fs_dlib_reader *r, int64_t *v) {
    if (r->pos >= r->len) return fail(r, "truncated file: integer expected at offset %zu", r->pos);
    size_t at = r->pos;
    uint8_t c = r->p[r->pos++];
    unsigned n = c & 0x0F;
    if ((c & 0x70) || n > 8) return fail(r, "bad integer control byte 0x%02x at offset %zu", c, at);
    if (fs_dlib_left(r) < n) return fail(r, "truncated file: integer at offset %zu", at);
    uint64_t m = 0;
    for (unsigned k = 0; k < n; k++) m |= (uint64_t)r->p[r->pos++] << (8 * k);
    if (m > (uint64_t)INT64_MAX) return fail(r, "integer at offset %zu out of range", at);
    *v = (c & 0x80) ? -(int64_t)m : (int64_t)m;
    return FS_OK;
}

int fs_dlib_uint(fs_dlib_reader *r, uint64_t max, uint64_t *v) {
    size_t at = r->pos;
    int64_t x;
    if (fs_dlib_int(r, &x)) return FS_ERR;
    if (x < 0) return fail(r, "negative value %lld where a size is expected at offset %zu", (long long)x, at);
    if ((uint64_t)x > max)
        return fail(r, "value %llu at offset %zu too large (at most %llu)", (unsigned long long)x, at,
                    (unsigned long long)max);
    *v = (uint64_t)x;
    return FS_OK;
}

int fs_dlib_float(fs_dlib_reader *r, float *v) {
    size_t at = r->pos;
    int64_t m, e;
    if (fs_dlib_int(r, &m) || fs_dlib_int(r, &e)) return FS_ERR;
    if (e >= 32000 && e <= 32002 && m == 0) return fail(r, "infinite or NaN float at offset %zu", at);
    if (e < -32768 || e > 32767) return fail(r, "float exponent %lld out of range at offset %zu", (long long)e, at);
    double d = ldexp((double)m, (int)e);
    if (!isfinite(d) || fabs(d) > 3.0e38) return fail(r, "float at offset %zu out of range", at);
    *v = (float)d;
    return FS_OK;
}

int fs_dlib_len(fs_dlib_reader *r, size_t min_elem_bytes, size_t *n) {
    size_t at = r->pos;
    uint64_t x;
    if (fs_dlib_uint(r, UINT64_MAX, &x)) return FS_ERR;
    if (min_elem_bytes == 0) min_elem_bytes = 1;
    if (x > fs_dlib_left(r) / min_elem_bytes)
        return fail(r, "length %llu at offset %zu needs more bytes than the %zu left (truncated or corrupt file)",
                    (unsigned long long)x, at, fs_dlib_left(r));
    *n = (size_t)x;
    return FS_OK;
}
