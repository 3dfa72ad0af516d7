/* faceapi_expression.c — face-api's FaceExpressionNet forward (see faceapi_expression.h). */
#include "models/faceapi_expression.h"

#include <math.h>
#include <stdlib.h>

#include "models/faceapi_features.h"

const char *const fs_fa_expression_names[FS_FA_N_EXPRESSIONS] = {"neutral", "happy",     "sad",      "angry",
                                                                 "fearful", "disgusted", "surprised"};

struct fs_fa_expression {
    fs_fa_feature_net net; /* fc: 256 -> 7 */
};

void fs_fa_expression_destroy(fs_fa_expression *net) {
    if (!net) return;
    fs_fa_params_free(&net->net.params);
    free(net);
}

int fs_fa_expression_load(const char *manifest, fs_fa_expression **out, fs_err *err) {
    fs_fa_expression *net = calloc(1, sizeof *net);
    if (!net) return fs_errorf(err, "out of memory");
    if (fs_fa_feature_net_load(manifest, FS_FA_N_EXPRESSIONS, &net->net, err)) {
        free(net);
        return FS_ERR;
    }
    *out = net;
    return FS_OK;
}

int fs_fa_expression_run(const fs_fa_expression *net, const uint8_t *rgb, int stride, int x, int y, int w, int h,
                         float probs[FS_FA_N_EXPRESSIONS], fs_err *err) {
    float o[FS_FA_N_EXPRESSIONS];
    if (fs_fa_feature_net_run(&net->net, rgb, stride, x, y, w, h, o, err)) return FS_ERR;
    fs_fa_softmax(probs, o, FS_FA_N_EXPRESSIONS);
    return FS_OK;
}
