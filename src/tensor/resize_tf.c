/* resize_tf.c — TensorFlow's ResizeBilinear (tf.image.resizeBilinear; TF.js CPU kernel
 * semantics): source = ratio * dst (or ratio * (dst + 0.5) - 0.5 with half_pixel), ratio =
 * in/out (or (in-1)/(out-1) with align_corners), floor clamped at 0, ceil clamped at in-1, lerp
 * along x then y, in double, rounded to float once. Not PyTorch's align_corners=False (which is
 * half_pixel here). See resize.h. */
#include <math.h>

#include "tensor/resize.h"

typedef struct {
    int lo, hi;
    double frac;
} tf_tap;

static tf_tap tap(int dst, int in_size, int out_size, int align_corners, int half_pixel) {
    int ac = align_corners && out_size > 1;
    double ratio = (double)(ac ? in_size - 1 : in_size) / (double)(ac ? out_size - 1 : out_size);
    double src = half_pixel ? ratio * (dst + 0.5) - 0.5 : ratio * dst;
    tf_tap t;
    double fl = floor(src);
    t.lo = fl < 0 ? 0 : (int)fl;
    t.frac = src - t.lo;
    double cl = ceil(src);
    t.hi = cl > in_size - 1 ? in_size - 1 : (int)cl;
    return t;
}

void fs_resize_bilinear_tf_forward(float *out, const float *in, int N, int C, int H, int W, int H_out, int W_out,
                                   int align_corners, int half_pixel) {
    for (int n = 0; n < N * C; n++) {
        const float *src = in + (long)n * H * W;
        float *dst = out + (long)n * H_out * W_out;
        for (int r = 0; r < H_out; r++) {
            tf_tap ty = tap(r, H, H_out, align_corners, half_pixel);
            const float *top = src + (long)ty.lo * W, *bot = src + (long)ty.hi * W;
            for (int c = 0; c < W_out; c++) {
                tf_tap tx = tap(c, W, W_out, align_corners, half_pixel);
                double t = top[tx.lo] + ((double)top[tx.hi] - top[tx.lo]) * tx.frac;
                double b = bot[tx.lo] + ((double)bot[tx.hi] - bot[tx.lo]) * tx.frac;
                dst[(long)r * W_out + c] = (float)(t + (b - t) * ty.frac);
            }
        }
    }
}
