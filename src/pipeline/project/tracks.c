/* tracks.c — aligned face tracks and their JSON form (the `faces` output and tracks.json). */
#include "pipeline/project/project.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/fileio.h"
#include "face/align.h"
#include "pipeline/params.h"

void fs_project_settings_default(fs_project_settings *s) {
    memset(s, 0, sizeof *s);
    s->size = 1024;
    s->antialias = 1;
    fs_params d;
    fs_params_default(&d);
    fs_params_to_settings(&d, s);
}

static void track_free(fs_aligned_track *t) {
    free(t->box);
    free(t->lm);
    free(t->observed);
    free(t->quad);
    free(t->coeffs);
}

void fs_aligned_tracks_destroy(fs_aligned_tracks *t) {
    if (!t) return;
    for (int i = 0; i < t->count; i++) track_free(&t->t[i]);
    free(t->t);
    free(t);
}

/* Fills quads/coeffs (and interpolates box/landmarks in gaps) of track tr from its observations. */
static int align_one(fs_aligned_track *tr, const fs_face_obs *obs, int count, const fs_project_settings *s, fs_err *err) {
    fs_align_track_out at;
    if (fs_align_track(obs, count, s->center_sigma, s->xy_sigma, &at, err)) return FS_ERR;
    int n = at.n;
    tr->first = at.first;
    tr->n = n;
    tr->box = calloc((size_t)n, sizeof *tr->box);
    tr->lm = calloc((size_t)n, sizeof *tr->lm);
    tr->observed = calloc((size_t)n, 1);
    tr->quad = calloc((size_t)n, sizeof *tr->quad);
    tr->coeffs = calloc((size_t)n, sizeof *tr->coeffs);
    if (!tr->box || !tr->lm || !tr->observed || !tr->quad || !tr->coeffs) {
        fs_align_track_free(&at);
        return fs_errorf(err, "out of memory for a track of %d frames", n);
    }
    for (int i = 0; i < count; i++) {
        int j = obs[i].frame - at.first;
        memcpy(tr->box[j], obs[i].box, sizeof tr->box[j]);
        memcpy(tr->lm[j], obs[i].lm, sizeof tr->lm[j]);
        tr->observed[j] = !obs[i].interpolated;
    }
    for (int i = 0; i + 1 < count; i++) {
        int a = obs[i].frame - at.first, b = obs[i + 1].frame - at.first;
        for (int j = a + 1; j < b; j++) {
            float t = (float)(j - a) / (float)(b - a);
            for (int q = 0; q < 4; q++) tr->box[j][q] = tr->box[a][q] + t * (tr->box[b][q] - tr->box[a][q]);
            for (int l = 0; l < FS_FACE_NUM_LANDMARKS; l++)
                for (int d = 0; d < 2; d++) tr->lm[j][l][d] = tr->lm[a][l][d] + t * (tr->lm[b][l][d] - tr->lm[a][l][d]);
        }
    }
    for (int j = 0; j < n; j++) {
        fs_align_quad(&at.smooth[j], tr->quad[j]);
        if (fs_align_coeffs(tr->quad[j], s->size, tr->coeffs[j])) {
            fs_align_track_free(&at);
            return fs_errorf(err, "degenerate face quad in track %d at frame %d", tr->id, at.first + j);
        }
    }
    fs_align_track_free(&at);
    return FS_OK;
}

int fs_aligned_tracks_from_faces(const fs_face_tracks *ft, int frames, double fps, int width, int height,
                              const fs_project_settings *s, fs_aligned_tracks **out, fs_err *err) {
    fs_aligned_tracks *t = calloc(1, sizeof *t);
    if (!t) return fs_errorf(err, "out of memory");
    t->frames = frames;
    t->fps = fps;
    t->width = width;
    t->height = height;
    t->size = s->size;
    int n = ft ? ft->count : 0;
    t->t = calloc((size_t)(n ? n : 1), sizeof *t->t);
    if (!t->t) {
        free(t);
        return fs_errorf(err, "out of memory");
    }
    for (int k = 0; k < n; k++) {
        const fs_face_track *src = &ft->tracks[k];
        if (src->count <= 0) continue;
        fs_aligned_track *tr = &t->t[t->count++];
        tr->id = src->id;
        if (align_one(tr, src->obs, src->count, s, err)) {
            fs_aligned_tracks_destroy(t);
            return FS_ERR;
        }
    }
    *out = t;
    return FS_OK;
}

static double r3(double v) { return round(v * 1000.0) / 1000.0; }

