/* safetensors.c — strict safetensors reader (mmap) and atomic writer.
 *
 * File: u64 LE header length N | N bytes of JSON | data. JSON maps each name to
 * {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the data
 * start) plus an optional "__metadata__" map of strings. */
#include "weights/safetensors.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/checked.h"
#include "core/fileio.h"
#include "weights/wutil.h"

#define ST_MAX_HEADER (100u * 1024u * 1024u) /* the reference implementation's limit */

typedef struct st_entry {
    const char *name;
    fs_dtype dtype;
    int ndim;
    int64_t shape[FS_MAX_DIMS];
    uint64_t begin, end;
} st_entry;

static int parse_dtype(const char *s, fs_dtype *out) {
    static const struct {
        const char *n;
        fs_dtype d;
    } tab[] = {{"F32", FS_F32}, {"F16", FS_F16}, {"BF16", FS_BF16}, {"F64", FS_F64},
               {"I64", FS_I64}, {"I32", FS_I32}, {"U8", FS_U8}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(s, tab[i].n)) {
            *out = tab[i].d;
            return 1;
        }
    return 0;
}

/* A JSON number that is a non-negative integer below 2^53 (exactly representable). */
static int json_uint(const cJSON *j, uint64_t *out) {
    if (!cJSON_IsNumber(j)) return 0;
    double d = j->valuedouble;
    if (!(d >= 0) || d > 9007199254740992.0 || floor(d) != d) return 0;
    *out = (uint64_t)d;
    return 1;
}

