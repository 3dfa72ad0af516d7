/* faceapi_recognition.c — face-api's FaceRecognitionNet forward (see faceapi_recognition.h). */
#include "models/faceapi_recognition.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/faceapi_layers.h"

enum { S = 150, N_RES = 14 };

typedef struct {
    fs_fa_conv conv;
    float *sw, *sb; /* scale layer: x * sw + sb per channel */
} conv_layer;

typedef struct {
    conv_layer c1, c2;
    int down; /* residualDown: c1 is a 3x3 stride-2 'valid' conv */
} res_layer;

struct fs_fa_recognition {
    fs_fa_params params;
    conv_layer stem; /* conv32_down: 7x7 stride 2 'valid' */
    res_layer res[N_RES];
    float *fc; /* (256, 128) */
};

/* conv32_1, conv32_2, ... in face-api's order; names ending in "down" (but the stem) shrink. */
static const char *const res_names[N_RES] = {
    "conv32_1",     "conv32_2",  "conv32_3",  "conv64_down",  "conv64_1",  "conv64_2",  "conv64_3",
    "conv128_down", "conv128_1", "conv128_2", "conv256_down", "conv256_1", "conv256_2", "conv256_down_out"};

void fs_fa_recognition_destroy(fs_fa_recognition *net) {
    if (!net) return;
    fs_fa_params_free(&net->params);
    free(net);
}

static int load_conv_layer(fs_fa_params *p, const fs_tensor_map *m, const char *pre, conv_layer *c, fs_err *err) {
    char cp[96], sw[128], sb[128];
    snprintf(cp, sizeof cp, "%s/conv", pre);
    snprintf(sw, sizeof sw, "%s/scale/weights", pre);
    snprintf(sb, sizeof sb, "%s/scale/biases", pre);
    if (fs_fa_conv_load(p, m, cp, "filters", "bias", &c->conv, err)) return FS_ERR;
    return fs_fa_vec_load(p, m, sw, c->conv.cout, &c->sw, err) || fs_fa_vec_load(p, m, sb, c->conv.cout, &c->sb, err);
}

static int load_all(void *user, const fs_tensor_map *m, fs_err *err) {
    fs_fa_recognition *net = user;
    if (load_conv_layer(&net->params, m, "conv32_down", &net->stem, err)) return FS_ERR;
    for (int i = 0; i < N_RES; i++) {
        char a[64], b[64];
        snprintf(a, sizeof a, "%s/conv1", res_names[i]);
        snprintf(b, sizeof b, "%s/conv2", res_names[i]);
        net->res[i].down = strstr(res_names[i], "down") != NULL;
        if (load_conv_layer(&net->params, m, a, &net->res[i].c1, err) ||
            load_conv_layer(&net->params, m, b, &net->res[i].c2, err))
            return FS_ERR;
    }
    return fs_fa_mat_load(&net->params, m, "fc", 256, FS_FA_DESCRIPTOR, &net->fc, err);
}

int fs_fa_recognition_load(const char *manifest, fs_fa_recognition **out, fs_err *err) {
    fs_fa_recognition *net = calloc(1, sizeof *net);
    if (!net) return fs_errorf(err, "out of memory");
    if (fs_fa_load(manifest, load_all, net, err)) {
        fs_fa_recognition_destroy(net);
        return FS_ERR;
    }
    *out = net;
    return FS_OK;
}

/* conv (+bias) then the scale layer, optionally relu; stride 2 'valid' or stride 1 'same'. */
static void conv_layer_forward(float *out, const float *in, const conv_layer *c, int H, int W, int down, int relu,
                               int *Ho, int *Wo) {
    if (down) fs_fa_conv_valid_forward(out, in, &c->conv, H, W, 2, Ho, Wo);
    else fs_fa_conv_forward(out, in, &c->conv, H, W, 1, Ho, Wo);
    long hw = (long)*Ho * *Wo;
    for (int ch = 0; ch < c->conv.cout; ch++)
        for (long i = 0; i < hw; i++) {
            float *v = &out[ch * hw + i];
            *v = (float)((double)(float)((double)*v * c->sw[ch]) + c->sb[ch]);
        }
    if (relu) fs_fa_relu(out, (long)c->conv.cout * hw);
}

