/* rosinality_names.h — the rosinality name of a canonical StyleGAN2 tensor, written independently of
 * weights/canonical.c (which maps the other way) so a test can build a rosinality map by hand. */
#ifndef TESTS_ROSINALITY_NAMES_H
#define TESTS_ROSINALITY_NAMES_H
#include <stdio.h>
#include <string.h>

static int log2i(int v) {
    int k = 0;
    while ((1 << k) < v) k++;
    return k;
}

static void test_rosinality_name(const char *canon, char *out, size_t n) {
    out[0] = 0;
    int i, res;
    char layer[16], rest[64];
    if (sscanf(canon, "mapping.fc%d.%63s", &i, rest) == 2) {
        snprintf(out, n, "style.%d.%s", i + 1, rest);
        return;
    }
    if (!strcmp(canon, "mapping.w_avg")) {
        snprintf(out, n, "latent_avg");
        return;
    }
    if (!strcmp(canon, "synthesis.b4.const")) {
        snprintf(out, n, "input.input");
        return;
    }
    if (sscanf(canon, "synthesis.b%d.%15[^.].%63s", &res, layer, rest) != 3) return;
    if (res < 4) return;
    int k = log2i(res) - 3; /* block index among the 8x8+ blocks */
    char mod[48];
    if (!strcmp(layer, "torgb")) {
        if (res == 4)
            snprintf(mod, sizeof mod, "to_rgb1");
        else
            snprintf(mod, sizeof mod, "to_rgbs.%d", k);
        if (!strcmp(rest, "weight"))
            snprintf(out, n, "%s.conv.weight", mod);
        else if (!strcmp(rest, "bias"))
            snprintf(out, n, "%s.bias", mod);
        else if (!strcmp(rest, "affine.weight"))
            snprintf(out, n, "%s.conv.modulation.weight", mod);
        else if (!strcmp(rest, "affine.bias"))
            snprintf(out, n, "%s.conv.modulation.bias", mod);
        return;
    }
    int noise_idx;
    if (res == 4 && !strcmp(layer, "conv1")) {
        snprintf(mod, sizeof mod, "conv1");
        noise_idx = 0;
    } else if (res > 4 && (!strcmp(layer, "conv0") || !strcmp(layer, "conv1"))) {
        int j = 2 * k + (layer[4] == '1');
        snprintf(mod, sizeof mod, "convs.%d", j);
        noise_idx = j + 1;
    } else {
        return;
    }
    if (!strcmp(rest, "weight"))
        snprintf(out, n, "%s.conv.weight", mod);
    else if (!strcmp(rest, "bias"))
        snprintf(out, n, "%s.activate.bias", mod);
    else if (!strcmp(rest, "affine.weight"))
        snprintf(out, n, "%s.conv.modulation.weight", mod);
    else if (!strcmp(rest, "affine.bias"))
        snprintf(out, n, "%s.conv.modulation.bias", mod);
    else if (!strcmp(rest, "noise_strength"))
        snprintf(out, n, "%s.noise.weight", mod);
    else if (!strcmp(rest, "noise_const"))
        snprintf(out, n, "noises.noise_%d", noise_idx);
}

#endif
