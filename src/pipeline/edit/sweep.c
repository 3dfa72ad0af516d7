#include "pipeline/edit/sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fileio.h"
#include "core/log.h"
#include "pipeline/edit/columns.h"

static int bad(fs_err *err, const char *fmt, const char *text) {
    fs_errorf(err, fmt, text);
    return -1;
}

int fs_edit_sweep_parse(const char *text, fs_edit_sweep *sw, fs_err *err) {
    const char *eq = strchr(text, '=');
    if (!eq || !strchr(eq, ':')) return 0;
    memset(sw, 0, sizeof *sw);
    if (strchr(text, '@') || strchr(text, ','))
        return bad(err, "'%s': a strength sweep (NAME=FROM:TO:NUM) takes one direction and no keyframes", text);
    size_t nl = (size_t)(eq - text);
    if (nl == 0 || nl >= sizeof sw->name) return bad(err, "'%s': expected NAME=FROM:TO:NUM", text);
    memcpy(sw->name, text, nl);
    char *end = NULL;
    sw->from = strtod(eq + 1, &end);
    int ok = end != eq + 1 && *end == ':';
    const char *p = end + 1;
    if (ok) sw->to = strtod(p, &end), ok = end != p && *end == ':';
    p = end + 1;
    long num = 0;
    if (ok) num = strtol(p, &end, 10), ok = end != p && !*end;
    if (!ok || !isfinite(sw->from) || !isfinite(sw->to) || fabs(sw->from) > 1000 || fabs(sw->to) > 1000)
        return bad(err, "'%s': expected NAME=FROM:TO:NUM, e.g. age=-6:6:3 (NUM strengths from FROM to TO)", text);
    if (num < 1 || num > FS_COLUMNS_MAX) return bad(err, "'%s': NUM must be 1..32", text);
    sw->count = (int)num;
    return 1;
}

double fs_edit_sweep_strength(const fs_edit_sweep *sw, int i) {
    return sw->count == 1 ? sw->from : sw->from + (sw->to - sw->from) * i / (sw->count - 1);
}

void fs_edit_sweep_output(const char *out_path, const fs_edit_sweep *sw, int i, char *buf, size_t n) {
    const char *slash = strrchr(out_path, '/'), *dot = strrchr(out_path, '.');
    if (!dot || (slash && dot < slash)) dot = out_path + strlen(out_path);
    snprintf(buf, n, "%.*s_%s%g%s", (int)(dot - out_path), out_path, sw->name, fs_edit_sweep_strength(sw, i), dot);
}

static int run_all(const char *video, const char *dir, const fs_model_set *ms, const fs_invert_opts *io,
                   const fs_edit_opts *eo, const fs_edit_sweep *sw, char (*outs)[4200], const char *grid_path,
                   fs_err *err) {
    fs_invert_opts io2 = *io;
    io2.face = eo->face;
    fs_invert_report ir;
    if (video && fs_invert_run(video, dir, ms, &io2, &ir, err)) return FS_ERR;
    for (int i = 0; i < sw->count; i++) {
        fs_edit_opts e = *eo;
        char spec[600];
        snprintf(spec, sizeof spec, "%s=%.17g", sw->name, fs_edit_sweep_strength(sw, i));
        memset(&e.spec, 0, sizeof e.spec);
        if (fs_edit_spec_parse(spec, &e.spec, err)) return FS_ERR;
        fs_edit_report rep;
        fs_info("sweep: %s -> %s", spec, outs[i]);
        if (fs_edit_run(dir, ms, &e, outs[i], &rep, err)) return FS_ERR;
    }
    if (!grid_path) return FS_OK;
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

int fs_edit_sweep_run(const char *video, const char *dir, const fs_model_set *ms, const fs_invert_opts *io,
                      const fs_edit_opts *eo, const fs_edit_sweep *sw, const char *out_path, const char *grid_path,
                      fs_err *err) {
    char (*o)[4200] = calloc(FS_COLUMNS_MAX, sizeof *o);
    if (!o) return fs_errorf(err, "out of memory");
    int rc = FS_OK;
    for (int i = 0; i < sw->count && !rc; i++) {
        fs_edit_sweep_output(out_path, sw, i, o[i], sizeof o[i]);
        rc = fs_video_writer_check(o[i], &eo->comp.writer, err);
    }
    if (!rc && grid_path) rc = fs_video_writer_check(grid_path, &eo->comp.writer, err);
    char path[4096];
    if (!rc) rc = fs_model_set_direction(ms, sw->name, path, sizeof path, err);
    char tmp[4096] = "";
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
