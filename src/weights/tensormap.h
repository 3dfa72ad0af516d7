/* tensormap.h — an ordered collection of named tensors plus string metadata:
 * what every weights reader produces and every model loads from.
 *
 *   fs_tensor_map *m = NULL;
 *   if (fs_weights_load("G.safetensors", &m, &err)) { ...report err.msg... }
 *   const fs_tensor *w = fs_tensor_map_get(m, "mapping.fc0.weight");
 *   const char *kind = fs_tensor_map_meta(m, "kind");   // NULL when absent
 *   fs_tensor_map_destroy(m);
 *
 * Ownership: the map owns every tensor added to it (fs_tensor_map_add takes
 * ownership, also on failure) and its metadata strings.
 */
#ifndef FS_WEIGHTS_TENSORMAP_H
#define FS_WEIGHTS_TENSORMAP_H

#include "core/err.h"
#include "tensor/tensor.h"

typedef struct fs_tensor_map {
    int count, cap;
    fs_tensor **items;      /* items[i]->name is the key */
    int meta_count, meta_cap;
    char **meta_keys, **meta_values;
    /* private: lookup index, and the file mapping / buffer that tensors with
     * owns_data == 0 point into (released by _destroy). */
    int *index;
    int index_cap;
    void *map_base;
    size_t map_len;
    void *owned_buf;
} fs_tensor_map;

fs_tensor_map *fs_tensor_map_create(void);
void fs_tensor_map_destroy(fs_tensor_map *m);
/* Takes ownership of t (t->name must be set). Error on duplicate name. */
int fs_tensor_map_add(fs_tensor_map *m, fs_tensor *t, fs_err *err);
const fs_tensor *fs_tensor_map_get(const fs_tensor_map *m, const char *name);
fs_tensor *fs_tensor_map_get_mut(fs_tensor_map *m, const char *name);
/* Like _get but fails with "<what>: missing tensor 'name'" or a shape mismatch message
 * when shape is non-NULL and differs (ndim entries). */
int fs_tensor_map_require(const fs_tensor_map *m, const char *name, int ndim, const int64_t *shape,
                          const fs_tensor **out, fs_err *err);
int fs_tensor_map_set_meta(fs_tensor_map *m, const char *key, const char *value, fs_err *err);
const char *fs_tensor_map_meta(const fs_tensor_map *m, const char *key);

/* Removes a tensor from the map and hands it to the caller (always owning its data). NULL when absent. */
fs_tensor *fs_tensor_map_take(fs_tensor_map *m, const char *name);
/* Renames a tensor (error when absent, when the new name exists or is too long). */
int fs_tensor_map_rename(fs_tensor_map *m, const char *from, const char *to, fs_err *err);
/* Total number of elements over all tensors. */
int64_t fs_tensor_map_param_count(const fs_tensor_map *m);

#endif
