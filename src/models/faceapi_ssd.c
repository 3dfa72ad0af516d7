/* faceapi_ssd.c — face-api's SsdMobilenetv1 forward, box decoding and NMS (see faceapi_ssd.h). */
#include "models/faceapi_ssd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/faceapi_layers.h"

enum { S = 512, N_PAIRS = 13, N_PRED = 8, N_BOXP = 6, N_ANCHORS = 5118 };

typedef struct {
    float *dw, *scale, *offset, *mean, *var; /* depthwise (C, 1, 3, 3) + batch norm */
    int c;
    fs_fa_conv pw; /* pointwise 1x1 + bn offset */
} conv_pair;

struct fs_fa_ssd {
    fs_fa_params params;
    fs_fa_conv conv0;            /* MobilenetV1/Conv2d_0: 3x3 stride 2 */
    conv_pair pairs[N_PAIRS];    /* MobilenetV1/Conv2d_1..13 */
    fs_fa_conv pred[N_PRED];     /* Prediction/Conv2d_0..7 */
    fs_fa_conv box[N_BOXP], cls[N_BOXP];
    float *anchors;              /* (5118, 4) */
};

void fs_fa_ssd_destroy(fs_fa_ssd *net) {
    if (!net) return;
    fs_fa_params_free(&net->params);
    free(net);
}

static int load_pair(fs_fa_ssd *net, const fs_tensor_map *m, int i, conv_pair *cp, fs_err *err) {
    char pre[96], n[160];
    snprintf(pre, sizeof pre, "MobilenetV1/Conv2d_%d_pointwise", i);
    if (fs_fa_conv_load(&net->params, m, pre, "weights", "convolution_bn_offset", &cp->pw, err)) return FS_ERR;
    cp->c = cp->pw.cin;
    snprintf(n, sizeof n, "MobilenetV1/Conv2d_%d_depthwise/depthwise_weights", i);
    if (fs_fa_depthwise_load(&net->params, m, n, cp->c, &cp->dw, err)) return FS_ERR;
    const char *bn[4] = {"gamma", "beta", "moving_mean", "moving_variance"};
    float **dst[4] = {&cp->scale, &cp->offset, &cp->mean, &cp->var};
    for (int k = 0; k < 4; k++) {
        snprintf(n, sizeof n, "MobilenetV1/Conv2d_%d_depthwise/BatchNorm/%s", i, bn[k]);
        if (fs_fa_vec_load(&net->params, m, n, cp->c, dst[k], err)) return FS_ERR;
    }
    return FS_OK;
}

static int load_all(void *user, const fs_tensor_map *m, fs_err *err) {
    fs_fa_ssd *net = user;
    if (fs_fa_conv_load(&net->params, m, "MobilenetV1/Conv2d_0_pointwise", "weights", "convolution_bn_offset",
                        &net->conv0, err))
        return FS_ERR;
    for (int i = 0; i < N_PAIRS; i++)
        if (load_pair(net, m, i + 1, &net->pairs[i], err)) return FS_ERR;
    for (int i = 0; i < N_PRED; i++) {
        char pre[64];
        snprintf(pre, sizeof pre, "Prediction/Conv2d_%d_pointwise", i);
        if (fs_fa_conv_load(&net->params, m, pre, "weights", "convolution_bn_offset", &net->pred[i], err)) return FS_ERR;
    }
    for (int i = 0; i < N_BOXP; i++) {
        char b[96], c[96];
        snprintf(b, sizeof b, "Prediction/BoxPredictor_%d/BoxEncodingPredictor", i);
        snprintf(c, sizeof c, "Prediction/BoxPredictor_%d/ClassPredictor", i);
        if (fs_fa_conv_load(&net->params, m, b, "weights", "biases", &net->box[i], err) ||
            fs_fa_conv_load(&net->params, m, c, "weights", "biases", &net->cls[i], err))
            return FS_ERR;
    }
    int64_t as[3] = {1, N_ANCHORS, 4};
    return fs_fa_tensor_load(&net->params, m, "Output/extra_dim", 3, as, &net->anchors, err);
}

int fs_fa_ssd_load(const char *manifest, fs_fa_ssd **out, fs_err *err) {
    fs_fa_ssd *net = calloc(1, sizeof *net);
    if (!net) return fs_errorf(err, "out of memory");
    if (fs_fa_load(manifest, load_all, net, err)) {
        fs_fa_ssd_destroy(net);
        return FS_ERR;
    }
    *out = net;
    return FS_OK;
}

static void relu6(float *x, long n) {
    for (long i = 0; i < n; i++) x[i] = x[i] > 6 ? 6 : (x[i] > 0 ? x[i] : (x[i] != x[i] ? x[i] : 0));
}

