/* test_faceapi_layers.c — the pieces of face-api's pre-processing checked by hand (no networks
 * needed): TensorFlow's bilinear resize (legacy and half-pixel), the pad-to-square of
 * NetInput.toBatchTensor (centred: round(diff/2) after, the rest before; SSD: all after), and TF
 * "same" max pooling where padded cells never win. */
#include "check.h"
#include "models/faceapi_layers.h"
#include "tensor/resize.h"

int main(void) {
    /* 1x1x2 -> 1x1x4, legacy: src = dst * 0.5 -> 0, 0.5, 1, 1.5 (ceil clamped to 1) */
    const float in[2] = {10, 20};
    float out[4], want[4] = {10, 15, 20, 20};
    fs_resize_bilinear_tf_forward(out, in, 1, 1, 1, 2, 1, 4, 0, 0);
    check_allclose("tf resize legacy", out, want, 4, 0, 0);
    /* half-pixel: src = 0.5 (d + 0.5) - 0.5 = -0.25 (floor and ceil clamped to 0), 0.25, 0.75, 1.25 */
    float want_hp[4] = {10, 12.5f, 17.5f, 20};
    fs_resize_bilinear_tf_forward(out, in, 1, 1, 1, 2, 1, 4, 0, 1);
    check_allclose("tf resize half-pixel", out, want_hp, 4, 1e-6, 0);
    /* align_corners: ratio (2-1)/(4-1) */
    float want_ac[4] = {10, 10 + 10.f / 3, 10 + 20.f / 3, 20};
    fs_resize_bilinear_tf_forward(out, in, 1, 1, 1, 2, 1, 4, 1, 0);
    check_allclose("tf resize align-corners", out, want_ac, 4, 1e-5, 0);

    /* a 3x1 crop (w=3, h=1) padded to 3x3: centred -> diff 2, 1 row after, 1 before; SSD -> 2 after */
    uint8_t rgb[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    float sq[27];
    fs_err err;
    CHECK(fs_fa_input(sq, rgb, 9, 0, 0, 3, 1, 3, &err) == FS_OK);
    CHECK(sq[0] == 0 && sq[3] == 1 && sq[4] == 4 && sq[5] == 7 && sq[6] == 0); /* R plane: row 1 holds the crop */
    CHECK(fs_fa_input_ex(sq, rgb, 9, 0, 0, 3, 1, 3, 0, &err) == FS_OK);
    CHECK(sq[0] == 1 && sq[1] == 4 && sq[2] == 7 && sq[3] == 0 && sq[9 + 0] == 2); /* row 0, then zeros */
    /* 4x1 -> diff 3: round(1.5) = 2 after, 1 before */
    uint8_t row4[12] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
    float sq4[48];
    CHECK(fs_fa_input(sq4, row4, 12, 0, 0, 4, 1, 4, &err) == FS_OK);
    CHECK(sq4[0] == 0 && sq4[4] == 9 && sq4[8] == 0 && sq4[12] == 0);
    CHECK(fs_fa_input(sq4, row4, 12, 0, 0, 0, 1, 4, &err) == FS_ERR);

    /* maxpool 3x3/2 'same' on 4x4 of negatives: pad 1 bottom/right never wins over -5 */
    float m[16], mo[4];
    for (int i = 0; i < 16; i++) m[i] = -(float)(i + 5);
    int ho, wo;
    fs_fa_maxpool_same(mo, m, 1, 4, 4, 3, 2, &ho, &wo);
    float want_mp[4] = {-5, -7, -13, -15};
    CHECK(ho == 2 && wo == 2);
    check_allclose("maxpool same", mo, want_mp, 4, 0, 0);
    /* softmax: NaN in, NaN out */
    float s_in[2] = {NAN, 0}, s_out[2];
    fs_fa_softmax(s_out, s_in, 2);
    CHECK(isnan(s_out[0]) && isnan(s_out[1]));
    return check_finish();
}
