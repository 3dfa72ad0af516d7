/* torch.c — interpret the inert pickle graph of PyTorch checkpoints (see torch.h).
 *
 * Containers: zip (archive/data.pkl + archive/data/<key>), legacy torch.save
 * (magic, protocol, sys_info, object, key list, raw storages), plain pickle.
 * Allowlist of callables given meaning after STOP: collections.OrderedDict,
 * torch._utils._rebuild_tensor(_v2), _rebuild_parameter(_with_state),
 * torch.storage._load_from_bytes (an embedded legacy stream),
 * torch_utils.persistence._reconstruct_persistent_obj. Everything else stays an
 * inert record that is only traversed. */
#include "weights/torch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "weights/pickle.h"
#include "weights/wutil.h"
#include "weights/zip.h"

#define T_MAX_DEPTH 200        /* nesting of the object graph walk */
#define T_MAX_BLOB_DEPTH 3     /* _load_from_bytes inside _load_from_bytes ... */
#define T_PATH 512

static const unsigned char LEGACY_MAGIC[10] = {0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19};

typedef struct storage {
    fs_dtype dtype;
    uint64_t numel;            /* elements available at data */
    const unsigned char *data; /* NULL until resolved */
    char key[64];
} storage;

typedef struct legacy_key {
    char key[64];
    const unsigned char *data;
    uint64_t numel;
} legacy_key;

typedef struct tctx {
    fs_pickle *pk;
    int flags;
    int blob_depth;
    fs_zip *zip;                /* zip mode */
    char prefix[256];           /* "archive/" */
    legacy_key *keys;           /* legacy mode */
    size_t nkeys;
    fs_tensor_map *out;
    size_t budget;              /* graph-walk steps left (guards against shared-subgraph blowup) */
    uint64_t out_bytes, max_out_bytes; /* tensor bytes materialised so far / allowed (views cannot amplify) */
    fs_err *err;
} tctx;

static int legacy_read(const unsigned char *buf, size_t len, size_t base, int flags, int blob_depth, fs_pickle *pk,
                       fs_pv **root, legacy_key **keys, size_t *nkeys, fs_err *err);

static int cmp_key(const void *a, const void *b) { return strcmp(((const legacy_key *)a)->key, ((const legacy_key *)b)->key); }

typedef struct key_type {
    char key[64];
    fs_dtype dtype;
} key_type;
static int cmp_key_type(const void *a, const void *b) {
    return strcmp(((const key_type *)a)->key, ((const key_type *)b)->key);
}

/* ---- storages ---- */

static int storage_dtype(const fs_pv *g, fs_dtype *dt) {
    static const struct {
        const char *n;
        fs_dtype d;
    } tab[] = {{"FloatStorage", FS_F32}, {"DoubleStorage", FS_F64}, {"HalfStorage", FS_F16},
               {"BFloat16Storage", FS_BF16}, {"LongStorage", FS_I64}, {"IntStorage", FS_I32},
               {"ByteStorage", FS_U8}, {"BoolStorage", FS_U8}};
    if (!g || g->type != FS_PV_GLOBAL) return 0;
    if (!(g->n == 5 && !memcmp(g->s, "torch", 5)) && !(g->n == 10 && !memcmp(g->s, "torch.cuda", 10))) return 0;
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (g->n2 == strlen(tab[i].n) && !memcmp(g->s2, tab[i].n, g->n2)) {
            *dt = tab[i].d;
            return 1;
        }
    return 0;
}

static int as_int(const fs_pv *v, int64_t *out) {
    if (!v || (v->type != FS_PV_INT && v->type != FS_PV_BOOL)) return 0;
    *out = v->i;
    return 1;
}

