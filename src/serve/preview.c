/* preview.c — POST /api/preview: one face of one frame, inverted and edited, no stitching: the
 * aligned crop | the generator's render of the edited latent, side by side (JPEG). The latent is the
 * project's pivot when the project is inverted (rendered with its PTI generator), else the crop's
 * e4e code (rendered with the plain generator). Runs in the request's thread; it uses the thread
 * pool only when no job holds it, else one core. Models stay loaded between previews. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fileio.h"
#include "core/log.h"
#include "core/path.h"
#include "core/threads.h"
#include "image/image_ops.h"
#include "models/e4e.h"
#include "models/stylegan2.h"
#include "pipeline/edit/direction.h"
#include "pipeline/edit/edit_spec.h"
#include "pipeline/invert/invert.h"
#include "serve/srv.h"

/* Models kept between previews (under preview_mu). */
static struct {
    char g_path[FS_PATH_MAX];
    long long g_mtime;
    fs_sg2 *g;
    fs_sg2_acts *acts;
    fs_e4e *e;
    /* the last latent: moving a slider on the same face and frame skips the inversion */
    char ws_key[2 * FS_PATH_MAX + 64]; /* project dir, face, frame, generator path and time */
    float *ws;
    size_t ws_n;
} cache;

static long long mtime_of(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_mtime * 1000000000LL + st.st_mtim.tv_nsec : -1;
}

static int load_generator(const char *path, fs_err *err) {
    long long mt = mtime_of(path);
    if (cache.g && !strcmp(cache.g_path, path) && cache.g_mtime == mt) return FS_OK;
    fs_sg2_acts_destroy(cache.acts), fs_sg2_destroy(cache.g);
    cache.acts = NULL, cache.g = NULL;
    if (fs_path_fmt(cache.g_path, sizeof cache.g_path, err, "%s", path) || fs_sg2_load(path, &cache.g, err) ||
        fs_sg2_acts_create(&cache.acts, cache.g, 1, err))
        return FS_ERR;
    cache.g_mtime = mt;
    return FS_OK;
}

typedef struct job {
    fs_srv *s;
    const fs_project *p;
    int k, i;            /* track index, index in the track */
    const fs_edit_spec *spec;
    int inverted;        /* pivots + PTI generator exist */
    double ms_latent, ms_render; /* crop + latent (pivot or e4e); edit + generator forward(s) */
    fs_direction *sdirs[FS_EDIT_MAX]; /* S-space edits, applied to the styles of the W-edited latent */
    double s_strength[FS_EDIT_MAX];
    int n_s;
    fs_image *out;
    int rc;
    fs_err err;
} job;

/* The latent of crop (k, i): the pivot, or e4e of the crop. crop: (3, S, S) already loaded. */
static int latent_compute(job *j, const float *crop, float *ws) {
    int S = cache.g->cfg.resolution, L = cache.g->cfg.num_ws, D = cache.g->cfg.w_dim;
    if (j->inverted) {
        float *piv = NULL;
        if (fs_invert_load_pivots(j->p->dir, j->p, j->k, L, D, &piv, &j->err)) return FS_ERR;
        memcpy(ws, piv + (size_t)j->i * L * D, sizeof(float) * (size_t)L * D);
        free(piv);
        return FS_OK;
    }
    if (!j->s->ms.encoder[0]) return fs_errorf(&j->err, "preview before the inversion needs an encoder (--models DIR)");
    if (!cache.e && fs_e4e_load(j->s->ms.encoder, &cache.e, &j->err)) return FS_ERR;
    if (fs_e4e_num_ws(cache.e) != L || fs_e4e_w_dim(cache.e) != D)
        return fs_errorf(&j->err, "%s: encoder and generator do not match", j->s->ms.encoder);
    float *x = malloc(sizeof(float) * 3 * 256 * 256);
    if (!x) return fs_errorf(&j->err, "out of memory");
    int rc = fs_e4e_resize_input(x, crop, S, S, 256, 0, &j->err);
    if (!rc) rc = fs_e4e_encode(cache.e, x, 1, 256, 256, ws, 1, NULL, NULL, &j->err);
    free(x);
    return rc;
}

/* W edits move ws; S edits are kept in j->sdirs for the styles pass. */
static int apply_edits(job *j, float *ws) {
    const fs_sg2_config *cfg = &cache.g->cfg;
    for (int e = 0; e < j->spec->count; e++) {
        char path[FS_PATH_MAX];
        fs_direction *d = NULL;
        double strength = fs_edit_strength_at(&j->spec->edits[e], j->p->tracks->t[j->k].first + j->i, j->p->tracks->fps);
        if (fs_model_set_direction(&j->s->ms, j->spec->edits[e].name, path, sizeof path, &j->err) ||
            fs_direction_load_for(path, cfg, &d, &j->err))
            return FS_ERR;
        if (d->space == FS_DIR_S) {
            j->sdirs[j->n_s] = d, j->s_strength[j->n_s++] = strength;
            continue;
        }
        fs_direction_apply(ws, cfg->num_ws, d, strength);
        fs_direction_destroy(d);
    }
    return FS_OK;
}

