/* tiny_gen.h — a small random StyleGAN2 for pipeline tests (16², 3 blocks). */
#ifndef FS_TESTS_TINY_GEN_H
#define FS_TESTS_TINY_GEN_H

#include "check.h"
#include "models/stylegan2.h"

static inline fs_sg2 *tiny_gen(uint32_t seed) {
    fs_sg2_config cfg;
    fs_err err = {0};
    int ch[3] = {32, 32, 16};
    if (fs_sg2_config_init(&cfg, FS_SG2_LAYOUT_NVIDIA, 16, 3, 32, 32, 2, ch, &err)) {
        fprintf(stderr, "tiny_gen: %s\n", err.msg);
        exit(1);
    }
    fs_sg2 *g = NULL;
    if (fs_sg2_create(&g, &cfg, &err)) {
        fprintf(stderr, "tiny_gen: %s\n", err.msg);
        exit(1);
    }
    fs_sg2_init_random(g, seed, 0.2f);
    return g;
}

#endif