static cJSON *pair(double x, double y) {
    cJSON *a = cJSON_CreateArray();
    cJSON_AddItemToArray(a, cJSON_CreateNumber(r3(x)));
    cJSON_AddItemToArray(a, cJSON_CreateNumber(r3(y)));
    return a;
}

int fs_aligned_tracks_write_json(const fs_aligned_tracks *t, const char *path, int with_project, fs_err *err) {
    cJSON *root = cJSON_CreateObject();
    if (!root) return fs_errorf(err, "out of memory");
    cJSON_AddNumberToObject(root, "frames", t->frames);
    cJSON_AddNumberToObject(root, "fps", round(t->fps * 1e6) / 1e6);
    cJSON_AddNumberToObject(root, "width", t->width);
    cJSON_AddNumberToObject(root, "height", t->height);
    if (with_project) cJSON_AddNumberToObject(root, "size", t->size);
    cJSON *tracks = cJSON_AddArrayToObject(root, "tracks");
    for (int k = 0; k < t->count; k++) {
        const fs_aligned_track *tr = &t->t[k];
        cJSON *jt = cJSON_CreateObject();
        cJSON_AddItemToArray(tracks, jt);
        cJSON_AddNumberToObject(jt, "id", tr->id);
        cJSON *fr = cJSON_AddArrayToObject(jt, "frames");
        for (int i = 0; i < tr->n; i++) {
            cJSON *jf = cJSON_CreateObject();
            cJSON_AddItemToArray(fr, jf);
            cJSON_AddNumberToObject(jf, "frame", tr->first + i);
            cJSON *box = cJSON_AddArrayToObject(jf, "box");
            for (int q = 0; q < 4; q++) cJSON_AddItemToArray(box, cJSON_CreateNumber(r3(tr->box[i][q])));
            cJSON *lm = cJSON_AddArrayToObject(jf, "landmarks");
            for (int l = 0; l < FS_FACE_NUM_LANDMARKS; l++) cJSON_AddItemToArray(lm, pair(tr->lm[i][l][0], tr->lm[i][l][1]));
            cJSON *quad = cJSON_AddArrayToObject(jf, "quad");
            for (int q = 0; q < 4; q++) cJSON_AddItemToArray(quad, pair(tr->quad[i][q][0], tr->quad[i][q][1]));
            if (with_project) {
                cJSON *c = cJSON_AddArrayToObject(jf, "coeffs");
                for (int q = 0; q < 8; q++) cJSON_AddItemToArray(c, cJSON_CreateNumber(tr->coeffs[i][q]));
                cJSON_AddBoolToObject(jf, "observed", tr->observed[i]);
            }
        }
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text) return fs_errorf(err, "out of memory writing JSON");
    int rc = FS_OK;
    if (!path || !strcmp(path, "-")) {
        fputs(text, stdout);
        fputc('\n', stdout);
        fflush(stdout);
    } else {
        size_t len = strlen(text);
        text[len] = '\n';
        rc = fs_write_file_atomic(path, text, len + 1, err);
    }
    free(text);
    return rc;
}

static int num(const cJSON *o, const char *key, double *v) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble)) return 0;
    *v = x->valuedouble;
    return 1;
}

static int read_pairs(const cJSON *a, float (*out)[2], int n) {
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n) return 0;
    int i = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, a) {
        if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) != 2) return 0;
        const cJSON *x = cJSON_GetArrayItem(p, 0), *y = cJSON_GetArrayItem(p, 1);
        if (!cJSON_IsNumber(x) || !cJSON_IsNumber(y) || !isfinite(x->valuedouble) || !isfinite(y->valuedouble) ||
            fabs(x->valuedouble) > 1e6 || fabs(y->valuedouble) > 1e6)
            return 0;
        out[i][0] = (float)x->valuedouble;
        out[i][1] = (float)y->valuedouble;
        i++;
    }
    return 1;
}

int fs_aligned_tracks_read_json(const char *path, const fs_project_settings *s, int64_t max_frames, fs_aligned_tracks **out,
                             fs_err *err) {
    unsigned char *data = NULL;
    size_t len = 0;
    if (fs_read_file(path, &data, &len, err)) return FS_ERR;
    int rc = fs_aligned_tracks_parse_json((const char *)data, len, path, s, max_frames, out, err);
    free(data);
    return rc;
}

