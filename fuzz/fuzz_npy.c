/* fuzz_npy.c — the NumPy .npy reader on arbitrary bytes. */
#include <stdint.h>

#include "weights/torch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fs_tensor_map *m = NULL;
    fs_err err;
    if (fs_npy_load_mem(data, size, "array", FS_TORCH_TO_F32, &m, &err) == FS_OK) fs_tensor_map_destroy(m);
    return 0;
}