/* ('storage', torch.FloatStorage, key, location, numel[, view_metadata]) → storage (cached in pid->aux). */
static storage *persid_storage(tctx *c, fs_pv *pid) {
    if (pid->aux) return pid->aux;
    const fs_pv *t = pid->a;
    if (!t || t->type != FS_PV_TUPLE || t->count < 5 || !fs_pv_is_str(t->items[0], "storage")) {
        fs_errorf(c->err, "pickle: unsupported persistent id at offset %zu (expected a ('storage', ...) tuple)", pid->off);
        return NULL;
    }
    storage *s = calloc(1, sizeof *s);
    if (!s || fs_pickle_own(c->pk, s)) {
        fs_errorf(c->err, "out of memory");
        return NULL;
    }
    if (!storage_dtype(t->items[1], &s->dtype)) {
        const fs_pv *g = t->items[1];
        if (g->type == FS_PV_GLOBAL)
            fs_errorf(c->err, "pickle: unsupported storage type %.*s.%.*s at offset %zu", (int)(g->n > 60 ? 60 : g->n), g->s,
                      (int)(g->n2 > 60 ? 60 : g->n2), g->s2, pid->off);
        else
            fs_errorf(c->err, "pickle: storage type is not a torch storage class at offset %zu", pid->off);
        return NULL;
    }
    if (!fs_pv_cstr(t->items[2], s->key, sizeof s->key)) {
        fs_errorf(c->err, "pickle: storage key is not a short string at offset %zu", pid->off);
        return NULL;
    }
    int64_t numel;
    if (!as_int(t->items[4], &numel) || numel < 0) {
        fs_errorf(c->err, "pickle: storage size is not a non-negative integer at offset %zu", pid->off);
        return NULL;
    }
    const uint64_t whole = (uint64_t)numel; /* the (root) storage's size: what the file must hold */
    uint64_t view_off = 0;
    if (t->count >= 6 && t->items[5]->type == FS_PV_TUPLE) { /* old storage views: (view_key, offset, size) */
        const fs_pv *vm = t->items[5];
        int64_t o, n;
        if (vm->count < 3 || !as_int(vm->items[1], &o) || !as_int(vm->items[2], &n) || o < 0 || n < 0) {
            fs_errorf(c->err, "pickle: bad storage view metadata at offset %zu", pid->off);
            return NULL;
        }
        view_off = (uint64_t)o;
        numel = n;
    }
    size_t esz = fs_dtype_size(s->dtype);
    const unsigned char *base = NULL;
    uint64_t avail = 0; /* elements */
    if (c->zip) {
        char name[400];
        snprintf(name, sizeof name, "%sdata/%s", c->prefix, s->key);
        int i = fs_zip_find(c->zip, name);
        if (i < 0) {
            fs_errorf(c->err, "zip: storage entry '%s' is missing", name);
            return NULL;
        }
        size_t n;
        if (fs_zip_entry_data(c->zip, i, &base, &n, c->err)) return NULL;
        avail = n / esz;
    } else if (c->keys) {
        legacy_key probe, *k;
        memcpy(probe.key, s->key, sizeof probe.key);
        k = bsearch(&probe, c->keys, c->nkeys, sizeof *c->keys, cmp_key);
        int found = k != NULL;
        if (k) {
            base = k->data;
            avail = k->numel;
        }
        if (!found) {
            fs_errorf(c->err, "legacy torch file: storage '%s' is not in the key list", s->key);
            return NULL;
        }
        if (avail != whole) { /* both counts come from the file: one of them lies */
            fs_errorf(c->err, "legacy torch file: storage '%s' holds %llu elements but the pickle says %llu (corrupt file?)",
                      s->key, (unsigned long long)avail, (unsigned long long)whole);
            return NULL;
        }
    } else {
        fs_errorf(c->err, "pickle: persistent id at offset %zu but this container has no storages", pid->off);
        return NULL;
    }
    if (view_off > avail || (uint64_t)numel > avail - view_off) {
        fs_errorf(c->err, "storage '%s' needs %llu elements but only %llu are stored (truncated file?)", s->key,
                  (unsigned long long)(view_off + (uint64_t)numel), (unsigned long long)avail);
        return NULL;
    }
    s->numel = (uint64_t)numel;
    s->data = base ? base + view_off * esz : (const unsigned char *)"";
    pid->aux = s;
    return s;
}

/* torch.storage._load_from_bytes(b): b is a complete legacy torch.save of one storage. */
static storage *blob_storage(tctx *c, fs_pv *call) {
    if (call->aux) return call->aux;
    const fs_pv *args = call->b;
    if (!args || args->type != FS_PV_TUPLE || args->count < 1 || args->items[0]->type != FS_PV_BYTES) {
        fs_errorf(c->err, "pickle: _load_from_bytes without a bytes argument at offset %zu", call->off);
        return NULL;
    }
    if (c->blob_depth >= T_MAX_BLOB_DEPTH) {
        fs_errorf(c->err, "pickle: embedded torch.save blobs nested too deeply at offset %zu", call->off);
        return NULL;
    }
    const fs_pv *b = args->items[0];
    fs_pickle *inner = fs_pickle_create();
    if (!inner) {
        fs_errorf(c->err, "out of memory");
        return NULL;
    }
    fs_pv *root = NULL;
    legacy_key *keys = NULL;
    size_t nkeys = 0;
    storage *res = NULL;
    if (legacy_read((const unsigned char *)b->s, b->n, b->off, c->flags, c->blob_depth + 1, inner, &root, &keys, &nkeys,
                    c->err) == FS_OK) {
        if (root->type != FS_PV_PERSID) {
            fs_errorf(c->err, "pickle: embedded torch.save blob at offset %zu holds a %s, not a storage", b->off,
                      fs_pv_type_name(root->type));
        } else {
            tctx ic = *c;
            ic.pk = inner;
            ic.zip = NULL;
            ic.keys = keys;
            ic.nkeys = nkeys;
            ic.blob_depth = c->blob_depth + 1;
            storage *s = persid_storage(&ic, root);
            if (s) {
                res = malloc(sizeof *res);
                if (!res || fs_pickle_own(c->pk, res)) {
                    res = NULL;
                    fs_errorf(c->err, "out of memory");
                } else {
                    *res = *s; /* data points into the outer buffer (the bytes payload) */
                    call->aux = res;
                }
            }
        }
    }
    free(keys);
    fs_pickle_destroy(inner);
    return res;
}

