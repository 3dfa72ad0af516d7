/* faceapi_landmarks.h — face-api's FaceLandmark68Net (face_landmark_68_model): 68 face points
 * from a face crop, as face-api's detectLandmarks on that crop.
 *
 *   fs_fa_landmarks *net;
 *   if (fs_fa_landmarks_load(".../face_landmark_68_model-weights_manifest.json", &net, &err)) ...;
 *   float pts[136];   // x0, y0, x1, y1, ... in crop pixels (0,0 = the crop's top-left corner)
 *   fs_fa_landmarks_run(net, rgb, stride, x, y, w, h, pts, &err);
 *   fs_fa_landmarks_destroy(net);
 *
 * The crop (integer box inside the image) is padded to a square, resized to 112 (TF bilinear),
 * run through the feature extractor and a 256->136 dense layer; points are mapped back the way
 * face-api's postProcess does (it assumes symmetric padding; reproduced as is).
 */
#ifndef FS_MODELS_FACEAPI_LANDMARKS_H
#define FS_MODELS_FACEAPI_LANDMARKS_H

#include <stdint.h>

#include "core/err.h"

typedef struct fs_fa_landmarks fs_fa_landmarks;

int fs_fa_landmarks_load(const char *manifest, fs_fa_landmarks **out, fs_err *err);
void fs_fa_landmarks_destroy(fs_fa_landmarks *net);
int fs_fa_landmarks_run(const fs_fa_landmarks *net, const uint8_t *rgb, int stride, int x, int y, int w, int h,
                        float pts[136], fs_err *err);

#endif
