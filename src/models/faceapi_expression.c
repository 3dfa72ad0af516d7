/* faceapi_expression.c — face-api's FaceExpressionNet forward (see faceapi_expression.h). */
#include "models/faceapi_expression.h"

#include <math.h>
#include <stdlib.h>

#include "models/faceapi_features.h"
#include "weights/tfjs.h"

const char *const fs_fa_expression_names[FS_FA_N_EXPRESSIONS] = {"neutral", "happy",     "sad",      "angry",
                                                                 "fearful", "disgusted", "surprised"};

struct fs_fa_expression {
    fs_fa_params params;
    fs_fa_features features;
    fs_fa_fc fc; /* 256 -> 7 */
};

void fs_fa_expression_destroy(fs_fa_expression *net) {
    if (!net) return;
    fs_fa_params_free(&net->params);
    free(net);
}

int fs_fa_expression_load(const char *manifest, fs_fa_expression **out, fs_err *err) {
    fs_tensor_map *m = NULL;
    if (fs_tfjs_load(manifest, &m, err)) return FS_ERR;
    fs_fa_expression *net = calloc(1, sizeof *net);
    int rc = net ? FS_OK : fs_errorf(err, "out of memory");
    if (rc == FS_OK && (fs_fa_features_load(&net->params, m, &net->features, err) ||
                        fs_fa_fc_load(&net->params, m, "fc", 256, FS_FA_N_EXPRESSIONS, &net->fc, err)))
        rc = fs_err_prefix(err, manifest);
    fs_tensor_map_destroy(m);
    if (rc) {
        fs_fa_expression_destroy(net);
        return FS_ERR;
    }
    *out = net;
    return FS_OK;
}

int fs_fa_expression_run(const fs_fa_expression *net, const uint8_t *rgb, int stride, int x, int y, int w, int h,
                         float probs[FS_FA_N_EXPRESSIONS], fs_err *err) {
    const int S = FS_FA_FEATURES_SIZE;
    float *img = malloc((size_t)3 * S * S * sizeof(float)), feat[FS_FA_FEATURES_OUT], o[FS_FA_N_EXPRESSIONS];
    if (!img) return fs_errorf(err, "out of memory");
    int rc = fs_fa_input(img, rgb, stride, x, y, w, h, S, err);
    if (rc == FS_OK) rc = fs_fa_features_forward(&net->features, img, feat, err);
    free(img);
    if (rc) return FS_ERR;
    fs_fa_fc_forward(o, feat, &net->fc);
    fs_fa_softmax(probs, o, FS_FA_N_EXPRESSIONS);
    return FS_OK;
}
