/* faceapi_age_gender.c — face-api's AgeGenderNet forward: TinyXception(2) + two heads (see
 * faceapi_age_gender.h). */
#include "models/faceapi_age_gender.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/faceapi_layers.h"

enum { S = 112, N_MAIN = 2 };

typedef struct {
    fs_fa_sepconv sep0, sep1;
    fs_fa_conv expansion; /* 1x1, stride 2 */
} reduction_block;

struct fs_fa_age_gender {
    fs_fa_params params;
    fs_fa_conv conv_in;
    reduction_block rb[3]; /* entry_flow/reduction_block_0, _1, exit_flow/reduction_block */
    fs_fa_sepconv main[N_MAIN][3];
    fs_fa_sepconv exit_sep;
    fs_fa_fc age, gender;
};

void fs_fa_age_gender_destroy(fs_fa_age_gender *net) {
    if (!net) return;
    fs_fa_params_free(&net->params);
    free(net);
}

static int load_rb(fs_fa_age_gender *net, const fs_tensor_map *m, const char *pre, reduction_block *rb, fs_err *err) {
    char a[96], b[96], c[96];
    snprintf(a, sizeof a, "%s/separable_conv0", pre);
    snprintf(b, sizeof b, "%s/separable_conv1", pre);
    snprintf(c, sizeof c, "%s/expansion_conv", pre);
    return fs_fa_sepconv_load(&net->params, m, a, &rb->sep0, err) || fs_fa_sepconv_load(&net->params, m, b, &rb->sep1, err) ||
           fs_fa_conv_load(&net->params, m, c, "filters", "bias", &rb->expansion, err);
}

static int load_all(void *user, const fs_tensor_map *m, fs_err *err) {
    fs_fa_age_gender *net = user;
    if (fs_fa_conv_load(&net->params, m, "entry_flow/conv_in", "filters", "bias", &net->conv_in, err) ||
        load_rb(net, m, "entry_flow/reduction_block_0", &net->rb[0], err) ||
        load_rb(net, m, "entry_flow/reduction_block_1", &net->rb[1], err) ||
        load_rb(net, m, "exit_flow/reduction_block", &net->rb[2], err) ||
        fs_fa_sepconv_load(&net->params, m, "exit_flow/separable_conv", &net->exit_sep, err) ||
        fs_fa_fc_load(&net->params, m, "fc/age", 512, 1, &net->age, err) ||
        fs_fa_fc_load(&net->params, m, "fc/gender", 512, 2, &net->gender, err))
        return FS_ERR;
    for (int b = 0; b < N_MAIN; b++)
        for (int i = 0; i < 3; i++) {
            char pre[64];
            snprintf(pre, sizeof pre, "middle_flow/main_block_%d/separable_conv%d", b, i);
            if (fs_fa_sepconv_load(&net->params, m, pre, &net->main[b][i], err)) return FS_ERR;
        }
    return FS_OK;
}

int fs_fa_age_gender_load(const char *manifest, fs_fa_age_gender **out, fs_err *err) {
    fs_fa_age_gender *net = calloc(1, sizeof *net);
    if (!net) return fs_errorf(err, "out of memory");
    if (fs_fa_load(manifest, load_all, net, err)) {
        fs_fa_age_gender_destroy(net);
        return FS_ERR;
    }
    *out = net;
    return FS_OK;
}

/* reductionBlock: maxpool(sep1(relu(sep0(act ? relu(x) : x)))) + expansion(x). x (C, H, W) is
 * replaced by the result; b: 3 scratch arrays. */
static void reduction(const reduction_block *rb, float *x, float **b, int act, int *C, int *H, int *W) {
    long n = (long)*C * *H * *W;
    memcpy(b[0], x, (size_t)n * sizeof(float));
    if (act) fs_fa_relu(b[0], n);
    int h, w, ho, wo;
    fs_fa_sepconv_forward(b[1], b[2], b[0], &rb->sep0, *H, *W, 1, &h, &w);
    fs_fa_relu(b[1], (long)rb->sep0.cout * h * w);
    fs_fa_sepconv_forward(b[0], b[2], b[1], &rb->sep1, h, w, 1, &h, &w);
    fs_fa_maxpool_same(b[1], b[0], rb->sep1.cout, h, w, 3, 2, &ho, &wo);
    fs_fa_conv_forward(b[0], x, &rb->expansion, *H, *W, 2, &h, &w);
    *C = rb->sep1.cout;
    *H = ho;
    *W = wo;
    n = (long)*C * ho * wo;
    memcpy(x, b[1], (size_t)n * sizeof(float));
    fs_fa_add(x, b[0], n);
}

/* mainBlock: sep2(relu(sep1(relu(sep0(relu(x)))))) + x. */
static void main_block(const fs_fa_sepconv *sep, float *x, float **b, int C, int H, int W) {
    long n = (long)C * H * W;
    memcpy(b[0], x, (size_t)n * sizeof(float));
    for (int i = 0; i < 3; i++) {
        int h, w;
        fs_fa_relu(b[0], n);
        fs_fa_sepconv_forward(b[1], b[2], b[0], &sep[i], H, W, 1, &h, &w);
        memcpy(b[0], b[1], (size_t)n * sizeof(float));
    }
    fs_fa_add(x, b[0], n);
}

int fs_fa_age_gender_run(const fs_fa_age_gender *net, const uint8_t *rgb, int stride, int x, int y, int w, int h,
                         fs_fa_age_gender_out *r, fs_err *err) {
    size_t cap = (size_t)64 * (S / 2) * (S / 2); /* the largest activation (first sep conv) */
    float *mem = malloc(5 * cap * sizeof(float));
    if (!mem) return fs_errorf(err, "out of memory");
    float *a = mem, *b[4] = {mem + cap, mem + 2 * cap, mem + 3 * cap, mem + 4 * cap};
    if (fs_fa_input(b[0], rgb, stride, x, y, w, h, S, err)) {
        free(mem);
        return FS_ERR;
    }
    fs_fa_normalize(b[1], b[0], S);
    int C, H, W;
    fs_fa_conv_forward(a, b[1], &net->conv_in, S, S, 2, &H, &W);
    C = net->conv_in.cout;
    fs_fa_relu(a, (long)C * H * W);
    reduction(&net->rb[0], a, b, 0, &C, &H, &W);
    reduction(&net->rb[1], a, b, 1, &C, &H, &W);
    for (int i = 0; i < N_MAIN; i++) main_block(net->main[i], a, b, C, H, W);
    reduction(&net->rb[2], a, b, 1, &C, &H, &W);
    int h2, w2;
    fs_fa_sepconv_forward(b[0], b[1], a, &net->exit_sep, H, W, 1, &h2, &w2);
    C = net->exit_sep.cout;
    fs_fa_relu(b[0], (long)C * H * W);
    float pooled[512], age, g[2], p[2];
    for (int c = 0; c < C; c++) {
        double s = 0;
        for (int i = 0; i < H * W; i++) s += b[0][(size_t)c * H * W + i];
        pooled[c] = (float)(s / (H * W));
    }
    free(mem);
    fs_fa_fc_forward(&age, pooled, &net->age);
    fs_fa_fc_forward(g, pooled, &net->gender);
    fs_fa_softmax(p, g, 2);
    r->age = age;
    r->p_male = p[0];
    r->male = p[0] > 0.5f;
    r->probability = r->male ? p[0] : (float)(1.0 - (double)p[0]);
    return FS_OK;
}
