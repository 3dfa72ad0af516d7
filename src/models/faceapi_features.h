/* faceapi_features.h — face-api's FaceFeatureExtractor: the 112x112 trunk the 68-landmark net and
 * the expression net share (four dense blocks of separable convs, then a 7x7 average pool to 256
 * features). Used by faceapi_landmarks.c and faceapi_expression.c. */
#ifndef FS_MODELS_FACEAPI_FEATURES_H
#define FS_MODELS_FACEAPI_FEATURES_H

#include "models/faceapi_layers.h"

enum { FS_FA_FEATURES_SIZE = 112, FS_FA_FEATURES_OUT = 256 };

typedef struct fs_fa_features {
    fs_fa_conv conv0;        /* dense0/conv0: plain 3x3 conv, stride 2 */
    fs_fa_sepconv sep[4][4]; /* dense<b>/conv<i> (sep[0][0] unused) */
} fs_fa_features;

int fs_fa_features_load(fs_fa_params *p, const fs_tensor_map *m, fs_fa_features *f, fs_err *err);
/* img: (1, 3, 112, 112) in 0..255 (fs_fa_input); out: 256 features. */
int fs_fa_features_forward(const fs_fa_features *f, const float *img, float *out, fs_err *err);

/* The trunk plus a 256 -> n_out dense layer "fc": the 68-landmark and expression nets. */
typedef struct fs_fa_feature_net {
    fs_fa_params params;
    fs_fa_features features;
    fs_fa_fc fc;
} fs_fa_feature_net;
int fs_fa_feature_net_load(const char *manifest, int n_out, fs_fa_feature_net *n, fs_err *err);
/* The crop rgb[y:y+h, x:x+w] through input preparation, trunk and fc; out: n_out raw values. */
int fs_fa_feature_net_run(const fs_fa_feature_net *n, const uint8_t *rgb, int stride, int x, int y, int w, int h,
                          float *out, fs_err *err);

#endif
