/* faceapi_age_gender.h — face-api's AgeGenderNet (age_gender_model): age (years) and gender of
 * a face crop, as face-api's predictAgeAndGender on that crop.
 *
 *   fs_fa_age_gender *net;
 *   if (fs_fa_age_gender_load(".../age_gender_model-weights_manifest.json", &net, &err)) ...;
 *   fs_fa_age_gender_out r;
 *   fs_fa_age_gender_run(net, rgb, stride, x, y, w, h, &r, &err);  // r.age, r.male, r.probability
 *   fs_fa_age_gender_destroy(net);
 *
 * TinyXception trunk (2 middle blocks) on the 112x112 input of faceapi_layers.h, 7x7 average
 * pool to 512 features, then a 512->1 age regression and a 512->2 softmax (index 0: male).
 */
#ifndef FS_MODELS_FACEAPI_AGE_GENDER_H
#define FS_MODELS_FACEAPI_AGE_GENDER_H

#include <stdint.h>

#include "core/err.h"

typedef struct fs_fa_age_gender fs_fa_age_gender;
typedef struct fs_fa_age_gender_out {
    float age;
    int male;          /* 1 when P(male) > 0.5 */
    float probability; /* of the gender given: P(male) or 1 - P(male) */
    float p_male;
} fs_fa_age_gender_out;

int fs_fa_age_gender_load(const char *manifest, fs_fa_age_gender **out, fs_err *err);
void fs_fa_age_gender_destroy(fs_fa_age_gender *net);
int fs_fa_age_gender_run(const fs_fa_age_gender *net, const uint8_t *rgb, int stride, int x, int y, int w, int h,
                         fs_fa_age_gender_out *r, fs_err *err);

#endif
