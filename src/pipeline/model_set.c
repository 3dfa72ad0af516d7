#include "pipeline/model_set.h"

#include <stdio.h>
#include <string.h>

#include "core/path.h"
#include "core/fileio.h"
#include "registry/registry.h"
#include "weights/load.h"

/* dst: an FS_PATH_MAX field of fs_model_set; a longer src is an error, never cut */
static int set(char *dst, const char *src, fs_err *err) { return fs_path_fmt(dst, FS_PATH_MAX, err, "%s", src); }

/* explicit > models dir > registry; `required` turns a miss into an error. */
static int pick(char *dst, const char *explicit_path, const char *models_dir, const char *file, const char *reg_name,
                int required, int *from_registry, fs_err *err) {
    if (explicit_path) {
        if (!fs_file_exists(explicit_path)) return fs_errorf(err, "%s: no such file", explicit_path);
        return set(dst, explicit_path, err);
    }
    if (models_dir) {
        char p[FS_PATH_MAX];
        if (fs_path_join(p, sizeof p, models_dir, file, err)) return FS_ERR;
        if (fs_file_exists(p)) {
            set(dst, p, NULL);
            return FS_OK;
        }
        if (required) return fs_errorf(err, "%s: missing (expected in the models directory %s)", p, models_dir);
        set(dst, "", NULL);
        return FS_OK;
    }
    if (reg_name) {
        char p[FS_PATH_MAX];
        fs_err e2 = {0};
        if (fs_registry_path(reg_name, p, sizeof p, &e2) == FS_OK) {
            set(dst, p, NULL);
            if (from_registry) *from_registry = 1;
            return FS_OK;
        }
        if (required) {
            if (err) *err = e2;
            return fs_err_prefix(err, "no generator given (--model G or --models DIR), and the registry's");
        }
    }
    set(dst, "", NULL);
    return FS_OK;
}

int fs_model_set_resolve(const fs_model_args *a, fs_model_set *out, fs_err *err) {
    fs_model_set s;
    memset(&s, 0, sizeof s);
    if (a->models_dir) {
        if (!fs_file_exists(a->models_dir)) return fs_errorf(err, "%s: no such models directory", a->models_dir);
        if (set(s.models_dir, a->models_dir, err)) return FS_ERR;
    }
    if (pick(s.generator, a->generator, a->models_dir, "generator.safetensors", "stylegan2-ffhq", 1, &s.from_registry,
             err))
        return FS_ERR;
    if (!a->no_encoder &&
        pick(s.encoder, a->encoder, a->models_dir, "encoder.safetensors", "e4e-ffhq", 0, NULL, err))
        return FS_ERR;
    if (!a->no_lpips) {
        if (pick(s.lpips, a->lpips, a->models_dir, "lpips.safetensors", "lpips-alex", 0, NULL, err)) return FS_ERR;
        /* the registry's LPIPS is two files: lin layers + the torchvision trunk */
        if (!a->lpips && !a->models_dir && s.lpips[0]) {
            char p[FS_PATH_MAX];
            fs_err e2 = {0};
            if (fs_registry_path("alexnet-trunk", p, sizeof p, &e2) == FS_OK) set(s.lpips_backbone, p, NULL);
            else set(s.lpips, "", NULL); /* lin layers alone are useless */
        }
    }
    if (!a->no_parser &&
        pick(s.parser, a->parser, a->models_dir, "parser.safetensors", "bisenet-face", 0, NULL, err))
        return FS_ERR;
    *out = s;
    return FS_OK;
}

int fs_model_set_load_lpips(const fs_model_set *s, fs_lpips **out, fs_err *err) {
    if (!s->lpips[0]) return fs_errorf(err, "no LPIPS model");
    if (!s->lpips_backbone[0]) return fs_lpips_load(s->lpips, out, err);
    fs_tensor_map *lin = NULL, *trunk = NULL;
    if (fs_weights_load_canonical(s->lpips, "lpips", &lin, err)) return FS_ERR;
    if (fs_weights_load(s->lpips_backbone, &trunk, err)) {
        fs_tensor_map_destroy(lin);
        return FS_ERR;
    }
    /* move the trunk's features.* tensors into the lin map */
    for (int i = 0; i < trunk->count; i++) {
        fs_tensor *t = trunk->items[i];
        const char *n = strstr(t->name, "features.");
        if (!n || fs_tensor_map_get(lin, n)) continue;
        memmove(t->name, n, strlen(n) + 1);
        if (fs_tensor_map_add(lin, t, err)) {
            trunk->items[i] = NULL;
            trunk->count = i; /* the rest are still owned by trunk... keep it simple: */
            fs_tensor_map_destroy(lin);
            fs_tensor_map_destroy(trunk);
            return FS_ERR;
        }
        trunk->items[i] = NULL;
    }
    /* compact trunk so its destroy skips moved tensors */
    int k = 0;
    for (int i = 0; i < trunk->count; i++)
        if (trunk->items[i]) trunk->items[k++] = trunk->items[i];
    trunk->count = k;
    fs_tensor_map_destroy(trunk);
    return fs_lpips_create(out, lin, 1, err);
}

int fs_model_set_direction(const fs_model_set *s, const char *name, char *path, size_t n, fs_err *err) {
    if (fs_file_exists(name)) {
        return fs_path_fmt(path, n, err, "%s", name);
    }
    if (s->models_dir[0]) {
        if (fs_path_fmt(path, n, err, "%s/directions/%s.npy", s->models_dir, name)) return FS_ERR;
        if (fs_file_exists(path)) return FS_OK;
        return fs_errorf(err, "edit '%s': no such direction (not a file, and %s does not exist)", name, path);
    }
    char reg[300];
    snprintf(reg, sizeof reg, "direction-%s", name);
    if (fs_registry_path(reg, path, n, err) == FS_OK) return FS_OK;
    return fs_err_prefix(err, "edit direction");
}

void fs_model_set_describe(const fs_model_set *s, char *buf, size_t n) {
    snprintf(buf, n, "generator %s; encoder %s; lpips %s%s%s; parser %s", s->generator,
             s->encoder[0] ? s->encoder : "none (projection)", s->lpips[0] ? s->lpips : "none (L2-only PTI)",
             s->lpips_backbone[0] ? " + " : "", s->lpips_backbone, s->parser[0] ? s->parser : "none (landmark masks)");
}
