/* project.c — project directory: manifest (source fingerprint, settings, stages), opening, paths. */
#include "pipeline/project/project.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "core/path.h"
#include "core/fileio.h"
#include "core/sha256.h"

#define FS_PROJECT_FORMAT "facestitch-project"
#define FS_PROJECT_VERSION 1

int fs_project_fingerprint(const char *path, int64_t *size, char sha[65], fs_err *err) {
    struct stat st;
    if (stat(path, &st) != 0) return fs_errorf(err, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        /* a directory of frames: size = number of frames, sha of the sorted names, sizes and mtimes */
        char **names = NULL;
        int n = 0;
        if (fs_list_image_dir(path, &names, &n, err)) return FS_ERR;
        fs_sha256_ctx c;
        fs_sha256_init(&c);
        for (int i = 0; i < n; i++) {
            const char *base = strrchr(names[i], '/');
            base = base ? base + 1 : names[i];
            struct stat fst;
            int64_t meta[2] = {0, 0};
            if (stat(names[i], &fst) == 0) {
                meta[0] = (int64_t)fst.st_size;
                meta[1] = (int64_t)fst.st_mtime;
            }
            fs_sha256_update(&c, base, strlen(base) + 1);
            fs_sha256_update(&c, meta, sizeof meta);
        }
        uint8_t d[32];
        fs_sha256_final(&c, d);
        fs_sha256_hex(d, sha);
        *size = n;
        fs_free_names(names, n);
        return FS_OK;
    }
    *size = (int64_t)st.st_size;
    return fs_sha256_file(path, 1 << 20, sha, err);
}

int fs_project_crop_path(const fs_project *p, const char *crops_dir, int track, int frame, char *buf, size_t n,
                         fs_err *err) {
    if (crops_dir) return fs_path_fmt(buf, n, err, "%s/t%03d/%06d.png", crops_dir, track, frame);
    return fs_path_fmt(buf, n, err, "%s/crops/t%03d/%06d.png", p->dir, track, frame);
}

int fs_project_mask_path(const fs_project *p, int track, int frame, char *buf, size_t n, fs_err *err) {
    return fs_path_fmt(buf, n, err, "%s/masks/t%03d/%06d.png", p->dir, track, frame);
}

static cJSON *read_json_file(const char *path, fs_err *err) {
    unsigned char *data = NULL;
    size_t len = 0;
    if (fs_read_file(path, &data, &len, err)) return NULL;
    cJSON *j = cJSON_ParseWithLength((const char *)data, len);
    free(data);
    if (!j) fs_errorf(err, "%s: not valid JSON (damaged project file?)", path);
    return j;
}

static int write_json_file(const char *path, cJSON *j, fs_err *err) {
    char *text = cJSON_Print(j);
    if (!text) return fs_errorf(err, "out of memory");
    size_t len = strlen(text);
    char *buf = realloc(text, len + 2);
    if (!buf) {
        free(text);
        return fs_errorf(err, "out of memory");
    }
    buf[len] = '\n';
    int rc = fs_write_file_atomic(path, buf, len + 1, err);
    free(buf);
    return rc;
}

int fs_project_write_manifest(const fs_project *p, fs_err *err) {
    char path[FS_PATH_MAX];
    if (fs_path_join(path, sizeof path, p->dir, "manifest.json", err)) return FS_ERR;
    cJSON *root = NULL;
    if (fs_file_exists(path)) {
        fs_err e2;
        root = read_json_file(path, &e2);
    }
    if (!root) root = cJSON_CreateObject();
    if (!root) return fs_errorf(err, "out of memory");
    cJSON_DeleteItemFromObjectCaseSensitive(root, "format");
    cJSON_DeleteItemFromObjectCaseSensitive(root, "version");
    cJSON_DeleteItemFromObjectCaseSensitive(root, "source");
    cJSON_DeleteItemFromObjectCaseSensitive(root, "settings");
    cJSON_AddStringToObject(root, "format", FS_PROJECT_FORMAT);
    cJSON_AddNumberToObject(root, "version", FS_PROJECT_VERSION);
    cJSON *src = cJSON_AddObjectToObject(root, "source");
    cJSON_AddStringToObject(src, "path", p->source);
    cJSON_AddNumberToObject(src, "size", (double)p->source_size);
    cJSON_AddStringToObject(src, "sha256_first_mb", p->source_sha256);
    cJSON_AddNumberToObject(src, "frames", (double)p->info.frames);
    cJSON_AddNumberToObject(src, "fps", p->info.fps);
    cJSON_AddNumberToObject(src, "fps_num", p->info.fps_num);
    cJSON_AddNumberToObject(src, "fps_den", p->info.fps_den);
    cJSON_AddNumberToObject(src, "width", p->info.width);
    cJSON_AddNumberToObject(src, "height", p->info.height);
    cJSON_AddBoolToObject(src, "has_audio", p->info.has_audio);
    cJSON *set = cJSON_AddObjectToObject(root, "settings");
    cJSON_AddNumberToObject(set, "size", p->settings.size);
    cJSON_AddNumberToObject(set, "center_sigma", p->settings.center_sigma);
    cJSON_AddNumberToObject(set, "xy_sigma", p->settings.xy_sigma);
    cJSON_AddBoolToObject(set, "antialias", p->settings.antialias);
    cJSON_AddNumberToObject(set, "max_frames", (double)p->settings.max_frames);
    cJSON_AddStringToObject(set, "detector", p->settings.detector);
    cJSON_AddStringToObject(set, "landmarks", p->settings.landmarks);
    if (!p->track_chunk_unrecorded) cJSON_AddNumberToObject(set, "track_chunk", (double)p->settings.track_chunk);
    if (p->settings.range.set) {
        char rtext[64];
        fs_frame_range_format(&p->settings.range, rtext, sizeof rtext);
        cJSON_AddStringToObject(set, "range", rtext);
    }
    cJSON *stages = cJSON_GetObjectItemCaseSensitive(root, "stages");
    if (!cJSON_IsObject(stages)) {
        cJSON_DeleteItemFromObjectCaseSensitive(root, "stages");
        stages = cJSON_AddObjectToObject(root, "stages");
    }
    cJSON_DeleteItemFromObjectCaseSensitive(stages, "align");
    cJSON_AddStringToObject(stages, "align", p->align_status);
    int rc = write_json_file(path, root, err);
    cJSON_Delete(root);
    return rc;
}

