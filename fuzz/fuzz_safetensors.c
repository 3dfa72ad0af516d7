/* fuzz_safetensors.c — the strict safetensors reader on arbitrary bytes (both dtype modes). */
#include <stdint.h>

#include "weights/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fs_tensor_map *m = NULL;
    fs_err err;
    if (fs_safetensors_load_mem(data, size, 0, &m, &err) == FS_OK) fs_tensor_map_destroy(m);
    m = NULL;
    if (fs_safetensors_load_mem(data, size, FS_ST_TO_F32 | FS_ST_I64_TO_F32, &m, &err) == FS_OK) fs_tensor_map_destroy(m);
    return 0;
}
