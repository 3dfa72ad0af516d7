/* tfjs.c — the TF.js weights manifest + shards reader (see tfjs.h). */
#include "weights/tfjs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/checked.h"
#include "core/fileio.h"
#include "core/path.h"
#include "weights/wutil.h"

typedef enum { Q_NONE, Q_U8, Q_U16, Q_F16 } fs__tfjs_q;

typedef struct {
    const char *name;
    int ndim;
    int64_t shape[FS_MAX_DIMS];
    int is_int;     /* dtype int32 (unquantised) */
    fs__tfjs_q q;
    double min, scale;
    size_t count, nbytes;
} fs__tfjs_spec;

static int parse_shape(const cJSON *s, fs__tfjs_spec *w, fs_err *err) {
    if (!cJSON_IsArray(s)) return fs_errorf(err, "weight '%s': \"shape\" is not an array", w->name);
    w->ndim = cJSON_GetArraySize(s);
    if (w->ndim > FS_MAX_DIMS) return fs_errorf(err, "weight '%s': %d dimensions (at most %d)", w->name, w->ndim, FS_MAX_DIMS);
    size_t count = 1;
    for (int i = 0; i < w->ndim; i++) {
        const cJSON *d = cJSON_GetArrayItem(s, i);
        double v = cJSON_IsNumber(d) ? d->valuedouble : -1;
        if (!(v >= 0 && v <= 2147483647.0) || v != floor(v))
            return fs_errorf(err, "weight '%s': shape[%d] is not a whole number from 0 to 2^31-1", w->name, i);
        w->shape[i] = (int64_t)v;
        if (!fs_mul_size(count, (size_t)v, &count)) return fs_errorf(err, "weight '%s': shape too large", w->name);
    }
    if (!fs__shape_ok(w->ndim, w->shape, 8)) return fs_errorf(err, "weight '%s': shape too large", w->name);
    w->count = count;
    return FS_OK;
}

static int finite_number(const cJSON *o, const char *key, double *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) return 0;
    *out = v->valuedouble;
    return 1;
}

static int parse_quant(const cJSON *q, fs__tfjs_spec *w, fs_err *err) {
    if (!q || cJSON_IsNull(q)) return FS_OK;
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(q, "dtype");
    if (!cJSON_IsObject(q) || !cJSON_IsString(dt))
        return fs_errorf(err, "weight '%s': \"quantization\" needs a \"dtype\" string", w->name);
    if (!strcmp(dt->valuestring, "float16")) {
        if (w->is_int) return fs_errorf(err, "weight '%s': float16 quantisation of an int32 weight", w->name);
        w->q = Q_F16;
        return FS_OK;
    }
    if (!strcmp(dt->valuestring, "uint8")) w->q = Q_U8;
    else if (!strcmp(dt->valuestring, "uint16")) w->q = Q_U16;
    else return fs_errorf(err, "weight '%s': quantization dtype '%s' (uint8, uint16 or float16)", w->name, dt->valuestring);
    if (!finite_number(q, "min", &w->min) || !finite_number(q, "scale", &w->scale))
        return fs_errorf(err, "weight '%s': quantization needs finite \"min\" and \"scale\"", w->name);
    return FS_OK;
}

static int parse_weight(const cJSON *o, fs__tfjs_spec *w, fs_err *err) {
    memset(w, 0, sizeof *w);
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(o, "name");
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(o, "dtype");
    if (!cJSON_IsObject(o) || !cJSON_IsString(nm) || !nm->valuestring[0] || strlen(nm->valuestring) >= sizeof(((fs_tensor *)0)->name))
        return fs_errorf(err, "a weight has no \"name\" (or an empty or over-long one)");
    w->name = nm->valuestring;
    if (!cJSON_IsString(dt)) return fs_errorf(err, "weight '%s': no \"dtype\"", w->name);
    if (!strcmp(dt->valuestring, "int32")) w->is_int = 1;
    else if (strcmp(dt->valuestring, "float32"))
        return fs_errorf(err, "weight '%s': dtype '%s' is not supported (float32, int32)", w->name, dt->valuestring);
    if (parse_shape(cJSON_GetObjectItemCaseSensitive(o, "shape"), w, err) ||
        parse_quant(cJSON_GetObjectItemCaseSensitive(o, "quantization"), w, err))
        return FS_ERR;
    size_t esz = w->q == Q_U8 ? 1 : (w->q == Q_U16 || w->q == Q_F16) ? 2 : 4;
    if (!fs_mul_size(w->count, esz, &w->nbytes)) return fs_errorf(err, "weight '%s': shape too large", w->name);
    return FS_OK;
}

