/* fuzz_tracklets.c — the reader of pass 1's chunk files (DIR/tracklets/cNNNNNN.json) on arbitrary
 * bytes, as chunk 1 of 10 frames. */
#include <stdint.h>

#include "pipeline/project/tracklets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fs_track_chunk c = {0};
    fs_err err;
    if (fs_track_chunk_parse((const char *)data, size, "fuzz.json", 1, 10, &c, &err) == FS_OK) fs_track_chunk_clear(&c);
    return 0;
}