static storage *resolve_storage(tctx *c, fs_pv *v, const char *path) {
    if (v->type == FS_PV_PERSID) return persid_storage(c, v);
    if (v->type == FS_PV_CALL && fs_pv_is_global(v->a, "torch.storage", "_load_from_bytes")) return blob_storage(c, v);
    fs_errorf(c->err, "tensor '%s': its storage is a %s (offset %zu), not a torch storage", path, fs_pv_type_name(v->type),
              v->off);
    return NULL;
}

/* ---- tensors ---- */

static int emit_tensor(tctx *c, fs_pv *call, const fs_pv *args, const char *path) {
    const char *name = path[0] ? path : "tensor";
    if (!args || args->type != FS_PV_TUPLE || args->count < 4)
        return fs_errorf(c->err, "tensor '%s': _rebuild_tensor needs (storage, offset, size, stride) at offset %zu", name,
                         call->off);
    storage *s = resolve_storage(c, args->items[0], name);
    if (!s) return FS_ERR;
    int64_t off;
    const fs_pv *sz = args->items[2], *st = args->items[3];
    if (!as_int(args->items[1], &off) || off < 0 || sz->type != FS_PV_TUPLE || st->type != FS_PV_TUPLE ||
        sz->count != st->count)
        return fs_errorf(c->err, "tensor '%s': bad offset/size/stride at offset %zu", name, call->off);
    if (sz->count > FS_MAX_DIMS)
        return fs_errorf(c->err, "tensor '%s': %zu dimensions (at most %d)", name, sz->count, FS_MAX_DIMS);
    int nd = (int)sz->count;
    int64_t shape[FS_MAX_DIMS], strides[FS_MAX_DIMS];
    uint64_t numel = 1, last = 0;
    for (int i = 0; i < nd; i++) {
        int64_t a, b;
        if (!as_int(sz->items[i], &a) || !as_int(st->items[i], &b) || a < 0 || b < 0)
            return fs_errorf(c->err, "tensor '%s': bad size or stride at offset %zu", name, call->off);
        shape[i] = a;
        strides[i] = b;
        uint64_t ext;
        if (!fs_mul_u64(numel, (uint64_t)a, &numel) || (a && (!fs_mul_u64((uint64_t)(a - 1), (uint64_t)b, &ext) ||
                                                             !fs_add_u64(last, ext, &last))))
            return fs_errorf(c->err, "tensor '%s': size overflows", name);
    }
    uint64_t need_el;
    if (numel && (!fs_add_u64((uint64_t)off, last, &need_el) || need_el >= s->numel))
        return fs_errorf(c->err, "tensor '%s': view (offset %lld, last element %llu) exceeds its storage of %llu elements",
                         name, (long long)off, (unsigned long long)(off + last), (unsigned long long)s->numel);
    size_t esz = fs_dtype_size(s->dtype);
    if (!fs__shape_ok(nd, shape, 8)) return fs_errorf(c->err, "tensor '%s': shape too large", name);
    uint64_t tbytes;
    if (!fs_mul_u64(numel, (c->flags & FS_TORCH_TO_F32) && esz < 4 ? 4 : esz, &tbytes) ||
        tbytes > c->max_out_bytes - c->out_bytes)
        return fs_errorf(c->err, "tensor '%s': the file's tensors would need more than %llu MB, far more than it stores "
                         "(overlapping or stride-0 views?)", name, (unsigned long long)(c->max_out_bytes >> 20));
    c->out_bytes += tbytes;
    int contiguous = 1;
    {
        int64_t e = 1;
        for (int i = nd - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != e) contiguous = 0;
            e *= shape[i];
        }
    }
    int64_t bstrides[FS_MAX_DIMS];
    for (int i = 0; i < nd; i++) bstrides[i] = shape[i] > 1 ? strides[i] * (int64_t)esz : 0; /* bounded by the storage */
    const unsigned char *src = numel ? s->data + (uint64_t)off * esz : s->data;
    fs_tensor *t = fs__tensor_from_raw(name, s->dtype, nd, shape, contiguous ? NULL : bstrides, src,
                                       !!(c->flags & FS_TORCH_TO_F32), 0, c->err);
    if (!t) return FS_ERR;
    return fs_tensor_map_add(c->out, t, c->err);
}

/* ---- graph walk ---- */

typedef struct pairs {
    fs_pv **kv; /* key, value, key, value... */
    size_t n;   /* pairs */
} pairs;

static int pairs_add(pairs *p, size_t *cap, fs_pv *k, fs_pv *v) {
    if (p->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        fs_pv **q = realloc(p->kv, nc * 2 * sizeof *q);
        if (!q) return 0;
        p->kv = q;
        *cap = nc;
    }
    p->kv[2 * p->n] = k;
    p->kv[2 * p->n + 1] = v;
    p->n++;
    return 1;
}

static int is_ordered_dict(const fs_pv *g) {
    return fs_pv_is_global(g, "collections", "OrderedDict") || fs_pv_is_global(g, "__builtin__", "dict") ||
           fs_pv_is_global(g, "builtins", "dict");
}

/* Collects the (key, value) pairs of a dict-like value: dict, OrderedDict(...) call,
 * or any object record that received SETITEMS (dict subclass such as EasyDict).
 * Returns 1 when v is dict-like. */
