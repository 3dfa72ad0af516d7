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
 * an interrupted inversion resumes. Progress and cancellation go through a facestitch_ctx
 * (facestitch_ctx_create, facestitch_ctx_set_progress, facestitch_ctx_edit).
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

/* Every number below has its default, range and meaning in one table, listed by
 * facestitch_param_info (and by `facestitch edit --help`); facestitch_params_init fills them from it. */
typedef struct facestitch_params {
    const char *edit;         /* required: "NAME=STRENGTH[,...]" with optional @time keyframes, or a
                                 strength sweep "NAME=FROM:TO:STEP" (e.g. "age=-6:6:3": -6, -3, 0, 3, 6;
                                 STEP > 0, FROM > TO counts down, at most 101 strengths): one video per
                                 strength, named as facestitch_sweep_output says, from one inversion */
    const char *sweep_grid;   /* with a sweep: also this video, every strength side by side, labelled
                                 (at most 32 strengths); NULL: none */
    const char *models_dir;   /* NULL: registry; else a dir like `facestitch models init --tiny` writes */
    const char *project_dir;  /* NULL: a temporary project, removed afterwards */
    int pti_steps;            /* passes of pivotal tuning over all frames */
    int stitch;               /* 1 (default): stitching tuning; 0: STIT's naive paste */
    int stitch_steps;
    long max_frames;          /* 0: the whole video */
    int crf;                  /* H.264 quality; 0 = lossless */
    const char *preset;       /* x264 speed preset: "medium" (default) ... "veryslow" */
    const char *codec;        /* video encoder: "h264" (default), "hevc", "vp9", "ffv1", ... */
    int threads;              /* 0: all cores */
    const char *face;         /* "all" (default), "largest" or a track id; PTI tunes on these faces */
    const char *range;        /* NULL: every frame; "FROM:TO" (times "2.5s:7s" or frames "f75:f210"):
                                 faces are edited only in that window, the rest of the video is copied */
    /* STIT's knobs (same names, see facestitch_param_info for defaults and ranges) */
    double center_sigma, xy_sigma;          /* temporal smoothing of the crop quads */
    double lr, l2_lambda, adam_beta1;       /* PTI */
    double stitch_lr, content_lambda, border_threshold;
    int l1, outer_dilation, inner_dilation, whole_image_border;
    int no_mask, feather_radius, freeze_fine_layers, fade;
    /* Model files, each overriding models_dir's (NULL: from models_dir, else the registry). For encoder,
       lpips and parser "" means none: invert by optimisation, PTI with the L2 loss only, masks from the
       landmarks (the CLI's --no-encoder, --no-lpips, --no-parser). */
    const char *generator, *encoder, *lpips, *parser;
    const char *detector;     /* "auto" (default: ssd when face-api is installed, else haar), "ssd", "haar" */
    const char *landmarks;    /* "dlib" (default) or "cnn" (face-api's 68-point net) */
} facestitch_params;

void facestitch_params_init(facestitch_params *p);
/* Sets one of the numbers above by its name ("content_lambda"), checking its range; 0 on success. */
int facestitch_params_set(facestitch_params *p, const char *name, double value, char *err, size_t errlen);

/* The table: i in [0, count). Returns 0 and fills the pointers (any may be NULL); non-zero past the end.
 * def is the default as text, lo/hi the range of numbers, stit STIT's name for the option. */
int facestitch_param_count(void);
int facestitch_param_info(int i, const char **name, const char **def, double *lo, double *hi, const char **stit,
                          const char **help);

/* A strength sweep in edit ("NAME=FROM:TO:STEP"): returns the number of strengths (0 when edit is not
 * a sweep, -1 with a message in err when it is a malformed one); for 0 <= i < that number fills
 * *strength (may be NULL) and path: the video facestitch_edit writes for strength i of output
 * ("out.mp4" -> "out_age-6.mp4"; path may be NULL; -1 with a message when that name does not fit in pathlen). */
int facestitch_sweep_output(const char *edit, const char *output, int i, double *strength, char *path,
                            size_t pathlen, char *err, size_t errlen);

/* Progress: stage label, done/total, seconds left (< 0 unknown), a detail string. abort: return
 * non-zero to stop the running call as soon as possible (it then fails with "aborted"). */
typedef void (*facestitch_progress_fn)(void *user, const char *stage, long long done, long long total,
                                       double eta_seconds, const char *detail);
typedef int (*facestitch_abort_fn)(void *user);

/* A context: its own progress/abort callbacks and settings, so several threads of one process can
 * each run an edit with their own context (the worker thread pool is shared; the first context that
 * runs sizes it with its params.threads). */
typedef struct facestitch_ctx facestitch_ctx;
int facestitch_ctx_create(facestitch_ctx **ctx, char *err, size_t errlen);
void facestitch_ctx_destroy(facestitch_ctx *ctx);
void facestitch_ctx_set_progress(facestitch_ctx *ctx, facestitch_progress_fn progress, facestitch_abort_fn abort,
                                 void *user);
/* 0 on success; non-zero with a one-line message in err (file and reason) on failure.
 * Never leaves a partial output file. */
int facestitch_ctx_edit(facestitch_ctx *ctx, const char *video, const char *output, const facestitch_params *p,
                        char *err, size_t errlen);

/* The same without a context: callbacks from facestitch_set_progress (one process-wide default context). */
int facestitch_edit(const char *video, const char *output, const facestitch_params *p, char *err, size_t errlen);
void facestitch_set_progress(facestitch_progress_fn progress, facestitch_abort_fn abort, void *user);

#ifdef __cplusplus
}
#endif

#endif
