/* facestitch.h — the public API: edit the faces of a video with StyleGAN2 ("Stitch it in Time").
 *
 *   #include <facestitch.h>
 *
 *   facestitch_params p;
 *   facestitch_params_init(&p);
 *   p.edit = "age=-6";                  // STIT's convention: age=-8 young, smile=2, "age=0@0s,-6@2s"
 *   p.models_dir = "tiny";              // NULL: the model registry (facestitch models list)
 *   char err[1024];
 *   if (facestitch_edit("talk.mp4", "young.mp4", &p, err, sizeof err) != 0)
 *       fprintf(stderr, "facestitch: %s\n", err);
 *
 * facestitch_edit runs everything: face tracking and alignment, e4e inversion, pivotal tuning,
 * the edit, stitching tuning, and the composite with the source's audio, fps and timestamps.
 * With p.project_dir set, the inversion is kept there and reused by later calls (cheap edits);
 * an interrupted inversion resumes. Progress and cancellation go through facestitch_set_progress.
 * Link with libfacestitch.a (and its Debian dependencies: libav*, OpenBLAS, cJSON, libcurl, libpng,
 * libjpeg, zlib). Everything else (tensors, models, readers) lives in src/ for contributors.
 */
#ifndef FACESTITCH_H
#define FACESTITCH_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

const char *facestitch_version(void);

typedef struct facestitch_params {
    const char *edit;         /* required: "NAME=STRENGTH[,...]" with optional @time keyframes */
    const char *models_dir;   /* NULL: registry; else a dir like `facestitch models init --tiny` writes */
    const char *project_dir;  /* NULL: a temporary project, removed afterwards */
    int pti_steps;            /* passes of pivotal tuning over all frames (default 80) */
    int stitch;               /* 1 (default): stitching tuning; 0: STIT's naive paste */
    int stitch_steps;         /* default 100 */
    long max_frames;          /* 0: the whole video */
    int crf;                  /* H.264 quality, default 18; 0 = lossless */
    int threads;              /* 0: all cores */
    const char *face;         /* "all" (default), "largest" or a track id; PTI tunes on these faces */
    const char *range;        /* NULL: every frame; "FROM:TO" (times "2.5s:7s" or frames "f75:f210"):
                                 faces are edited only in that window, the rest of the video is copied */
} facestitch_params;

void facestitch_params_init(facestitch_params *p);

/* 0 on success; non-zero with a one-line message in err (file and reason) on failure.
 * Never leaves a partial output file. */
int facestitch_edit(const char *video, const char *output, const facestitch_params *p, char *err, size_t errlen);

/* Progress: stage label, done/total, seconds left (< 0 unknown), a detail string. abort: return
 * non-zero to stop the running call as soon as possible (it then fails with "aborted"). */
typedef void (*facestitch_progress_fn)(void *user, const char *stage, long long done, long long total,
                                       double eta_seconds, const char *detail);
typedef int (*facestitch_abort_fn)(void *user);
void facestitch_set_progress(facestitch_progress_fn progress, facestitch_abort_fn abort, void *user);

#ifdef __cplusplus
}
#endif

#endif