static int dict_pairs(const fs_pv *v, pairs *out) {
    size_t cap = 0;
    memset(out, 0, sizeof *out);
    if (v->type == FS_PV_DICT) {
        for (size_t i = 0; i + 1 < v->count; i += 2)
            if (!pairs_add(out, &cap, v->items[i], v->items[i + 1])) return -1;
        return 1;
    }
    if (v->type != FS_PV_CALL) return 0;
    int od = is_ordered_dict(v->a);
    if (!od && !(v->e && v->e->type == FS_PV_DICT)) return 0;
    if (od && v->b && v->b->type == FS_PV_TUPLE && v->b->count >= 1) {
        const fs_pv *l = v->b->items[0];
        if (l->type == FS_PV_DICT) {
            for (size_t i = 0; i + 1 < l->count; i += 2)
                if (!pairs_add(out, &cap, l->items[i], l->items[i + 1])) return -1;
        } else if (l->type == FS_PV_LIST || l->type == FS_PV_TUPLE) {
            for (size_t i = 0; i < l->count; i++) {
                const fs_pv *kv = l->items[i];
                if ((kv->type == FS_PV_LIST || kv->type == FS_PV_TUPLE) && kv->count == 2)
                    if (!pairs_add(out, &cap, kv->items[0], kv->items[1])) return -1;
            }
        }
    }
    if (v->e && v->e->type == FS_PV_DICT)
        for (size_t i = 0; i + 1 < v->e->count; i += 2)
            if (!pairs_add(out, &cap, v->e->items[i], v->e->items[i + 1])) return -1;
    return 1;
}

/* "path" + sep + key into buf; 0 when the key is not a str/int or the path is too long. */
static int join(char *buf, const char *path, char sep, const fs_pv *key) {
    char k[256];
    if (key->type == FS_PV_STR || key->type == FS_PV_BYTES) {
        if (!fs_pv_cstr(key, k, sizeof k) || strlen(k) != key->n) return 0;
    } else if (key->type == FS_PV_INT) {
        snprintf(k, sizeof k, "%lld", (long long)key->i);
    } else {
        return 0;
    }
    int n = path[0] ? snprintf(buf, T_PATH, "%s%c%s", path, sep, k) : snprintf(buf, T_PATH, "%s", k);
    return n > 0 && n < T_PATH;
}

static int walk(tctx *c, fs_pv *v, const char *path, int depth);

static int is_rebuild_tensor(const fs_pv *g) {
    return fs_pv_is_global(g, "torch._utils", "_rebuild_tensor_v2") || fs_pv_is_global(g, "torch._utils", "_rebuild_tensor");
}
static int is_rebuild_parameter(const fs_pv *g) {
    return fs_pv_is_global(g, "torch._utils", "_rebuild_parameter") ||
           fs_pv_is_global(g, "torch._utils", "_rebuild_parameter_with_state");
}
static int is_persistent(const fs_pv *g) {
    return fs_pv_is_global(g, "torch_utils.persistence", "_reconstruct_persistent_obj");
}

/* JSON text of a plain value (for init_kwargs metadata). */
static void to_json(fs__str *b, const fs_pv *v, int depth) {
    if (depth > 20 || v->visiting || b->len > 65536) { /* bounded output: shared sub-graphs cannot blow up */
        fs__str_add(b, "null", 4);
        return;
    }
    char tmp[64];
    pairs p;
    switch (v->type) {
    case FS_PV_NONE: fs__str_add(b, "null", 4); return;
    case FS_PV_BOOL: fs__str_add(b, v->i ? "true" : "false", v->i ? 4 : 5); return;
    case FS_PV_INT: fs__str_addf(b, "%lld", (long long)v->i); return;
    case FS_PV_FLOAT:
        if (v->f != v->f || v->f - v->f != 0) fs__str_add(b, "null", 4);
        else fs__str_addf(b, "%.17g", v->f);
        return;
    case FS_PV_STR: {
        size_t n = v->n > 200 ? 200 : v->n;
        char *s = malloc(n + 1);
        if (!s) return;
        memcpy(s, v->s, n);
        s[n] = 0;
        for (size_t i = 0; i < n; i++)
            if (!s[i]) s[i] = '?';
        fs__str_json(b, s);
        free(s);
        return;
    }
    case FS_PV_LIST:
    case FS_PV_TUPLE: {
        ((fs_pv *)v)->visiting = 1;
        fs__str_add(b, "[", 1);
        for (size_t i = 0; i < v->count && i < 64; i++) {
            if (i) fs__str_add(b, ",", 1);
            to_json(b, v->items[i], depth + 1);
        }
        fs__str_add(b, "]", 1);
        ((fs_pv *)v)->visiting = 0;
        return;
    }
    default: break;
    }
    int d = dict_pairs(v, &p);
    if (d == 1) {
        ((fs_pv *)v)->visiting = 1;
        fs__str_add(b, "{", 1);
        int first = 1;
        for (size_t i = 0; i < p.n && i < 256; i++) {
            char k[128];
            if (!fs_pv_cstr(p.kv[2 * i], k, sizeof k)) continue;
            if (!first) fs__str_add(b, ",", 1);
            first = 0;
            fs__str_json(b, k);
            fs__str_add(b, ":", 1);
            to_json(b, p.kv[2 * i + 1], depth + 1);
        }
        fs__str_add(b, "}", 1);
        ((fs_pv *)v)->visiting = 0;
    } else {
        snprintf(tmp, sizeof tmp, "<%s>", fs_pv_type_name(v->type));
        fs__str_json(b, tmp);
    }
    free(p.kv);
}