static int cmp_entry_begin(const void *a, const void *b) {
    const st_entry *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

static int cmp_entry_name(const void *a, const void *b) {
    return strcmp(((const st_entry *)a)->name, ((const st_entry *)b)->name);
}

/* The "__metadata__" entry: a map of strings, each key once. */
static int parse_metadata(const cJSON *c, fs_tensor_map *m, fs_err *err) {
    if (!cJSON_IsObject(c)) return fs_errorf(err, "safetensors header: '__metadata__' is not an object");
    for (const cJSON *k = c->child; k; k = k->next) {
        if (!cJSON_IsString(k) || !k->string)
            return fs_errorf(err, "safetensors header: metadata value '%.80s' is not a string",
                             k->string ? k->string : "");
        if (fs_tensor_map_meta(m, k->string))
            return fs_errorf(err, "safetensors header: duplicate metadata key '%.80s'", k->string);
        if (fs_tensor_map_set_meta(m, k->string, k->valuestring, err)) return FS_ERR;
    }
    return FS_OK;
}

/* One tensor entry {"dtype", "shape", "data_offsets"} named name: fills e, checks that its
 * byte range lies inside the data_len data bytes and matches dtype x shape. */
static int parse_entry(const cJSON *c, const char *name, uint64_t data_len, st_entry *e, fs_err *err) {
    e->name = name;
    if (!name[0]) return fs_errorf(err, "safetensors header: empty tensor name");
    if (strlen(name) >= sizeof(((fs_tensor *)0)->name))
        return fs_errorf(err, "safetensors header: tensor name too long (%zu bytes, at most 127): '%.60s...'",
                         strlen(name), name);
    if (!cJSON_IsObject(c)) return fs_errorf(err, "safetensors header: entry '%s' is not an object", name);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(c, "dtype");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(c, "shape");
    const cJSON *of = cJSON_GetObjectItemCaseSensitive(c, "data_offsets");
    if (!cJSON_IsString(dt) || !cJSON_IsArray(sh) || !cJSON_IsArray(of))
        return fs_errorf(err, "safetensors header: tensor '%s' needs string 'dtype', array 'shape' and 'data_offsets'",
                         name);
    if (!parse_dtype(dt->valuestring, &e->dtype))
        return fs_errorf(err, "safetensors header: tensor '%s' has unsupported dtype '%.20s' (supported: F32, F16, "
                         "BF16, F64, I64, I32, U8)", name, dt->valuestring);
    int nd = cJSON_GetArraySize(sh);
    if (nd > FS_MAX_DIMS)
        return fs_errorf(err, "safetensors header: tensor '%s' has %d dimensions (at most %d)", name, nd, FS_MAX_DIMS);
    e->ndim = nd;
    uint64_t numel = 1;
    int i = 0;
    for (const cJSON *d = sh->child; d; d = d->next, i++) {
        uint64_t v;
        if (!json_uint(d, &v) || v > INT64_MAX)
            return fs_errorf(err, "safetensors header: tensor '%s' has an invalid shape entry", name);
        e->shape[i] = (int64_t)v;
        if (!fs_mul_u64(numel, v, &numel)) return fs_errorf(err, "safetensors header: tensor '%s' shape overflows", name);
    }
    uint64_t nbytes;
    if (!fs__shape_ok(e->ndim, e->shape, 8) || !fs_mul_u64(numel, fs_dtype_size(e->dtype), &nbytes))
        return fs_errorf(err, "safetensors header: tensor '%s' size overflows", name);
    if (cJSON_GetArraySize(of) != 2 || !json_uint(of->child, &e->begin) || !json_uint(of->child->next, &e->end))
        return fs_errorf(err, "safetensors header: tensor '%s' data_offsets must be two non-negative integers", name);
    if (e->begin > e->end || e->end > data_len)
        return fs_errorf(err, "safetensors: tensor '%s' data_offsets [%llu, %llu] outside the %llu data bytes "
                         "(truncated or corrupt file)", name, (unsigned long long)e->begin,
                         (unsigned long long)e->end, (unsigned long long)data_len);
    if (e->end - e->begin != nbytes)
        return fs_errorf(err, "safetensors: tensor '%s' has %llu data bytes but %s x shape needs %llu", name,
                         (unsigned long long)(e->end - e->begin), fs_dtype_name(e->dtype), (unsigned long long)nbytes);
    return FS_OK;
}

/* No two entries share a name and no two non-empty byte ranges overlap. Sorts ents by name. */
static int check_unique_disjoint(st_entry *ents, int ne, fs_err *err) {
    qsort(ents, (size_t)ne, sizeof *ents, cmp_entry_name);
    for (int i = 1; i < ne; i++)
        if (!strcmp(ents[i - 1].name, ents[i].name))
            return fs_errorf(err, "safetensors header: duplicate tensor name '%s'", ents[i].name);
    st_entry *byoff = malloc(((size_t)ne + 1) * sizeof *byoff);
    if (!byoff) return fs_errorf(err, "out of memory");
    memcpy(byoff, ents, (size_t)ne * sizeof *ents);
    qsort(byoff, (size_t)ne, sizeof *byoff, cmp_entry_begin);
    uint64_t prev_end = 0;
    const char *prev = NULL;
    int rc = FS_OK;
    for (int i = 0; i < ne && !rc; i++) {
        if (byoff[i].begin == byoff[i].end) continue;
        if (prev && byoff[i].begin < prev_end)
            rc = fs_errorf(err, "safetensors: tensors '%s' and '%s' overlap in the data section", prev, byoff[i].name);
        prev_end = byoff[i].end;
        prev = byoff[i].name;
    }
    free(byoff);
    return rc;
}

/* The tensor of entry e, whose bytes start at src: a view of src when may_borrow allows it (no
 * conversion asked, aligned, non-empty), else a converted or copied tensor. */
static fs_tensor *entry_tensor(const st_entry *e, const unsigned char *src, int flags, int may_borrow, fs_err *err) {
    int convert = ((flags & FS_ST_TO_F32) && (e->dtype == FS_F16 || e->dtype == FS_BF16 || e->dtype == FS_F64)) ||
                  ((flags & FS_ST_I64_TO_F32) && (e->dtype == FS_I64 || e->dtype == FS_I32));
    size_t esz = fs_dtype_size(e->dtype);
    if (!(may_borrow && !convert && ((uintptr_t)src % esz) == 0 && e->end > e->begin))
        return fs__tensor_from_raw(e->name, e->dtype, e->ndim, e->shape, NULL, src, !!(flags & FS_ST_TO_F32),
                                   !!(flags & FS_ST_I64_TO_F32), err);
    fs_tensor *t = calloc(1, sizeof *t);
    if (!t) {
        fs_errorf(err, "out of memory");
        return NULL;
    }
    t->dtype = e->dtype;
    t->ndim = e->ndim;
    memcpy(t->shape, e->shape, sizeof t->shape);
    fs_tensor_set_contiguous_strides(t);
    t->data = (void *)src;
    t->owns_data = 0;
    snprintf(t->name, sizeof t->name, "%s", e->name);
    return t;
}

/* The JSON header of n bytes at hdr: an object with nothing but whitespace after it. */
static int parse_header_json(const char *hdr, uint64_t n, cJSON **root, fs_err *err) {
    if (hdr[0] != '{') return fs_errorf(err, "safetensors header does not start with '{'");
    const char *end = NULL;
    cJSON *r = cJSON_ParseWithLengthOpts(hdr, (size_t)n, &end, 0);
    if (!r) {
        size_t off = end ? (size_t)(end - hdr) : 0;
        return fs_errorf(err, "safetensors header is not valid JSON (near byte %zu of the header)", off + 8);
    }
    for (const char *p = end; p && p < hdr + n; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != 0) {
            cJSON_Delete(r);
            return fs_errorf(err, "safetensors header has trailing bytes after the JSON object");
        }
    if (!cJSON_IsObject(r)) {
        cJSON_Delete(r);
        return fs_errorf(err, "safetensors header is not a JSON object");
    }
    *root = r;
    return FS_OK;
}

/* Parses and validates. may_borrow: the data lives in a mapping that the returned map will own
 * (tensors may point into it); otherwise copies. */
static int st_parse(const unsigned char *buf, size_t len, int flags, int may_borrow, fs_tensor_map **out, fs_err *err) {
    if (len < 8) return fs_errorf(err, "not a safetensors file: %zu bytes, shorter than the 8-byte header length", len);
    uint64_t n = fs__le64(buf);
    if (n < 2) return fs_errorf(err, "safetensors header length %llu is too small", (unsigned long long)n);
    if (n > len - 8)
        return fs_errorf(err, "safetensors header length %llu exceeds the file size %zu (truncated file?)",
                         (unsigned long long)n, len);
    if (n > ST_MAX_HEADER)
        return fs_errorf(err, "safetensors header length %llu exceeds the 100 MB limit", (unsigned long long)n);
    const unsigned char *data = buf + 8 + n;
    uint64_t data_len = len - 8 - n;
    cJSON *root = NULL;
    if (parse_header_json((const char *)buf + 8, n, &root, err)) return FS_ERR;
    int count = 0;
    for (cJSON *c = root->child; c; c = c->next) count++;
    st_entry *ents = calloc((size_t)count + 1, sizeof *ents);
    fs_tensor_map *m = fs_tensor_map_create();
    int ne = 0, rc = FS_OK, have_meta = 0;
    if (!ents || !m) rc = fs_errorf(err, "out of memory");
    for (cJSON *c = root->child; c && !rc; c = c->next) {
        const char *name = c->string ? c->string : "";
        if (strcmp(name, "__metadata__"))
            rc = parse_entry(c, name, data_len, &ents[ne++], err);
        else if (have_meta++)
            rc = fs_errorf(err, "safetensors header: duplicate '__metadata__'");
        else
            rc = parse_metadata(c, m, err);
    }
    if (!rc) rc = check_unique_disjoint(ents, ne, err);
    /* tensors, in file order (sorted by name, as written) */
    for (int i = 0; i < ne && !rc; i++) {
        fs_tensor *t = entry_tensor(&ents[i], data + ents[i].begin, flags, may_borrow, err);
        rc = t ? fs_tensor_map_add(m, t, err) : FS_ERR;
    }
    free(ents);
    cJSON_Delete(root);
    if (rc) {
        fs_tensor_map_destroy(m);
        return rc;
    }
    *out = m;
    return FS_OK;
}

int fs_safetensors_load_mem(const void *buf, size_t len, int flags, fs_tensor_map **out, fs_err *err) {
    return st_parse(buf, len, flags, 0, out, err);
}

int fs_safetensors_load(const char *path, int flags, fs_tensor_map **out, fs_err *err) {
    int fd;
    size_t len;
    if (fs_open_regular(path, &fd, &len, err)) return FS_ERR;
    if (len < 8) {
        close(fd);
        return fs_errorf(err, "%s: not a safetensors file: %zu bytes, shorter than the 8-byte header length", path, len);
    }
    /* private writable mapping: callers may modify weights in place (copy-on-write) */
    void *base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    if (base == MAP_FAILED) return fs_errorf(err, "%s: cannot map file: %s", path, strerror(errno));
    fs_tensor_map *m = NULL;
    if (st_parse(base, len, flags, 1, &m, err)) {
        munmap(base, len);
        return fs_err_prefix(err, path);
    }
    m->map_base = base;
    m->map_len = len;
    *out = m;
    return FS_OK;
}

static int cmp_tensor_ptr(const void *a, const void *b) {
    return strcmp((*(fs_tensor *const *)a)->name, (*(fs_tensor *const *)b)->name);
}

int fs_safetensors_save(const char *path, const fs_tensor_map *m, fs_err *err) {
    fs_tensor **sorted = malloc(((size_t)m->count + 1) * sizeof *sorted);
    if (!sorted) return fs_errorf(err, "%s: out of memory", path);
    memcpy(sorted, m->items, (size_t)m->count * sizeof *sorted);
    qsort(sorted, (size_t)m->count, sizeof *sorted, cmp_tensor_ptr);
    fs__str h = {0};
    fs__str_add(&h, "{", 1);
    int first = 1;
    if (m->meta_count) {
        fs__str_add(&h, "\"__metadata__\":{", 16);
        for (int i = 0; i < m->meta_count; i++) {
            if (i) fs__str_add(&h, ",", 1);
            fs__str_json(&h, m->meta_keys[i]);
            fs__str_add(&h, ":", 1);
            fs__str_json(&h, m->meta_values[i]);
        }
        fs__str_add(&h, "}", 1);
        first = 0;
    }
    uint64_t off = 0;
    for (int i = 0; i < m->count; i++) {
        const fs_tensor *t = sorted[i];
        if (t->device != FS_DEVICE_CPU) {
            fs__str_free(&h);
            free(sorted);
            return fs_errorf(err, "%s: tensor '%s' is not in CPU memory", path, t->name);
        }
        if (i && !strcmp(sorted[i - 1]->name, t->name)) {
            fs__str_free(&h);
            free(sorted);
            return fs_errorf(err, "%s: duplicate tensor name '%s'", path, t->name);
        }
        uint64_t nb = fs_tensor_nbytes(t);
        if (!first) fs__str_add(&h, ",", 1);
        first = 0;
        fs__str_json(&h, t->name);
        fs__str_addf(&h, ":{\"dtype\":\"%s\",\"shape\":[", fs_dtype_name(t->dtype));
        for (int d = 0; d < t->ndim; d++) fs__str_addf(&h, "%s%lld", d ? "," : "", (long long)t->shape[d]);
        fs__str_addf(&h, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off, (unsigned long long)(off + nb));
        off += nb;
    }
    fs__str_add(&h, "}", 1);
    while (!h.oom && h.len % 8) fs__str_add(&h, " ", 1);
    if (h.oom) {
        fs__str_free(&h);
        free(sorted);
        return fs_errorf(err, "%s: out of memory", path);
    }
    fs_atomic_file f;
    if (fs_atomic_open(&f, path, err)) {
        fs__str_free(&h);
        free(sorted);
        return FS_ERR;
    }
    unsigned char lenb[8];
    uint64_t hl = h.len;
    for (int i = 0; i < 8; i++) lenb[i] = (unsigned char)(hl >> (8 * i));
    int bad = fwrite(lenb, 1, 8, f.fp) != 8 || fwrite(h.s, 1, h.len, f.fp) != h.len;
    fs__str_free(&h);
    for (int i = 0; i < m->count && !bad; i++) {
        const fs_tensor *t = sorted[i];
        size_t nb = fs_tensor_nbytes(t);
        if (!nb) continue;
        if (fs_tensor_is_contiguous(t)) {
            bad = fwrite(t->data, 1, nb, f.fp) != nb;
        } else {
            fs_tensor *c = fs_tensor_clone(t, err);
            if (!c) {
                fs_atomic_abort(&f);
                free(sorted);
                return fs_err_prefix(err, path);
            }
            bad = fwrite(c->data, 1, nb, f.fp) != nb;
            fs_tensor_destroy(c);
        }
    }
    free(sorted);
    if (bad) {
        int e = errno;
        fs_atomic_abort(&f);
        return fs_errorf(err, "%s: write failed: %s", path, strerror(e ? e : EIO));
    }
    return fs_atomic_commit(&f, err);
}
