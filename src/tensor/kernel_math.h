/* kernel_math.h — per-element math shared by the CPU kernels and the CUDA kernels (src/tensor/cuda/), so both
 * compute each element with the same expression. FS_HD marks them callable on the GPU when nvcc compiles. */
#ifndef FS_TENSOR_KERNEL_MATH_H
#define FS_TENSOR_KERNEL_MATH_H

#include "tensor/bias_act.h"

#ifdef __CUDACC__
#define FS_HD __host__ __device__
#else
#define FS_HD
#endif

/* bias_act: out = clamp(act(t) * gain), t = in + bias */
static inline FS_HD float fs__act_fwd(float t, fs_act act, float alpha, float gain, float clamp) {
    if (act == FS_ACT_LRELU && !(t > 0)) t = t * alpha;
    if (gain != 1.0f) t = t * gain;
    if (clamp >= 0) t = t < -clamp ? -clamp : (t > clamp ? clamp : t);
    return t;
}

/* d out / d t (0 where the clamp cut) */
static inline FS_HD float fs__act_grad(float t, fs_act act, float alpha, float gain, float clamp) {
    float s = 1.0f;
    if (act == FS_ACT_LRELU && !(t > 0)) {
        s = alpha;
        t = t * alpha;
    }
    if (gain != 1.0f) t = t * gain;
    if (clamp >= 0 && (t < -clamp || t > clamp)) return 0.0f;
    return s * gain;
}

/* StyleGAN2 epilogue backward, one element: dz = dout * d/dv [clamp(lrelu(v, 0.2) g)] */
static inline FS_HD float fs__modact_dz(float dout, float v, float g, float cl) {
    float slope = v > 0 ? 1.0f : 0.2f;
    if (cl >= 0) {
        float a = (v > 0 ? v : v * 0.2f) * g;
        if (a < -cl || a > cl) slope = 0;
    }
    return dout * (slope * g);
}

#endif
