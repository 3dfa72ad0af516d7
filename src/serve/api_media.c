/* api_media.c — the studio's JSON API for videos: state, open, faces of a frame, a frame image,
 * directions, and files of an open project (renders, logs, the source video). */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fileio.h"
#include "core/path.h"
#include "serve/jobs.h"
#include "serve/srv.h"

static cJSON *project_json(const fs_srv_project *p) {
    cJSON *o = cJSON_CreateObject();
    char st[64];
    cJSON_AddNumberToObject(o, "id", p->id);
    cJSON_AddStringToObject(o, "video", p->video);
    cJSON_AddStringToObject(o, "dir", p->dir);
    cJSON_AddNumberToObject(o, "frames", (double)p->info.frames);
    cJSON_AddNumberToObject(o, "fps", p->info.fps);
    cJSON_AddNumberToObject(o, "width", p->info.width);
    cJSON_AddNumberToObject(o, "height", p->info.height);
    cJSON_AddStringToObject(o, "align", fs_project_get_stage(p->dir, "align", st, sizeof st));
    cJSON_AddStringToObject(o, "pti", fs_project_get_stage(p->dir, "pti", st, sizeof st));
    return o;
}

/* The project named by ?project=N (or the body's "project"): 0, else a reply was sent. */
static int get_project(fs_req *r, long id, fs_srv_project *p, MHD_Result *reply) {
    if (id < 0 || fs_srv_project_get(r->s, id, p)) {
        *reply = fs_http_error(r->c, 404, "no open project %ld", id);
        return FS_ERR;
    }
    return FS_OK;
}

static int query_project(fs_req *r, fs_srv_project *p, MHD_Result *reply) {
    long id = -1;
    if (fs_http_arg_long(r->c, "project", 0, FS_SRV_MAX_PROJECTS - 1, &id)) {
        *reply = fs_http_error(r->c, 400, "?project=N (an open project's id) is required");
        return FS_ERR;
    }
    return get_project(r, id, p, reply);
}

MHD_Result fs_api_state(fs_req *r) {
    cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "projects");
    for (long i = 0;; i++) {
        fs_srv_project p;
        if (fs_srv_project_get(r->s, i, &p)) break;
        cJSON_AddItemToArray(a, project_json(&p));
    }
    cJSON *d = cJSON_AddObjectToObject(o, "defaults");
    const facestitch_params *jp = &r->s->o.job;
    cJSON_AddNumberToObject(d, "pti_steps", jp->pti_steps);
    cJSON_AddNumberToObject(d, "stitch_steps", jp->stitch_steps);
    cJSON_AddBoolToObject(d, "stitch", jp->stitch);
    cJSON_AddNumberToObject(d, "max_frames", (double)jp->max_frames);
    cJSON_AddStringToObject(d, "models", r->s->ms.models_dir[0] ? r->s->ms.models_dir : "registry");
    cJSON_AddNumberToObject(o, "last_preview_ms", r->s->last_preview_ms);
    return fs_http_json(r->c, 200, o);
}

MHD_Result fs_api_open(fs_req *r) {
    MHD_Result reply;
    cJSON *j = fs_http_body_json(r, &reply);
    if (!j) return reply;
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(j, "path");
    char real[FS_PATH_MAX];
    int st = cJSON_IsString(path) ? fs_srv_path_allowed(r->s, path->valuestring, real, sizeof real) : 400;
    cJSON_Delete(j);
    if (st == 400) return fs_http_error(r->c, 400, "expected {\"path\": \"video or project dir\"}");
    if (st == 403) return fs_http_error(r->c, 403, "outside the folders this studio may read (see serve --root)");
    if (st) return fs_http_error(r->c, 404, "no such file or folder");
    fs_err e = {0};
    int id;
    if (fs_srv_project_open(r->s, real, &id, &e)) return fs_http_error(r->c, 400, "%s", e.msg);
    fs_srv_project p;
    fs_srv_project_get(r->s, id, &p);
    return fs_http_json(r->c, 200, project_json(&p));
}

static cJSON *box_json(const float b[4]) {
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < 4; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber(b[i]));
    return a;
}
typedef struct faces_ctx {
    long frame;
    cJSON *o;
} faces_ctx;

