/* api.c — include/facestitch.h on top of the pipeline. The numbers of facestitch_params map onto
 * the parameter table (pipeline/params.h) by name: defaults, ranges and checks all come from it. */
#include "facestitch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/threads.h"
#include "core/version.h"
#include "pipeline/edit/edit.h"
#include "pipeline/edit/sweep.h"
#include "pipeline/invert/invert.h"
#include "pipeline/params.h"

const char *facestitch_version(void) { return FS_VERSION; }

/* the public fields that are table parameters */
typedef enum { F_INT, F_LONG, F_DOUBLE, F_TEXT } ftype;
typedef struct pfield {
    fs_param_id id;
    size_t offset;
    ftype type;
} pfield;
#define PF(ID, field, t) {FS_P_##ID, offsetof(facestitch_params, field), t}
static const pfield g_fields[] = {
    PF(PTI_STEPS, pti_steps, F_INT),        PF(STITCH_STEPS, stitch_steps, F_INT),
    PF(MAX_FRAMES, max_frames, F_LONG),     PF(CRF, crf, F_INT),
    PF(FACE, face, F_TEXT),                 PF(RANGE, range, F_TEXT),
    PF(CENTER_SIGMA, center_sigma, F_DOUBLE), PF(XY_SIGMA, xy_sigma, F_DOUBLE),
    PF(LR, lr, F_DOUBLE),                   PF(L2_LAMBDA, l2_lambda, F_DOUBLE),
    PF(ADAM_BETA1, adam_beta1, F_DOUBLE),   PF(STITCH_LR, stitch_lr, F_DOUBLE),
    PF(CONTENT_LAMBDA, content_lambda, F_DOUBLE), PF(BORDER_THRESHOLD, border_threshold, F_DOUBLE),
    PF(L1, l1, F_INT),                      PF(OUTER_DILATION, outer_dilation, F_INT),
    PF(INNER_DILATION, inner_dilation, F_INT), PF(WHOLE_IMAGE_BORDER, whole_image_border, F_INT),
    PF(NO_MASK, no_mask, F_INT),            PF(FEATHER_RADIUS, feather_radius, F_INT),
    PF(FREEZE_FINE_LAYERS, freeze_fine_layers, F_INT), PF(FADE, fade, F_INT),
    PF(PRESET, preset, F_TEXT),             PF(CODEC, codec, F_TEXT),
    PF(DETECTOR, detector, F_TEXT),         PF(LANDMARKS, landmarks, F_TEXT),
};
#undef PF
#define N_FIELDS (int)(sizeof g_fields / sizeof g_fields[0])

static void *at(facestitch_params *p, const pfield *f) { return (char *)p + f->offset; }
static const void *cat(const facestitch_params *p, const pfield *f) { return (const char *)p + f->offset; }

static void field_store(facestitch_params *p, const pfield *f, double v) {
    switch (f->type) {
    case F_INT: *(int *)at(p, f) = (int)v; break;
    case F_LONG: *(long *)at(p, f) = (long)v; break;
    case F_DOUBLE: *(double *)at(p, f) = v; break;
    default: break;
    }
}

void facestitch_params_init(facestitch_params *p) {
    memset(p, 0, sizeof *p);
    p->stitch = 1;
    fs_params d;
    fs_params_default(&d);
    for (int i = 0; i < N_FIELDS; i++) {
        const pfield *f = &g_fields[i];
        if (f->type == F_TEXT)
            *(const char **)at(p, f) = fs_param_table()[f->id].def[0] ? fs_param_table()[f->id].def : NULL;
        else
            field_store(p, f, fs_params_get_number(&d, f->id));
    }
}

static int fail(char *err, size_t n, const fs_err *e) {
    if (err && n) snprintf(err, n, "%s", e->msg[0] ? e->msg : "failed");
    return 1;
}

