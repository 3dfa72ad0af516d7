/* engine.c — what a studio job runs. The one place that calls the pipeline for jobs: a render goes
 * through the public API with its own context (facestitch_ctx_edit with progress and abort callbacks,
 * the model files of serve's --models/--model/--encoder/... in facestitch_params). An analysis (faces +
 * crops, for the page's face boxes and previews) uses the project's align stage with the settings a
 * render would use, so the render finds it done. */
#include <stdio.h>
#include <string.h>

#include "core/fileio.h"
#include "core/log.h"
#include "core/path.h"
#include "models/stylegan2.h"
#include "pipeline/invert/invert.h"
#include "serve/jobs.h"
#include "serve/metrics_json.h"
#include "serve/srv.h"

/* Where each pipeline stage falls in the job's 0..100 (stages not listed keep the last span). */
typedef struct span {
    const char *stage;
    double lo, hi;
} span;
static const span render_spans[] = {{"faces", 0, 8},        {"crops", 8, 15},  {"e4e pivots", 15, 22},
                                    {"projection pivots", 15, 22}, {"PTI", 22, 55}, {"edit + stitch", 55, 92},
                                    {"edit", 55, 92},        {"composite", 55, 92}, {"metrics", 92, 100}};
static const span analyse_spans[] = {{"faces", 0, 80}, {"crops", 80, 100}};

typedef struct run_ctx {
    fs_jobs *jobs;
    const span *spans;
    int n_spans;
    const span *phase; /* when set: every stage falls in this span, named "phase: stage" */
} run_ctx;

static void on_progress(void *user, const char *stage, long long done, long long total, double eta,
                        const char *detail) {
    (void)detail;
    run_ctx *r = user;
    double lo = 0, hi = 100;
    char label[128];
    if (r->phase) {
        snprintf(label, sizeof label, "%s: %s", r->phase->stage, stage);
        stage = label;
        lo = r->phase->lo, hi = r->phase->hi;
    }
    for (int i = 0; !r->phase && i < r->n_spans; i++)
        if (!strcmp(r->spans[i].stage, stage)) lo = r->spans[i].lo, hi = r->spans[i].hi;
    double f = total > 0 ? (double)done / (double)total : 0;
    fs_jobs_progress(r->jobs, stage, lo + (hi - lo) * (f > 1 ? 1 : f), eta);
}

static int on_abort(void *user) { return fs_jobs_should_stop(((run_ctx *)user)->jobs); }

/* the pipeline's own progress hook (an analysis calls the pipeline directly) */
static void on_stage_progress(void *user, const char *stage, int64_t done, int64_t total, double eta,
                              const char *detail) {
    on_progress(user, stage, (long long)done, (long long)total, eta, detail);
}

/* serve's model options as the public API's (an empty path: none) */
static void model_files(const fs_model_args *a, facestitch_params *p) {
    p->generator = a->generator;
    p->encoder = a->no_encoder ? "" : a->encoder;
    p->lpips = a->no_lpips ? "" : a->lpips;
    p->parser = a->no_parser ? "" : a->parser;
}

static int analyse(fs_srv *s, const fs_job *job, const char *video, fs_err *err) {
    fs_sg2 *g = NULL;
    if (fs_sg2_load(s->ms.generator, &g, err)) return FS_ERR;
    fs_invert_opts io;
    fs_invert_opts_default(&io);
    fs_project_align_opts ao = io.align;
    ao.settings.size = g->cfg.resolution;
    ao.settings.max_frames = s->o.job.max_frames;
    ao.settings.center_sigma = s->o.job.center_sigma; /* as the render will */
    ao.settings.xy_sigma = s->o.job.xy_sigma;
    fs_sg2_destroy(g);
    if (s->o.job.range && fs_frame_range_parse(s->o.job.range, &ao.settings.range, err)) return FS_ERR;
    return fs_project_align(video, job->dir, &ao, err);
}

static int render(fs_srv *s, run_ctx *rc, fs_job *job, const char *video, fs_err *err) {
    fs_jobs *jobs = rc->jobs;
    static const span measuring = {"metrics", 92, 100};
    char out[FS_PATH_MAX], msg[1024];
    snprintf(job->output, sizeof job->output, "studio/out/%s.mp4", job->id);
    if (fs_path_join(out, sizeof out, job->dir, "studio/out", err) || fs_mkdirs(out, err) ||
        fs_path_join(out, sizeof out, job->dir, job->output, err))
        return FS_ERR;
    facestitch_params p = s->o.job;
    p.edit = job->edit;
    if (job->face[0]) p.face = job->face;
    p.project_dir = job->dir;
    p.models_dir = s->ms.models_dir[0] ? s->ms.models_dir : NULL;
    model_files(&s->o.models, &p);
    fs_jobs_log(jobs, "render %s: edit %s, face %s, pti-steps %d, stitch %s", video, p.edit, p.face, p.pti_steps,
                p.stitch ? "on" : "off");
    facestitch_ctx *ctx = NULL;
    if (facestitch_ctx_create(&ctx, msg, sizeof msg)) return fs_errorf(err, "%s", msg);
    facestitch_ctx_set_progress(ctx, on_progress, on_abort, rc);
    int failed = facestitch_ctx_edit(ctx, video, out, &p, msg, sizeof msg);
    facestitch_ctx_destroy(ctx);
    if (failed) return fs_errorf(err, "%s", msg);
    char mpath[FS_PATH_MAX];
    snprintf(job->metrics, sizeof job->metrics, "studio/jobs/%s.metrics.json", job->id);
    rc->phase = &measuring;
    fs_err me = {0};
    fs_progress_set_thread_callback(on_stage_progress, on_abort, rc);
    int unmeasured = fs_path_join(mpath, sizeof mpath, job->dir, job->metrics, &me) ||
                     fs_studio_metrics(video, out, p.max_frames, mpath, &me);
    fs_progress_set_thread_callback(NULL, NULL, NULL);
    if (unmeasured) { /* the video is there: not a failure */
        fs_jobs_log(jobs, "metrics not measured: %s", me.msg);
        job->metrics[0] = 0;
    }
    return FS_OK;
}

int fs_engine_run(fs_srv *s, fs_jobs *jobs, fs_job *job, fs_err *err) {
    fs_srv_project p;
    if (fs_srv_project_get(s, job->project, &p)) return fs_errorf(err, "%s: project not open", job->dir);
    int is_render = !strcmp(job->kind, "render");
    run_ctx r = {jobs, is_render ? render_spans : analyse_spans,
                 is_render ? (int)(sizeof render_spans / sizeof render_spans[0])
                           : (int)(sizeof analyse_spans / sizeof analyse_spans[0]), NULL};
    pthread_mutex_lock(&s->pool_mu); /* previews use the thread pool only while no job runs */
    int rc;
    if (is_render) {
        rc = render(s, &r, job, p.video, err);
    } else {
        fs_progress_set_thread_callback(on_stage_progress, on_abort, &r);
        rc = analyse(s, job, p.video, err);
        fs_progress_set_thread_callback(NULL, NULL, NULL);
    }
    pthread_mutex_unlock(&s->pool_mu);
    return rc;
}
