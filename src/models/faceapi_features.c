/* faceapi_features.c — face-api's FaceFeatureExtractor forward (see faceapi_features.h). */
#include "models/faceapi_features.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fs_fa_features_load(fs_fa_params *p, const fs_tensor_map *m, fs_fa_features *f, fs_err *err) {
    if (fs_fa_conv_load(p, m, "dense0/conv0", "filters", "bias", &f->conv0, err)) return FS_ERR;
    for (int b = 0; b < 4; b++)
        for (int i = b ? 0 : 1; i < 4; i++) {
            char pre[48];
            snprintf(pre, sizeof pre, "dense%d/conv%d", b, i);
            if (fs_fa_sepconv_load(p, m, pre, &f->sep[b][i], err)) return FS_ERR;
        }
    return FS_OK;
}

/* One dense block (denseBlock4 of face-api): out1 = relu(conv0(x)), out_k = sep_k(relu(sum)),
 * result relu(out1 + out2 + out3 + out4). buf: 5 arrays of `cap` floats. */
static void dense_block(const fs_fa_features *f, int b, float *x, float **buf, int *H, int *W, int *C) {
    float *o1 = buf[0], *o = buf[1], *sum = buf[2], *in = buf[3], *tmp = buf[4];
    int Ho, Wo, cout;
    if (b == 0) {
        fs_fa_conv_forward(o1, x, &f->conv0, *H, *W, 2, &Ho, &Wo);
        cout = f->conv0.cout;
    } else {
        fs_fa_sepconv_forward(o1, tmp, x, &f->sep[b][0], *H, *W, 2, &Ho, &Wo);
        cout = f->sep[b][0].cout;
    }
    long n = (long)cout * Ho * Wo;
    fs_fa_relu(o1, n);
    memcpy(sum, o1, (size_t)n * sizeof(float));
    for (int i = 1; i < 4; i++) {
        memcpy(in, sum, (size_t)n * sizeof(float));
        fs_fa_relu(in, n);
        int h2, w2;
        fs_fa_sepconv_forward(o, tmp, i == 1 ? o1 : in, &f->sep[b][i], Ho, Wo, 1, &h2, &w2);
        fs_fa_add(sum, o, n);
    }
    fs_fa_relu(sum, n);
    memcpy(x, sum, (size_t)n * sizeof(float));
    *H = Ho;
    *W = Wo;
    *C = cout;
}

int fs_fa_features_forward(const fs_fa_features *f, const float *img, float *out, fs_err *err) {
    const int S = FS_FA_FEATURES_SIZE;
    size_t cap = (size_t)32 * (S / 2) * (S / 2); /* the largest activation (dense0 output) */
    float *mem = malloc(6 * cap * sizeof(float));
    if (!mem) return fs_errorf(err, "out of memory");
    float *x = mem, *buf[5];
    for (int i = 0; i < 5; i++) buf[i] = mem + (size_t)(i + 1) * cap;
    fs_fa_normalize(x, img, S);
    int H = S, W = S, C = 3;
    for (int b = 0; b < 4; b++) dense_block(f, b, x, buf, &H, &W, &C);
    /* avgPool 7x7 stride 2 'valid' on the 7x7 map: the mean of each channel */
    for (int c = 0; c < C; c++) {
        double s = 0;
        for (int i = 0; i < H * W; i++) s += x[(size_t)c * H * W + i];
        out[c] = (float)(s / (H * W));
    }
    free(mem);
    return FS_OK;
}

static int load_head(void *user, const fs_tensor_map *m, fs_err *err) {
    fs_fa_feature_net *n = user;
    return fs_fa_features_load(&n->params, m, &n->features, err) ||
           fs_fa_fc_load(&n->params, m, "fc", FS_FA_FEATURES_OUT, n->fc.out, &n->fc, err);
}

int fs_fa_feature_net_load(const char *manifest, int n_out, fs_fa_feature_net *n, fs_err *err) {
    memset(n, 0, sizeof *n);
    n->fc.out = n_out;
    if (fs_fa_load(manifest, load_head, n, err) == FS_OK) return FS_OK;
    fs_fa_params_free(&n->params);
    return FS_ERR;
}

int fs_fa_feature_net_run(const fs_fa_feature_net *n, const uint8_t *rgb, int stride, int x, int y, int w, int h,
                          float *out, fs_err *err) {
    const int S = FS_FA_FEATURES_SIZE;
    float *img = malloc((size_t)3 * S * S * sizeof(float)), feat[FS_FA_FEATURES_OUT];
    if (!img) return fs_errorf(err, "out of memory");
    int rc = fs_fa_input(img, rgb, stride, x, y, w, h, S, err);
    if (rc == FS_OK) rc = fs_fa_features_forward(&n->features, img, feat, err);
    free(img);
    if (rc == FS_OK) fs_fa_fc_forward(out, feat, &n->fc);
    return rc;
}
