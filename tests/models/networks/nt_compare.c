/* nt_compare — test tool for the CLI scripts: compares one tensor of a file written by the
 * CLI with one tensor of a fixture.
 *   nt_compare GOT.safetensors NAME REF.safetensors REFNAME abs|rel TOL
 *   nt_compare GOT.safetensors NAME --shape 1,19,64,64     (checks the shape only)
 *   nt_compare --labels LABELS.png REF.safetensors ARGMAX MAXBAD
 *       (the PNG's pixel values against an I64 argmax [N,1,H,W] stacked vertically; at most MAXBAD differ)
 * abs: pass when max|got-ref| <= TOL * max(1, max|ref|); rel: when max|got-ref| <= TOL * max|ref|.
 * Prints "OK ..." / "FAIL ..." and exits 0 / 1 (2 on usage or read errors). */
#include <stdio.h>
#include <string.h>

#include "image/image.h"
#include "nettest.h"

static const fs_tensor *get(fs_tensor_map *m, const char *name, const char *path) {
    const fs_tensor *t = fs_tensor_map_get(m, name);
    if (!t || t->dtype != FS_F32) {
        fprintf(stderr, "nt_compare: %s: no F32 tensor '%s'\n", path, name);
        exit(2);
    }
    return t;
}

static int shape_only(int argc, char **argv) {
    fs_err err = {0};
    fs_tensor_map *g = NULL;
    if (argc != 5 || fs_safetensors_load(argv[1], 0, &g, &err)) {
        fprintf(stderr, "nt_compare: %s\n", err.msg);
        return 2;
    }
    const fs_tensor *t = get(g, argv[2], argv[1]);
    char got[128] = "", b[32];
    for (int i = 0; i < t->ndim; i++) {
        snprintf(b, sizeof b, "%s%lld", i ? "," : "", (long long)t->shape[i]);
        strncat(got, b, sizeof got - strlen(got) - 1);
    }
    int ok = !strcmp(got, argv[4]);
    printf("%s %s shape %s (want %s)\n", ok ? "OK" : "FAIL", argv[2], got, argv[4]);
    fs_tensor_map_destroy(g);
    return ok ? 0 : 1;
}

static int labels(int argc, char **argv) {
    fs_err err = {0};
    fs_image *im = NULL;
    fs_tensor_map *r = NULL;
    if (argc != 6 || fs_image_load(argv[2], &im, &err) || fs_safetensors_load(argv[3], 0, &r, &err)) {
        fprintf(stderr, "nt_compare: %s\n", err.msg);
        return 2;
    }
    const fs_tensor *t = fs_tensor_map_get(r, argv[4]);
    if (!t || t->dtype != FS_I64 || t->ndim != 4) {
        fprintf(stderr, "nt_compare: %s: no I64 [N,1,H,W] tensor '%s'\n", argv[3], argv[4]);
        return 2;
    }
    long N = (long)t->shape[0], H = (long)t->shape[2], W = (long)t->shape[3], bad = 0;
    if (im->w != W || im->h != N * H) {
        printf("FAIL labels: PNG is %dx%d, want %ldx%ld\n", im->w, im->h, W, N * H);
        return 1;
    }
    const int64_t *am = t->data;
    for (long y = 0; y < N * H; y++)
        for (long x = 0; x < W; x++) {
            const uint8_t *px = fs_image_px(im, (int)x, (int)y);
            if (px[0] != am[y * W + x] || px[1] != px[0] || px[2] != px[0]) bad++;
        }
    int ok = bad <= atol(argv[5]);
    printf("%s labels: %ld of %ld pixels differ from %s (at most %s allowed)\n", ok ? "OK" : "FAIL", bad, N * H * W,
           argv[4], argv[5]);
    fs_image_destroy(im);
    fs_tensor_map_destroy(r);
    return ok ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "--labels")) return labels(argc, argv);
    if (argc >= 4 && !strcmp(argv[3], "--shape")) return shape_only(argc, argv);
    if (argc != 7) {
        fprintf(stderr, "usage: nt_compare GOT NAME REF REFNAME abs|rel TOL\n");
        return 2;
    }
    fs_err err = {0};
    fs_tensor_map *g = NULL, *r = NULL;
    if (fs_safetensors_load(argv[1], 0, &g, &err) || fs_safetensors_load(argv[3], 0, &r, &err)) {
        fprintf(stderr, "nt_compare: %s\n", err.msg);
        return 2;
    }
    const fs_tensor *tg = get(g, argv[2], argv[1]), *tr = get(r, argv[4], argv[3]);
    long n = (long)fs_tensor_numel(tr);
    if (fs_tensor_numel(tg) != n) {
        char a[96], b[96];
        printf("FAIL %s: shape %s vs reference %s\n", argv[2], fs_tensor_shape_str(tg, a, sizeof a),
               fs_tensor_shape_str(tr, b, sizeof b));
        return 1;
    }
    double tol = atof(argv[6]), mx = check_maxabs(tr->data, n), d = check_maxdiff(tg->data, tr->data, n);
    double lim = !strcmp(argv[5], "rel") ? tol * mx : tol * check_max(1.0, mx);
    int ok = d <= lim;
    printf("%s %s vs %s: maxdiff %.3g (limit %.3g, max|ref| %.3g)\n", ok ? "OK" : "FAIL", argv[2], argv[4], d, lim, mx);
    fs_tensor_map_destroy(g);
    fs_tensor_map_destroy(r);
    return ok ? 0 : 1;
}
