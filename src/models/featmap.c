#include "models/featmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"

int fs_fmap_alloc(fs_fmap *f, int N, int C, int H, int W, const char *what, fs_err *err) {
    size_t n, b;
    f->N = N, f->C = C, f->H = H, f->W = W;
    f->d = NULL;
    if (N < 0 || C < 0 || H < 0 || W < 0 || !fs_mul_size((size_t)N * (size_t)C, (size_t)H * (size_t)W, &n) ||
        !fs_mul_size(n, sizeof(float), &b) || !(f->d = malloc(b ? b : 1)))
        return fs_errorf(err, "%s: out of memory", what);
    return FS_OK;
}

void fs_fmap_free(fs_fmap *f) {
    free(f->d);
    f->d = NULL;
}

int fs_bn_ref_load(const fs_tensor_map *m, const char *prefix, int C, fs_bn_ref *bn, fs_err *err) {
    static const char *const part[4] = {"running_mean", "running_var", "weight", "bias"};
    const float *p[4];
    int64_t shape[1] = {C};
    for (int i = 0; i < 4; i++) {
        char name[200];
        snprintf(name, sizeof name, "%s.%s", prefix, part[i]);
        const fs_tensor *t = NULL;
        if (fs_tensor_map_require(m, name, 1, shape, &t, err)) return FS_ERR;
        if (t->dtype != FS_F32 || !fs_tensor_is_contiguous(t))
            return fs_errorf(err, "tensor '%s' is %s, expected contiguous F32", name, fs_dtype_name(t->dtype));
        p[i] = (const float *)t->data;
    }
    bn->mean = p[0], bn->var = p[1], bn->gamma = p[2], bn->beta = p[3];
    return FS_OK;
}

int fs_map_has_prefix(const fs_tensor_map *m, const char *prefix) {
    size_t n = strlen(prefix);
    for (int i = 0; i < m->count; i++)
        if (!strncmp(m->items[i]->name, prefix, n)) return 1;
    return 0;
}