static int module_walk(tctx *c, fs_pv *state, const char *path, char sep, int depth);

/* A module object: persistent record (state in meta['state']) or a plainly pickled
 * nn.Module (state dict attached by BUILD). Returns 1 if v is one (and walked it). */
static int try_module(tctx *c, fs_pv *v, const char *path, char sep, int depth, int *rc) {
    if (v->type != FS_PV_CALL) return 0;
    fs_pv *state = NULL;
    if (is_persistent(v->a)) {
        const fs_pv *meta = v->b && v->b->type == FS_PV_TUPLE && v->b->count >= 1 ? v->b->items[0] : NULL;
        state = (fs_pv *)fs_pv_dict_get(meta, "state");
        if (!state) state = v->d; /* BUILD after the reduce also carries the state */
        if (!state) {
            *rc = FS_OK;
            return 1;
        }
    } else if (v->d &&
               (fs_pv_dict_get(v->d, "_parameters") || fs_pv_dict_get(v->d, "_modules"))) {
        state = v->d;
    } else {
        return 0;
    }
    *rc = module_walk(c, state, path, sep, depth + 1);
    return 1;
}

static int walk_pairs_of(tctx *c, fs_pv *v, const char *path, char sep, int depth, int modules) {
    pairs p;
    int d = dict_pairs(v, &p);
    if (d < 0) return fs_errorf(c->err, "out of memory");
    if (d == 0) return FS_OK;
    int rc = FS_OK;
    for (size_t i = 0; i < p.n && rc == FS_OK; i++) {
        char sub[T_PATH];
        fs_pv *val = p.kv[2 * i + 1];
        if (val->type == FS_PV_NONE) continue;
        if (!join(sub, path, sep, p.kv[2 * i])) {
            if (p.kv[2 * i]->type == FS_PV_STR) rc = fs_errorf(c->err, "key path too long under '%.100s'", path);
            continue; /* keys that are not str/int cannot name a tensor */
        }
        if (modules) {
            int mrc;
            if (try_module(c, val, sub, '.', depth, &mrc)) rc = mrc;
            else rc = walk(c, val, sub, depth + 1);
        } else {
            rc = walk(c, val, sub, depth + 1);
        }
    }
    free(p.kv);
    return rc;
}

static int module_walk(tctx *c, fs_pv *state, const char *path, char sep, int depth) {
    if (depth > T_MAX_DEPTH) return fs_errorf(c->err, "pickle: modules nested deeper than %d under '%.100s'", T_MAX_DEPTH, path);
    if (state->visiting) return fs_errorf(c->err, "pickle: reference cycle in the module graph at '%.100s'", path);
    if (c->budget == 0) return fs_errorf(c->err, "pickle: object graph too large (shared references?)");
    c->budget--;
    state->visiting = 1;
    int rc = FS_OK;
    static const char *tensor_dicts[] = {"_parameters", "_buffers"};
    for (int k = 0; k < 2 && rc == FS_OK; k++) {
        fs_pv *d = (fs_pv *)fs_pv_dict_get(state, tensor_dicts[k]);
        if (d) rc = walk_pairs_of(c, d, path, sep, depth, 0);
    }
    fs_pv *mods = (fs_pv *)fs_pv_dict_get(state, "_modules");
    if (mods && rc == FS_OK) rc = walk_pairs_of(c, mods, path, sep, depth, 1);
    state->visiting = 0;
    return rc;
}

static int set_persistent_meta(tctx *c, const fs_pv *v, const char *path) {
    const fs_pv *meta = v->b && v->b->type == FS_PV_TUPLE && v->b->count >= 1 ? v->b->items[0] : NULL;
    const fs_pv *state = fs_pv_dict_get(meta, "state");
    char key[T_PATH + 32], val[256];
    if (fs_pv_cstr(fs_pv_dict_get(meta, "class_name"), val, sizeof val)) {
        snprintf(key, sizeof key, "pickle:%s:class_name", path);
        if (fs_tensor_map_set_meta(c->out, key, val, c->err)) return FS_ERR;
    }
    const fs_pv *kw = fs_pv_dict_get(state, "_init_kwargs");
    if (kw) {
        fs__str b = {0};
        to_json(&b, kw, 0);
        if (b.oom || !b.s) {
            fs__str_free(&b);
            return fs_errorf(c->err, "out of memory");
        }
        snprintf(key, sizeof key, "pickle:%s:init_kwargs", path);
        int rc = fs_tensor_map_set_meta(c->out, key, b.s, c->err);
        fs__str_free(&b);
        if (rc) return FS_ERR;
    }
    return FS_OK;
}

