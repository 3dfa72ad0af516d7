/* faceapi_ssd.h — face-api's SsdMobilenetv1 face detector (ssd_mobilenetv1_model): boxes and
 * scores of the faces in an image, as face-api's locateFaces / detectAllFaces with
 * SsdMobilenetv1Options.
 *
 *   fs_fa_ssd *net;
 *   if (fs_fa_ssd_load(".../ssd_mobilenetv1_model-weights_manifest.json", &net, &err)) ...;
 *   fs_fa_box faces[100];
 *   int n;
 *   fs_fa_ssd_detect(net, rgb, stride, w, h, 0.5f, 100, faces, &n, &err);  // best score first
 *   fs_fa_ssd_destroy(net);
 *
 * The image is zero-padded at the bottom or right to a square, TF-bilinear-resized to 512x512,
 * scaled to [-1, 1], run through MobileNet-V1 (depthwise convs + batch norm, ReLU6) and six box
 * predictors over 5118 anchors (the model's Output/extra_dim); boxes are decoded as face-api does
 * (centre offsets / 10, log sizes / 5), scores are sigmoid(class 1), then face-api's greedy NMS
 * (IoU threshold 0.5, candidates above min_confidence in score order).
 */
#ifndef FS_MODELS_FACEAPI_SSD_H
#define FS_MODELS_FACEAPI_SSD_H

#include <stdint.h>

#include "core/err.h"

typedef struct fs_fa_box {
    double x, y, w, h; /* input pixels (double, as face-api keeps them) */
    float score;
} fs_fa_box;

typedef struct fs_fa_ssd fs_fa_ssd;

enum { FS_FA_SSD_MAX_RESULTS = 100 };

int fs_fa_ssd_load(const char *manifest, fs_fa_ssd **out, fs_err *err);
void fs_fa_ssd_destroy(fs_fa_ssd *net);
/* out: room for max_results boxes (1..FS_FA_SSD_MAX_RESULTS); *n: how many were found. */
int fs_fa_ssd_detect(const fs_fa_ssd *net, const uint8_t *rgb, int stride, int w, int h, float min_confidence,
                     int max_results, fs_fa_box *out, int *n, fs_err *err);

#endif
