/* load.c — fs_weights_load: sniff the container and read it (see load.h). */
#include "weights/load.h"

#include <string.h>

#include "weights/safetensors.h"

int fs_weights_load(const char *path, fs_tensor_map **out, fs_err *err) {
    return fs_safetensors_load(path, FS_ST_TO_F32, out, err);
}

int fs_weights_load_canonical(const char *path, const char *kind, fs_tensor_map **out, fs_err *err) {
    (void)kind;
    return fs_weights_load(path, out, err);
}