int fs_project_set_stage(const char *dir, const char *name, const char *status, fs_err *err) {
    char path[FS_PATH_MAX];
    if (fs_path_join(path, sizeof path, dir, "manifest.json", err)) return FS_ERR;
    cJSON *root = read_json_file(path, err);
    if (!root) return FS_ERR;
    cJSON *stages = cJSON_GetObjectItemCaseSensitive(root, "stages");
    if (!cJSON_IsObject(stages)) {
        cJSON_DeleteItemFromObjectCaseSensitive(root, "stages");
        stages = cJSON_AddObjectToObject(root, "stages");
    }
    cJSON_DeleteItemFromObjectCaseSensitive(stages, name);
    cJSON_AddStringToObject(stages, name, status);
    int rc = write_json_file(path, root, err);
    cJSON_Delete(root);
    return rc;
}

int fs_project_manifest_set(const char *dir, const char *key, void *value, fs_err *err) {
    char path[FS_PATH_MAX];
    if (fs_path_join(path, sizeof path, dir, "manifest.json", err)) return FS_ERR;
    cJSON *root = read_json_file(path, err);
    if (!root) {
        cJSON_Delete(value);
        return FS_ERR;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(root, key);
    cJSON_AddItemToObject(root, key, value);
    int rc = write_json_file(path, root, err);
    cJSON_Delete(root);
    return rc;
}

void *fs_project_manifest_get(const char *dir, const char *key, fs_err *err) {
    char path[FS_PATH_MAX];
    if (fs_path_join(path, sizeof path, dir, "manifest.json", err)) return NULL;
    cJSON *root = read_json_file(path, err);
    if (!root) return NULL;
    cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(root, key);
    cJSON_Delete(root);
    return v;
}

const char *fs_project_get_stage(const char *dir, const char *name, char *buf, size_t n) {
    buf[0] = 0;
    cJSON *stages = fs_project_manifest_get(dir, "stages", NULL);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(stages, name);
    if (cJSON_IsString(s)) snprintf(buf, n, "%s", s->valuestring);
    cJSON_Delete(stages);
    return buf;
}

static const char *str(const cJSON *o, const char *k) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(x) ? x->valuestring : NULL;
}
static double dbl(const cJSON *o, const char *k, double def) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(x) && isfinite(x->valuedouble) ? x->valuedouble : def;
}

/* dbl() for a value that becomes an integer: def unless lo <= value <= hi (a damaged manifest
 * must not overflow the conversion) */
static double dbl_in(const cJSON *o, const char *k, double def, double lo, double hi) {
    double v = dbl(o, k, def);
    return v >= lo && v <= hi ? v : def;
}

void fs_project_close(fs_project *p) {
    if (!p) return;
    fs_aligned_tracks_destroy(p->tracks);
    free(p);
}

int fs_project_check_dir(const char *dir, fs_err *err) {
    size_t n = strlen(dir);
    if (n > FS_PROJECT_DIR_MAX)
        return fs_errorf(err, "%.80s...: project path too long (%zu bytes, at most %d)", dir, n, FS_PROJECT_DIR_MAX);
    return FS_OK;
}

