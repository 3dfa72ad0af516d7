/* srv.h — the studio server's shared state and helpers (private to src/serve). */
#ifndef FS_SERVE_SRV_H
#define FS_SERVE_SRV_H

#include <pthread.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "core/path.h"
#include "pipeline/edit/edit_spec.h"
#include "pipeline/project/project.h"
#include "serve/serve.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_Result;
#else
typedef enum MHD_Result MHD_Result;
#endif

#define FS_SRV_MAX_BODY (64 * 1024)     /* request bodies (JSON) */
#define FS_SRV_MAX_PROJECTS 64
#define FS_SRV_MAX_ROOTS 32
#define FS_SRV_TOKEN_HEX 64

typedef struct fs_srv_project {
    int id;
    char dir[FS_PATH_MAX];   /* canonical project dir */
    char video[FS_PATH_MAX]; /* canonical source video */
    fs_video_info info;
} fs_srv_project;

struct fs_jobs;

typedef struct fs_srv {
    fs_serve_opts o;
    fs_model_set ms;
    char token[FS_SRV_TOKEN_HEX + 1];
    char hosts[6][320];      /* accepted Host header values */
    int n_hosts;
    int port;
    pthread_mutex_t mu;      /* roots and projects */
    char roots[FS_SRV_MAX_ROOTS][FS_PATH_MAX];
    int n_roots;
    fs_srv_project projects[FS_SRV_MAX_PROJECTS];
    int n_projects;
    pthread_mutex_t preview_mu; /* one preview at a time */
    pthread_mutex_t pool_mu;    /* held by a running job: the thread pool is its */
    struct fs_jobs *jobs;
    double last_preview_ms;  /* for /api/state */
    volatile int stopping;
} fs_srv;

/* One request: its body (bounded) and where it is going. */
typedef struct fs_req {
    fs_srv *s;
    struct MHD_Connection *c;
    const char *method, *url;
    char *body;
    size_t len;
    int too_big;
} fs_req;

/* ---- auth.c ---- */
int fs_srv_token_create(char out[FS_SRV_TOKEN_HEX + 1], fs_err *err);
/* Constant-time equality of a presented token with the server's (any length presented). */
int fs_srv_token_equal(const char *want, const char *got);
/* 1 when the request carries the token (Authorization: Bearer, X-Facestitch-Token or cookie fs_token). */
int fs_srv_authorized(const fs_srv *s, struct MHD_Connection *c);
/* 1 when the Host header names the server (DNS rebinding guard). */
int fs_srv_host_ok(const fs_srv *s, struct MHD_Connection *c);
void fs_srv_hosts_init(fs_srv *s);

/* ---- paths.c ---- */
/* Adds a folder (canonicalised) to the roots whose files may be read. */
int fs_srv_root_add(fs_srv *s, const char *dir, fs_err *err);
/* Canonical path of `path` when it exists and lies under a root: 0; 404 when it does not exist;
 * 403 when it lies outside every root. Nothing is opened. */
int fs_srv_path_allowed(fs_srv *s, const char *path, char *out, size_t n);
/* Canonical path of `name` (relative, no "..") inside folder `dir`: 0, 404 or 403 as above; 414 when dir/name
 * is longer than FS_PATH_MAX. */
int fs_srv_path_inside(const char *dir, const char *name, char *out, size_t n);
/* The canonical folder holding path (which must exist). */
int fs_srv_parent_of(const char *path, char *out, size_t n, fs_err *err);

/* ---- http.c ---- */
MHD_Result fs_http_json(struct MHD_Connection *c, unsigned status, cJSON *obj); /* consumes obj */
MHD_Result fs_http_error(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* data is copied unless `take` (then freed by MHD with free()). */
MHD_Result fs_http_bytes(struct MHD_Connection *c, unsigned status, const char *type, void *data, size_t len,
                         int take);
/* A file (already checked to be allowed), honouring one Range: bytes=A-B. */
MHD_Result fs_http_file(struct MHD_Connection *c, const char *path, const char *type);
void fs_http_common_headers(struct MHD_Response *r);
const char *fs_http_mime(const char *path);
/* Query argument as a bounded integer: 0 on success. */
int fs_http_arg_long(struct MHD_Connection *c, const char *key, long lo, long hi, long *out);
/* The request body as a JSON object (bounded depth): NULL with a 400 reply sent in *reply. */
cJSON *fs_http_body_json(fs_req *r, MHD_Result *reply);

/* ---- api_*.c: handlers ---- */
typedef MHD_Result (*fs_api_fn)(fs_req *r);
MHD_Result fs_api_state(fs_req *r);
MHD_Result fs_api_open(fs_req *r);
MHD_Result fs_api_faces(fs_req *r);
MHD_Result fs_api_frame(fs_req *r);
MHD_Result fs_api_directions(fs_req *r);
MHD_Result fs_api_preview(fs_req *r);
MHD_Result fs_api_file(fs_req *r);
MHD_Result fs_api_jobs_list(fs_req *r);
MHD_Result fs_api_jobs_create(fs_req *r);
MHD_Result fs_api_jobs_cancel(fs_req *r);
MHD_Result fs_api_jobs_retry(fs_req *r);
MHD_Result fs_api_metrics(fs_req *r);
MHD_Result fs_api_events(fs_req *r);

/* ---- projects.c ---- */
/* Opens (or finds) the project of a video or a project dir already checked by fs_srv_path_allowed;
 * *id set. A video gets DIR = projects_dir/NAME.fs (or VIDEO.fs beside it). */
int fs_srv_project_open(fs_srv *s, const char *path, int *id, fs_err *err);
/* A copy of project `id` (0 when found). */
int fs_srv_project_get(fs_srv *s, long id, fs_srv_project *out);
/* The project's tracks (newly read; NULL when not analysed yet). */
int fs_srv_project_tracks(const fs_srv_project *p, fs_aligned_tracks **out, fs_err *err);
/* The project's folder for studio files ("DIR/studio/SUB"), created. */
int fs_srv_studio_dir(const fs_srv_project *p, const char *sub, char *out, size_t n, fs_err *err);

/* ---- cache.c ---- */
/* Frame `frame` of the project's video as a new JPEG buffer (decoded once, then cached). */
int fs_srv_frame_jpeg(const fs_srv_project *p, long frame, unsigned char **out, size_t *len, fs_err *err);
/* Calls fn with the project's tracks (NULL when not analysed yet) under the cache's lock. */
typedef void (*fs_tracks_fn)(void *user, const fs_aligned_tracks *t);
int fs_srv_with_tracks(const fs_srv_project *p, fs_tracks_fn fn, void *user, fs_err *err);

/* ---- assets.c ---- */
/* The embedded page file at url ("/", "/app.js", ...): 0 with data/len/type, else -1. */
int fs_srv_asset(const char *url, const unsigned char **data, size_t *len, const char **type);
/* /vendor/uplot.* from the node_modules dir when present. */
MHD_Result fs_srv_vendor(fs_req *r);

/* ---- edit_check.c ---- */
int fs_studio_edit_check(const char *text, fs_edit_spec *spec, fs_err *err);

/* ---- imgenc.c ---- */
int fs_jpeg_encode(const fs_image *im, int quality, unsigned char **out, size_t *len, fs_err *err);

#endif
