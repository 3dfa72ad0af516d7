/* zip.c — zip central directory reader (see zip.h). Format: PKWARE APPNOTE.TXT. */
#include "weights/zip.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/checked.h"
#include "weights/wutil.h"

#define ZIP_MAX_ENTRIES (1 << 20)
#define ZIP_MAX_INFLATE ((uint64_t)1 << 34)

typedef struct zentry {
    char *name;
    uint64_t local_off, csize, usize;
    int method;
    unsigned char *inflated; /* owned, for deflated entries */
    size_t data_off;         /* resolved when stored */
    int resolved;
} zentry;

struct fs_zip {
    const unsigned char *buf;
    size_t len;
    zentry *e;
    int n;
    int *sorted; /* entry indices sorted by name (binary search) */
};

int fs_zip_is_zip(const unsigned char *buf, size_t len) {
    return len >= 4 && buf[0] == 'P' && buf[1] == 'K' && buf[2] == 3 && buf[3] == 4;
}

void fs_zip_close(fs_zip *z) {
    if (!z) return;
    for (int i = 0; i < z->n; i++) {
        free(z->e[i].name);
        free(z->e[i].inflated);
    }
    free(z->e);
    free(z->sorted);
    free(z);
}

int fs_zip_count(const fs_zip *z) { return z->n; }
const char *fs_zip_name(const fs_zip *z, int i) { return i >= 0 && i < z->n ? z->e[i].name : NULL; }

int fs_zip_find(const fs_zip *z, const char *name) {
    int lo = 0, hi = z->n - 1, found = -1;
    while (lo <= hi) { /* leftmost match: the first of duplicate names */
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(z->e[z->sorted[mid]].name, name);
        if (c < 0) lo = mid + 1;
        else {
            if (c == 0) found = z->sorted[mid];
            hi = mid - 1;
        }
    }
    return found;
}

