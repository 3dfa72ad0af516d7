/* api.c — include/facestitch.h on top of the pipeline. */
#include "facestitch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/threads.h"
#include "core/version.h"
#include "pipeline/edit/edit.h"
#include "pipeline/invert/invert.h"

const char *facestitch_version(void) { return FS_VERSION; }

void facestitch_params_init(facestitch_params *p) {
    memset(p, 0, sizeof *p);
    p->pti_steps = 80;
    p->stitch = 1;
    p->stitch_steps = 100;
    p->crf = 18;
    p->face = "all";
}

static facestitch_progress_fn g_progress;
static facestitch_abort_fn g_abort;
static void *g_user;

static void progress_bridge(void *user, const char *label, int64_t done, int64_t total, double eta, const char *d) {
    (void)user;
    if (g_progress) g_progress(g_user, label, (long long)done, (long long)total, eta, d);
}
static int abort_bridge(void *user) {
    (void)user;
    return g_abort ? g_abort(g_user) : 0;
}

void facestitch_set_progress(facestitch_progress_fn progress, facestitch_abort_fn abort_fn, void *user) {
    g_progress = progress;
    g_abort = abort_fn;
    g_user = user;
    if (progress || abort_fn)
        fs_progress_set_callback(progress_bridge, abort_bridge, NULL);
    else
        fs_progress_set_callback(NULL, NULL, NULL);
}

static int fail(char *err, size_t n, const fs_err *e) {
    if (err && n) snprintf(err, n, "%s", e->msg[0] ? e->msg : "failed");
    return 1;
}

int facestitch_edit(const char *video, const char *output, const facestitch_params *p, char *err, size_t errlen) {
    fs_err e = {0};
    if (!video || !output || !p || !p->edit) {
        fs_errorf(&e, "facestitch_edit: video, output and params.edit are required");
        return fail(err, errlen, &e);
    }
    fs_edit_opts eo;
    fs_edit_opts_default(&eo);
    if (fs_edit_spec_parse(p->edit, &eo.spec, &e)) return fail(err, errlen, &e);
    eo.no_stitch = !p->stitch;
    if (p->stitch_steps >= 0) eo.stitch.steps = p->stitch_steps;
    eo.face = p->face ? p->face : "all";
    eo.comp.writer.crf = p->crf;
    fs_invert_opts io;
    fs_invert_opts_default(&io);
    io.pti.passes = p->pti_steps;
    io.align.settings.max_frames = p->max_frames;
    if (p->range && p->range[0]) {
        int64_t a, b;
        if (strlen(p->range) >= sizeof io.align.settings.range) {
            fs_errorf(&e, "range '%s' too long", p->range);
            return fail(err, errlen, &e);
        }
        if (fs_project_range_frames(p->range, 25.0, &a, &b, &e)) return fail(err, errlen, &e);
        snprintf(io.align.settings.range, sizeof io.align.settings.range, "%s", p->range);
    }
    fs_model_args ma;
    memset(&ma, 0, sizeof ma);
    ma.models_dir = p->models_dir;
    fs_model_set ms;
    if (fs_model_set_resolve(&ma, &ms, &e)) return fail(err, errlen, &e);
    int own_threads = fs_threads_count() <= 1;
    if (own_threads) fs_threads_init(p->threads);
    int rc = fs_edit_video(video, p->project_dir, &ms, &io, &eo, output, NULL, NULL, &e) ? fail(err, errlen, &e) : 0;
    if (own_threads) fs_threads_shutdown();
    return rc;
}
