/* test_align_old_project.c — resuming a project made before chunked pass 1 (src/pipeline/project/align.c):
 * its manifest has no settings.track_chunk and its tracks were made in one pass.
 *  - with tracks: `align` with the default chunk is accepted, tracks.json is left byte for byte, the key
 *    stays absent (so the next resume is accepted too);
 *  - a manifest that records another chunk is still refused, naming it;
 *  - without tracks yet: pass 1 runs with the chunk asked for, which the manifest then records. */
#include "check.h"
#include "core/fileio.h"
#include "pipeline/project/project.h"

#include <cjson/cJSON.h>
#include <unistd.h>

/* settings.track_chunk of DIR's manifest: removed (value < 0) or set; returns 0 on success */
static int set_manifest_chunk(const char *dir, double value) {
    fs_err err = {0};
    cJSON *set = fs_project_manifest_get(dir, "settings", &err);
    if (!cJSON_IsObject(set)) {
        cJSON_Delete(set);
        return -1;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(set, "track_chunk");
    if (value >= 0) cJSON_AddNumberToObject(set, "track_chunk", value);
    return fs_project_manifest_set(dir, "settings", set, &err) == FS_OK ? 0 : -1;
}

/* settings.track_chunk of DIR's manifest, -1 when absent */
static double manifest_chunk(const char *dir) {
    cJSON *set = fs_project_manifest_get(dir, "settings", NULL);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(set, "track_chunk");
    double r = cJSON_IsNumber(v) ? v->valuedouble : -1;
    cJSON_Delete(set);
    return r;
}

static int same_file(const char *path, const unsigned char *data, size_t len) {
    unsigned char *now = NULL;
    size_t n = 0;
    fs_err err = {0};
    if (fs_read_file(path, &now, &n, &err)) return 0;
    int same = n == len && memcmp(now, data, len) == 0;
    free(now);
    return same;
}

int main(void) {
    const char *clip = test_shared_path("media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4");
    fs_err err = {0};
    char tmp[] = "/tmp/fs_test_oldproj_XXXXXX";
    CHECK(mkdtemp(tmp) != NULL);
    char proj[600], tracks[700], cmd[800];
    snprintf(proj, sizeof proj, "%s/p", tmp);
    snprintf(tracks, sizeof tracks, "%s/tracks.json", proj);
    fs_project_align_opts ao = {0};
    fs_project_settings_default(&ao.settings);
    ao.settings.size = 64;
    ao.settings.max_frames = 12;
    snprintf(ao.settings.detector, sizeof ao.settings.detector, "haar");
    /* the previous version: one sequential pass, and no track_chunk in the manifest */
    ao.settings.track_chunk = 0;
    ao.tracks_only = 1;
    CHECK_MSG(fs_project_align(clip, proj, &ao, &err) == FS_OK, "%s", err.msg);
    CHECK(set_manifest_chunk(proj, -1) == 0 && manifest_chunk(proj) == -1);
    snprintf(cmd, sizeof cmd, "rm -rf '%s/tracklets'", proj);
    CHECK(system(cmd) == 0);
    unsigned char *before = NULL;
    size_t before_len = 0;
    CHECK_MSG(fs_read_file(tracks, &before, &before_len, &err) == FS_OK, "%s", err.msg);

    /* resumed with today's default chunk: accepted, tracks kept, key still absent (twice: stable) */
    ao.tracks_only = 0;
    ao.settings.track_chunk = 7;
    for (int run = 0; run < 2; run++) {
        CHECK_MSG(fs_project_align(clip, proj, &ao, &err) == FS_OK, "run %d: %s", run, err.msg);
        CHECK_MSG(before && same_file(tracks, before, before_len), "run %d: tracks.json changed", run);
        CHECK_MSG(manifest_chunk(proj) == -1, "run %d: manifest records track_chunk %g", run, manifest_chunk(proj));
    }
    fs_project *p = NULL;
    CHECK_MSG(fs_project_open(proj, &p, &err) == FS_OK, "%s", err.msg);
    CHECK(p && p->track_chunk_unrecorded && p->settings.track_chunk == 0 && p->tracks && p->tracks->count >= 1);
    fs_project_close(p);
    /* other settings of an older project are still refused */
    ao.settings.size = 32;
    CHECK(fs_project_align(clip, proj, &ao, &err) == FS_ERR && strstr(err.msg, "other settings"));
    ao.settings.size = 64;

    /* a recorded chunk that differs: refused, naming it; nothing rewritten */
    CHECK(set_manifest_chunk(proj, 0) == 0);
    CHECK(fs_project_align(clip, proj, &ao, &err) == FS_ERR && strstr(err.msg, "other settings") &&
          strstr(err.msg, "track chunk 0"));
    CHECK(manifest_chunk(proj) == 0 && same_file(tracks, before, before_len));

    /* an older project whose pass 1 never finished: tracked now with the chunk asked for, recorded */
    CHECK(set_manifest_chunk(proj, -1) == 0 && unlink(tracks) == 0);
    ao.tracks_only = 1;
    CHECK_MSG(fs_project_align(clip, proj, &ao, &err) == FS_OK, "%s", err.msg);
    CHECK_MSG(manifest_chunk(proj) == 7, "manifest records %g", manifest_chunk(proj));
    snprintf(cmd, sizeof cmd, "%s/tracklets/c000001.json", proj);
    CHECK_MSG(fs_file_exists(cmd), "no chunk file %s", cmd);

    free(before);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    CHECK(system(cmd) == 0);
    if (check__failures == 0) printf("OK older project resumed with its one-pass tracks; a recorded other chunk refused\n");
    return check_finish();
}
