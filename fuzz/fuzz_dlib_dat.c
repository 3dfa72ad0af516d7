/* fuzz_dlib_dat.c — dlib's .dat serialization (shape_predictor) on arbitrary bytes; a model that
 * parses is also run on a small image, so evaluation sees every index the reader let through. */
#include <stdint.h>
#include <string.h>

#include "face/shape_predictor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fs_shape_predictor *sp = NULL;
    fs_err err;
    if (fs_shape_predictor_parse(data, size, "fuzz.dat", &sp, &err) != FS_OK) return 0;
    uint8_t px[16 * 12 * 3];
    for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)(i * 37u);
    fs_image im = fs_image_view(px, 16, 12, 16 * 3);
    float box[4] = {-3.f, 1.f, 14.f, 18.f};
    float out[2 * 512];
    if (sp->num_parts <= 512) {
        fs_shape_predict(sp, &im, box, out);
        fs_shape_box_from_landmarks(sp, out, box);
        double T[6];
        fs_shape_fit_mean(sp, out, T);
        fs_shape_predict_affine(sp, &im, T, out);
    }
    fs_shape_predictor_destroy(sp);
    return 0;
}
