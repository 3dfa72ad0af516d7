/* fuzz_tracks_json.c — the faces/tracks JSON reader (`align --tracks FACES.json`, a project's
 * tracks.json) on arbitrary bytes, bounded as for a video of 20000 frames. */
#include <stdint.h>

#include "pipeline/project/project.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fs_project_settings s;
    fs_project_settings_default(&s);
    s.size = 64;
    fs_aligned_tracks *t = NULL;
    fs_err err;
    if (fs_aligned_tracks_parse_json((const char *)data, size, "fuzz.json", &s, 20000, &t, &err) == FS_OK)
        fs_aligned_tracks_destroy(t);
    return 0;
}
