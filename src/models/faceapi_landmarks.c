/* faceapi_landmarks.c — face-api's FaceLandmark68Net forward (see faceapi_landmarks.h). */
#include "models/faceapi_landmarks.h"

#include <math.h>
#include <stdlib.h>

#include "models/faceapi_features.h"

struct fs_fa_landmarks {
    fs_fa_feature_net net; /* fc: 256 -> 136 */
};

void fs_fa_landmarks_destroy(fs_fa_landmarks *net) {
    if (!net) return;
    fs_fa_params_free(&net->net.params);
    free(net);
}

int fs_fa_landmarks_load(const char *manifest, fs_fa_landmarks **out, fs_err *err) {
    fs_fa_landmarks *net = calloc(1, sizeof *net);
    if (!net) return fs_errorf(err, "out of memory");
    if (fs_fa_feature_net_load(manifest, 136, &net->net, err)) {
        free(net);
        return FS_ERR;
    }
    *out = net;
    return FS_OK;
}

int fs_fa_landmarks_run(const fs_fa_landmarks *net, const uint8_t *rgb, int stride, int x, int y, int w, int h,
                        float pts[136], fs_err *err) {
    const int S = FS_FA_FEATURES_SIZE;
    float o[136];
    if (fs_fa_feature_net_run(&net->net, rgb, stride, x, y, w, h, o, err)) return FS_ERR;
    /* postProcess: (o * 112 - pad) / scaled size, float32 steps as TF.js; then * crop size. */
    double scale = (double)S / (w > h ? w : h);
    float sw = (float)(w * scale), sh = (float)(h * scale);
    float padx = sw < sh ? (float)(fabs((double)w * scale - h * scale) / 2) : 0.f;
    float pady = sh < sw ? (float)(fabs((double)w * scale - h * scale) / 2) : 0.f;
    for (int i = 0; i < 68; i++) {
        float ax = (float)((float)((double)o[2 * i] * S) - (double)padx);
        float ay = (float)((float)((double)o[2 * i + 1] * S) - (double)pady);
        pts[2 * i] = (float)((double)(float)((double)ax / sw) * w);
        pts[2 * i + 1] = (float)((double)(float)((double)ay / sh) * h);
    }
    return FS_OK;
}