/* A new F32 tensor from the weight's bytes at p (w->nbytes of them). */
static fs_tensor *decode(const fs__tfjs_spec *w, const unsigned char *p, fs_err *err) {
    fs_tensor *t = fs_tensor_create(w->ndim, w->shape, err);
    if (!t) return NULL;
    float *d = (float *)t->data;
    for (size_t i = 0; i < w->count; i++) {
        switch (w->q) {
        case Q_U8:
        case Q_U16: { /* TF.js: v * scale + min; int32 weights take Math.round of it */
            double v = (w->q == Q_U8 ? p[i] : fs__le16(p + 2 * i)) * w->scale + w->min;
            d[i] = (float)(w->is_int ? floor(v + 0.5) : v);
        } break;
        case Q_F16: d[i] = fs__half_to_float(fs__le16(p + 2 * i)); break;
        case Q_NONE: {
            uint32_t u = fs__le32(p + 4 * i);
            if (w->is_int) d[i] = (float)(int32_t)u;
            else memcpy(&d[i], &u, 4);
        } break;
        }
    }
    snprintf(t->name, sizeof t->name, "%s", w->name);
    return t;
}

/* Shard paths: relative, no "..", no backslash, no control characters. */
static int safe_path(const char *s) {
    size_t n = strlen(s);
    if (!n || n > 1000 || s[0] == '/' || strchr(s, '\\')) return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20) return 0;
    for (const char *p = s; p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL)
        if (!strncmp(p, "..", 2) && (p[2] == '/' || !p[2])) return 0;
    return 1;
}

/* The group's shards concatenated into a new buffer (*len bytes). */
static int group_bytes(const cJSON *paths, fs_tfjs_shard_fn shard, void *user, unsigned char **buf, size_t *len,
                       fs_err *err) {
    *buf = NULL;
    *len = 0;
    if (!cJSON_IsArray(paths) || cJSON_GetArraySize(paths) < 1) return fs_errorf(err, "\"paths\" is not a non-empty array");
    const cJSON *p;
    cJSON_ArrayForEach(p, paths) {
        if (!cJSON_IsString(p) || !safe_path(p->valuestring))
            return free(*buf), *buf = NULL, fs_errorf(err, "a shard path is not a relative path inside the model dir");
        const unsigned char *d;
        size_t n, total;
        if (shard(user, p->valuestring, &d, &n, err)) return free(*buf), *buf = NULL, FS_ERR;
        unsigned char *nb = NULL;
        if (!fs_add_size(*len, n, &total) || !(nb = realloc(*buf, total ? total : 1)))
            return free(*buf), *buf = NULL, fs_errorf(err, "%s: shards too large", p->valuestring);
        if (n) memcpy(nb + *len, d, n);
        *buf = nb;
        *len = total;
    }
    return FS_OK;
}

