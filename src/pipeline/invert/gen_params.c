#include "pipeline/invert/gen_params.h"

#include <stdlib.h>
#include <string.h>

#include "weights/safetensors.h"

int fs_gen_params_list(fs_sg2 *g, fs_sg2_grads *gr, fs_param **out, int *n, fs_err *err) {
    int count = fs_sg2_param_list(g, gr, 0, NULL, 0);
    fs_param *ps = calloc((size_t)(count > 0 ? count : 1), sizeof *ps);
    if (!ps) return fs_errorf(err, "out of memory");
    *n = fs_sg2_param_list(g, gr, 0, ps, count);
    *out = ps;
    return FS_OK;
}

int fs_gen_params_save(const fs_sg2 *g, const char *path, fs_err *err) {
    fs_tensor_map *m = NULL;
    if (fs_sg2_to_map(g, &m, err)) return FS_ERR;
    int rc = fs_safetensors_save(path, m, err);
    fs_tensor_map_destroy(m);
    return rc;
}

int fs_gen_params_load(fs_sg2 *g, const char *path, fs_err *err) {
    fs_tensor_map *m = NULL;
    if (fs_safetensors_load(path, FS_ST_TO_F32, &m, err)) return FS_ERR;
    const fs_sg2_config *c = &g->cfg;
    for (int i = 0; i < c->n_tensors; i++) {
        const fs_sg2_tensor_info *t = &c->tensors[i];
        const fs_tensor *s = fs_tensor_map_get(m, t->name);
        if (!s || s->dtype != FS_F32 || fs_tensor_numel(s) != t->numel || !fs_tensor_is_contiguous(s)) {
            fs_tensor_map_destroy(m);
            return fs_errorf(err, "%s: tensor '%s' missing or of another shape: not a checkpoint of this generator",
                             path, t->name);
        }
        memcpy(g->data + t->offset, s->data, sizeof(float) * (size_t)t->numel);
    }
    fs_tensor_map_destroy(m);
    return FS_OK;
}