int fs_project_open(const char *dir, fs_project **out, fs_err *err) {
    if (fs_project_check_dir(dir, err)) return FS_ERR;
    char path[FS_PATH_MAX];
    if (fs_path_join(path, sizeof path, dir, "manifest.json", err)) return FS_ERR;
    if (!fs_file_exists(path))
        return fs_errorf(err, "%s: not a facestitch project (no manifest.json); run 'facestitch align VIDEO --project %s' first",
                         dir, dir);
    cJSON *root = read_json_file(path, err);
    if (!root) return FS_ERR;
    fs_project *p = calloc(1, sizeof *p);
    int rc = FS_ERR;
    if (!p) {
        fs_errorf(err, "out of memory");
        goto done;
    }
    fs_path_fmt(p->dir, sizeof p->dir, NULL, "%s", dir); /* shorter than path: fits */
    const char *fmt = str(root, "format");
    if (!fmt || strcmp(fmt, FS_PROJECT_FORMAT) != 0) {
        fs_errorf(err, "%s: not a facestitch project manifest", path);
        goto done;
    }
    if (dbl(root, "version", 0) > FS_PROJECT_VERSION) {
        fs_errorf(err, "%s: made by a newer facestitch (project version %g); upgrade facestitch", path,
                  dbl(root, "version", 0));
        goto done;
    }
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(root, "source");
    const char *sp = str(src, "path"), *sh = str(src, "sha256_first_mb");
    if (!sp || !sh || strlen(sh) != 64) {
        fs_errorf(err, "%s: source entry missing or damaged", path);
        goto done;
    }
    if (fs_path_fmt(p->source, sizeof p->source, err, "%s", sp)) goto done;
    snprintf(p->source_sha256, sizeof p->source_sha256, "%s", sh);
    p->source_size = (int64_t)dbl_in(src, "size", -1, 0, 1e18);
    p->info.frames = (int64_t)dbl_in(src, "frames", 0, 0, 1e12);
    p->info.fps = dbl(src, "fps", 25);
    p->info.fps_num = (int)dbl_in(src, "fps_num", 25, 1, 1e9);
    p->info.fps_den = (int)dbl_in(src, "fps_den", 1, 1, 1e9);
    p->info.width = (int)dbl_in(src, "width", 0, 0, 1e6);
    p->info.height = (int)dbl_in(src, "height", 0, 0, 1e6);
    p->info.has_audio = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(src, "has_audio")); /* kept when resuming */
    const cJSON *set = cJSON_GetObjectItemCaseSensitive(root, "settings");
    fs_project_settings_default(&p->settings);
    double crop = dbl(set, "size", 1024);
    p->settings.size = crop >= 8 && crop <= 8192 ? (int)crop : 0; /* 0: refused below */
    p->settings.center_sigma = dbl(set, "center_sigma", p->settings.center_sigma);
    p->settings.xy_sigma = dbl(set, "xy_sigma", p->settings.xy_sigma);
    p->settings.antialias = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(set, "antialias"));
    p->settings.max_frames = (int64_t)dbl_in(set, "max_frames", 0, 0, 1e12);
    /* projects from before the choice were aligned with Haar + dlib */
    const char *dname = str(set, "detector"), *lname = str(set, "landmarks");
    snprintf(p->settings.detector, sizeof p->settings.detector, "%s", dname ? dname : "haar");
    snprintf(p->settings.landmarks, sizeof p->settings.landmarks, "%s", lname ? lname : "dlib");
    /* projects from before chunked tracking were tracked in one sequential pass */
    p->settings.track_chunk = (int64_t)dbl_in(set, "track_chunk", 0, 0, 1e9);
    p->track_chunk_unrecorded = !cJSON_GetObjectItemCaseSensitive(set, "track_chunk");
    if (fs_frame_range_parse(str(set, "range"), &p->settings.range, err)) {
        fs_err_prefix(err, "settings.range");
        fs_err_prefix(err, path);
        goto done;
    }
    if (p->settings.size < 8 || p->settings.size > 8192) {
        fs_errorf(err, "%s: bad crop size %d", path, p->settings.size);
        goto done;
    }
    const cJSON *stages = cJSON_GetObjectItemCaseSensitive(root, "stages");
    const char *as = str(stages, "align");
    snprintf(p->align_status, sizeof p->align_status, "%s", as ? as : "");
    /* the source must be the very file the project was made from */
    int64_t size;
    char sha[65];
    fs_err e2;
    if (fs_project_fingerprint(p->source, &size, sha, &e2)) {
        fs_errorf(err, "%s: the project's source video is gone (%s); move it back or align again", dir, e2.msg);
        goto done;
    }
    if (size != p->source_size || strcmp(sha, p->source_sha256) != 0) {
        fs_errorf(err, "%s: the source video %s changed since the project was made (size or sha256 differ); "
                       "align it again into a new project",
                  dir, p->source);
        goto done;
    }
    if (fs_path_join(path, sizeof path, dir, "tracks.json", err)) goto done;
    if (fs_file_exists(path)) {
        if (fs_aligned_tracks_read_json(path, &p->settings, p->info.frames, &p->tracks, err)) goto done;
    }
    rc = FS_OK;
done:
    cJSON_Delete(root);
    if (rc) fs_project_close(p);
    else *out = p;
    return rc;
}