/* S-space edits, as the render does them (pipeline/edit/edit.c): the styles of the forward just run,
 * offset per channel, rendered again: a second generator forward. */
static int render_styles(job *j, const fs_sg2_opts *so) {
    const fs_sg2_config *cfg = &cache.g->cfg;
    float *styles[FS_SG2_MAX_LAYERS] = {0};
    int rc = FS_OK;
    for (int l = 0; l < cfg->n_layers && rc == FS_OK; l++) {
        if (!(styles[l] = malloc(sizeof(float) * (size_t)cfg->layers[l].C_in))) rc = fs_errorf(&j->err, "out of memory");
        else memcpy(styles[l], cache.acts->styles[l], sizeof(float) * (size_t)cfg->layers[l].C_in);
    }
    if (rc == FS_OK) {
        for (int e = 0; e < j->n_s; e++) fs_direction_apply_styles(styles, cfg, j->sdirs[e], j->s_strength[e]);
        fs_sg2_synthesis_forward_styles(cache.g, cache.acts, (const float *const *)styles, so);
    }
    for (int l = 0; l < FS_SG2_MAX_LAYERS; l++) free(styles[l]);
    return rc;
}

/* The latent of crop (k, i), from the one-entry cache when the same face, frame and generator. */
static int latent(job *j, const float *crop, float *ws) {
    size_t n = (size_t)cache.g->cfg.num_ws * cache.g->cfg.w_dim;
    char key[sizeof cache.ws_key];
    snprintf(key, sizeof key, "%s|%d|%d|%d|%s|%lld", j->p->dir, j->k, j->i, j->inverted, cache.g_path, cache.g_mtime);
    if (cache.ws && cache.ws_n == n && !strcmp(cache.ws_key, key)) {
        memcpy(ws, cache.ws, sizeof(float) * n);
        return FS_OK;
    }
    if (latent_compute(j, crop, ws)) return FS_ERR;
    float *keep = realloc(cache.ws, sizeof(float) * n);
    if (keep) {
        memcpy(keep, ws, sizeof(float) * n);
        cache.ws = keep, cache.ws_n = n;
        snprintf(cache.ws_key, sizeof cache.ws_key, "%s", key);
    }
    return FS_OK;
}

static void run(void *ctx, int64_t b, int64_t e, int t) {
    (void)b, (void)e, (void)t;
    job *j = ctx;
    int S = cache.g->cfg.resolution, L = cache.g->cfg.num_ws, D = cache.g->cfg.w_dim;
    float *crop = malloc(sizeof(float) * 3 * (size_t)S * S), *ws = malloc(sizeof(float) * (size_t)L * D);
    j->rc = FS_ERR;
    if (!crop || !ws) {
        fs_errorf(&j->err, "out of memory");
        goto done;
    }
    double t0 = fs_now_seconds();
    if (fs_invert_load_crop(j->p, j->k, j->i, S, crop, &j->err) || latent(j, crop, ws)) goto done;
    double t1 = fs_now_seconds();
    if (apply_edits(j, ws)) goto done;
    fs_sg2_opts so = fs_sg2_opts_default();
    fs_sg2_synthesis_forward(cache.g, cache.acts, ws, &so);
    if (j->n_s && render_styles(j, &so)) goto done;
    j->ms_latent = (t1 - t0) * 1000, j->ms_render = (fs_now_seconds() - t1) * 1000;
    if (!(j->out = fs_image_create(2 * S, S, &j->err))) goto done;
    fs_image left = fs_image_view(j->out->rgb, S, S, j->out->stride);
    fs_image right = fs_image_view(j->out->rgb + 3 * (size_t)S, S, S, j->out->stride);
    fs_image_from_float(&left, crop);
    fs_image_from_float(&right, cache.acts->img);
    j->rc = FS_OK;
done:
    free(crop), free(ws);
    for (int q = 0; q < j->n_s; q++) fs_direction_destroy(j->sdirs[q]);
    j->n_s = 0;
}