static void faces_json(void *user, const fs_aligned_tracks *t) {
    faces_ctx *fc = user;
    cJSON_AddBoolToObject(fc->o, "analysed", t != NULL);
    cJSON *faces = cJSON_AddArrayToObject(fc->o, "faces"), *tracks = cJSON_AddArrayToObject(fc->o, "tracks");
    cJSON_AddNumberToObject(fc->o, "analysed_frames", t ? t->frames : 0);
    for (int k = 0; t && k < t->count; k++) {
        const fs_aligned_track *tr = &t->t[k];
        cJSON *tj = cJSON_CreateObject();
        cJSON_AddNumberToObject(tj, "id", tr->id);
        cJSON_AddNumberToObject(tj, "first", tr->first);
        cJSON_AddNumberToObject(tj, "frames", tr->n);
        cJSON_AddItemToArray(tracks, tj);
        int i = fs_aligned_track_index(tr, (int)fc->frame);
        if (i < 0) continue;
        cJSON *fj = cJSON_CreateObject();
        cJSON_AddNumberToObject(fj, "track", tr->id);
        cJSON_AddItemToObject(fj, "box", box_json(tr->box[i]));
        cJSON_AddBoolToObject(fj, "observed", tr->observed[i]);
        cJSON_AddItemToArray(faces, fj);
    }
}

/* The project and ?frame=N of a request: 0, else a reply was sent. */
static int query_frame(fs_req *r, fs_srv_project *p, long *f, MHD_Result *reply) {
    if (query_project(r, p, reply)) return FS_ERR;
    if (fs_http_arg_long(r->c, "frame", 0, p->info.frames > 0 ? p->info.frames - 1 : 0, f)) {
        *reply = fs_http_error(r->c, 400, "?frame=N needs a frame number from 0 to %lld", (long long)p->info.frames - 1);
        return FS_ERR;
    }
    return FS_OK;
}

MHD_Result fs_api_faces(fs_req *r) {
    MHD_Result reply;
    fs_srv_project p;
    long f = 0;
    if (query_frame(r, &p, &f, &reply)) return reply;
    faces_ctx fc = {f, cJSON_CreateObject()};
    cJSON_AddNumberToObject(fc.o, "frame", (double)f);
    fs_err e = {0};
    if (fs_srv_with_tracks(&p, faces_json, &fc, &e)) {
        cJSON_Delete(fc.o);
        return fs_http_error(r->c, 500, "%s", e.msg);
    }
    return fs_http_json(r->c, 200, fc.o);
}

MHD_Result fs_api_frame(fs_req *r) {
    MHD_Result reply;
    fs_srv_project p;
    long f = 0;
    if (query_frame(r, &p, &f, &reply)) return reply;
    unsigned char *jpg = NULL;
    size_t len = 0;
    fs_err e = {0};
    if (fs_srv_frame_jpeg(&p, f, &jpg, &len, &e)) return fs_http_error(r->c, 500, "%s", e.msg);
    return fs_http_bytes(r->c, 200, "image/jpeg", jpg, len, 1);
}

static int name_cmp(const void *a, const void *b) {
    return strcmp(((const cJSON *const *)a)[0]->valuestring, ((const cJSON *const *)b)[0]->valuestring);
}

MHD_Result fs_api_directions(fs_req *r) {
    char path[FS_PATH_MAX];
    fs_err e = {0};
    if (r->s->ms.models_dir[0] && fs_path_join(path, sizeof path, r->s->ms.models_dir, "directions", &e))
        return fs_http_error(r->c, 500, "%s", e.msg);
    cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "directions");
    DIR *d = r->s->ms.models_dir[0] ? opendir(path) : NULL;
    cJSON *names[256];
    int n = 0;
    for (struct dirent *de; d && (de = readdir(d)) && n < 256;) {
        char *dot = strrchr(de->d_name, '.');
        if (!dot || de->d_name[0] == '.' || (strcmp(dot, ".npy") && strcmp(dot, ".pt") && strcmp(dot, ".safetensors")))
            continue;
        *dot = 0;
        names[n++] = cJSON_CreateString(de->d_name);
    }
    if (d) closedir(d);
    if (n == 0) /* the registry's: STIT's two W directions */
        names[n++] = cJSON_CreateString("age"), names[n++] = cJSON_CreateString("smile");
    qsort(names, (size_t)n, sizeof names[0], name_cmp);
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, names[i]);
    cJSON_AddNumberToObject(o, "min", -10);
    cJSON_AddNumberToObject(o, "max", 10);
    return fs_http_json(r->c, 200, o);
}

MHD_Result fs_api_file(fs_req *r) {
    MHD_Result reply;
    fs_srv_project p;
    if (query_project(r, &p, &reply)) return reply;
    const char *name = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "name");
    if (!name) return fs_http_error(r->c, 400, "?name=FILE (inside the project) is required");
    char real[FS_PATH_MAX];
    if (!strcmp(name, "source")) {
        int st = fs_srv_path_allowed(r->s, p.video, real, sizeof real);
        if (st) return fs_http_error(r->c, (unsigned)st, "the source video is not readable here");
    } else {
        int st = fs_srv_path_inside(p.dir, name, real, sizeof real);
        const char *why = st == 403 ? "outside the project" : st == 414 ? "path too long" : "not found";
        if (st) return fs_http_error(r->c, (unsigned)st, "%s", why);
    }
    return fs_http_file(r->c, real, NULL);
}
