/* tensormap.c — ordered named tensors + string metadata (see tensormap.h). */
#include "weights/tensormap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

fs_tensor_map *fs_tensor_map_create(void) { return calloc(1, sizeof(fs_tensor_map)); }

void fs_tensor_map_destroy(fs_tensor_map *m) {
    if (!m) return;
    for (int i = 0; i < m->count; i++) fs_tensor_destroy(m->items[i]);
    free(m->items);
    for (int i = 0; i < m->meta_count; i++) {
        free(m->meta_keys[i]);
        free(m->meta_values[i]);
    }
    free(m->meta_keys);
    free(m->meta_values);
    if (m->map_base) munmap(m->map_base, m->map_len);
    free(m->owned_buf);
    free(m->index);
    free(m);
}

/* Linear search is fine for checkpoints (hundreds of tensors); lookups by model
 * loaders happen once per tensor. A hash index is built lazily above 64 items. */
static uint64_t name_hash(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int index_rebuild(fs_tensor_map *m) {
    int cap = 128;
    while (cap < m->count * 2 + 2) cap *= 2;
    int *idx = malloc((size_t)cap * sizeof *idx);
    if (!idx) return FS_ERR;
    for (int i = 0; i < cap; i++) idx[i] = -1;
    for (int i = 0; i < m->count; i++) {
        uint64_t h = name_hash(m->items[i]->name) & (uint64_t)(cap - 1);
        while (idx[h] >= 0) h = (h + 1) & (uint64_t)(cap - 1);
        idx[h] = i;
    }
    free(m->index);
    m->index = idx;
    m->index_cap = cap;
    return FS_OK;
}

static int find_index(const fs_tensor_map *m, const char *name) {
    if (m->index && m->index_cap > 0) {
        uint64_t h = name_hash(name) & (uint64_t)(m->index_cap - 1);
        while (m->index[h] >= 0) {
            if (!strcmp(m->items[m->index[h]]->name, name)) return m->index[h];
            h = (h + 1) & (uint64_t)(m->index_cap - 1);
        }
        return -1;
    }
    for (int i = 0; i < m->count; i++)
        if (!strcmp(m->items[i]->name, name)) return i;
    return -1;
}

int fs_tensor_map_add(fs_tensor_map *m, fs_tensor *t, fs_err *err) {
    if (!t) return fs_errorf(err, "tensor map: NULL tensor");
    if (!t->name[0]) {
        fs_tensor_destroy(t);
        return fs_errorf(err, "tensor map: tensor without a name");
    }
    if (find_index(m, t->name) >= 0) {
        int rc = fs_errorf(err, "duplicate tensor name '%s'", t->name);
        fs_tensor_destroy(t);
        return rc;
    }
    if (m->count == m->cap) {
        int ncap = m->cap ? m->cap * 2 : 16;
        fs_tensor **n = realloc(m->items, (size_t)ncap * sizeof *n);
        if (!n) {
            fs_tensor_destroy(t);
            return fs_errorf(err, "tensor map: out of memory");
        }
        m->items = n;
        m->cap = ncap;
    }
    m->items[m->count++] = t;
    if (m->count > 64 && (m->index || m->count * 2 + 2 > m->index_cap)) {
        if (m->count * 2 + 2 > m->index_cap) {
            if (index_rebuild(m)) {
                free(m->index);
                m->index = NULL;
                m->index_cap = 0;
            }
        } else {
            uint64_t h = name_hash(t->name) & (uint64_t)(m->index_cap - 1);
            while (m->index[h] >= 0) h = (h + 1) & (uint64_t)(m->index_cap - 1);
            m->index[h] = m->count - 1;
        }
    }
    return FS_OK;
}

const fs_tensor *fs_tensor_map_get(const fs_tensor_map *m, const char *name) {
    if (!m || !name) return NULL;
    int i = find_index(m, name);
    return i >= 0 ? m->items[i] : NULL;
}

fs_tensor *fs_tensor_map_get_mut(fs_tensor_map *m, const char *name) {
    if (!m || !name) return NULL;
    int i = find_index(m, name);
    return i >= 0 ? m->items[i] : NULL;
}

fs_tensor *fs_tensor_map_take(fs_tensor_map *m, const char *name) {
    if (!m || !name) return NULL;
    int i = find_index(m, name);
    if (i < 0) return NULL;
    fs_tensor *t = m->items[i];
    memmove(m->items + i, m->items + i + 1, (size_t)(m->count - i - 1) * sizeof *m->items);
    m->count--;
    if (m->index && index_rebuild(m)) {
        free(m->index);
        m->index = NULL;
        m->index_cap = 0;
    }
    if (!t->owns_data) {
        /* the data may live in the map's file mapping: give the caller its own copy */
        fs_tensor *c = fs_tensor_clone(t, NULL);
        fs_tensor_destroy(t);
        return c;
    }
    return t;
}

int fs_tensor_map_require(const fs_tensor_map *m, const char *name, int ndim, const int64_t *shape,
                          const fs_tensor **out, fs_err *err) {
    const fs_tensor *t = fs_tensor_map_get(m, name);
    if (!t) return fs_errorf(err, "missing tensor '%s'", name);
    if (shape) {
        int ok = t->ndim == ndim;
        for (int i = 0; ok && i < ndim; i++) ok = t->shape[i] == shape[i];
        if (!ok) {
            char got[160], want[160];
            fs_tensor want_t;
            memset(&want_t, 0, sizeof want_t);
            want_t.ndim = ndim > FS_MAX_DIMS ? FS_MAX_DIMS : ndim;
            for (int i = 0; i < want_t.ndim; i++) want_t.shape[i] = shape[i];
            return fs_errorf(err, "tensor '%s' has shape %s, expected %s", name, fs_tensor_shape_str(t, got, sizeof got),
                             fs_tensor_shape_str(&want_t, want, sizeof want));
        }
    }
    if (out) *out = t;
    return FS_OK;
}

int fs_tensor_map_set_meta(fs_tensor_map *m, const char *key, const char *value, fs_err *err) {
    for (int i = 0; i < m->meta_count; i++) {
        if (!strcmp(m->meta_keys[i], key)) {
            char *v = strdup(value);
            if (!v) return fs_errorf(err, "tensor map: out of memory");
            free(m->meta_values[i]);
            m->meta_values[i] = v;
            return FS_OK;
        }
    }
    if (m->meta_count == m->meta_cap) {
        int ncap = m->meta_cap ? m->meta_cap * 2 : 8;
        char **k = realloc(m->meta_keys, (size_t)ncap * sizeof *k);
        if (!k) return fs_errorf(err, "tensor map: out of memory");
        m->meta_keys = k;
        char **v = realloc(m->meta_values, (size_t)ncap * sizeof *v);
        if (!v) return fs_errorf(err, "tensor map: out of memory");
        m->meta_values = v;
        m->meta_cap = ncap;
    }
    char *k = strdup(key), *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        return fs_errorf(err, "tensor map: out of memory");
    }
    m->meta_keys[m->meta_count] = k;
    m->meta_values[m->meta_count] = v;
    m->meta_count++;
    return FS_OK;
}

const char *fs_tensor_map_meta(const fs_tensor_map *m, const char *key) {
    if (!m || !key) return NULL;
    for (int i = 0; i < m->meta_count; i++)
        if (!strcmp(m->meta_keys[i], key)) return m->meta_values[i];
    return NULL;
}

int fs_tensor_map_rename(fs_tensor_map *m, const char *from, const char *to, fs_err *err) {
    int i = find_index(m, from);
    if (i < 0) return fs_errorf(err, "missing tensor '%s'", from);
    if (strlen(to) >= sizeof m->items[i]->name) return fs_errorf(err, "tensor name too long: '%s'", to);
    if (strcmp(from, to) && find_index(m, to) >= 0) return fs_errorf(err, "duplicate tensor name '%s'", to);
    snprintf(m->items[i]->name, sizeof m->items[i]->name, "%s", to);
    if (m->index && index_rebuild(m)) {
        free(m->index);
        m->index = NULL;
        m->index_cap = 0;
    }
    return FS_OK;
}

int64_t fs_tensor_map_param_count(const fs_tensor_map *m) {
    int64_t n = 0;
    for (int i = 0; i < m->count; i++) n += fs_tensor_numel(m->items[i]);
    return n;
}