int fs_aligned_tracks_parse_json(const char *text, size_t len, const char *path, const fs_project_settings *s,
                              int64_t max_frames, fs_aligned_tracks **out, fs_err *err) {
    *out = NULL;
    if (max_frames <= 0 || max_frames > FS_TRACKS_MAX_FRAMES) max_frames = FS_TRACKS_MAX_FRAMES;
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) return fs_errorf(err, "%s: not valid JSON", path);
    fs_aligned_tracks *t = calloc(1, sizeof *t);
    fs_face_obs *obs = NULL;
    int rc = FS_ERR;
    double v;
    if (!t) {
        fs_errorf(err, "out of memory");
        goto done;
    }
    t->size = s->size;
    if (!num(root, "frames", &v) || v < 0 || v != floor(v)) {
        fs_errorf(err, "%s: missing or bad \"frames\"", path);
        goto done;
    }
    if (v > (double)max_frames) {
        fs_errorf(err, "%s: the tracks are for %.0f frames, more than the video's %lld", path, v, (long long)max_frames);
        goto done;
    }
    t->frames = (int)v;
    t->fps = num(root, "fps", &v) && v > 0 && v < 1e6 ? v : 25.0;
    t->width = num(root, "width", &v) && v > 0 && v <= 1e6 ? (int)v : 0;
    t->height = num(root, "height", &v) && v > 0 && v <= 1e6 ? (int)v : 0;
    const cJSON *tracks = cJSON_GetObjectItemCaseSensitive(root, "tracks");
    if (!cJSON_IsArray(tracks)) {
        fs_errorf(err, "%s: missing \"tracks\" array", path);
        goto done;
    }
    int nt = cJSON_GetArraySize(tracks);
    t->t = calloc((size_t)(nt ? nt : 1), sizeof *t->t);
    if (!t->t) {
        fs_errorf(err, "out of memory");
        goto done;
    }
    const cJSON *jt;
    cJSON_ArrayForEach(jt, tracks) {
        const cJSON *frames = cJSON_GetObjectItemCaseSensitive(jt, "frames");
        if (!num(jt, "id", &v) || v < 0 || v > 1e9 || !cJSON_IsArray(frames)) {
            fs_errorf(err, "%s: track %d has no \"id\" or \"frames\"", path, t->count);
            goto done;
        }
        int id = (int)v, n = cJSON_GetArraySize(frames);
        if (n == 0) continue;
        free(obs);
        obs = calloc((size_t)n, sizeof *obs);
        if (!obs) {
            fs_errorf(err, "out of memory");
            goto done;
        }
        int i = 0;
        const cJSON *jf;
        cJSON_ArrayForEach(jf, frames) {
            double f;
            if (!num(jf, "frame", &f) || f < 0 || f >= t->frames ||
                !read_pairs(cJSON_GetObjectItemCaseSensitive(jf, "landmarks"), obs[i].lm, FS_FACE_NUM_LANDMARKS)) {
                fs_errorf(err, "%s: track %d, entry %d: bad \"frame\" or \"landmarks\" (68 [x,y] pairs)", path, id, i);
                goto done;
            }
            obs[i].frame = (int)f;
            if (i > 0 && obs[i].frame <= obs[i - 1].frame) {
                fs_errorf(err, "%s: track %d: frames are not increasing at entry %d", path, id, i);
                goto done;
            }
            if (i > 0 && obs[i].frame - obs[i - 1].frame > FS_TRACKS_MAX_GAP + 1) {
                fs_errorf(err, "%s: track %d: %d frames without landmarks before entry %d (at most %d are interpolated)",
                          path, id, obs[i].frame - obs[i - 1].frame - 1, i, FS_TRACKS_MAX_GAP);
                goto done;
            }
            const cJSON *box = cJSON_GetObjectItemCaseSensitive(jf, "box");
            if (cJSON_IsArray(box) && cJSON_GetArraySize(box) == 4)
                for (int q = 0; q < 4; q++) {
                    const cJSON *b = cJSON_GetArrayItem(box, q);
                    obs[i].box[q] = cJSON_IsNumber(b) && fabs(b->valuedouble) <= 1e6 ? (float)b->valuedouble : 0.0f;
                }
            const cJSON *ob = cJSON_GetObjectItemCaseSensitive(jf, "observed");
            obs[i].interpolated = cJSON_IsFalse(ob);
            i++;
        }
        fs_aligned_track *tr = &t->t[t->count++];
        tr->id = id;
        if (align_one(tr, obs, n, s, err)) {
            fs_err_prefix(err, path);
            goto done;
        }
    }
    rc = FS_OK;
done:
    free(obs);
    cJSON_Delete(root);
    if (rc) fs_aligned_tracks_destroy(t);
    else *out = t;
    return rc;
}