int facestitch_params_set(facestitch_params *p, const char *name, double value, char *err, size_t errlen) {
    fs_err e = {0};
    for (int i = 0; name && i < N_FIELDS; i++) {
        const pfield *f = &g_fields[i];
        if (f->type == F_TEXT || strcmp(fs_param_table()[f->id].key, name)) continue;
        fs_params tmp;
        fs_params_default(&tmp);
        if (fs_params_set_number(&tmp, f->id, value, &e)) return fail(err, errlen, &e);
        field_store(p, f, value);
        return 0;
    }
    fs_errorf(&e, "%s: not a number of facestitch_params", name ? name : "(null)");
    return fail(err, errlen, &e);
}

int facestitch_param_count(void) { return FS_P_COUNT; }

int facestitch_param_info(int i, const char **name, const char **def, double *lo, double *hi, const char **stit,
                          const char **help) {
    if (i < 0 || i >= FS_P_COUNT) return 1;
    const fs_param_desc *d = &fs_param_table()[i];
    if (name) *name = d->key;
    if (def) *def = d->def;
    if (lo) *lo = d->lo;
    if (hi) *hi = d->hi;
    if (stit) *stit = d->stit;
    if (help) *help = d->help;
    return 0;
}

/* facestitch_params -> the table's values, each checked (the message names the parameter). */
static int to_params(const facestitch_params *p, fs_params *out, fs_err *e) {
    fs_params_default(out);
    for (int i = 0; i < N_FIELDS; i++) {
        const pfield *f = &g_fields[i];
        int rc;
        switch (f->type) {
        case F_TEXT: rc = fs_params_set_text(out, f->id, *(const char *const *)cat(p, f), e); break;
        case F_INT: rc = fs_params_set_number(out, f->id, *(const int *)cat(p, f), e); break;
        case F_LONG: rc = fs_params_set_number(out, f->id, (double)*(const long *)cat(p, f), e); break;
        default: rc = fs_params_set_number(out, f->id, *(const double *)cat(p, f), e); break;
        }
        if (rc) return FS_ERR;
    }
    return fs_params_set_number(out, FS_P_NO_STITCH, p->stitch ? 0 : 1, e);
}

struct facestitch_ctx {
    facestitch_progress_fn progress;
    facestitch_abort_fn abort;
    void *user;
};

int facestitch_ctx_create(facestitch_ctx **ctx, char *err, size_t errlen) {
    *ctx = calloc(1, sizeof **ctx);
    if (*ctx) return 0;
    fs_err e = {0};
    fs_errorf(&e, "out of memory");
    return fail(err, errlen, &e);
}

void facestitch_ctx_destroy(facestitch_ctx *ctx) { free(ctx); }

void facestitch_ctx_set_progress(facestitch_ctx *ctx, facestitch_progress_fn progress, facestitch_abort_fn abort_fn,
                                 void *user) {
    ctx->progress = progress;
    ctx->abort = abort_fn;
    ctx->user = user;
}

static void progress_bridge(void *user, const char *label, int64_t done, int64_t total, double eta, const char *d) {
    const facestitch_ctx *c = user;
    if (c->progress) c->progress(c->user, label, (long long)done, (long long)total, eta, d);
}
static int abort_bridge(void *user) {
    const facestitch_ctx *c = user;
    return c->abort ? c->abort(c->user) : 0;
}

/* The worker pool is one per process: the first running call starts it, the last one stops it. */
static pthread_mutex_t g_pool_mu = PTHREAD_MUTEX_INITIALIZER;
static int g_pool_users, g_pool_owned;

static void pool_enter(int threads) {
    pthread_mutex_lock(&g_pool_mu);
    if (g_pool_users++ == 0 && fs_threads_count() <= 1) {
        fs_threads_init(threads);
        g_pool_owned = 1;
    }
    pthread_mutex_unlock(&g_pool_mu);
}