static int walk(tctx *c, fs_pv *v, const char *path, int depth) {
    if (depth > T_MAX_DEPTH) return fs_errorf(c->err, "pickle: values nested deeper than %d under '%.100s'", T_MAX_DEPTH, path);
    if (c->budget == 0) return fs_errorf(c->err, "pickle: object graph too large (shared references?)");
    c->budget--;
    switch (v->type) {
    case FS_PV_DICT: break;
    case FS_PV_LIST:
    case FS_PV_TUPLE:
        break;
    case FS_PV_CALL: break;
    default: return FS_OK;
    }
    if (v->visiting) return fs_errorf(c->err, "pickle: reference cycle in the object graph at '%.100s' (offset %zu)", path, v->off);
    v->visiting = 1;
    int rc = FS_OK;
    if (v->type == FS_PV_LIST || v->type == FS_PV_TUPLE) {
        for (size_t i = 0; i < v->count && rc == FS_OK; i++) {
            if (v->items[i]->type == FS_PV_NONE || v->items[i]->type == FS_PV_INT || v->items[i]->type == FS_PV_STR ||
                v->items[i]->type == FS_PV_FLOAT || v->items[i]->type == FS_PV_BOOL)
                continue;
            char sub[T_PATH];
            int n = path[0] ? snprintf(sub, sizeof sub, "%s/%zu", path, i) : snprintf(sub, sizeof sub, "%zu", i);
            if (n <= 0 || n >= (int)sizeof sub) {
                rc = fs_errorf(c->err, "key path too long under '%.100s'", path);
                break;
            }
            rc = walk(c, v->items[i], sub, depth + 1);
        }
    } else if (v->type == FS_PV_DICT) {
        rc = walk_pairs_of(c, v, path, '/', depth, 0);
    } else { /* CALL */
        int mrc;
        if (is_rebuild_tensor(v->a)) {
            rc = emit_tensor(c, v, v->b, path);
        } else if (fs_pv_is_global(v->a, "torch._tensor", "_rebuild_from_type_v2") && v->b && v->b->type == FS_PV_TUPLE &&
                   v->b->count >= 3 && is_rebuild_tensor(v->b->items[0])) {
            rc = emit_tensor(c, v, v->b->items[2], path); /* tensor subclass: (func, type, args, state) */
        } else if (is_rebuild_parameter(v->a)) {
            if (v->b && v->b->type == FS_PV_TUPLE && v->b->count >= 1) rc = walk(c, v->b->items[0], path, depth + 1);
        } else if (fs_pv_is_global(v->a, "torch.storage", "_load_from_bytes")) {
            rc = FS_OK; /* a bare storage, not a tensor */
        } else if (is_persistent(v->a)) {
            rc = set_persistent_meta(c, v, path);
            if (rc == FS_OK && try_module(c, v, path, '/', depth, &mrc)) rc = mrc;
        } else if (try_module(c, v, path, '/', depth, &mrc)) {
            rc = mrc;
        } else {
            pairs p;
            int d = dict_pairs(v, &p);
            free(p.kv);
            if (d == 1) rc = walk_pairs_of(c, v, path, '/', depth, 0);
            else if (d < 0) rc = fs_errorf(c->err, "out of memory");
            else if (v->d && v->d->type == FS_PV_DICT) rc = walk_pairs_of(c, v->d, path, '/', depth, 0); /* object attributes */
            if (rc == FS_OK && v->e && v->e->type == FS_PV_LIST) rc = walk(c, v->e, path, depth + 1);
        }
    }
    v->visiting = 0;
    return rc;
}

static int interpret(tctx *c, fs_pv *root, size_t file_len) {
    c->budget = 16 * fs_pickle_value_count(c->pk) + 100000;
    c->max_out_bytes = 4 * (uint64_t)file_len + (256ull << 20);
    return walk(c, root, "", 0);
}

/* ---- legacy torch.save ---- */

int fs_torch_is_legacy(const unsigned char *buf, size_t len) {
    /* PROTO 2, LONG1 10 bytes, magic */
    return len >= 14 && buf[0] == 0x80 && buf[2] == 0x8a && buf[3] == 10 && !memcmp(buf + 4, LEGACY_MAGIC, 10);
}

int fs_torch_is_pickle(const unsigned char *buf, size_t len) {
    if (len >= 2 && buf[0] == 0x80) return 1; /* PROTO n (2..5; others are refused with a message) */
    /* protocols 0/1 have no header: the usual first opcodes (MARK, EMPTY_DICT/LIST/TUPLE, GLOBAL, ...) */
    return len >= 2 && buf[0] && strchr("(}])cIS", buf[0]) != NULL;
}