static int load_group(const cJSON *g, int gi, fs_tfjs_shard_fn shard, void *user, fs_tensor_map *m, fs_err *err) {
    const cJSON *ws = cJSON_GetObjectItemCaseSensitive(g, "weights");
    if (!cJSON_IsObject(g) || !cJSON_IsArray(ws)) return fs_errorf(err, "group %d: no \"weights\" array", gi);
    unsigned char *buf;
    size_t len, off = 0;
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(g, "paths"), 0);
    char where[1100];
    snprintf(where, sizeof where, "group %d (%s)", gi, cJSON_IsString(first) ? first->valuestring : "no shard");
    if (group_bytes(cJSON_GetObjectItemCaseSensitive(g, "paths"), shard, user, &buf, &len, err))
        return fs_err_prefix(err, where), FS_ERR;
    const cJSON *o;
    int rc = FS_OK;
    cJSON_ArrayForEach(o, ws) {
        fs__tfjs_spec w;
        size_t end;
        if ((rc = parse_weight(o, &w, err))) break;
        if (!fs_add_size(off, w.nbytes, &end) || end > len) {
            rc = fs_errorf(err, "weight '%s': the shards end after %zu bytes, it needs %zu more (shard too short)",
                           w.name, len, w.nbytes);
            break;
        }
        fs_tensor *t = decode(&w, buf + off, err);
        if (!t || fs_tensor_map_add(m, t, err)) {
            rc = FS_ERR;
            break;
        }
        off = end;
    }
    if (rc == FS_OK && off != len)
        rc = fs_errorf(err, "the shards hold %zu bytes but the weights use %zu (shard too long)", len, off);
    free(buf);
    if (rc) fs_err_prefix(err, where);
    return rc;
}

int fs_tfjs_load_mem(const char *json, size_t json_len, fs_tfjs_shard_fn shard, void *user, fs_tensor_map **out,
                     fs_err *err) {
    cJSON *root = cJSON_ParseWithLength(json, json_len);
    if (!root) return fs_errorf(err, "not valid JSON");
    if (!cJSON_IsArray(root) || cJSON_GetArraySize(root) < 1) {
        cJSON_Delete(root);
        return fs_errorf(err, "not a TF.js weights manifest (a non-empty JSON array of groups)");
    }
    fs_tensor_map *m = fs_tensor_map_create();
    int rc = m ? FS_OK : fs_errorf(err, "out of memory");
    int gi = 0;
    const cJSON *g;
    cJSON_ArrayForEach(g, root) {
        if (rc || (rc = load_group(g, gi++, shard, user, m, err))) break;
    }
    cJSON_Delete(root);
    if (rc == FS_OK) rc = fs_tensor_map_set_meta(m, "format", "tfjs", err);
    if (rc) {
        fs_tensor_map_destroy(m);
        return FS_ERR;
    }
    *out = m;
    return FS_OK;
}

/* Reads shards from the manifest's directory; keeps the last one read until the next call. */
typedef struct {
    char dir[FS_PATH_MAX];
    unsigned char *data;
} fs__tfjs_files;

static int file_shard(void *user, const char *path, const unsigned char **data, size_t *len, fs_err *err) {
    fs__tfjs_files *f = user;
    char full[FS_PATH_MAX];
    if (fs_path_fmt(full, sizeof full, err, "%s%s", f->dir, path)) return FS_ERR;
    free(f->data);
    f->data = NULL;
    if (fs_read_file(full, &f->data, len, err)) return FS_ERR;
    *data = f->data;
    return FS_OK;
}

int fs_tfjs_load(const char *manifest_path, fs_tensor_map **out, fs_err *err) {
    unsigned char *json;
    size_t n;
    if (fs_read_file(manifest_path, &json, &n, err)) return FS_ERR;
    fs__tfjs_files f = {{0}, NULL};
    const char *slash = strrchr(manifest_path, '/');
    size_t dl = slash ? (size_t)(slash - manifest_path + 1) : 0;
    if (dl >= sizeof f.dir) {
        free(json);
        return fs_errorf(err, "%s: path too long", manifest_path);
    }
    memcpy(f.dir, manifest_path, dl);
    int rc = fs_tfjs_load_mem((const char *)json, n, file_shard, &f, out, err);
    free(f.data);
    free(json);
    if (rc) return fs_err_prefix(err, manifest_path);
    return FS_OK;
}

int fs_tfjs_is_manifest(const char *path, const unsigned char *head, size_t n) {
    size_t pl = strlen(path);
    if (pl < 5 || strcmp(path + pl - 5, ".json")) return 0;
    size_t i = 0;
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\n' || head[i] == '\r')) i++;
    return i < n && head[i] == '[';
}
