/* fuzz_weights.c — format sniffing + every reader + the canonical mapping (auto kind). */
#include <stdint.h>

#include "weights/load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fs_tensor_map *m = NULL, *c = NULL;
    fs_err err;
    if (fs_weights_load_mem(data, size, "array", &m, &err) != FS_OK) return 0;
    if (fs_weights_canonicalize(m, "auto", NULL, &c, &err) == FS_OK) fs_tensor_map_destroy(c);
    fs_tensor_map_destroy(m);
    return 0;
}