static int legacy_read(const unsigned char *buf, size_t len, size_t base, int flags, int blob_depth, fs_pickle *pk,
                       fs_pv **root, legacy_key **keys_out, size_t *nkeys_out, fs_err *err) {
    (void)flags;
    (void)blob_depth;
    size_t pos = 0, used;
    fs_pv *v;
    if (fs_pickle_run(pk, buf, len, base, &used, &v, err)) return FS_ERR;
    if (!(v->type == FS_PV_BIGINT && v->n == 10 && !memcmp(v->s, LEGACY_MAGIC, 10)))
        return fs_errorf(err, "legacy torch file: bad magic number at offset %zu", base);
    pos += used;
    if (fs_pickle_run(pk, buf + pos, len - pos, base + pos, &used, &v, err)) return FS_ERR;
    if (v->type != FS_PV_INT || v->i != 1001)
        return fs_errorf(err, "legacy torch file: unsupported protocol version at offset %zu (expected 1001)", base + pos);
    pos += used;
    if (fs_pickle_run(pk, buf + pos, len - pos, base + pos, &used, &v, err)) return FS_ERR;
    const fs_pv *le = fs_pv_dict_get(v, "little_endian");
    if (le && le->type == FS_PV_BOOL && !le->i)
        return fs_errorf(err, "legacy torch file: written on a big-endian machine (not supported)");
    pos += used;
    size_t first_persid = fs_pickle_persid_count(pk);
    if (fs_pickle_run(pk, buf + pos, len - pos, base + pos, &used, root, err)) return FS_ERR;
    size_t last_persid = fs_pickle_persid_count(pk);
    pos += used;
    fs_pv *klist;
    if (fs_pickle_run(pk, buf + pos, len - pos, base + pos, &used, &klist, err)) return FS_ERR;
    if (klist->type != FS_PV_LIST && klist->type != FS_PV_TUPLE)
        return fs_errorf(err, "legacy torch file: storage key list missing at offset %zu", base + pos);
    pos += used;
    legacy_key *keys = calloc(klist->count + 1, sizeof *keys);
    size_t ntypes = last_persid - first_persid;
    key_type *types = calloc(ntypes + 1, sizeof *types);
    if (!keys || !types) {
        free(keys);
        free(types);
        return fs_errorf(err, "out of memory");
    }
    size_t nt = 0; /* storage key -> dtype, from the persistent ids of the object pickle, sorted */
    for (size_t j = first_persid; j < last_persid; j++) {
        const fs_pv *t = fs_pickle_persid(pk, j)->a;
        if (t && t->type == FS_PV_TUPLE && t->count >= 5 && fs_pv_cstr(t->items[2], types[nt].key, sizeof types[nt].key) &&
            storage_dtype(t->items[1], &types[nt].dtype))
            nt++;
    }
    qsort(types, nt, sizeof *types, cmp_key_type);
    for (size_t i = 0; i < klist->count; i++) {
        legacy_key *k = &keys[i];
        if (!fs_pv_cstr(klist->items[i], k->key, sizeof k->key) || strlen(k->key) != klist->items[i]->n) {
            free(keys);
            free(types);
            return fs_errorf(err, "legacy torch file: storage key %zu is not a short string", i);
        }
        /* element size from the persistent ids that name this key */
        key_type probe;
        memcpy(probe.key, k->key, sizeof probe.key);
        const key_type *kt = bsearch(&probe, types, nt, sizeof *types, cmp_key_type);
        if (!kt) {
            fs_errorf(err, "legacy torch file: storage '%s' has no known type", k->key);
            free(keys);
            free(types);
            return FS_ERR;
        }
        fs_dtype dt = kt->dtype;
        size_t esz = fs_dtype_size(dt);
        if (len - pos < 8) {
            fs_errorf(err, "legacy torch file: truncated before storage '%s' (offset %zu)", k->key, base + pos);
            free(keys);
            free(types);
            return FS_ERR;
        }
        uint64_t numel = fs__le64(buf + pos);
        pos += 8;
        uint64_t nb;
        if (!fs_mul_u64(numel, esz, &nb) || nb > len - pos) {
            fs_errorf(err, "legacy torch file: storage '%s' at offset %zu claims %llu elements, more than the file "
                      "holds (truncated?)", k->key, base + pos - 8, (unsigned long long)numel);
            free(keys);
            free(types);
            return FS_ERR;
        }
        k->data = buf + pos;
        k->numel = numel;
        pos += (size_t)nb;
    }
    free(types);
    size_t nk = klist->count;
    qsort(keys, nk, sizeof *keys, cmp_key); /* looked up by key (bsearch) */
    for (size_t i = 1; i < nk; i++)
        if (!strcmp(keys[i - 1].key, keys[i].key)) {
            fs_errorf(err, "legacy torch file: storage key '%s' listed twice", keys[i].key);
            free(keys);
            return FS_ERR;
        }
    *keys_out = keys;
    *nkeys_out = nk;
    return FS_OK;
}

/* ---- entry points ---- */

/* The interpreter of one file (c zeroed by the caller): FS_ERR when the pickle VM cannot be allocated. */
static int tctx_start(tctx *c, int flags, fs_tensor_map *out, fs_err *err) {
    c->pk = fs_pickle_create();
    c->flags = flags;
    c->out = out;
    c->err = err;
    return c->pk ? FS_OK : fs_errorf(err, "out of memory: pickle interpreter");
}

