/* npy.c — NumPy .npy reader (format versions 1.0, 2.0, 3.0).
 * "\x93NUMPY" major minor, header length (u16 for v1, u32 for v2/v3), a Python
 * dict literal {'descr': '<f8', 'fortran_order': False, 'shape': (18, 512), },
 * then the raw array. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/fileio.h"
#include "weights/torch.h"
#include "weights/wutil.h"

int fs_npy_is_npy(const unsigned char *buf, size_t len) { return len >= 6 && !memcmp(buf, "\x93NUMPY", 6); }

/* Finds 'key' followed by ':' in the header; returns a pointer after the colon (spaces skipped). */
static const char *find_key(const char *h, size_t n, const char *key) {
    size_t kl = strlen(key);
    for (size_t i = 0; i + kl + 2 <= n; i++) {
        if ((h[i] == '\'' || h[i] == '"') && !memcmp(h + i + 1, key, kl) && h[i + 1 + kl] == h[i]) {
            size_t j = i + 2 + kl;
            while (j < n && h[j] == ' ') j++;
            if (j < n && h[j] == ':') {
                j++;
                while (j < n && h[j] == ' ') j++;
                return j < n ? h + j : NULL;
            }
        }
    }
    return NULL;
}

int fs_npy_load_mem(const unsigned char *buf, size_t len, const char *name, int flags, fs_tensor_map **out,
                    fs_err *err) {
    if (!fs_npy_is_npy(buf, len)) return fs_errorf(err, "not a .npy file (no \\x93NUMPY magic)");
    if (len < 10) return fs_errorf(err, "npy: truncated header");
    int major = buf[6];
    size_t hl, hoff;
    if (major == 1) {
        hl = fs__le16(buf + 8);
        hoff = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12) return fs_errorf(err, "npy: truncated header");
        hl = fs__le32(buf + 8);
        hoff = 12;
    } else {
        return fs_errorf(err, "npy: unsupported format version %d.%d", major, buf[7]);
    }
    if (hl > len - hoff) return fs_errorf(err, "npy: header length %zu exceeds the file (truncated?)", hl);
    const char *h = (const char *)buf + hoff;
    const char *d = find_key(h, hl, "descr");
    const char *fo = find_key(h, hl, "fortran_order");
    const char *sh = find_key(h, hl, "shape");
    if (!d || !fo || !sh) return fs_errorf(err, "npy: header lacks descr, fortran_order or shape");
    const char *hend = h + hl;
    char descr[16] = "";
    if (*d != '\'' && *d != '"') return fs_errorf(err, "npy: descr is not a string (structured arrays are not supported)");
    {
        const char *q = memchr(d + 1, *d, (size_t)(hend - d - 1));
        if (!q || q - d - 1 >= (long)sizeof descr) return fs_errorf(err, "npy: bad descr");
        memcpy(descr, d + 1, (size_t)(q - d - 1));
        descr[q - d - 1] = 0;
    }
    fs_dtype dt;
    if (!strcmp(descr, "<f4")) dt = FS_F32;
    else if (!strcmp(descr, "<f8")) dt = FS_F64;
    else if (!strcmp(descr, "<f2")) dt = FS_F16;
    else if (!strcmp(descr, "<i8")) dt = FS_I64;
    else if (!strcmp(descr, "<i4")) dt = FS_I32;
    else if (!strcmp(descr, "|u1") || !strcmp(descr, "<u1") || !strcmp(descr, "|b1")) dt = FS_U8;
    else return fs_errorf(err, "npy: unsupported dtype '%s' (supported: <f4 <f8 <f2 <i8 <i4 |u1 |b1)", descr);
    int fortran;
    if (hend - fo >= 4 && !memcmp(fo, "True", 4)) fortran = 1;
    else if (hend - fo >= 5 && !memcmp(fo, "False", 5)) fortran = 0;
    else return fs_errorf(err, "npy: bad fortran_order");
    if (*sh != '(') return fs_errorf(err, "npy: bad shape");
    int nd = 0;
    int64_t shape[FS_MAX_DIMS];
    const char *p = sh + 1;
    for (;;) {
        while (p < hend && (*p == ' ' || *p == ',')) p++;
        if (p >= hend) return fs_errorf(err, "npy: unterminated shape");
        if (*p == ')') break;
        if (!isdigit((unsigned char)*p)) return fs_errorf(err, "npy: bad shape");
        uint64_t v = 0;
        while (p < hend && isdigit((unsigned char)*p)) {
            if (v > (uint64_t)INT64_MAX / 10 - 10) return fs_errorf(err, "npy: shape too large");
            v = v * 10 + (uint64_t)(*p++ - '0');
        }
        if (p < hend && *p == 'L') p++;
        if (nd >= FS_MAX_DIMS) return fs_errorf(err, "npy: more than %d dimensions", FS_MAX_DIMS);
        shape[nd++] = (int64_t)v;
    }
    uint64_t numel = 1, nb;
    for (int i = 0; i < nd; i++)
        if (!fs_mul_u64(numel, (uint64_t)shape[i], &numel)) return fs_errorf(err, "npy: shape overflows");
    size_t esz = fs_dtype_size(dt);
    if (!fs_mul_u64(numel, esz, &nb) || !fs__shape_ok(nd, shape, 8)) return fs_errorf(err, "npy: shape overflows");
    size_t doff = hoff + hl;
    if (nb > len - doff)
        return fs_errorf(err, "npy: data needs %llu bytes, the file has %zu after the header (truncated?)",
                         (unsigned long long)nb, len - doff);
    int64_t strides[FS_MAX_DIMS];
    if (fortran) { /* column-major: transpose into row-major on load */
        int64_t s = (int64_t)esz;
        for (int i = 0; i < nd; i++) {
            strides[i] = s;
            s *= shape[i];
        }
    }
    fs_tensor *t = fs__tensor_from_raw(name, dt, nd, shape, fortran && nd > 1 ? strides : NULL, buf + doff,
                                       !!(flags & FS_TORCH_TO_F32), 0, err);
    if (!t) return FS_ERR;
    fs_tensor_map *m = fs_tensor_map_create();
    if (!m) {
        fs_tensor_destroy(t);
        return fs_errorf(err, "out of memory");
    }
    if (fs_tensor_map_add(m, t, err)) {
        fs_tensor_map_destroy(m);
        return FS_ERR;
    }
    *out = m;
    return FS_OK;
}

/* ---- writing ---- */

int fs_npy_write_f32(const char *path, const float *data, int ndim, const int64_t *shape, fs_err *err) {
    char dict[256];
    int k = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    long n = 1;
    for (int i = 0; i < ndim; i++) {
        k += snprintf(dict + k, sizeof dict - (size_t)k, "%lld,%s", (long long)shape[i], i + 1 < ndim ? " " : "");
        n *= (long)shape[i];
    }
    k += snprintf(dict + k, sizeof dict - (size_t)k, "), }");
    int total = 10 + k + 1;
    int pad = (64 - total % 64) % 64;
    int hlen = k + pad + 1;
    fs_atomic_file f;
    if (fs_atomic_open(&f, path, err)) return FS_ERR;
    unsigned char head[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 0xff),
                              (unsigned char)(hlen >> 8)};
    fwrite(head, 1, 10, f.fp);
    fwrite(dict, 1, (size_t)k, f.fp);
    for (int i = 0; i < pad; i++) fputc(' ', f.fp);
    fputc('\n', f.fp);
    fwrite(data, sizeof(float), (size_t)n, f.fp);
    return fs_atomic_commit(&f, err);
}
