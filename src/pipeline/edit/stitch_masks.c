#include "pipeline/edit/stitch_masks.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "face/mask.h"
#include "tensor/resize.h"

void fs_stitch_masks_destroy(fs_stitch_masks *m) {
    if (!m) return;
    free(m->border);
    free(m->content);
    free(m->full);
    free(m);
}

int fs_stitch_masks_create(const uint8_t *fg_in, int g, int res, const fs_stitch_mask_opts *o, fs_stitch_masks **out,
                           fs_err *err) {
    if (g < 4 || res < 4 || g > 8192 || res > 8192) return fs_errorf(err, "stitch masks: bad sizes %d/%d", g, res);
    fs_stitch_mask_opts d = {50, 0, 0};
    if (!o) o = &d;
    int b = (int)lround(o->outer / 2.0 * g / 512.0);
    if (b < 1) b = 1;
    int inner = (int)lround(o->inner / 2.0 * g / 512.0);
    const uint8_t *fg = fg_in;
    uint8_t *grown = NULL;
    if (inner > 0) {
        if (!(grown = malloc((size_t)g * g))) return fs_errorf(err, "stitch masks: out of memory");
        if (fs_mask_dilate(grown, fg_in, g, inner, err)) {
            free(grown);
            return FS_ERR;
        }
        fg = grown;
    }
    size_t gg = (size_t)g * g, rr = (size_t)res * res;
    uint8_t *full8 = malloc(gg);
    float *border = malloc(gg * sizeof(float)), *content = malloc(gg * sizeof(float)), *full = malloc(gg * sizeof(float));
    fs_stitch_masks *m = calloc(1, sizeof *m);
    if (m) {
        m->res = res;
        m->border = malloc(rr * sizeof(float));
        m->content = malloc(rr * sizeof(float));
        m->full = malloc(rr * sizeof(float));
    }
    if (!full8 || !border || !content || !full || !m || !m->border || !m->content || !m->full) {
        free(full8), free(border), free(content), free(full), free(grown);
        fs_stitch_masks_destroy(m);
        return fs_errorf(err, "stitch masks: out of memory");
    }
    if (fs_mask_dilate(full8, fg, g, b, err)) {
        free(full8), free(border), free(content), free(full), free(grown);
        fs_stitch_masks_destroy(m);
        return FS_ERR;
    }
    for (int y = 0; y < g; y++) {
        for (int x = 0; x < g; x++) {
            size_t i = (size_t)y * g + x;
            float t = fg[i] ? 1.0f : 0.0f;
            float edge = (y < b || x < b || y >= g - b || x >= g - b) ? 1.0f : 0.0f;
            float f = full8[i] ? 1.0f : 0.0f;
            float ring = o->whole_image_border ? 1.0f - t : f - t;
            float bd = fmaxf(fminf(edge, t), ring);
            bd = fminf(fmaxf(bd, 0.0f), 1.0f);
            border[i] = bd;
            content[i] = fminf(fmaxf((fg_in[i] ? 1.0f : 0.0f) - bd, 0.0f), 1.0f); /* Content uses F, not T */
            full[i] = f;
        }
    }
    int rc = fs_resize_bilinear_forward(m->border, border, 1, 1, g, g, res, res, 1, err);
    if (rc == FS_OK) rc = fs_resize_bilinear_forward(m->content, content, 1, 1, g, g, res, res, 1, err);
    if (rc == FS_OK) rc = fs_resize_bilinear_forward(m->full, full, 1, 1, g, g, res, res, 1, err);
    free(full8), free(border), free(content), free(full), free(grown);
    if (rc) {
        fs_stitch_masks_destroy(m);
        return FS_ERR;
    }
    *out = m;
    return FS_OK;
}