static void pool_leave(void) {
    pthread_mutex_lock(&g_pool_mu);
    if (--g_pool_users == 0 && g_pool_owned) {
        fs_threads_shutdown();
        g_pool_owned = 0;
    }
    pthread_mutex_unlock(&g_pool_mu);
}

static int run_edit(const char *video, const char *output, const facestitch_params *p, fs_err *e) {
    fs_params prm;
    if (to_params(p, &prm, e)) return FS_ERR;
    fs_edit_opts eo;
    fs_edit_opts_default(&eo);
    fs_params_to_edit(&prm, &eo);
    fs_edit_sweep sw;
    int sweep = fs_edit_sweep_parse(p->edit, &sw, e);
    if (sweep < 0 || (!sweep && fs_edit_spec_parse(p->edit, &eo.spec, e))) return FS_ERR;
    if (!sweep && p->sweep_grid) return fs_errorf(e, "sweep_grid needs a sweep in edit, e.g. \"age=-6:6:3\"");
    fs_invert_opts io;
    fs_invert_opts_default(&io);
    fs_params_to_invert(&prm, &io);
    fs_model_args ma;
    memset(&ma, 0, sizeof ma);
    ma.models_dir = p->models_dir;
    ma.generator = p->generator;
    ma.encoder = p->encoder && *p->encoder ? p->encoder : NULL, ma.no_encoder = p->encoder && !*p->encoder;
    ma.lpips = p->lpips && *p->lpips ? p->lpips : NULL, ma.no_lpips = p->lpips && !*p->lpips;
    ma.parser = p->parser && *p->parser ? p->parser : NULL, ma.no_parser = p->parser && !*p->parser;
    fs_model_set ms;
    if (fs_model_set_resolve(&ma, &ms, e)) return FS_ERR;
    pool_enter(p->threads);
    int rc = sweep ? fs_edit_sweep_run(video, p->project_dir, &ms, &io, &eo, &sw, output, p->sweep_grid, e)
                   : fs_edit_video(video, p->project_dir, &ms, &io, &eo, output, NULL, NULL, e);
    pool_leave();
    return rc;
}

int facestitch_ctx_edit(facestitch_ctx *ctx, const char *video, const char *output, const facestitch_params *p,
                        char *err, size_t errlen) {
    fs_err e = {0};
    if (!ctx || !video || !output || !p || !p->edit) {
        fs_errorf(&e, "facestitch_edit: context, video, output and params.edit are required");
        return fail(err, errlen, &e);
    }
    fs_progress_set_thread_callback(progress_bridge, abort_bridge, ctx);
    int rc = run_edit(video, output, p, &e);
    fs_progress_set_thread_callback(NULL, NULL, NULL);
    return rc ? fail(err, errlen, &e) : 0;
}

int facestitch_sweep_output(const char *edit, const char *output, int i, double *strength, char *path,
                            size_t pathlen, char *err, size_t errlen) {
    fs_err e = {0};
    fs_edit_sweep sw;
    int n = edit ? fs_edit_sweep_parse(edit, &sw, &e) : 0;
    if (n < 0) return fail(err, errlen, &e), -1;
    if (n == 0) return 0;
    if (i >= 0 && i < sw.count) {
        if (strength) *strength = fs_edit_sweep_strength(&sw, i);
        if (path && pathlen && fs_edit_sweep_output(output ? output : "", &sw, i, path, pathlen, &e))
            return fail(err, errlen, &e), -1;
    }
    return sw.count;
}

/* the default context of facestitch_edit / facestitch_set_progress */
static facestitch_ctx g_default;

void facestitch_set_progress(facestitch_progress_fn progress, facestitch_abort_fn abort_fn, void *user) {
    facestitch_ctx_set_progress(&g_default, progress, abort_fn, user);
}

int facestitch_edit(const char *video, const char *output, const facestitch_params *p, char *err, size_t errlen) {
    return facestitch_ctx_edit(&g_default, video, output, p, err, errlen);
}
