/* rng.c — MT19937 + NumPy legacy distributions; see rng.h. */
#include "core/rng.h"

#include <math.h>

void fs_rng_seed(fs_rng *r, uint32_t seed) {
    r->mt[0] = seed;
    for (int i = 1; i < 624; i++) r->mt[i] = 1812433253u * (r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) + (uint32_t)i;
    r->pos = 624;
    r->has_gauss = 0;
    r->gauss = 0;
}

static void regenerate(fs_rng *r) {
    static const uint32_t mag01[2] = {0u, 0x9908b0dfu};
    uint32_t *mt = r->mt;
    int k;
    uint32_t y;
    for (k = 0; k < 624 - 397; k++) {
        y = (mt[k] & 0x80000000u) | (mt[k + 1] & 0x7fffffffu);
        mt[k] = mt[k + 397] ^ (y >> 1) ^ mag01[y & 1u];
    }
    for (; k < 623; k++) {
        y = (mt[k] & 0x80000000u) | (mt[k + 1] & 0x7fffffffu);
        mt[k] = mt[k + (397 - 624)] ^ (y >> 1) ^ mag01[y & 1u];
    }
    y = (mt[623] & 0x80000000u) | (mt[0] & 0x7fffffffu);
    mt[623] = mt[396] ^ (y >> 1) ^ mag01[y & 1u];
    r->pos = 0;
}

uint32_t fs_rng_u32(fs_rng *r) {
    if (r->pos >= 624) regenerate(r);
    uint32_t y = r->mt[r->pos++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= (y >> 18);
    return y;
}

double fs_rng_uniform(fs_rng *r) {
    uint32_t a = fs_rng_u32(r) >> 5, b = fs_rng_u32(r) >> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
}

double fs_rng_normal(fs_rng *r) {
    if (r->has_gauss) {
        double t = r->gauss;
        r->has_gauss = 0;
        r->gauss = 0;
        return t;
    }
    double x1, x2, r2;
    do {
        x1 = 2.0 * fs_rng_uniform(r) - 1.0;
        x2 = 2.0 * fs_rng_uniform(r) - 1.0;
        r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    double f = sqrt(-2.0 * log(r2) / r2);
    r->gauss = f * x1;
    r->has_gauss = 1;
    return f * x2;
}

void fs_rng_normal_f32(fs_rng *r, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = (float)fs_rng_normal(r);
}
