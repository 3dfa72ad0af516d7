/* rng.h — deterministic random numbers that reproduce NumPy's legacy RandomState.
 *
 *   fs_rng r;
 *   fs_rng_seed(&r, 42);                 // np.random.RandomState(42)
 *   double u = fs_rng_uniform(&r);       // .random_sample()   (53-bit, [0,1))
 *   double g = fs_rng_normal(&r);        // .randn()           (polar Box-Muller, caches the 2nd value)
 *   fs_rng_normal_f32(&r, z, 512);       // .randn(1, 512).astype(float32), i.e. StyleGAN's
 *                                        // gen_images.py z for --seed 42
 *
 * MT19937 with init_genrand(seed) seeding (NumPy's legacy integer seeding), random_sample from two
 * 32-bit draws (a>>5, b>>6) -> (a*67108864+b)/9007199254740992, and NumPy's legacy_gauss.
 */
#ifndef FS_CORE_RNG_H
#define FS_CORE_RNG_H

#include <stdint.h>

typedef struct fs_rng {
    uint32_t mt[624];
    int pos;
    int has_gauss;
    double gauss;
} fs_rng;

void fs_rng_seed(fs_rng *r, uint32_t seed);
uint32_t fs_rng_u32(fs_rng *r);
double fs_rng_uniform(fs_rng *r);
double fs_rng_normal(fs_rng *r);
/* n standard normals (double precision draws rounded to float). */
void fs_rng_normal_f32(fs_rng *r, float *out, long n);

#endif
