/* tiny_models.h — `facestitch models init --tiny --out DIR`: a small random-weight model set
 * in facestitch's canonical layouts, so the whole pipeline runs end to end in CI in minutes:
 *   DIR/generator.safetensors   StyleGAN2, 64², w_dim 64, 10 ws
 *   DIR/encoder.safetensors     e4e (IR-SE units, widths 16/24/32/64), W+ (10, 64)
 *   DIR/lpips.safetensors       LPIPS alex-shaped trunk, non-negative heads
 *   DIR/parser.safetensors      BiSeNet (ResNet-18 shaped, narrow)
 *   DIR/directions/age.npy, DIR/directions/smile.npy   (num_ws, w_dim) float32, rows identical
 * Everything is deterministic for a seed. The weights are random: renders are not faces; the
 * set exercises the code paths and their numerics, not the visual quality.
 */
#ifndef FS_MODELS_TINY_MODELS_H
#define FS_MODELS_TINY_MODELS_H

#include <stdint.h>

#include "core/err.h"

int fs_tiny_models_write(const char *dir, uint32_t seed, fs_err *err);

#endif