/* Parses {"project","frame","face","edit"}; fills the job's indices. 0, else err has the reason. */
static int parse(fs_req *r, const cJSON *b, fs_srv_project *sp, long *frame, int *face, fs_edit_spec *spec, fs_err *err) {
    const cJSON *pid = cJSON_GetObjectItemCaseSensitive(b, "project"), *f = cJSON_GetObjectItemCaseSensitive(b, "frame");
    const cJSON *fc = cJSON_GetObjectItemCaseSensitive(b, "face"), *ed = cJSON_GetObjectItemCaseSensitive(b, "edit");
    if (!cJSON_IsNumber(pid) || fs_srv_project_get(r->s, (long)pid->valuedouble, sp))
        return fs_errorf(err, "expected \"project\": an open project's id");
    if (!cJSON_IsNumber(f) || f->valuedouble < 0 || f->valuedouble >= (double)sp->info.frames)
        return fs_errorf(err, "expected \"frame\" from 0 to %lld", (long long)sp->info.frames - 1);
    if (!cJSON_IsNumber(fc) || fc->valuedouble < 0 || fc->valuedouble > 1e6)
        return fs_errorf(err, "expected \"face\": a track id");
    if (!cJSON_IsString(ed) || strlen(ed->valuestring) > 1000) return fs_errorf(err, "expected \"edit\": e.g. \"age=-3\"");
    *frame = (long)f->valuedouble, *face = (int)fc->valuedouble;
    return fs_studio_edit_check(ed->valuestring, spec, err);
}

static int find_face(const fs_project *p, int face, long frame, int *k, int *i, fs_err *err) {
    for (*k = 0; p->tracks && *k < p->tracks->count; (*k)++)
        if (p->tracks->t[*k].id == face) {
            *i = fs_aligned_track_index(&p->tracks->t[*k], (int)frame);
            if (*i >= 0) return FS_OK;
            return fs_errorf(err, "face %d is not in frame %ld", face, frame);
        }
    return fs_errorf(err, "no face %d in this video", face);
}

MHD_Result fs_api_preview(fs_req *r) {
    MHD_Result reply;
    cJSON *b = fs_http_body_json(r, &reply);
    if (!b) return reply;
    fs_srv_project sp;
    fs_edit_spec spec;
    long frame = 0;
    int face = 0, k = 0, i = 0;
    fs_err e = {0};
    int bad = parse(r, b, &sp, &frame, &face, &spec, &e);
    cJSON_Delete(b);
    if (bad) return fs_http_error(r->c, 400, "%s", e.msg);
    char st[64], gen[FS_PATH_MAX], pti[64];
    if (strcmp(fs_project_get_stage(sp.dir, "align", st, sizeof st), "done") != 0)
        return fs_http_error(r->c, 409, "the faces of this video are not analysed yet (see the job list)");
    double t0 = fs_now_seconds();
    fs_project *p = NULL;
    if (fs_project_open(sp.dir, &p, &e)) return fs_http_error(r->c, 500, "%s", e.msg);
    if (find_face(p, face, frame, &k, &i, &e) || fs_path_join(gen, sizeof gen, sp.dir, "generator.safetensors", &e)) {
        fs_project_close(p);
        return fs_http_error(r->c, 400, "%s", e.msg);
    }
    int inverted = !strcmp(fs_project_get_stage(sp.dir, "pti", pti, sizeof pti), "done") && fs_file_exists(gen);
    job j = {.s = r->s, .p = p, .k = k, .i = i, .spec = &spec, .inverted = inverted, .rc = FS_ERR};
    pthread_mutex_lock(&r->s->preview_mu);
    double t_open = fs_now_seconds();
    if (load_generator(inverted ? gen : r->s->ms.generator, &j.err) == FS_OK) {
        if (pthread_mutex_trylock(&r->s->pool_mu) == 0) { /* no job running: the whole pool */
            run(&j, 0, 1, 0);
            pthread_mutex_unlock(&r->s->pool_mu);
        } else {
            fs_run_single_threaded(run, &j, 1);
        }
    }
    pthread_mutex_unlock(&r->s->preview_mu);
    fs_project_close(p);
    unsigned char *jpg = NULL;
    size_t len = 0;
    if (j.rc == FS_OK) j.rc = fs_jpeg_encode(j.out, 92, &jpg, &len, &j.err);
    fs_image_destroy(j.out);
    if (j.rc) return fs_http_error(r->c, 400, "%s", j.err.msg);
    r->s->last_preview_ms = (fs_now_seconds() - t0) * 1000;
    char timing[160];
    snprintf(timing, sizeof timing, "open;dur=%.1f, latent;dur=%.1f, render;dur=%.1f, total;dur=%.1f",
             (t_open - t0) * 1000, j.ms_latent, j.ms_render, r->s->last_preview_ms);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, jpg, MHD_RESPMEM_MUST_FREE);
    if (!resp) return MHD_NO;
    fs_http_common_headers(resp);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "image/jpeg");
    MHD_add_response_header(resp, "Server-Timing", timing);
    MHD_add_response_header(resp, "X-Preview-Latent", inverted ? "pivot, PTI generator" : "e4e, generator");
    MHD_Result ret = MHD_queue_response(r->c, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}
