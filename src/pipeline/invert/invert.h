/* invert.h — `facestitch invert`: align, pivots, pivotal tuning (docs/method.md §2).
 *
 * Stages, each recorded in DIR/manifest.json ("stages") so a rerun continues where it stopped:
 *   align   crops + tracks (pipeline/project/project.h)
 *   pivots  DIR/pivots.safetensors: tensor "track.<id>" (n, num_ws, w_dim) per track
 *           (e4e + latent_avg; or W projection when there is no encoder)
 *   pti     DIR/generator.safetensors (the tuned generator), with DIR/checkpoint/ for resume
 * The manifest's "models" records the fingerprints of the generator/encoder/LPIPS used; a rerun
 * with other models is refused (use a new project dir).
 */
#ifndef FS_PIPELINE_INVERT_H
#define FS_PIPELINE_INVERT_H

#include "core/err.h"
#include "pipeline/model_set.h"
#include "pipeline/params.h"
#include "pipeline/project/project.h"
#include "pipeline/invert/projector.h"
#include "pipeline/invert/pti.h"

typedef struct fs_invert_opts {
    fs_project_align_opts align;       /* settings.size is set to the generator's resolution */
    fs_pti_opts pti;           /* checkpoint_dir is set to DIR/checkpoint */
    fs_projector_opts proj;    /* used without an encoder */
    int e4e_antialias;         /* 0: STIT's plain bilinear 1024->256; 1: antialiased */
    fs_face_pick face;         /* faces PTI tunes on (STIT tunes on the one face it edits); pivots are
                                  made for every face */
    fs_params params;          /* the parameters these options came from (recorded in the manifest;
                                  given[] ones are checked against an earlier run's) */
} fs_invert_opts;

void fs_invert_opts_default(fs_invert_opts *o);

typedef struct fs_invert_report {
    int crops;                 /* frames × faces inverted */
    int pti_crops;             /* of them, the crops PTI tuned on (the selected faces) */
    double pti_loss_before, pti_loss_after; /* mean reconstruction loss, pivots through G before/after PTI */
    int pti_skipped;           /* already done */
} fs_invert_report;

int fs_invert_run(const char *video, const char *dir, const fs_model_set *ms, const fs_invert_opts *o,
                  fs_invert_report *rep, fs_err *err);

/* ---- for edit: reading an inverted project back ---- */

/* The (track, frame) crops of a project in inversion order. */
typedef struct fs_crop_ref {
    int track;   /* index into p->tracks->t */
    int index;   /* frame index within the track */
} fs_crop_ref;

int fs_invert_crop_list(const fs_project *p, fs_crop_ref **out, int *n, fs_err *err);
/* Fails, naming the track, when a selected track (sel from fs_project_select_tracks) was left out
 * of the project's PTI (manifest "pti"."tracks"; absent = every track). */
int fs_invert_pti_covers(const char *dir, const fs_project *p, const int *sel, fs_err *err);
/* Loads crop (3, S, S) in [-1,1] of track k, index i. */
int fs_invert_load_crop(const fs_project *p, int k, int i, int S, float *out, fs_err *err);
/* Pivots of track k: (n, num_ws, w_dim) newly malloc'ed. */
int fs_invert_load_pivots(const char *dir, const fs_project *p, int k, int num_ws, int w_dim, float **out,
                          fs_err *err);

#endif
