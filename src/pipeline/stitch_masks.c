#include "pipeline/stitch_masks.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void fs_dilate_square(uint8_t *out, const uint8_t *in, int g, int r) {
    /* separable: rows then columns (a square max filter is separable) */
    uint8_t *tmp = malloc((size_t)g * g);
    FS_ASSERT(tmp);
    for (int y = 0; y < g; y++) {
        /* running count of set pixels in the window [x-r, x+r] */
        int cnt = 0;
        for (int x = 0; x <= r && x < g; x++) cnt += in[y * g + x] != 0;
        for (int x = 0; x < g; x++) {
            tmp[y * g + x] = cnt > 0;
            int add = x + r + 1, rem = x - r;
            if (add < g) cnt += in[y * g + add] != 0;
            if (rem >= 0) cnt -= in[y * g + rem] != 0;
        }
    }
    for (int x = 0; x < g; x++) {
        int cnt = 0;
        for (int y = 0; y <= r && y < g; y++) cnt += tmp[y * g + x];
        for (int y = 0; y < g; y++) {
            out[y * g + x] = cnt > 0;
            int add = y + r + 1, rem = y - r;
            if (add < g) cnt += tmp[add * g + x];
            if (rem >= 0) cnt -= tmp[rem * g + x];
        }
    }
    free(tmp);
}

void fs_resize_plane_ac(float *out, int ho, int wo, const float *in, int h, int w) {
    for (int y = 0; y < ho; y++) {
        double sy = ho > 1 ? (double)y * (h - 1) / (ho - 1) : 0;
        int y0 = (int)floor(sy);
        if (y0 > h - 1) y0 = h - 1;
        int y1 = y0 + 1 < h ? y0 + 1 : h - 1;
        float fy = (float)(sy - y0);
        for (int x = 0; x < wo; x++) {
            double sx = wo > 1 ? (double)x * (w - 1) / (wo - 1) : 0;
            int x0 = (int)floor(sx);
            if (x0 > w - 1) x0 = w - 1;
            int x1 = x0 + 1 < w ? x0 + 1 : w - 1;
            float fx = (float)(sx - x0);
            float a = in[y0 * w + x0] * (1 - fx) + in[y0 * w + x1] * fx;
            float b = in[y1 * w + x0] * (1 - fx) + in[y1 * w + x1] * fx;
            out[y * wo + x] = a * (1 - fy) + b * fy;
        }
    }
}

void fs_stitch_masks_destroy(fs_stitch_masks *m) {
    if (!m) return;
    free(m->border);
    free(m->content);
    free(m->full);
    free(m);
}

int fs_stitch_masks_create(const uint8_t *fg, int g, int res, fs_stitch_masks **out, fs_err *err) {
    if (g < 4 || res < 4 || g > 8192 || res > 8192) return fs_errorf(err, "stitch masks: bad sizes %d/%d", g, res);
    int b = (int)lround(25.0 * g / 512.0);
    if (b < 1) b = 1;
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
        free(full8), free(border), free(content), free(full);
        fs_stitch_masks_destroy(m);
        return fs_errorf(err, "stitch masks: out of memory");
    }
    fs_dilate_square(full8, fg, g, b);
    for (int y = 0; y < g; y++) {
        for (int x = 0; x < g; x++) {
            size_t i = (size_t)y * g + x;
            float t = fg[i] ? 1.0f : 0.0f;
            float edge = (y < b || x < b || y >= g - b || x >= g - b) ? 1.0f : 0.0f;
            float f = full8[i] ? 1.0f : 0.0f;
            float ring = f - t;
            float bd = fmaxf(fminf(edge, t), ring);
            bd = fminf(fmaxf(bd, 0.0f), 1.0f);
            border[i] = bd;
            content[i] = fminf(fmaxf(t - bd, 0.0f), 1.0f);
            full[i] = f;
        }
    }
    fs_resize_plane_ac(m->border, res, res, border, g, g);
    fs_resize_plane_ac(m->content, res, res, content, g, g);
    fs_resize_plane_ac(m->full, res, res, full, g, g);
    free(full8), free(border), free(content), free(full);
    *out = m;
    return FS_OK;
}