/* pointwiseConvLayer: conv (TF 'same') + bn offset, ReLU6. */
static void pointwise(float *out, const float *in, const fs_fa_conv *c, int *H, int *W, int stride) {
    int ho, wo;
    fs_fa_conv_forward(out, in, c, *H, *W, stride, &ho, &wo);
    relu6(out, (long)c->cout * ho * wo);
    *H = ho;
    *W = wo;
}

/* depthwiseConvLayer: depthwise (TF 'same'), batch norm as TF.js's CPU kernel, ReLU6. */
static void depthwise(float *out, const float *in, const conv_pair *cp, int *H, int *W, int stride) {
    int ho, wo;
    fs_fa_depthwise_forward(out, in, cp->dw, cp->c, *H, *W, stride, &ho, &wo);
    long hw = (long)ho * wo;
    for (int c = 0; c < cp->c; c++) {
        double k = (double)cp->scale[c] / sqrt((double)cp->var[c] + (double)0.0010000000474974513f);
        for (long i = 0; i < hw; i++) {
            float *v = &out[c * hw + i];
            *v = (float)(cp->offset[c] + ((double)*v - cp->mean[c]) * k);
        }
    }
    relu6(out, (long)cp->c * hw);
    *H = ho;
    *W = wo;
}

/* One box predictor on a (C, H, W) map: anchor base + (y*W + x)*A + a gets encodings enc[4] and
 * the class-1 logit. tmp: room for the predictor outputs. Returns the anchors it filled. */
static int predict(const fs_fa_ssd *net, int i, const float *f, int H, int W, int base, float *enc, float *logit,
                   float *tmp) {
    int ho, wo, A = net->box[i].cout / 4;
    long hw = (long)H * W;
    fs_fa_conv_forward(tmp, f, &net->box[i], H, W, 1, &ho, &wo);
    for (long p = 0; p < hw; p++)
        for (int a = 0; a < A; a++)
            for (int k = 0; k < 4; k++) enc[((size_t)base + p * A + a) * 4 + k] = tmp[(a * 4 + k) * hw + p];
    fs_fa_conv_forward(tmp, f, &net->cls[i], H, W, 1, &ho, &wo);
    for (long p = 0; p < hw; p++)
        for (int a = 0; a < A; a++) logit[base + p * A + a] = tmp[(a * 3 + 1) * hw + p];
    return (int)(hw * A);
}

/* The network: encodings (5118, 4) and class-1 logits (5118). */
static int forward(const fs_fa_ssd *net, const float *x0, float *enc, float *logit, fs_err *err) {
    size_t cap = (size_t)64 * (S / 2) * (S / 2);
    float *mem = malloc((3 * cap + (size_t)512 * 32 * 32) * sizeof(float));
    if (!mem) return fs_errorf(err, "out of memory");
    float *a = mem, *b = mem + cap, *tmp = mem + 2 * cap, *c11 = mem + 3 * cap;
    int H = S, W = S, n = 0, h11 = 0, w11 = 0;
    pointwise(a, x0, &net->conv0, &H, &W, 2);
    for (int i = 0; i < N_PAIRS; i++) {
        int li = i + 1, s = (li == 2 || li == 4 || li == 6 || li == 12) ? 2 : 1;
        depthwise(b, a, &net->pairs[i], &H, &W, s);
        pointwise(a, b, &net->pairs[i].pw, &H, &W, 1);
        if (li == 11) {
            memcpy(c11, a, (size_t)net->pairs[i].pw.cout * H * W * sizeof(float));
            h11 = H;
            w11 = W;
        }
    }
    n += predict(net, 0, c11, h11, w11, n, enc, logit, tmp);
    n += predict(net, 1, a, H, W, n, enc, logit, tmp);
    /* prediction convs: 0 (1x1), 1 (3x3/2), ... the odd ones feed predictors 2..5 */
    float *cur = a, *nxt = b;
    for (int i = 0; i < N_PRED; i++) {
        pointwise(nxt, cur, &net->pred[i], &H, &W, (i % 2) ? 2 : 1);
        float *t = cur;
        cur = nxt;
        nxt = t;
        if (i % 2) n += predict(net, 2 + i / 2, cur, H, W, n, enc, logit, tmp);
    }
    free(mem);
    if (n != N_ANCHORS) return fs_errorf(err, "ssd: the predictors give %d anchors, not %d", n, N_ANCHORS);
    return FS_OK;
}

/* decodeBoxesLayer, in float32 steps as TF.js: (ymin, xmin, ymax, xmax) relative to the 512 input. */
static void decode(const float *anc, const float *e, float *box) {
    float s0 = anc[2] - anc[0], s1 = anc[3] - anc[1];
    float c0 = anc[0] + s0 / 2, c1 = anc[1] + s1 / 2;
    float d0 = (float)exp((double)(e[2] / 5)) * s0 / 2, d1 = (float)exp((double)(e[3] / 5)) * s1 / 2;
    float a0 = e[0] / 10 * s0 + c0, a1 = e[1] / 10 * s1 + c1;
    box[0] = a0 - d0;
    box[1] = a1 - d1;
    box[2] = a0 + d0;
    box[3] = a1 + d1;
}