typedef struct name_idx {
    const char *name;
    int idx;
} name_idx;
static int cmp_entry(const void *a, const void *b) {
    const name_idx *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

int fs_zip_open(const unsigned char *buf, size_t len, fs_zip **out, fs_err *err) {
    if (len < 22) return fs_errorf(err, "zip: file too short (%zu bytes)", len);
    /* end of central directory: last 22..65557 bytes */
    size_t lo = len > 65557 ? len - 65557 : 0, eocd = SIZE_MAX;
    for (size_t p = len - 22 + 1; p-- > lo;)
        if (fs__le32(buf + p) == 0x06054b50) {
            eocd = p;
            break;
        }
    if (eocd == SIZE_MAX) return fs_errorf(err, "zip: no end-of-central-directory record (truncated archive?)");
    uint64_t count = fs__le16(buf + eocd + 10), cd_size = fs__le32(buf + eocd + 12), cd_off = fs__le32(buf + eocd + 16);
    if (count == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_off == 0xFFFFFFFFu) {
        if (eocd < 20 || fs__le32(buf + eocd - 20) != 0x07064b50)
            return fs_errorf(err, "zip: zip64 fields without a zip64 locator");
        uint64_t z64 = fs__le64(buf + eocd - 20 + 8);
        if (z64 > len || len - z64 < 56 || fs__le32(buf + z64) != 0x06064b50)
            return fs_errorf(err, "zip: bad zip64 end-of-central-directory offset %llu", (unsigned long long)z64);
        count = fs__le64(buf + z64 + 32);
        cd_size = fs__le64(buf + z64 + 40);
        cd_off = fs__le64(buf + z64 + 48);
    }
    if (cd_off > len || cd_size > len - cd_off)
        return fs_errorf(err, "zip: central directory [%llu, +%llu] outside the %zu-byte file", (unsigned long long)cd_off,
                         (unsigned long long)cd_size, len);
    if (count > ZIP_MAX_ENTRIES || count > cd_size / 46 + 1)
        return fs_errorf(err, "zip: implausible entry count %llu", (unsigned long long)count);
    fs_zip *z = calloc(1, sizeof *z);
    if (!z || !(z->e = calloc((size_t)count + 1, sizeof *z->e))) {
        free(z);
        return fs_errorf(err, "zip: out of memory");
    }
    z->buf = buf;
    z->len = len;
    size_t p = (size_t)cd_off, end = (size_t)(cd_off + cd_size);
    for (uint64_t i = 0; i < count; i++) {
        if (end - p < 46 || fs__le32(buf + p) != 0x02014b50) {
            fs_zip_close(z);
            return fs_errorf(err, "zip: bad central directory entry %llu at offset %zu", (unsigned long long)i, p);
        }
        zentry *e = &z->e[z->n];
        e->method = fs__le16(buf + p + 10);
        e->csize = fs__le32(buf + p + 20);
        e->usize = fs__le32(buf + p + 24);
        size_t nl = fs__le16(buf + p + 28), xl = fs__le16(buf + p + 30), cl = fs__le16(buf + p + 32);
        e->local_off = fs__le32(buf + p + 42);
        if (end - p - 46 < nl + xl + cl) {
            fs_zip_close(z);
            return fs_errorf(err, "zip: central directory entry %llu overruns the directory", (unsigned long long)i);
        }
        e->name = malloc(nl + 1);
        if (!e->name) {
            fs_zip_close(z);
            return fs_errorf(err, "zip: out of memory");
        }
        memcpy(e->name, buf + p + 46, nl);
        e->name[nl] = 0;
        z->n++;
        if (memchr(e->name, 0, nl)) {
            fs_zip_close(z);
            return fs_errorf(err, "zip: entry name with a NUL byte");
        }
        /* zip64 extra field */
        const unsigned char *x = buf + p + 46 + nl;
        size_t xp = 0;
        while (xl - xp >= 4) {
            unsigned id = fs__le16(x + xp), sz = fs__le16(x + xp + 2);
            if (sz > xl - xp - 4) break;
            if (id == 1) {
                size_t q = xp + 4, qe = xp + 4 + sz;
                if (e->usize == 0xFFFFFFFFu && qe - q >= 8) e->usize = fs__le64(x + q), q += 8;
                if (e->csize == 0xFFFFFFFFu && qe - q >= 8) e->csize = fs__le64(x + q), q += 8;
                if (e->local_off == 0xFFFFFFFFu && qe - q >= 8) e->local_off = fs__le64(x + q), q += 8;
            }
            xp += 4 + sz;
        }
        p += 46 + nl + xl + cl;
    }
    z->sorted = malloc(((size_t)z->n + 1) * sizeof *z->sorted);
    name_idx *ni = malloc(((size_t)z->n + 1) * sizeof *ni);
    if (!z->sorted || !ni) {
        free(ni);
        fs_zip_close(z);
        return fs_errorf(err, "zip: out of memory");
    }
    for (int i = 0; i < z->n; i++) ni[i].name = z->e[i].name, ni[i].idx = i;
    qsort(ni, (size_t)z->n, sizeof *ni, cmp_entry);
    for (int i = 0; i < z->n; i++) z->sorted[i] = ni[i].idx;
    free(ni);
    *out = z;
    return FS_OK;
}

int fs_zip_entry_data(fs_zip *z, int i, const unsigned char **data, size_t *len, fs_err *err) {
    if (i < 0 || i >= z->n) return fs_errorf(err, "zip: no such entry");
    zentry *e = &z->e[i];
    if (e->resolved) {
        *data = e->inflated ? e->inflated : z->buf + e->data_off;
        *len = (size_t)e->usize;
        return FS_OK;
    }
    const unsigned char *buf = z->buf;
    uint64_t lo = e->local_off;
    if (lo > z->len || z->len - lo < 30 || fs__le32(buf + lo) != 0x04034b50)
        return fs_errorf(err, "zip: entry '%s' has a bad local header offset %llu", e->name, (unsigned long long)lo);
    uint64_t doff = lo + 30 + fs__le16(buf + lo + 26) + fs__le16(buf + lo + 28);
    if (doff > z->len || e->csize > z->len - doff)
        return fs_errorf(err, "zip: entry '%s' data [%llu, +%llu] lies outside the file (truncated archive?)", e->name,
                         (unsigned long long)doff, (unsigned long long)e->csize);
    if (e->method == 0) {
        if (e->csize != e->usize)
            return fs_errorf(err, "zip: stored entry '%s' has different compressed and plain sizes", e->name);
        e->data_off = (size_t)doff;
    } else if (e->method == 8) {
        /* deflate expands at most ~1032:1; a larger claim is a lie (and would be a huge allocation) */
        if (e->usize > ZIP_MAX_INFLATE || e->usize / 1032 > e->csize)
            return fs_errorf(err, "zip: entry '%s' claims an implausible size %llu", e->name, (unsigned long long)e->usize);
        unsigned char *outb = malloc((size_t)e->usize + 1);
        if (!outb) return fs_errorf(err, "zip: out of memory inflating '%s'", e->name);
        z_stream s;
        memset(&s, 0, sizeof s);
        if (inflateInit2(&s, -MAX_WBITS) != Z_OK) {
            free(outb);
            return fs_errorf(err, "zip: zlib init failed");
        }
        const unsigned char *src = buf + doff;
        uint64_t in_left = e->csize, out_done = 0;
        int zr = Z_OK;
        while (zr == Z_OK) {
            s.next_in = (unsigned char *)src;
            s.avail_in = in_left > (1u << 30) ? (1u << 30) : (unsigned)in_left;
            s.next_out = outb + out_done;
            uint64_t out_left = e->usize - out_done;
            s.avail_out = out_left > (1u << 30) ? (1u << 30) : (unsigned)out_left;
            unsigned ai = s.avail_in, ao = s.avail_out;
            zr = inflate(&s, Z_NO_FLUSH);
            src += ai - s.avail_in;
            in_left -= ai - s.avail_in;
            out_done += ao - s.avail_out;
            if (zr == Z_OK && ai == s.avail_in && ao == s.avail_out) zr = Z_BUF_ERROR;
        }
        inflateEnd(&s);
        if (zr != Z_STREAM_END || out_done != e->usize) {
            free(outb);
            return fs_errorf(err, "zip: entry '%s' does not inflate to its stated size (corrupt data)", e->name);
        }
        e->inflated = outb;
    } else {
        return fs_errorf(err, "zip: entry '%s' uses compression method %d (only stored and deflate are supported)", e->name,
                         e->method);
    }
    e->resolved = 1;
    *data = e->inflated ? e->inflated : buf + e->data_off;
    *len = (size_t)e->usize;
    return FS_OK;
}
