/* faceapi.h — face-api's networks as the face model of `metrics` (see metrics.h): the
 * 128-D descriptor stands in for STIT's ArcFace embedding (TL-ID / TG-ID), and per frame the
 * estimated age and happy probability of the ORIGINAL and EDITED face give the edit's effect.
 *
 *   fs_metrics_faceapi fa;
 *   if (fs_metrics_faceapi_init(&fa, &opts, &err)) ...;   // sets opts.embed*; fails if not installed
 *   fs_metrics_compute(orig, edited, &opts, &m, &err);
 *   fs_metrics_faceapi_finish(&fa, &m);                   // identity_to_source, edit effect
 *   fs_metrics_faceapi_plot(&fa, "effect.png", &err);     // the age and smile curves over time
 *   fs_metrics_faceapi_free(&fa);
 *
 * The face crops follow face-api: the descriptor on the landmarks' dlib-style aligned square, age
 * and expressions on the landmarks' bounding box grown by 20% (models/faceapi_analyze.c), from the
 * ORIGINAL track's 68 landmarks in both videos. metrics.c embeds each frame's face in ORIGINAL then
 * in EDITED (embed_frame), so calls come in (original, edited) pairs.
 */
#ifndef FS_PIPELINE_METRICS_FACEAPI_H
#define FS_PIPELINE_METRICS_FACEAPI_H

#include "pipeline/metrics/metrics.h"

typedef struct fs_metrics_faceapi {
    struct fs_fa_recognition *rec;
    struct fs_fa_age_gender *ag;
    struct fs_fa_expression *ex;
    float last[128];             /* the ORIGINAL descriptor of the pair under way */
    int64_t calls;
    int64_t n, cap;              /* frames (pairs) recorded */
    float *age_o, *age_e, *happy_o, *happy_e, *cos; /* (n) each */
} fs_metrics_faceapi;

int fs_metrics_faceapi_init(fs_metrics_faceapi *fa, fs_metrics_opts *o, fs_err *err);
void fs_metrics_faceapi_finish(const fs_metrics_faceapi *fa, fs_metrics *m);
/* A 720x440 PNG (legend, titles, axis values): age (top) and happy probability (bottom) per embedded frame, ORIGINAL in blue,
 * EDITED in red. Written atomically. */
int fs_metrics_faceapi_plot(const fs_metrics_faceapi *fa, const char *path, fs_err *err);
void fs_metrics_faceapi_free(fs_metrics_faceapi *fa);

#endif
