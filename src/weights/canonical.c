/* canonical.c — map official layouts to facestitch's canonical names (docs/canonical-names.md). */
#include <string.h>

#include "weights/load.h"

int fs_weights_load_canonical_ex(const char *path, const char *kind, const char *backbone, fs_tensor_map **out,
                                 fs_err *err) {
    (void)kind;
    (void)backbone;
    return fs_weights_load(path, out, err);
}

int fs_weights_load_canonical(const char *path, const char *kind, fs_tensor_map **out, fs_err *err) {
    return fs_weights_load_canonical_ex(path, kind, NULL, out, err);
}
