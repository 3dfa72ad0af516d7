/* st_maxdiff A.safetensors B.safetensors TOL — the largest absolute difference over every f32 tensor
 * of A and B (same names and sizes); prints it and exits 0 when it is <= TOL (NaN fails). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weights/safetensors.h"

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: st_maxdiff A.safetensors B.safetensors TOL\n");
        return 2;
    }
    fs_tensor_map *a = NULL, *b = NULL;
    fs_err err = {0};
    if (fs_safetensors_load(argv[1], FS_ST_TO_F32, &a, &err) || fs_safetensors_load(argv[2], FS_ST_TO_F32, &b, &err)) {
        fprintf(stderr, "st_maxdiff: %s\n", err.msg);
        return 1;
    }
    double maxdiff = 0;
    long n = 0;
    int bad = a->count != b->count;
    for (int i = 0; i < a->count && !bad; i++) {
        const fs_tensor *x = a->items[i], *y = fs_tensor_map_get(b, x->name);
        if (!y || fs_tensor_numel(x) != fs_tensor_numel(y)) {
            bad = 1;
            break;
        }
        const float *p = x->data, *q = y->data;
        for (int64_t j = 0; j < fs_tensor_numel(x); j++, n++) {
            double d = fabs((double)p[j] - q[j]);
            if (!(d <= maxdiff) && maxdiff == maxdiff) maxdiff = d; /* a NaN comes in and stays */
        }
    }
    double tol = atof(argv[3]);
    if (bad) printf("FAIL tensors differ in names or sizes\n");
    else printf("%s maxdiff=%.3g over %ld values (tolerance %g)\n", maxdiff <= tol ? "OK" : "FAIL", maxdiff, n, tol);
    fs_tensor_map_destroy(a);
    fs_tensor_map_destroy(b);
    return !bad && maxdiff <= tol ? 0 : 1;
}
