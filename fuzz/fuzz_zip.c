/* fuzz_zip.c — the zip reader (every entry inflated) and the PyTorch zip container on arbitrary bytes. */
#include <stdint.h>

#include "weights/torch.h"
#include "weights/zip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fs_err err;
    fs_zip *z = NULL;
    if (fs_zip_open(data, size, &z, &err) == FS_OK) {
        for (int i = 0; i < fs_zip_count(z) && i < 64; i++) {
            const unsigned char *p;
            size_t n;
            if (fs_zip_entry_data(z, i, &p, &n, &err) == FS_OK && n) {
                volatile unsigned char x = p[0] ^ p[n - 1];
                (void)x;
            }
        }
        fs_zip_close(z);
    }
    fs_tensor_map *m = NULL;
    if (fs_torch_load_zip_mem(data, size, FS_TORCH_TO_F32, &m, &err) == FS_OK) fs_tensor_map_destroy(m);
    return 0;
}
