#include "pipeline/edit/sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fileio.h"
#include "core/log.h"
#include "core/path.h"
#include "pipeline/edit/columns.h"

static int bad(fs_err *err, const char *fmt, const char *text) {
    fs_errorf(err, fmt, text);
    return -1;
}

static int number(const char *p, char stop, double *v, const char **next) {
    char *end = NULL;
    *v = strtod(p, &end);
    if (end == p || *end != stop || !isfinite(*v)) return 0;
    *next = end + (stop ? 1 : 0);
    return 1;
}

int fs_edit_sweep_parse(const char *text, fs_edit_sweep *sw, fs_err *err) {
    const char *eq = strchr(text, '=');
    if (!eq || !strchr(eq, ':')) return 0;
    memset(sw, 0, sizeof *sw);
    if (strchr(text, '@') || strchr(text, ','))
        return bad(err, "'%s': a strength sweep (NAME=FROM:TO:STEP) takes one direction and no keyframes", text);
    size_t nl = (size_t)(eq - text);
    if (nl == 0 || nl >= sizeof sw->name) return bad(err, "'%s': expected NAME=FROM:TO:STEP", text);
    memcpy(sw->name, text, nl);
    const char *p = eq + 1;
    if (!number(p, ':', &sw->from, &p) || !number(p, ':', &sw->to, &p) || !number(p, 0, &sw->step, &p) ||
        fabs(sw->from) > 1000 || fabs(sw->to) > 1000)
        return bad(err, "'%s': expected NAME=FROM:TO:STEP with numbers in [-1000, 1000], e.g. age=-6:6:3 "
                        "(strengths -6, -3, 0, 3, 6)", text);
    if (!(sw->step > 0))
        return bad(err, "'%s': STEP must be > 0 (FROM > TO counts down: age=6:-6:3)", text);
    double n = fabs(sw->to - sw->from) / sw->step;
    double whole = floor(n + 1e-9);
    if (whole + 1 > FS_SWEEP_MAX) {
        fs_errorf(err, "'%s': %.0f strengths; a sweep takes at most %d (use a larger STEP)", text, whole + 1,
                  FS_SWEEP_MAX);
        return -1;
    }
    sw->count = (int)whole + 1;
    return 1;
}

double fs_edit_sweep_strength(const fs_edit_sweep *sw, int i) {
    double sign = sw->to < sw->from ? -1 : 1;
    double s = sw->from + sign * i * sw->step;
    if (fabs(s - sw->to) <= 1e-9 * (fabs(sw->step) > 1 ? fabs(sw->step) : 1)) return sw->to;
    if (fabs(s - round(s)) < 1e-9) s = round(s);
    return s == 0 ? 0 : s; /* no "-0" in names */
}

int fs_edit_sweep_output(const char *out_path, const fs_edit_sweep *sw, int i, char *buf, size_t n, fs_err *err) {
    const char *slash = strrchr(out_path, '/'), *dot = strrchr(out_path, '.');
    if (!dot || (slash && dot < slash)) dot = out_path + strlen(out_path);
    return fs_path_fmt(buf, n, err, "%.*s_%s%g%s", (int)(dot - out_path), out_path, sw->name,
                       fs_edit_sweep_strength(sw, i), dot);
}

int fs_edit_sweep_subdir(const char *dir, const fs_edit_sweep *sw, int i, char *buf, size_t n, fs_err *err) {
    size_t l = strlen(dir);
    while (l > 1 && dir[l - 1] == '/') l--;
    return fs_path_fmt(buf, n, err, "%.*s/%s%g", (int)l, dir, sw->name, fs_edit_sweep_strength(sw, i));
}

/* eo's extra outputs for strength i, each named after it */
typedef struct extras {
    char name[4][FS_PATH_MAX];
} extras;

static int extras_for(const fs_edit_opts *eo, const fs_edit_sweep *sw, int i, extras *x, fs_edit_opts *e,
                      fs_err *err) {
    const char **out[4] = {&e->side_by_side, &e->hard_mask_path, &e->preview_path, &e->frames_dir};
    const char *in[4] = {eo->side_by_side, eo->hard_mask_path, eo->preview_path, eo->frames_dir};
    for (int k = 0; k < 4; k++) {
        if (!in[k]) continue;
        int rc = k == 3 ? fs_edit_sweep_subdir(in[k], sw, i, x->name[k], sizeof x->name[k], err) /* a folder */
                        : fs_edit_sweep_output(in[k], sw, i, x->name[k], sizeof x->name[k], err);
        if (rc) return FS_ERR;
        *out[k] = x->name[k];
    }
    return FS_OK;
}

