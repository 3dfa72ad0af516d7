/* fuzz_tfjs.c — the TF.js weights manifest reader on arbitrary bytes: the input up to its first
 * NUL is the manifest JSON, the rest is served as the bytes of every shard it names. */
#include <stdint.h>
#include <string.h>

#include "weights/tfjs.h"

typedef struct {
    const unsigned char *data;
    size_t len;
} shard_blob;

static int serve(void *user, const char *path, const unsigned char **data, size_t *len, fs_err *err) {
    (void)path;
    (void)err;
    const shard_blob *b = user;
    *data = b->data;
    *len = b->len;
    return FS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, 0, size);
    size_t jl = nul ? (size_t)(nul - data) : size;
    shard_blob b = {nul ? nul + 1 : data + size, nul ? size - jl - 1 : 0};
    fs_tensor_map *m = NULL;
    fs_err err;
    if (fs_tfjs_load_mem((const char *)data, jl, serve, &b, &m, &err) == FS_OK) fs_tensor_map_destroy(m);
    return 0;
}
