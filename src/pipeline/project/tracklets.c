/* tracklets.c — one chunk of pass 1 as JSON (tracklets.h):
 *   {"format": "facestitch-tracklets", "version": 1, "settings": "detector haar ...", "chunk": C, "chunk_frames": K, "decoded": D,
 *    "tracked": T, "eof": false, "tracklets": [[[frame, x0, y0, x1, y1, lm0x, lm0y, ...], ...], ...]}
 * Observations of a tracklet are in frame order; numbers are printed so that a float reads back
 * exactly (cJSON prints a double that round-trips), so a chunk read back equals the one tracked. */
#include "pipeline/project/tracklets.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define OBS_LEN (5 + 2 * FS_FACE_NUM_LANDMARKS)

static cJSON *obs_json(const fs_face_obs *o) {
    double v[OBS_LEN];
    v[0] = o->frame;
    for (int c = 0; c < 4; c++) v[1 + c] = o->box[c];
    for (int p = 0; p < FS_FACE_NUM_LANDMARKS; p++)
        for (int c = 0; c < 2; c++) v[5 + 2 * p + c] = o->lm[p][c];
    return cJSON_CreateDoubleArray(v, OBS_LEN);
}

int fs_track_chunk_to_json(const fs_track_chunk *c, int64_t chunk, char **text, fs_err *err) {
    cJSON *root = cJSON_CreateObject(), *arr = NULL;
    int ok = root != NULL;
    if (ok) {
        ok = cJSON_AddStringToObject(root, "format", FS_TRACK_CHUNK_FORMAT) &&
             cJSON_AddStringToObject(root, "settings", c->settings) &&
             cJSON_AddNumberToObject(root, "version", FS_TRACK_CHUNK_VERSION) &&
             cJSON_AddNumberToObject(root, "chunk", (double)c->index) &&
             cJSON_AddNumberToObject(root, "chunk_frames", (double)chunk) &&
             cJSON_AddNumberToObject(root, "decoded", (double)c->decoded) &&
             cJSON_AddNumberToObject(root, "tracked", c->tracklets->frames) && cJSON_AddBoolToObject(root, "eof", c->eof) &&
             (arr = cJSON_AddArrayToObject(root, "tracklets"));
    }
    for (int k = 0; ok && k < c->tracklets->count; k++) {
        const fs_face_track *t = &c->tracklets->tracks[k];
        cJSON *ta = cJSON_CreateArray();
        ok = ta && cJSON_AddItemToArray(arr, ta);
        for (int j = 0; ok && j < t->count; j++) {
            cJSON *o = obs_json(&t->obs[j]);
            ok = o && cJSON_AddItemToArray(ta, o);
        }
    }
    *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return *text ? FS_OK : fs_errorf(err, "out of memory");
}

static int int_field(const cJSON *root, const char *key, double lo, double hi, int64_t *v) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!cJSON_IsNumber(x) || !(x->valuedouble >= lo && x->valuedouble <= hi) || x->valuedouble != floor(x->valuedouble))
        return FS_ERR;
    *v = (int64_t)x->valuedouble;
    return FS_OK;
}

/* One tracklet: observations of frames in [lo, hi), increasing, every number finite. */
static int parse_tracklet(const cJSON *ta, int64_t lo, int64_t hi, fs_face_track *t, const char *name, fs_err *err) {
    int n = cJSON_GetArraySize(ta);
    if (!cJSON_IsArray(ta) || n < 1 || n > hi - lo) return fs_errorf(err, "%s: a tracklet is not a list of 1..%lld observations", name, (long long)(hi - lo));
    t->obs = calloc((size_t)n, sizeof *t->obs);
    if (!t->obs) return fs_errorf(err, "out of memory");
    int64_t prev = lo - 1;
    const cJSON *o;
    cJSON_ArrayForEach(o, ta) {
        double v[OBS_LEN];
        int m = 0;
        const cJSON *x;
        if (!cJSON_IsArray(o) || cJSON_GetArraySize(o) != OBS_LEN)
            return fs_errorf(err, "%s: an observation is not a list of %d numbers", name, OBS_LEN);
        cJSON_ArrayForEach(x, o) {
            if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble) || fabs(x->valuedouble) > 1e7)
                return fs_errorf(err, "%s: an observation holds a value that is not a finite number", name);
            v[m++] = x->valuedouble;
        }
        if (v[0] != floor(v[0]) || v[0] <= prev || v[0] >= hi)
            return fs_errorf(err, "%s: observation of frame %g outside the chunk [%lld, %lld) or out of order", name, v[0],
                             (long long)lo, (long long)hi);
        fs_face_obs *ob = &t->obs[t->count++];
        prev = (int64_t)v[0];
        ob->frame = (int)prev;
        for (int c = 0; c < 4; c++) ob->box[c] = (float)v[1 + c];
        for (int p = 0; p < FS_FACE_NUM_LANDMARKS; p++)
            for (int c = 0; c < 2; c++) ob->lm[p][c] = (float)v[5 + 2 * p + c];
    }
    return FS_OK;
}

