/* image_input.c — images or raw [N,3,H,W] tensors as command-line inputs (see image_input.h). */
#include "cli/image_input.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checked.h"
#include "core/fileio.h"
#include "image/image.h"
#include "image/image_ops.h"
#include "weights/load.h"
#include "weights/safetensors.h"

void fs_cli_batch_free(fs_cli_batch *b) {
    if (!b) return;
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* a safetensors file by content (x.st, x.safetensors or any name) */
static int is_st(const char *path) {
    unsigned char head[16] = {0};
    FILE *fp = fopen(path, "rb");
    if (!fp) return 0;
    size_t n = fread(head, 1, sizeof head, fp);
    fclose(fp);
    const char *fmt = fs_weights_format_name(head, n);
    return fmt && !strcmp(fmt, "safetensors");
}

static int load_tensor(const char *path, const char *want, fs_cli_batch *b, fs_err *err) {
    fs_tensor_map *m = NULL;
    if (fs_safetensors_load(path, FS_ST_TO_F32, &m, err)) return FS_ERR;
    const fs_tensor *t = NULL;
    if (want) {
        t = fs_tensor_map_get(m, want);
        if (!t) {
            fs_tensor_map_destroy(m);
            return fs_errorf(err, "%s: no tensor named '%s'", path, want);
        }
    } else if (m->count == 1) {
        t = m->items[0];
    } else {
        int cand = 0;
        for (int i = 0; i < m->count; i++) {
            const fs_tensor *c = m->items[i];
            if (c->dtype == FS_F32 && c->ndim == 4 && c->shape[1] == 3) cand++, t = c;
        }
        if (cand != 1) {
            char names[512] = "";
            size_t len = 0;
            for (int i = 0; i < m->count && len < 400; i++)
                len += (size_t)snprintf(names + len, sizeof names - len, "%s%.60s", i ? ", " : "", m->items[i]->name);
            int count = m->count;
            fs_tensor_map_destroy(m);
            return fs_errorf(err, "%s: %d tensors (%s) and %d look like [N,3,H,W] images; name one as %s:NAME", path,
                             count, names, cand, path);
        }
    }
    char sb[96];
    if (t->dtype != FS_F32 || t->ndim != 4 || t->shape[1] != 3 || t->shape[0] < 1 || t->shape[2] < 1 ||
        t->shape[3] < 1 || t->shape[0] > 65536 || t->shape[2] > 65536 || t->shape[3] > 65536) {
        int rc = fs_errorf(err, "%s: tensor '%s' is %s %s; expected float32 [N,3,H,W] images in [-1,1]", path,
                           t->name, fs_dtype_name(t->dtype), fs_tensor_shape_str(t, sb, sizeof sb));
        fs_tensor_map_destroy(m);
        return rc;
    }
    size_t bytes = fs_tensor_nbytes(t);
    float *d = malloc(bytes ? bytes : 1);
    if (!d) {
        fs_tensor_map_destroy(m);
        return fs_errorf(err, "%s: out of memory", path);
    }
    fs_tensor dst = fs_tensor_view(d, t->ndim, t->shape);
    fs_tensor_copy(&dst, t);
    for (size_t i = 0; i < bytes / sizeof(float); i++)
        if (!isfinite(d[i])) {
            free(d);
            fs_tensor_map_destroy(m);
            return fs_errorf(err, "%s: tensor '%s' holds NaN or infinite values", path, t->name);
        }
    b->data = d;
    b->N = (int)t->shape[0];
    b->H = (int)t->shape[2];
    b->W = (int)t->shape[3];
    b->from_tensor = 1;
    fs_tensor_map_destroy(m);
    return FS_OK;
}

int fs_cli_batch_load(const char *arg, fs_cli_batch *b, fs_err *err) {
    memset(b, 0, sizeof *b);
    /* "FILE:NAME" picks one tensor of a multi-tensor safetensors FILE (when ARG itself is no file) */
    const char *colon = strrchr(arg, ':');
    if (colon && colon[1] && access(arg, F_OK) != 0) {
        size_t n = (size_t)(colon - arg);
        char *path = malloc(n + 1);
        if (!path) return fs_errorf(err, "out of memory");
        memcpy(path, arg, n);
        path[n] = 0;
        int rc = is_st(path) ? load_tensor(path, colon + 1, b, err) : -1;
        free(path);
        if (rc >= 0) return rc;
    }
    if (is_st(arg)) return load_tensor(arg, NULL, b, err);
    fs_image *im = NULL;
    if (fs_image_load(arg, &im, err)) return FS_ERR;
    size_t n;
    if (!fs_mul_size((size_t)im->w * (size_t)im->h, 3 * sizeof(float), &n) || !(b->data = malloc(n))) {
        fs_image_destroy(im);
        return fs_errorf(err, "%s: out of memory", arg);
    }
    fs_image_to_float(im, b->data);
    b->N = 1;
    b->H = im->h;
    b->W = im->w;
    fs_image_destroy(im);
    return FS_OK;
}

int fs_cli_save_tensor(const char *path, const char *name, const float *data, int ndim, const int64_t *shape,
                       const char *kind, fs_err *err) {
    fs_tensor_map *m = fs_tensor_map_create();
    if (!m) return fs_errorf(err, "out of memory");
    fs_tensor *t = fs_tensor_create(ndim, shape, err);
    if (!t) {
        fs_tensor_map_destroy(m);
        return FS_ERR;
    }
    memcpy(t->data, data, fs_tensor_nbytes(t));
    snprintf(t->name, sizeof t->name, "%s", name);
    int rc = fs_tensor_map_add(m, t, err);
    if (!rc) rc = fs_tensor_map_set_meta(m, "format", "facestitch", err);
    if (!rc && kind) rc = fs_tensor_map_set_meta(m, "kind", kind, err);
    if (!rc) rc = fs_tensor_map_set_meta(m, "version", "1", err);
    if (!rc) rc = fs_safetensors_save(path, m, err);
    fs_tensor_map_destroy(m);
    return rc;
}
