/* faceapi_recognition.h — face-api's FaceRecognitionNet (face_recognition_model): the 128-D face
 * descriptor of a face crop, as face-api's computeFaceDescriptor on that crop.
 *
 *   fs_fa_recognition *net;
 *   if (fs_fa_recognition_load(".../face_recognition_model-weights_manifest.json", &net, &err)) ...;
 *   float d[FS_FA_DESCRIPTOR];
 *   fs_fa_recognition_run(net, rgb, stride, x, y, w, h, d, &err);
 *   fs_fa_recognition_destroy(net);
 *
 * A ResNet-34-like net (dlib's face recognition model ported to TF.js) on a 150x150 input
 * (padded/resized as faceapi_layers.h): a 7x7/2 conv, 3x3/2 max pool, residual stages at 32, 64,
 * 128, 256 channels whose down-sampling shortcut is a 2x2 average pool zero-padded in channels
 * (and the main path zero-padded by a row and a column where the sizes differ, as face-api does),
 * global mean, then a 256->128 matrix.
 */
#ifndef FS_MODELS_FACEAPI_RECOGNITION_H
#define FS_MODELS_FACEAPI_RECOGNITION_H

#include <stdint.h>

#include "core/err.h"

enum { FS_FA_DESCRIPTOR = 128 };

typedef struct fs_fa_recognition fs_fa_recognition;

int fs_fa_recognition_load(const char *manifest, fs_fa_recognition **out, fs_err *err);
void fs_fa_recognition_destroy(fs_fa_recognition *net);
int fs_fa_recognition_run(const fs_fa_recognition *net, const uint8_t *rgb, int stride, int x, int y, int w, int h,
                          float desc[FS_FA_DESCRIPTOR], fs_err *err);

#endif
