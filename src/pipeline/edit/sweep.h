/* sweep.h — a strength sweep: `--edit age=-6:6:3` (NAME=FROM:TO:STEP) renders the strengths
 * -6, -3, 0, 3, 6 from one inversion, one video per strength named after it (OUT_age-6.mp4,
 * OUT_age-3.mp4, OUT_age0.mp4, ...), and optionally a grid video with all of them side by side, each
 * column labelled "age -6" etc. STEP > 0; FROM > TO counts down (age=6:-6:6 is 6, 0, -6); TO is
 * included when (TO - FROM) / STEP is whole (within 1e-9), else the last strength stops short of it.
 * STIT's --edit_range S E N (a linspace) is NAME=S:E:(E-S)/(N-1). At most FS_SWEEP_MAX strengths;
 * keyframes cannot be combined with a sweep. The side-by-side video, hard-mask video, preview and
 * per-stage frames are written per strength too (SBS_age-6.mp4, FRAMES/age-6/...). */
#ifndef FS_PIPELINE_SWEEP_H
#define FS_PIPELINE_SWEEP_H

#include <stddef.h>

#include "core/err.h"
#include "pipeline/edit/edit.h"
#include "pipeline/invert/invert.h"

typedef struct fs_edit_sweep {
    char name[512];
    double from, to, step;   /* step > 0, taken toward TO */
    int count;               /* 1..FS_SWEEP_MAX */
} fs_edit_sweep;

#define FS_SWEEP_MAX 101

/* 1 when text is a sweep ("NAME=FROM:TO:STEP", filled into *sw), 0 when it is not one (an ordinary
 * --edit), -1 with a message when it is a malformed sweep or has keyframes. */
int fs_edit_sweep_parse(const char *text, fs_edit_sweep *sw, fs_err *err);
/* FROM ± i·STEP, with values within 1e-9 of a whole number rounded to it (the last one is TO exactly
 * when TO is reached). */
double fs_edit_sweep_strength(const fs_edit_sweep *sw, int i);
/* OUT.ext -> OUT_NAMEstrength.ext for strength i (a path without an extension: OUT_NAMEstrength). FS_ERR
 * "path too long ..." when it does not fit in buf (n bytes: FS_PATH_MAX). */
int fs_edit_sweep_output(const char *out_path, const fs_edit_sweep *sw, int i, char *buf, size_t n, fs_err *err);
/* DIR -> DIR/NAMEstrength for strength i (per-stage frames of a sweep), checked the same way. */
int fs_edit_sweep_subdir(const char *dir, const fs_edit_sweep *sw, int i, char *buf, size_t n, fs_err *err);

/* Inverts video into dir (a temporary project when dir is NULL; video NULL: dir is inverted) and
 * writes every strength's video (and eo's side-by-side / hard-mask / preview / frames, each per
 * strength), then the grid when grid_path is set (at most FS_COLUMNS_MAX strengths). eo->spec is
 * ignored. */
int fs_edit_sweep_run(const char *video, const char *dir, const fs_model_set *ms, const fs_invert_opts *io,
                      const fs_edit_opts *eo, const fs_edit_sweep *sw, const char *out_path, const char *grid_path,
                      fs_err *err);

#endif
