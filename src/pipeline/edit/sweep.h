/* sweep.h — STIT's strength sweep (--edit_range START END NUM): `--edit age=-6:6:3` renders the
 * strengths linspace(-6, 6, 3) = -6, 0, 6 from one inversion, one video per strength named after
 * it (OUT_age-6.mp4, OUT_age0.mp4, OUT_age6.mp4), and optionally a grid video with all of them side
 * by side, each column labelled "age -6" etc. Keyframes cannot be combined with a sweep. */
#ifndef FS_PIPELINE_SWEEP_H
#define FS_PIPELINE_SWEEP_H

#include <stddef.h>

#include "core/err.h"
#include "pipeline/edit/edit.h"
#include "pipeline/invert/invert.h"

typedef struct fs_edit_sweep {
    char name[512];
    double from, to;
    int count;               /* 1..FS_COLUMNS_MAX */
} fs_edit_sweep;

/* 1 when text is a sweep ("NAME=FROM:TO:NUM", filled into *sw), 0 when it is not one (an ordinary
 * --edit), -1 with a message when it is a malformed sweep or has keyframes. */
int fs_edit_sweep_parse(const char *text, fs_edit_sweep *sw, fs_err *err);
double fs_edit_sweep_strength(const fs_edit_sweep *sw, int i);
/* OUT.ext -> OUT_NAMEstrength.ext for strength i. */
void fs_edit_sweep_output(const char *out_path, const fs_edit_sweep *sw, int i, char *buf, size_t n);

/* Inverts video into dir (a temporary project when dir is NULL; video NULL: dir is inverted) and
 * writes every strength's video, then the grid when grid_path is set. eo->spec is ignored. */
int fs_edit_sweep_run(const char *video, const char *dir, const fs_model_set *ms, const fs_invert_opts *io,
                      const fs_edit_opts *eo, const fs_edit_sweep *sw, const char *out_path, const char *grid_path,
                      fs_err *err);

#endif
