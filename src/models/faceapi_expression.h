/* faceapi_expression.h — face-api's FaceExpressionNet (face_expression_model): probabilities of
 * 7 expressions of a face crop, as face-api's predictExpressions on that crop.
 *
 *   fs_fa_expression *net;
 *   if (fs_fa_expression_load(".../face_expression_model-weights_manifest.json", &net, &err)) ...;
 *   float p[FS_FA_N_EXPRESSIONS];          // in the order of fs_fa_expression_names
 *   fs_fa_expression_run(net, rgb, stride, x, y, w, h, p, &err);
 *   fs_fa_expression_destroy(net);
 *
 * Same trunk and input as the 68-landmark net (faceapi_features.h), a 256->7 dense layer, softmax.
 */
#ifndef FS_MODELS_FACEAPI_EXPRESSION_H
#define FS_MODELS_FACEAPI_EXPRESSION_H

#include <stdint.h>

#include "core/err.h"

enum { FS_FA_N_EXPRESSIONS = 7 };
/* "neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised" (face-api's order). */
extern const char *const fs_fa_expression_names[FS_FA_N_EXPRESSIONS];

typedef struct fs_fa_expression fs_fa_expression;

int fs_fa_expression_load(const char *manifest, fs_fa_expression **out, fs_err *err);
void fs_fa_expression_destroy(fs_fa_expression *net);
int fs_fa_expression_run(const fs_fa_expression *net, const uint8_t *rgb, int stride, int x, int y, int w, int h,
                         float probs[FS_FA_N_EXPRESSIONS], fs_err *err);

#endif
