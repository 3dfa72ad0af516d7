/* nettest.h — small helpers shared by the network parity tests. */
#ifndef FS_TESTS_NETTEST_H
#define FS_TESTS_NETTEST_H

#include "check.h"
#include "core/err.h"
#include "weights/safetensors.h"
#include "weights/tensormap.h"

/* Loads a fixture safetensors file (skips the test with 77 when ../shared is absent). */
static inline fs_tensor_map *nt_load(const char *rel) {
    const char *p = test_shared_path(rel);
    fs_tensor_map *m = NULL;
    fs_err err = {0};
    if (fs_safetensors_load(p, 0, &m, &err)) {
        fprintf(stderr, "FAIL load %s: %s\n", p, err.msg);
        exit(1);
    }
    return m;
}

/* The F32 data of a fixture tensor; fails the test when missing. */
static inline const float *nt_get(const fs_tensor_map *m, const char *name, long *n) {
    const fs_tensor *t = fs_tensor_map_get(m, name);
    if (!t || t->dtype != FS_F32) {
        fprintf(stderr, "FAIL fixture tensor '%s' missing or not F32\n", name);
        exit(1);
    }
    if (n) *n = (long)fs_tensor_numel(t);
    return (const float *)t->data;
}

#endif