static int load_zip(const unsigned char *buf, size_t len, int flags, fs_tensor_map *out, fs_err *err) {
    fs_zip *z;
    if (fs_zip_open(buf, len, &z, err)) return FS_ERR;
    int idx = -1;
    for (int i = 0; i < fs_zip_count(z); i++) {
        const char *n = fs_zip_name(z, i);
        size_t l = strlen(n);
        if (l >= 8 && !strcmp(n + l - 8, "data.pkl") && (l == 8 || n[l - 9] == '/')) {
            idx = i;
            break;
        }
    }
    if (idx < 0) {
        fs_zip_close(z);
        return fs_errorf(err, "zip archive without a data.pkl entry: not a PyTorch checkpoint");
    }
    tctx c;
    memset(&c, 0, sizeof c);
    const char *n = fs_zip_name(z, idx);
    snprintf(c.prefix, sizeof c.prefix, "%.*s", (int)(strlen(n) - 8), n);
    char bo[300];
    snprintf(bo, sizeof bo, "%sbyteorder", c.prefix);
    int bi = fs_zip_find(z, bo);
    if (bi >= 0) {
        const unsigned char *d;
        size_t dl;
        if (fs_zip_entry_data(z, bi, &d, &dl, err)) {
            fs_zip_close(z);
            return FS_ERR;
        }
        if (!(dl == 6 && !memcmp(d, "little", 6))) {
            fs_zip_close(z);
            return fs_errorf(err, "PyTorch archive written in big-endian byte order (not supported)");
        }
    }
    const unsigned char *pkl;
    size_t pl;
    if (fs_zip_entry_data(z, idx, &pkl, &pl, err)) {
        fs_zip_close(z);
        return FS_ERR;
    }
    int rc = tctx_start(&c, flags, out, err);
    c.zip = z;
    fs_pv *root;
    size_t used;
    if (rc == FS_OK && fs_pickle_run(c.pk, pkl, pl, 0, &used, &root, err)) rc = fs_err_prefix(err, n);
    if (rc == FS_OK) rc = interpret(&c, root, len);
    fs_pickle_destroy(c.pk);
    fs_zip_close(z);
    return rc;
}

static int load_legacy(const unsigned char *buf, size_t len, int flags, fs_tensor_map *out, fs_err *err) {
    tctx c;
    memset(&c, 0, sizeof c);
    if (tctx_start(&c, flags, out, err)) return FS_ERR;
    fs_pv *root;
    int rc = legacy_read(buf, len, 0, flags, 0, c.pk, &root, &c.keys, &c.nkeys, err);
    if (rc == FS_OK) rc = interpret(&c, root, len);
    free(c.keys);
    fs_pickle_destroy(c.pk);
    return rc;
}

static int load_plain(const unsigned char *buf, size_t len, int flags, fs_tensor_map *out, fs_err *err) {
    tctx c;
    memset(&c, 0, sizeof c);
    if (tctx_start(&c, flags, out, err)) return FS_ERR;
    fs_pv *root;
    size_t used;
    int rc = fs_pickle_run(c.pk, buf, len, 0, &used, &root, err);
    if (rc == FS_OK && used < len)
        rc = fs_errorf(err, "%zu bytes of trailing data after the pickle at offset %zu (a legacy torch.save file with a "
                       "damaged magic number?)", len - used, used);
    if (rc == FS_OK && root->type != FS_PV_DICT && root->type != FS_PV_LIST && root->type != FS_PV_TUPLE &&
        root->type != FS_PV_CALL)
        rc = fs_errorf(err, "the pickle holds a single %s, not a checkpoint", fs_pv_type_name(root->type));
    if (rc == FS_OK) rc = interpret(&c, root, len);
    fs_pickle_destroy(c.pk);
    return rc;
}

typedef int (*loader)(const unsigned char *, size_t, int, fs_tensor_map *, fs_err *);
static int load_with(loader f, const unsigned char *buf, size_t len, int flags, fs_tensor_map **out, fs_err *err) {
    fs_tensor_map *m = fs_tensor_map_create();
    if (!m) return fs_errorf(err, "out of memory");
    if (f(buf, len, flags, m, err)) {
        fs_tensor_map_destroy(m);
        return FS_ERR;
    }
    *out = m;
    return FS_OK;
}
int fs_torch_load_zip_mem(const unsigned char *buf, size_t len, int flags, fs_tensor_map **out, fs_err *err) {
    return load_with(load_zip, buf, len, flags, out, err);
}
int fs_torch_load_legacy_mem(const unsigned char *buf, size_t len, int flags, fs_tensor_map **out, fs_err *err) {
    return load_with(load_legacy, buf, len, flags, out, err);
}
int fs_torch_load_pickle_mem(const unsigned char *buf, size_t len, int flags, fs_tensor_map **out, fs_err *err) {
    return load_with(load_plain, buf, len, flags, out, err);
}

int fs_torch_load_mem(const unsigned char *buf, size_t len, int flags, fs_tensor_map **out, fs_err *err) {
    fs_tensor_map *m = fs_tensor_map_create();
    if (!m) return fs_errorf(err, "out of memory");
    int rc;
    if (fs_zip_is_zip(buf, len)) rc = load_zip(buf, len, flags, m, err);
    else if (fs_torch_is_legacy(buf, len)) rc = load_legacy(buf, len, flags, m, err);
    else if (fs_torch_is_pickle(buf, len)) rc = load_plain(buf, len, flags, m, err);
    else rc = fs_errorf(err, "not a PyTorch file (no zip, legacy torch.save or pickle signature)");
    if (rc) {
        fs_tensor_map_destroy(m);
        return rc;
    }
    *out = m;
    return FS_OK;
}