static double iou(const float *bi, const float *bj) {
    double yi0 = fmin(bi[0], bi[2]), xi0 = fmin(bi[1], bi[3]), yi1 = fmax(bi[0], bi[2]), xi1 = fmax(bi[1], bi[3]);
    double yj0 = fmin(bj[0], bj[2]), xj0 = fmin(bj[1], bj[3]), yj1 = fmax(bj[0], bj[2]), xj1 = fmax(bj[1], bj[3]);
    double ai = (yi1 - yi0) * (xi1 - xi0), aj = (yj1 - yj0) * (xj1 - xj0);
    if (ai <= 0 || aj <= 0) return 0;
    double ih = fmax(fmin(yi1, yj1) - fmax(yi0, yj0), 0), iw = fmax(fmin(xi1, xj1) - fmax(xi0, xj0), 0);
    return ih * iw / (ai + aj - ih * iw);
}

typedef struct {
    float score;
    int idx;
} cand;

static int by_score(const void *a, const void *b) {
    const cand *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    return x->idx - y->idx; /* JS's sort is stable */
}

/* face-api's nonMaxSuppression: greedy, IoU > 0.5 suppresses. Returns the kept count. */
static int nms(const float *boxes, const float *scores, float min_conf, int max_out, int *keep) {
    cand *c = malloc(N_ANCHORS * sizeof *c);
    if (!c) return -1;
    int nc = 0, nk = 0;
    for (int i = 0; i < N_ANCHORS; i++)
        if (scores[i] > min_conf) c[nc++] = (cand){scores[i], i};
    qsort(c, (size_t)nc, sizeof *c, by_score);
    for (int k = 0; k < nc && nk < max_out; k++) {
        int ok = 1;
        for (int j = nk - 1; j >= 0 && ok; j--)
            if (iou(boxes + 4 * c[k].idx, boxes + 4 * keep[j]) > 0.5) ok = 0;
        if (ok) keep[nk++] = c[k].idx;
    }
    free(c);
    return nk;
}

int fs_fa_ssd_detect(const fs_fa_ssd *net, const uint8_t *rgb, int stride, int w, int h, float min_confidence,
                     int max_results, fs_fa_box *out, int *n, fs_err *err) {
    if (max_results < 1 || max_results > FS_FA_SSD_MAX_RESULTS)
        return fs_errorf(err, "ssd: max_results %d is not in 1..%d", max_results, FS_FA_SSD_MAX_RESULTS);
    float *x = malloc((size_t)3 * S * S * sizeof(float)), *enc = malloc((size_t)N_ANCHORS * 9 * sizeof(float));
    int *keep = malloc(FS_FA_SSD_MAX_RESULTS * sizeof(int));
    int rc = (x && enc && keep) ? FS_OK : fs_errorf(err, "out of memory");
    float *logit = enc + 4 * N_ANCHORS, *boxes = enc + 5 * N_ANCHORS;
    if (rc == FS_OK) rc = fs_fa_input_ex(x, rgb, stride, 0, 0, w, h, S, 0, err);
    if (rc == FS_OK) {
        for (long i = 0; i < 3L * S * S; i++) x[i] = x[i] / 127.5f - 1;
        rc = forward(net, x, enc, logit, err);
    }
    int nk = 0;
    if (rc == FS_OK) {
        for (int i = 0; i < N_ANCHORS; i++) {
            decode(net->anchors + 4 * i, enc + 4 * i, boxes + 4 * i);
            logit[i] = (float)(1.0 / (1.0 + exp(-(double)logit[i])));
        }
        nk = nms(boxes, logit, min_confidence, max_results, keep);
        if (nk < 0) rc = fs_errorf(err, "out of memory");
    }
    double sc = (double)S / (w > h ? w : h);
    double px = (double)S / floor(w * sc + 0.5), py = (double)S / floor(h * sc + 0.5);
    for (int k = 0; rc == FS_OK && k < nk; k++) {
        const float *b = boxes + 4 * keep[k];
        double top = fmax(0, b[0]) * py, bottom = fmin(1.0, b[2]) * py;
        double left = fmax(0, b[1]) * px, right = fmin(1.0, b[3]) * px;
        out[k] = (fs_fa_box){left * w, top * h, (right - left) * w, (bottom - top) * h, logit[keep[k]]};
    }
    *n = rc == FS_OK ? nk : 0;
    free(x);
    free(enc);
    free(keep);
    return rc;
}