/* residual / residualDown; x (C, H, W) replaced by the result. b: 2 scratch arrays. */
static void res_forward(const res_layer *r, float *x, float **b, int *C, int *H, int *W) {
    int h, w, h2, w2, co = r->c2.conv.cout;
    conv_layer_forward(b[0], x, &r->c1, *H, *W, r->down, 1, &h, &w);
    conv_layer_forward(b[1], b[0], &r->c2, h, w, 0, 0, &h2, &w2);
    if (!r->down) {
        fs_fa_add(x, b[1], (long)co * h * w);
    } else { /* shortcut: avgPool 2x2/2 'valid' of x, channels zero-padded; main path padded to its size */
        int ph = *H / 2, pw = *W / 2;
        for (int c = 0; c < co; c++)
            for (int yy = 0; yy < ph; yy++)
                for (int xx = 0; xx < pw; xx++) {
                    double s = 0;
                    if (c < *C) {
                        const float *p = x + ((size_t)c * *H + 2 * yy) * *W + 2 * xx;
                        s = ((double)p[0] + p[1] + p[*W] + p[*W + 1]) / 4;
                        s = (float)s;
                    }
                    float m = (yy < h && xx < w) ? b[1][((size_t)c * h + yy) * w + xx] : 0.f;
                    b[0][((size_t)c * ph + yy) * pw + xx] = (float)(s + m);
                }
        memcpy(x, b[0], (size_t)co * ph * pw * sizeof(float));
        h = ph;
        w = pw;
    }
    *C = co;
    *H = h;
    *W = w;
    fs_fa_relu(x, (long)co * h * w);
}

int fs_fa_recognition_run(const fs_fa_recognition *net, const uint8_t *rgb, int stride, int x, int y, int w, int h,
                          float desc[FS_FA_DESCRIPTOR], fs_err *err) {
    size_t cap = (size_t)32 * 72 * 72; /* the stem's output, the largest activation */
    float *mem = malloc(3 * cap * sizeof(float));
    if (!mem) return fs_errorf(err, "out of memory");
    float *a = mem, *b[2] = {mem + cap, mem + 2 * cap};
    if (fs_fa_input(b[0], rgb, stride, x, y, w, h, S, err)) {
        free(mem);
        return FS_ERR;
    }
    fs_fa_normalize(b[1], b[0], S);
    int C = net->stem.conv.cout, H, W;
    conv_layer_forward(b[0], b[1], &net->stem, S, S, 1, 1, &H, &W);
    /* maxPool 3x3 stride 2 'valid' */
    int ho = (H - 3) / 2 + 1, wo = (W - 3) / 2 + 1;
    for (int c = 0; c < C; c++)
        for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++) {
                float m = b[0][((size_t)c * H + 2 * oy) * W + 2 * ox];
                for (int k = 0; k < 9; k++) {
                    float v = b[0][((size_t)c * H + 2 * oy + k / 3) * W + 2 * ox + k % 3];
                    if (!(v <= m)) m = v;
                }
                a[((size_t)c * ho + oy) * wo + ox] = m;
            }
    H = ho;
    W = wo;
    for (int i = 0; i < N_RES; i++) res_forward(&net->res[i], a, b, &C, &H, &W);
    float avg[256];
    for (int c = 0; c < C && c < 256; c++) {
        double s = 0;
        for (int i = 0; i < H * W; i++) s += a[(size_t)c * H * W + i];
        avg[c] = (float)(s / (H * W));
    }
    free(mem);
    for (int o = 0; o < FS_FA_DESCRIPTOR; o++) {
        double s = 0;
        for (int c = 0; c < 256; c++) s += (double)avg[c] * net->fc[(size_t)c * FS_FA_DESCRIPTOR + o];
        desc[o] = (float)s;
    }
    return FS_OK;
}