static int run_all(const char *video, const char *dir, const fs_model_set *ms, const fs_invert_opts *io,
                   const fs_edit_opts *eo, const fs_edit_sweep *sw, char (*outs)[FS_PATH_MAX], const char *grid_path,
                   fs_err *err) {
    fs_invert_opts io2 = *io;
    io2.face = eo->face;
    fs_invert_report ir;
    if (video && fs_invert_run(video, dir, ms, &io2, &ir, err)) return FS_ERR;
    extras *x = malloc(sizeof *x);
    if (!x) return fs_errorf(err, "out of memory");
    int rc = FS_OK;
    for (int i = 0; i < sw->count && !rc; i++) {
        fs_edit_opts e = *eo;
        char spec[600];
        snprintf(spec, sizeof spec, "%s=%.17g", sw->name, fs_edit_sweep_strength(sw, i));
        memset(&e.spec, 0, sizeof e.spec);
        rc = extras_for(eo, sw, i, x, &e, err);
        if (!rc) rc = fs_edit_spec_parse(spec, &e.spec, err);
        fs_edit_report rep;
        fs_info("sweep: %s=%g -> %s (%d of %d)", sw->name, fs_edit_sweep_strength(sw, i), outs[i], i + 1, sw->count);
        if (!rc) rc = fs_edit_run(dir, ms, &e, outs[i], &rep, err);
    }
    free(x);
    if (rc || !grid_path) return rc;
    const char *in[FS_COLUMNS_MAX];
    char labels[FS_COLUMNS_MAX][600];
    const char *lab[FS_COLUMNS_MAX];
    for (int i = 0; i < sw->count; i++) {
        in[i] = outs[i];
        snprintf(labels[i], sizeof labels[i], "%s %g", sw->name, fs_edit_sweep_strength(sw, i));
        lab[i] = labels[i];
    }
    return fs_columns_write(in, lab, sw->count, outs[0], &eo->comp.writer, grid_path, err);
}

/* every output of every strength is writable before the inversion starts */
static int check_outputs(const fs_edit_opts *eo, const fs_edit_sweep *sw, char (*o)[FS_PATH_MAX], const char *grid_path,
                         const char *out_path, fs_err *err) {
    extras x;
    for (int i = 0; i < sw->count; i++) {
        fs_edit_opts e = *eo;
        if (fs_edit_sweep_output(out_path, sw, i, o[i], sizeof o[i], err) ||
            fs_video_writer_check(o[i], &eo->comp.writer, err) || extras_for(eo, sw, i, &x, &e, err))
            return FS_ERR;
        if (e.side_by_side && fs_video_writer_check(e.side_by_side, &e.comp.writer, err)) return FS_ERR;
        if (e.hard_mask_path && fs_video_writer_check(e.hard_mask_path, &e.comp.writer, err)) return FS_ERR;
    }
    if (grid_path && sw->count > FS_COLUMNS_MAX)
        return fs_errorf(err, "%s: a grid takes at most %d strengths, this sweep has %d", grid_path, FS_COLUMNS_MAX,
                         sw->count);
    return grid_path ? fs_video_writer_check(grid_path, &eo->comp.writer, err) : FS_OK;
}

int fs_edit_sweep_run(const char *video, const char *dir, const fs_model_set *ms, const fs_invert_opts *io,
                      const fs_edit_opts *eo, const fs_edit_sweep *sw, const char *out_path, const char *grid_path,
                      fs_err *err) {
    if (sw->count < 1 || sw->count > FS_SWEEP_MAX) return fs_errorf(err, "a sweep takes 1..%d strengths", FS_SWEEP_MAX);
    char (*o)[FS_PATH_MAX] = calloc((size_t)sw->count, sizeof *o);
    if (!o) return fs_errorf(err, "out of memory");
    int rc = check_outputs(eo, sw, o, grid_path, out_path, err);
    char path[FS_PATH_MAX];
    if (!rc) rc = fs_model_set_direction(ms, sw->name, path, sizeof path, err);
    char tmp[FS_PATH_MAX] = "";
    if (!rc && !dir) {
        rc = fs_make_temp_dir("facestitch-", tmp, sizeof tmp, err);
        dir = tmp;
    }
    if (!rc) rc = run_all(video, dir, ms, io, eo, sw, o, grid_path, err);
    if (tmp[0]) {
        fs_err e2 = {0};
        if (fs_remove_tree(tmp, &e2)) fs_warn("could not remove the temporary project: %s", e2.msg);
    }
    free(o);
    return rc;
}
