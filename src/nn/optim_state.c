/* optim_state.c — read / write the optimiser state file (see optim_state.h). */
#include "nn/optim_state.h"

#include <stdlib.h>
#include <string.h>

#include "core/fileio.h"

static const unsigned char MAGIC[8] = {'F', 'S', 'O', 'P', 'T', 'S', 'T', 0};

static uint64_t fnv1a(const unsigned char *p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* ---- writer: a growable byte buffer ---- */
typedef struct wbuf {
    unsigned char *p;
    size_t n, cap;
    int oom;
} wbuf;

static void w_bytes(wbuf *b, const void *src, size_t n) {
    if (b->oom) return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n) cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q, b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}
static void w_u32(wbuf *b, uint32_t v) {
    unsigned char c[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    w_bytes(b, c, 4);
}
static void w_u64(wbuf *b, uint64_t v) {
    w_u32(b, (uint32_t)v);
    w_u32(b, (uint32_t)(v >> 32));
}
static void w_str(wbuf *b, const char *s) {
    size_t n = strlen(s);
    w_u32(b, (uint32_t)n);
    w_bytes(b, s, n);
}

int fs__ost_write(const fs__ost *s, const char *path, fs_err *err) {
    wbuf b = {0};
    w_bytes(&b, MAGIC, 8);
    w_u32(&b, FS_OPTIM_STATE_VERSION);
    w_str(&b, s->kind);
    w_u32(&b, (uint32_t)s->n_scalars);
    for (int i = 0; i < s->n_scalars; i++) {
        uint64_t bits;
        memcpy(&bits, &s->scalars[i].value, 8);
        w_str(&b, s->scalars[i].name);
        w_u64(&b, bits);
    }
    w_u32(&b, (uint32_t)s->n_buffers);
    for (int i = 0; i < s->n_buffers; i++) {
        const fs__ost_buffer *x = &s->buffers[i];
        w_str(&b, x->name);
        w_u64(&b, x->count);
        const uint32_t probe = 1;
        unsigned char first;
        memcpy(&first, &probe, 1);
        if (first == 1) { /* little-endian host: the in-memory bytes are the file's bytes */
            w_bytes(&b, x->data, (size_t)x->count * 4);
            continue;
        }
        for (uint64_t k = 0; k < x->count; k++) {
            uint32_t bits;
            memcpy(&bits, &x->data[k], 4);
            w_u32(&b, bits);
        }
    }
    if (!b.oom) w_u64(&b, fnv1a(b.p, b.n));
    if (b.oom) {
        free(b.p);
        return fs_errorf(err, "%s: out of memory writing optimiser state", path);
    }
    int rc = fs_write_file_atomic(path, b.p, b.n, err);
    free(b.p);
    return rc;
}

/* ---- reader: a bounds-checked cursor ---- */
typedef struct rcur {
    const unsigned char *p;
    size_t n, off;
    int bad;
} rcur;

static int r_need(rcur *c, uint64_t k) {
    if (c->bad || k > c->n - c->off) {
        c->bad = 1;
        return 0;
    }
    return 1;
}
static uint32_t r_u32(rcur *c) {
    if (!r_need(c, 4)) return 0;
    const unsigned char *q = c->p + c->off;
    c->off += 4;
    return (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
}
static uint64_t r_u64(rcur *c) {
    uint64_t lo = r_u32(c);
    return lo | (uint64_t)r_u32(c) << 32;
}
/* Copies a length-prefixed string into dst (cap bytes incl. NUL); too long = bad. */
static void r_str(rcur *c, char *dst, size_t cap) {
    uint32_t n = r_u32(c);
    if (n >= cap || !r_need(c, n)) {
        c->bad = 1;
        dst[0] = 0;
        return;
    }
    memcpy(dst, c->p + c->off, n);
    dst[n] = 0;
    c->off += n;
}

/* A u32 count then room for that many zeroed elements of elem bytes (*n of them; NULL and *n = 0
 * once the cursor is bad). Each scalar and each buffer header takes at least 12 bytes of the file,
 * so a count beyond what is left is refused before any allocation. */
static void *r_array(rcur *c, size_t elem, int *n) {
    uint32_t k = c->bad ? 0 : r_u32(c);
    void *p = NULL;
    if (!c->bad && k > (c->n - c->off) / 12) c->bad = 1;
    if (!c->bad && !(p = calloc(k ? k : 1, elem))) c->bad = 1;
    *n = c->bad ? 0 : (int)k;
    return p;
}

void fs__ost_free(fs__ost *s) {
    free(s->scalars);
    free(s->buffers);
    free(s->file);
    memset(s, 0, sizeof *s);
}

int fs__ost_read(fs__ost *s, const char *path, const char *want_kind, fs_err *err) {
    memset(s, 0, sizeof *s);
    unsigned char *data = NULL;
    size_t len = 0;
    if (fs_read_file(path, &data, &len, err)) return FS_ERR;
    fs__ost t = {0};
    t.file = data;
    rcur c = {data, len, 0, 0};
    if (len < 8 + 4 + 8 || memcmp(data, MAGIC, 8) != 0) {
        fs__ost_free(&t);
        return fs_errorf(err, "%s: not a facestitch optimiser state file (too short or bad magic)", path);
    }
    const uint64_t stored = (uint64_t)data[len - 8] | (uint64_t)data[len - 7] << 8 | (uint64_t)data[len - 6] << 16 |
                            (uint64_t)data[len - 5] << 24 | (uint64_t)data[len - 4] << 32 |
                            (uint64_t)data[len - 3] << 40 | (uint64_t)data[len - 2] << 48 |
                            (uint64_t)data[len - 1] << 56;
    c.off = 8;
    uint32_t version = r_u32(&c);
    if (version > FS_OPTIM_STATE_VERSION) {
        fs__ost_free(&t);
        return fs_errorf(err,
                         "%s: optimiser state version %u is newer than this facestitch reads (%u); upgrade facestitch",
                         path, version, FS_OPTIM_STATE_VERSION);
    }
    if (fnv1a(data, len - 8) != stored) {
        fs__ost_free(&t);
        return fs_errorf(err, "%s: optimiser state is corrupt (checksum mismatch; truncated or modified file)", path);
    }
    c.n = len - 8; /* the checksum is not part of the body */
    r_str(&c, t.kind, sizeof t.kind);
    if (c.bad || strcmp(t.kind, want_kind) != 0) {
        fs__ost_free(&t);
        return fs_errorf(err, "%s: holds '%s' optimiser state, expected '%s'", path, c.bad ? "?" : t.kind, want_kind);
    }
    t.scalars = r_array(&c, sizeof *t.scalars, &t.n_scalars);
    for (int i = 0; !c.bad && i < t.n_scalars; i++) {
        r_str(&c, t.scalars[i].name, sizeof t.scalars[i].name);
        uint64_t bits = r_u64(&c);
        memcpy(&t.scalars[i].value, &bits, 8);
    }
    t.buffers = r_array(&c, sizeof *t.buffers, &t.n_buffers);
    for (int i = 0; !c.bad && i < t.n_buffers; i++) {
        r_str(&c, t.buffers[i].name, sizeof t.buffers[i].name);
        uint64_t cnt = r_u64(&c);
        if (c.bad || cnt > (c.n - c.off) / 4) {
            c.bad = 1;
            break;
        }
        t.buffers[i].count = cnt;
        t.buffers[i].raw = data + c.off;
        c.off += (size_t)cnt * 4;
    }
    if (c.bad || c.off != c.n) {
        fs__ost_free(&t);
        return fs_errorf(err, "%s: optimiser state is malformed (bad lengths)", path);
    }
    *s = t;
    return FS_OK;
}

int fs__ost_scalar_get(const fs__ost *s, const char *name, double *v, const char *path, fs_err *err) {
    for (int i = 0; i < s->n_scalars; i++)
        if (strcmp(s->scalars[i].name, name) == 0) {
            *v = s->scalars[i].value;
            return FS_OK;
        }
    return fs_errorf(err, "%s: optimiser state has no '%s'", path, name);
}

int fs__ost_buffer_get(const fs__ost *s, const char *name, uint64_t count, const unsigned char **raw, const char *path,
                       fs_err *err) {
    for (int i = 0; i < s->n_buffers; i++)
        if (strcmp(s->buffers[i].name, name) == 0) {
            if (s->buffers[i].count != count)
                return fs_errorf(err,
                                 "%s: optimiser state '%s' has %llu values but the parameter has %llu "
                                 "(a different model?)",
                                 path, name, (unsigned long long)s->buffers[i].count, (unsigned long long)count);
            *raw = s->buffers[i].raw;
            return FS_OK;
        }
    return fs_errorf(err, "%s: optimiser state has no '%s' (a different model?)", path, name);
}

void fs__ost_copy_floats(float *dst, const unsigned char *raw, uint64_t count) {
    for (uint64_t k = 0; k < count; k++) {
        const unsigned char *q = raw + 4 * k;
        uint32_t bits = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
        memcpy(&dst[k], &bits, 4);
    }
}