static int parse_root(const cJSON *root, const char *name, int64_t index, int64_t chunk, fs_track_chunk *c,
                      fs_err *err) {
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, FS_TRACK_CHUNK_FORMAT))
        return fs_errorf(err, "%s: not a facestitch tracklets file", name);
    int64_t ver, ix, k, tracked;
    if (int_field(root, "version", 0, 1e9, &ver) || ver > FS_TRACK_CHUNK_VERSION)
        return fs_errorf(err, "%s: tracklets version newer than this build's (%d): delete DIR/tracklets to track again", name,
                         FS_TRACK_CHUNK_VERSION);
    if (int_field(root, "chunk", 0, 1e12, &ix) || ix != index || int_field(root, "chunk_frames", 0, 1e12, &k) || k != chunk)
        return fs_errorf(err, "%s: not chunk %lld of %lld frames", name, (long long)index, (long long)chunk);
    int64_t lo = chunk ? index * chunk : 0, hi = chunk ? lo + chunk : (int64_t)1 << 31;
    if (int_field(root, "decoded", 0, (double)(hi - lo), &c->decoded) || int_field(root, "tracked", 0, (double)c->decoded, &tracked))
        return fs_errorf(err, "%s: bad frame counts", name);
    const cJSON *eof = cJSON_GetObjectItemCaseSensitive(root, "eof"), *arr = cJSON_GetObjectItemCaseSensitive(root, "tracklets");
    int n = cJSON_GetArraySize(arr);
    if (!cJSON_IsBool(eof) || !cJSON_IsArray(arr) || n > FS_TRACK_CHUNK_MAX_FACES)
        return fs_errorf(err, "%s: no eof flag or no list of at most %d tracklets", name, FS_TRACK_CHUNK_MAX_FACES);
    const cJSON *set = cJSON_GetObjectItemCaseSensitive(root, "settings");
    if (!cJSON_IsString(set) || strlen(set->valuestring) >= sizeof c->settings)
        return fs_errorf(err, "%s: no settings text", name);
    snprintf(c->settings, sizeof c->settings, "%s", set->valuestring);
    c->index = index;
    c->eof = cJSON_IsTrue(eof);
    c->tracklets->frames = (int)tracked;
    c->tracklets->tracks = calloc((size_t)(n ? n : 1), sizeof *c->tracklets->tracks);
    if (!c->tracklets->tracks) return fs_errorf(err, "out of memory");
    const cJSON *ta;
    cJSON_ArrayForEach(ta, arr) {
        fs_face_track *t = &c->tracklets->tracks[c->tracklets->count];
        t->id = c->tracklets->count++;
        if (parse_tracklet(ta, lo, lo + c->decoded, t, name, err)) return FS_ERR;
    }
    return FS_OK;
}

int fs_track_chunk_parse(const char *text, size_t len, const char *name, int64_t index, int64_t chunk,
                         fs_track_chunk *c, fs_err *err) {
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) return fs_errorf(err, "%s: not valid JSON", name);
    fs_track_chunk r = {0};
    r.tracklets = calloc(1, sizeof *r.tracklets);
    int rc = r.tracklets ? parse_root(root, name, index, chunk, &r, err) : fs_errorf(err, "out of memory");
    cJSON_Delete(root);
    if (rc) {
        fs_track_chunk_clear(&r);
        return FS_ERR;
    }
    *c = r;
    return FS_OK;
}

void fs_track_chunk_clear(fs_track_chunk *c) {
    fs_face_tracks_destroy(c->tracklets);
    memset(c, 0, sizeof *c);
}
