/* fuzz_pickle.c — the inert pickle VM and the allowlist interpreter on arbitrary bytes. */
#include <stdint.h>

#include "weights/torch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fs_tensor_map *m = NULL;
    fs_err err;
    if (fs_torch_load_pickle_mem(data, size, FS_TORCH_TO_F32, &m, &err) == FS_OK) fs_tensor_map_destroy(m);
    return 0;
}
