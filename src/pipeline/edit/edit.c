#include "pipeline/edit/edit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/sha256.h"
#include "core/threads.h"
#include "face/align.h"
#include "face/mask.h"
#include "image/image_ops.h"
#include "models/bisenet.h"
#include "models/stylegan2.h"
#include "dist/dist.h"
#include "pipeline/edit/direction.h"
#include "pipeline/edit/edit_dist.h"
#include "pipeline/edit/stages.h"
#include "pipeline/invert/invert.h"
#include "pipeline/edit/stitch_masks.h"

void fs_edit_opts_default(fs_edit_opts *o) {
    memset(o, 0, sizeof *o);
    fs_stitch_opts_default(&o->stitch);
    fs_composite_opts_default(&o->comp);
    fs_params d;
    fs_params_default(&d);
    fs_params_to_edit(&d, o);
}

/* STIT's --freeze_fine_layers: layers >= k0 of every frame's latent take their mean over the track. */
static void freeze_fine(float *piv, int n, int L, int D, int k0) {
    if (k0 <= 0 || k0 >= L || n < 2) return;
    for (int l = k0; l < L; l++)
        for (int d = 0; d < D; d++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += piv[((size_t)i * L + l) * D + d];
            float m = (float)(s / n);
            for (int i = 0; i < n; i++) piv[((size_t)i * L + l) * D + d] = m;
        }
}

#define PREVIEW_ROWS 4

/* One frame being edited: everything a worker needs, so several frames can be tuned at once. */
typedef struct slot {
    fs_sg2_acts *acts;
    fs_stitcher *stitcher;      /* NULL with --no-stitch */
    float *ws, *edited, *crop, *tuned, *inv;
    float *styles[FS_SG2_MAX_LAYERS]; /* S-space edits only */
    uint8_t *fg;                /* (S/2)² foreground of the original crop */
    int k, i;                   /* track index, index in the track */
    double strength[FS_EDIT_MAX]; /* per direction at this frame, fade applied */
    int prow;                   /* preview row, -1 when none */
    fs_stitch_report sr;
    fs_image *result;
    int cached;                 /* result loaded from the tuned-crop cache: nothing to compute */
    int rc;
    fs_err err;
} slot;

typedef struct edit_ctx {
    const fs_project *p;
    const fs_edit_opts *o;
    const fs_sg2 *g;
    fs_bisenet *parser;
    int n_dirs;
    fs_direction **dirs;
    float **pivots;             /* per track, NULL when not selected */
    int S, L, D;
    int has_s;                  /* some direction is S-space */
    /* sequential face parsing buffers */
    float *logits, *parse_in;
    uint8_t *labels;
    /* frames in flight */
    int B;
    slot *slots;
    fs_image **cache;           /* per track: results of its current batch, indexed from cache_first */
    int *cache_first, *cache_n;
    fs_edit_report *rep;
    double sum_before, sum_after;
    int n_stitched;
    fs_progress prog;
    int prev_track, prev_idx[PREVIEW_ROWS], prev_n;
    fs_image *sheet;
    char tuned_dir[FS_PATH_MAX];       /* DIR/edits/KEY: stitched crops of this exact edit ("" = off) */
    char stages_dir[FS_PATH_MAX];      /* per-stage crops of track stages_track go here ("" = off) */
    int stages_track;
} edit_ctx;

static int wants_stages(const edit_ctx *c, const slot *s) { return c->stages_dir[0] && s->k == c->stages_track; }

static int track_by_id(const fs_project *p, int id) {
    for (int k = 0; k < p->tracks->count; k++)
        if (p->tracks->t[k].id == id) return k;
    return -1;
}

static double fade(const edit_ctx *c, int k, int i) {
    const fs_aligned_track *t = &c->p->tracks->t[k];
    int K = c->o->fade_frames;
    if (K <= 0) return 1.0;
    double f = 1.0;
    if (t->first > 0) f = fmin(f, (double)(i + 1) / (K + 1));
    if (t->first + t->n < c->p->tracks->frames) f = fmin(f, (double)(t->n - i) / (K + 1));
    return f;
}

static void put_tile(fs_image *sheet, int row, int col, const float *img, int S) {
    fs_image *tile = fs_image_create(S, S, NULL);
    if (!tile) return;
    fs_image_from_float(tile, img);
    for (int y = 0; y < S; y++) memcpy(fs_image_px(sheet, col * S, row * S + y), fs_image_px(tile, 0, y), 3 * (size_t)S);
    fs_image_destroy(tile);
}

/* The label map of a crop goes to DIR/masks/tNNN/FFFFFF.png (class id in every channel), where
 * composite picks it up for the paste mask (STIT pastes with the parsing's dilated foreground). */
static int save_labels(edit_ctx *c, int k, int i, int g, fs_err *err) {
    const fs_aligned_track *t = &c->p->tracks->t[k];
    char path[FS_PATH_MAX];
    if (fs_path_fmt(path, sizeof path, err, "%s/masks/t%03d", c->p->dir, t->id)) return FS_ERR;
    if (fs_mkdirs(path, err)) return FS_ERR;
    if (fs_project_mask_path(c->p, t->id, t->first + i, path, sizeof path, err)) return FS_ERR;
    fs_image *im = fs_image_create(g, g, err);
    if (!im) return FS_ERR;
    for (int y = 0; y < g; y++)
        for (int x = 0; x < g; x++) {
            uint8_t *px = fs_image_px(im, x, y);
            px[0] = px[1] = px[2] = c->labels[(size_t)y * g + x];
        }
    int rc = fs_image_save_png(im, path, err);
    fs_image_destroy(im);
    return rc;
}

/* Foreground of the original crop on a g×g grid: BiSeNet when given (STIT: nearest downscale of the
 * crop, parse, classes not in {0,16,18}), else the landmark hull. */
static int foreground(edit_ctx *c, slot *s, int g, fs_err *err) {
    int S = c->S;
    if (c->parser) {
        for (int ch = 0; ch < 3; ch++)
            for (int y = 0; y < g; y++)
                for (int x = 0; x < g; x++)
                    c->parse_in[((size_t)ch * g + y) * g + x] =
                        s->crop[((size_t)ch * S + (size_t)y * S / g) * S + (size_t)x * S / g];
        if (fs_bisenet_parse(c->parser, c->parse_in, 1, g, g, c->logits, err)) return FS_ERR;
        fs_bisenet_argmax(c->labels, c->logits, 1, fs_bisenet_num_classes(c->parser), (long)g * g);
        fs_mask_from_labels(s->fg, g, c->labels, g, g);
        return save_labels(c, s->k, s->i, g, err);
    }
    const fs_aligned_track *t = &c->p->tracks->t[s->k];
    float lm[FS_FACE_NUM_LANDMARKS][2];
    fs_align_landmarks_to_crop(t->coeffs[s->i], t->lm[s->i], lm);
    double sc = (double)g / S;
    for (int j = 0; j < FS_FACE_NUM_LANDMARKS; j++) lm[j][0] = (float)(lm[j][0] * sc), lm[j][1] = (float)(lm[j][1] * sc);
    fs_mask_from_landmarks(s->fg, g, lm);
    return FS_OK;
}

/* The contact-sheet row of slot s, or -1. */
static int preview_row(const edit_ctx *c, const slot *s) {
    if (c->sheet && s->k == c->prev_track)
        for (int r = 0; r < c->prev_n; r++)
            if (c->prev_idx[r] == s->i) return r;
    return -1;
}

static int tuned_path(const edit_ctx *c, int k, int i, char *path, size_t n, fs_err *err) {
    const fs_aligned_track *t = &c->p->tracks->t[k];
    return fs_project_crop_path(c->p, c->tuned_dir, t->id, t->first + i, path, n, err); /* same layout as crops/ */
}

/* The stitched crop of slot s from an earlier run of the same edit (an interrupted run resumes
 * here). A file that does not load is computed again. Preview rows are always computed (the sheet
 * shows the intermediate images), and with a parser its mask must be there for the paste. */
static int tuned_exists(const edit_ctx *c, int k, int i) {
    char path[FS_PATH_MAX]; /* a path that does not fit is not there: saving the frame then names it */
    if (tuned_path(c, k, i, path, sizeof path, NULL) || !fs_file_exists(path)) return 0;
    if (c->parser) {
        const fs_aligned_track *t = &c->p->tracks->t[k];
        if (fs_project_mask_path(c->p, t->id, t->first + i, path, sizeof path, NULL) || !fs_file_exists(path)) return 0;
    }
    return 1;
}

static int load_tuned(edit_ctx *c, slot *s) {
    if (!c->tuned_dir[0] || s->prow >= 0 || wants_stages(c, s) || !tuned_exists(c, s->k, s->i)) return 0;
    char path[FS_PATH_MAX];
    if (tuned_path(c, s->k, s->i, path, sizeof path, NULL)) return 0; /* fits: tuned_exists built it */
    fs_image *im = NULL;
    fs_err e = {0};
    if (fs_image_load(path, &im, &e) || im->w != c->S || im->h != c->S) {
        fs_verbose("%s: unusable (%s); computing the frame again", path, e.msg[0] ? e.msg : "wrong size");
        fs_image_destroy(im);
        return 0;
    }
    s->result = im;
    return 1;
}

static int save_tuned(const edit_ctx *c, const slot *s, fs_err *err) {
    const fs_aligned_track *t = &c->p->tracks->t[s->k];
    char path[FS_PATH_MAX];
    if (fs_path_fmt(path, sizeof path, err, "%s/t%03d", c->tuned_dir, t->id)) return FS_ERR;
    if (fs_mkdirs(path, err)) return FS_ERR;
    if (tuned_path(c, s->k, s->i, path, sizeof path, err)) return FS_ERR;
    return fs_image_save_png_level(s->result, path, 1, err);
}

static int save_stages(const edit_ctx *c, const slot *s, fs_err *err) {
    int frame = c->p->tracks->t[s->k].first + s->i;
    if (fs_stages_save(c->stages_dir, "inversion", frame, s->inv, c->S, err)) return FS_ERR;
    if (fs_stages_save(c->stages_dir, "naive", frame, s->edited, c->S, err)) return FS_ERR;
    return fs_stages_save(c->stages_dir, "stitched", frame, c->o->no_stitch ? s->edited : s->tuned, c->S, err);
}

/* Sequential part before the heavy work: the latent, the crop, the foreground. */
static int slot_prepare(edit_ctx *c, slot *s, fs_err *err) {
    const fs_aligned_track *t = &c->p->tracks->t[s->k];
    int frame = t->first + s->i;
    size_t row = (size_t)c->L * c->D;
    memcpy(s->ws, c->pivots[s->k] + (size_t)s->i * row, sizeof(float) * row);
    double f = fade(c, s->k, s->i);
    for (int e = 0; e < c->n_dirs; e++) {
        s->strength[e] = fs_edit_strength_at(&c->o->spec.edits[e], frame, c->p->tracks->fps) * f;
        fs_direction_apply(s->ws, c->L, c->dirs[e], s->strength[e]);
    }
    int need_crop = !c->o->no_stitch || s->prow >= 0 || c->parser;
    if (need_crop && fs_invert_load_crop(c->p, s->k, s->i, c->S, s->crop, err)) return FS_ERR;
    if ((!c->o->no_stitch || c->parser) && foreground(c, s, c->S / 2, err)) return FS_ERR;
    return FS_OK;
}

/* The heavy part, run for several slots at once: render, stitch, convert. */
static void slot_work(void *ctx, int64_t begin, int64_t end, int thread_index) {
    edit_ctx *c = ctx;
    (void)thread_index;
    for (int64_t j = begin; j < end; j++) {
        slot *s = &c->slots[j];
        long img_n = 3L * c->S * c->S;
        fs_sg2_opts so = fs_sg2_opts_default();
        s->rc = FS_OK;
        if (s->cached) continue;
        if (s->prow >= 0 || wants_stages(c, s)) {
            fs_sg2_synthesis_forward(c->g, s->acts, c->pivots[s->k] + (size_t)s->i * c->L * c->D, &so);
            memcpy(s->inv, s->acts->img, sizeof(float) * (size_t)img_n);
        }
        fs_sg2_synthesis_forward(c->g, s->acts, s->ws, &so);
        if (c->has_s) {
            /* S-space edits: the styles of the (W-edited) latent, offset per channel, rendered again */
            for (int l = 0; l < c->g->cfg.n_layers; l++)
                memcpy(s->styles[l], s->acts->styles[l], sizeof(float) * (size_t)c->g->cfg.layers[l].C_in);
            for (int e = 0; e < c->n_dirs; e++) fs_direction_apply_styles(s->styles, &c->g->cfg, c->dirs[e], s->strength[e]);
            fs_sg2_synthesis_forward_styles(c->g, s->acts, (const float *const *)s->styles, &so);
        }
        memcpy(s->edited, s->acts->img, sizeof(float) * (size_t)img_n);
        const float *result = s->edited;
        if (!c->o->no_stitch) {
            fs_stitch_masks *m = NULL;
            s->rc = fs_stitch_masks_create(s->fg, c->S / 2, c->S, &c->o->stitch.masks, &m, &s->err);
            if (!s->rc)
                s->rc = c->has_s ? fs_stitcher_tune_styles(s->stitcher, (const float *const *)s->styles, s->crop, s->edited,
                                                           m, &c->o->stitch, s->tuned, &s->sr, &s->err)
                                 : fs_stitcher_tune(s->stitcher, s->ws, s->crop, s->edited, m, &c->o->stitch, s->tuned,
                                                    &s->sr, &s->err);
            fs_stitch_masks_destroy(m);
            result = s->tuned;
        }
        if (s->rc) continue;
        s->result = fs_image_create(c->S, c->S, &s->err);
        if (!s->result) {
            s->rc = FS_ERR;
            continue;
        }
        fs_image_from_float(s->result, result);
    }
}

static void cache_clear(edit_ctx *c, int k) {
    for (int j = 0; j < c->cache_n[k]; j++) {
        fs_image_destroy(c->cache[(size_t)k * c->B + j]);
        c->cache[(size_t)k * c->B + j] = NULL;
    }
    c->cache_n[k] = 0;
}

/* Edits frames [i, i+nb) of track k, nb <= nmax <= B, and leaves the results in the track's cache. */
static int run_batch(edit_ctx *c, int k, int i, int nmax, fs_err *err) {
    const fs_aligned_track *t = &c->p->tracks->t[k];
    int nb = t->n - i < nmax ? t->n - i : nmax;
    cache_clear(c, k);
    for (int j = 0; j < nb; j++) {
        slot *s = &c->slots[j];
        s->k = k, s->i = i + j, s->result = NULL;
        s->prow = preview_row(c, s);
        s->cached = load_tuned(c, s);
        if (!s->cached && slot_prepare(c, s, err)) return FS_ERR;
    }
    /* B == 1: one frame with multithreaded kernels. B > 1: frames side by side, each single-threaded
       (a last batch of one frame too, so the pixels do not depend on the batch size) */
    if (c->B > 1 && nb == 1)
        fs_run_single_threaded(slot_work, c, 1);
    else
        fs_parallel_for(nb, 1, slot_work, c);
    int rc = FS_OK;
    for (int j = 0; j < nb; j++) {
        slot *s = &c->slots[j];
        if (s->rc) {
            if (!rc && err) *err = s->err;
            rc = FS_ERR;
            fs_image_destroy(s->result);
            s->result = NULL;
            continue;
        }
        if (s->cached) {
            c->rep->stitch_reused++;
        } else if (c->tuned_dir[0] && save_tuned(c, s, err)) {
            rc = FS_ERR;
            fs_image_destroy(s->result);
            s->result = NULL;
            continue;
        }
        if (!c->o->no_stitch && !s->cached) {
            c->sum_before += s->sr.border_before;
            c->sum_after += s->sr.border_after;
            c->n_stitched++;
            if (s->sr.border_after < s->sr.border_before) c->rep->border_improved++;
            if (s->sr.border_before > 0 && s->sr.border_after / s->sr.border_before > c->rep->border_worst_ratio)
                c->rep->border_worst_ratio = s->sr.border_after / s->sr.border_before;
            if (s->sr.best_step < s->sr.steps_taken) c->rep->stitch_kept_earlier++;
            if (s->sr.diverged) {
                c->rep->stitch_diverged++;
                fs_warn("track %d, frame %d: stitching diverged at step %d; kept step %d", c->p->tracks->t[k].id,
                        c->p->tracks->t[k].first + s->i, s->sr.steps_taken, s->sr.best_step);
            }
        }
        if (wants_stages(c, s) && !s->cached && save_stages(c, s, err)) {
            rc = FS_ERR;
            fs_image_destroy(s->result);
            s->result = NULL;
            continue;
        }
        if (s->prow >= 0 && !s->cached) {
            put_tile(c->sheet, s->prow, 0, s->crop, c->S);
            put_tile(c->sheet, s->prow, 1, s->inv, c->S);
            put_tile(c->sheet, s->prow, 2, s->edited, c->S);
            put_tile(c->sheet, s->prow, 3, c->o->no_stitch ? s->edited : s->tuned, c->S);
        }
        c->cache[(size_t)k * c->B + j] = s->result; /* the cache owns it now */
        s->result = NULL;
        c->rep->faces_edited++;
        fs_progress_step(&c->prog, 1, c->n_stitched ? "border %.4f -> %.4f" : NULL,
                         c->n_stitched ? c->sum_before / c->n_stitched : 0,
                         c->n_stitched ? c->sum_after / c->n_stitched : 0);
    }
    c->cache_first[k] = i;
    c->cache_n[k] = nb;
    return rc;
}

static int crop_source(void *user, int track_id, int frame, fs_image **out, fs_err *err) {
    edit_ctx *c = user;
    *out = NULL;
    int k = track_by_id(c->p, track_id);
    if (k < 0 || !c->pivots[k]) return FS_OK;
    int i = fs_aligned_track_index(&c->p->tracks->t[k], frame);
    if (i < 0) return FS_OK;
    int j = i - c->cache_first[k];
    if (j < 0 || j >= c->cache_n[k] || !c->cache[(size_t)k * c->B + j]) {
        if (run_batch(c, k, i, c->B, err)) return FS_ERR;
        j = 0;
    }
    *out = c->cache[(size_t)k * c->B + j];
    c->cache[(size_t)k * c->B + j] = NULL;
    return FS_OK;
}


/* Adds "label=sha256(file)" to the tuned-crop key. */
static int key_file(fs_sha256_ctx *h, const char *label, const char *path, fs_err *err) {
    char hex[65], line[256];
    if (fs_sha256_file(path, 0, hex, err)) return FS_ERR;
    snprintf(line, sizeof line, "%s=%s\n", label, hex);
    fs_sha256_update(h, line, strlen(line));
    return FS_OK;
}

/* c->tuned_dir = DIR/edits/KEY, KEY = sha256 of everything a stitched crop depends on besides the
 * files already hashed into h (the direction files): the project's generator, pivots and tracks,
 * the edit, the stitching options, the fade, the parser, and how frames run (kernels with several
 * threads sum in another order than one). A description goes to KEY/edit.txt. */
static int tuned_dir_init(edit_ctx *c, fs_sha256_ctx *h, const char *dir, const fs_model_set *ms, fs_err *err) {
    static const char *files[] = {"generator.safetensors", "pivots.safetensors", "tracks.json"};
    char path[FS_PATH_MAX], text[4096];
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        if (fs_path_join(path, sizeof path, dir, files[f], err)) return FS_ERR;
        if (key_file(h, files[f], path, err)) return FS_ERR;
    }
    if (ms->parser[0] && key_file(h, "parser", ms->parser, err)) return FS_ERR;
    int n = snprintf(text, sizeof text, "facestitch tuned crops v1\nedit");
    for (int e = 0; e < c->o->spec.count && n < (int)sizeof text - 600; e++) {
        char one[520];
        fs_edit_format(&c->o->spec.edits[e], one, (int)sizeof one);
        n += snprintf(text + n, sizeof text - (size_t)n, " %s", one);
    }
    if (n < (int)sizeof text) n += snprintf(text + n, sizeof text - (size_t)n, "\n");
    if (n < (int)sizeof text) n += fs_params_describe(&c->o->params, FS_PC_KEY, text + n, sizeof text - (size_t)n);
    if (n < (int)sizeof text)
        snprintf(text + n, sizeof text - (size_t)n, "parser %s\nrun %s %d\n",
                 ms->parser[0] ? "yes" : "no (landmark masks)",
                 c->B > 1 || fs_threads_count() == 1 ? "frames-per-thread" : "threads",
                 c->B > 1 ? 1 : fs_threads_count());
    fs_sha256_update(h, text, strlen(text));
    uint8_t d[32];
    char hex[65];
    fs_sha256_final(h, d);
    fs_sha256_hex(d, hex);
    if (fs_path_fmt(c->tuned_dir, sizeof c->tuned_dir, err, "%s/edits/%.16s", dir, hex)) return FS_ERR;
    if (fs_mkdirs(c->tuned_dir, err)) return FS_ERR;
    char txt[FS_PATH_MAX];
    if (fs_path_join(txt, sizeof txt, c->tuned_dir, "edit.txt", err)) return FS_ERR;
    if (!fs_file_exists(txt) && fs_write_file_atomic(txt, text, strlen(text), err)) return FS_ERR;
    return FS_OK;
}

/* Several ranks (src/dist/): every rank stitches its share of the frames into the tuned-crop cache
 * first; rank 0 then composites from the cache. The callbacks of the deal: */
static int dist_done(void *user, int k, int i) {
    edit_ctx *c = user;
    slot probe = {.k = k, .i = i};
    return !c->pivots[k] || preview_row(c, &probe) >= 0 || tuned_exists(c, k, i);
}
static int dist_run(void *user, int k, int i, int n, fs_err *err) {
    edit_ctx *c = user;
    int rc = run_batch(c, k, i, n, err);
    cache_clear(c, k);
    return rc;
}
static int edit_over_ranks(edit_ctx *c, fs_err *err) {
    int ntr = c->p->tracks->count, *len = calloc((size_t)ntr, sizeof *len);
    if (!len) return fs_errorf(err, "out of memory");
    for (int k = 0; k < ntr; k++) len[k] = c->pivots[k] ? c->p->tracks->t[k].n : 0;
    fs_edit_dist_ops ops = {ntr, len, c->B, dist_done, dist_run, c};
    int64_t computed = 0;
    int rc = fs_edit_dist_stitch(&ops, &c->prog, &computed, err);
    free(len);
    return rc ? FS_ERR : fs_edit_dist_report(c->rep, &c->sum_before, &c->sum_after, &c->n_stitched, computed, err);
}

static void slot_free(slot *s) {
    fs_sg2_acts_destroy(s->acts);
    fs_stitcher_destroy(s->stitcher);
    free(s->ws), free(s->edited), free(s->crop), free(s->tuned), free(s->inv), free(s->fg);
    for (int l = 0; l < FS_SG2_MAX_LAYERS; l++) free(s->styles[l]);
    fs_image_destroy(s->result);
}

static int slot_init(slot *s, const edit_ctx *c, fs_err *err) {
    memset(s, 0, sizeof *s);
    size_t img = 3 * (size_t)c->S * c->S, g = (size_t)(c->S / 2);
    if (fs_sg2_acts_create(&s->acts, c->g, 1, err)) return FS_ERR;
    if (!c->o->no_stitch && fs_stitcher_create(&s->stitcher, c->g, err)) return FS_ERR;
    s->ws = malloc(sizeof(float) * (size_t)c->L * c->D);
    s->edited = malloc(sizeof(float) * img);
    s->crop = malloc(sizeof(float) * img);
    s->tuned = malloc(sizeof(float) * img);
    s->inv = malloc(sizeof(float) * img);
    s->fg = malloc(g * g);
    if (!s->ws || !s->edited || !s->crop || !s->tuned || !s->inv || !s->fg) return fs_errorf(err, "out of memory");
    if (c->has_s)
        for (int l = 0; l < c->g->cfg.n_layers; l++)
            if (!(s->styles[l] = malloc(sizeof(float) * (size_t)c->g->cfg.layers[l].C_in)))
                return fs_errorf(err, "out of memory");
    return FS_OK;
}

static int edit_run_one(const char *dir, const fs_model_set *ms, const fs_edit_opts *o, const char *out_path,
                        fs_edit_report *rep, fs_err *err);

int fs_edit_run(const char *dir, const fs_model_set *ms, const fs_edit_opts *o, const char *out_path,
                fs_edit_report *rep, fs_err *err) {
    if (o->hard_mask_path && fs_video_writer_check(o->hard_mask_path, &o->comp.writer, err)) return FS_ERR;
    if (o->side_by_side && fs_video_writer_check(o->side_by_side, &o->comp.writer, err)) return FS_ERR;
    if (edit_run_one(dir, ms, o, out_path, rep, err)) return FS_ERR;
    if (!o->hard_mask_path) return FS_OK;
    fs_edit_opts hard = *o;
    hard.hard_mask_path = NULL;
    hard.preview_path = NULL;
    hard.side_by_side = NULL;
    hard.frames_dir = NULL;
    hard.comp.feather = 0;
    hard.comp.no_mask = 0;
    fs_edit_report r2;
    return edit_run_one(dir, ms, &hard, o->hard_mask_path, &r2, err);
}

/* The face of the side-by-side video and the per-stage frames: the one --face picks (an id or the
 * largest), or with every face picked the largest (box area summed over its frames); first: the
 * first picked track, the answer when that cannot be worked out. */
static int stages_track(const fs_project *p, const fs_face_pick *face, int first) {
    if (face->kind != FS_FACE_ALL) return first;
    fs_face_pick largest = *face;
    largest.kind = FS_FACE_LARGEST;
    int *sel = calloc((size_t)p->tracks->count, sizeof *sel);
    fs_err e = {0};
    int k = first;
    if (sel && !fs_project_select_tracks(p, &largest, sel, &e))
        for (int j = 0; j < p->tracks->count; j++)
            if (sel[j]) k = j;
    free(sel);
    return k;
}

static int edit_run_one(const char *dir, const fs_model_set *ms, const fs_edit_opts *o, const char *out_path,
                        fs_edit_report *rep, fs_err *err) {
    memset(rep, 0, sizeof *rep);
    edit_ctx c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.rep = rep;
    fs_project *p = NULL;
    fs_sg2 *g = NULL;
    int *sel = NULL, rc = FS_ERR, nslots = 0;
    char gen_path[FS_PATH_MAX];
    if (fs_project_open(dir, &p, err)) return FS_ERR;
    c.p = p;
    int ntr = p->tracks ? p->tracks->count : 0;
    if (ntr == 0) {
        fs_verbose("%s: no faces in this video: the output is a copy of the input", p->source);
        fs_composite_opts co = o->comp;
        rc = fs_dist_rank() == 0 ? fs_project_composite(p, out_path, &co, err) : FS_OK;
        fs_project_close(p);
        return rc;
    }
    if (fs_path_join(gen_path, sizeof gen_path, dir, "generator.safetensors", err)) goto done;
    if (!fs_file_exists(gen_path)) {
        fs_errorf(err, "%s: not inverted yet (run `facestitch invert VIDEO --project %s` first)", dir, dir);
        goto done;
    }
    if (fs_sg2_load(gen_path, &g, err)) goto done;
    c.g = g;
    c.S = g->cfg.resolution, c.L = g->cfg.num_ws, c.D = g->cfg.w_dim;
    if (o->spec.count == 0) {
        fs_errorf(err, "no edit given (e.g. age=-6)");
        goto done;
    }
    c.B = o->stitch_batch > 0 ? o->stitch_batch : (c.S <= 256 ? fs_threads_count() : 1);
    if (c.B < 1) c.B = 1;
    c.n_dirs = o->spec.count;
    c.dirs = calloc((size_t)c.n_dirs, sizeof *c.dirs);
    c.pivots = calloc((size_t)ntr, sizeof *c.pivots);
    c.cache = calloc((size_t)ntr * c.B, sizeof *c.cache);
    c.cache_first = calloc((size_t)ntr, sizeof *c.cache_first);
    c.cache_n = calloc((size_t)ntr, sizeof *c.cache_n);
    c.slots = calloc((size_t)c.B, sizeof *c.slots);
    sel = calloc((size_t)ntr, sizeof *sel);
    int gg = c.S / 2;
    c.labels = malloc((size_t)gg * gg);
    c.parse_in = malloc(sizeof(float) * 3 * (size_t)gg * gg);
    if (!c.dirs || !c.pivots || !c.cache || !c.cache_first || !c.cache_n || !c.slots || !sel || !c.labels ||
        !c.parse_in) {
        fs_errorf(err, "out of memory");
        goto done;
    }
    fs_sha256_ctx key;
    fs_sha256_init(&key);
    for (int e = 0; e < c.n_dirs; e++) {
        char path[FS_PATH_MAX];
        if (fs_model_set_direction(ms, o->spec.edits[e].name, path, sizeof path, err)) goto done;
        if (fs_direction_load_for(path, &g->cfg, &c.dirs[e], err)) goto done;
        if (c.dirs[e]->space == FS_DIR_S) c.has_s = 1;
        if (!o->no_stitch && key_file(&key, "direction", path, err)) goto done;
    }
    if (fs_project_select_tracks(p, &o->face, sel, err)) goto done;
    if (fs_invert_pti_covers(dir, p, sel, err)) goto done;
    long total = 0;
    for (int k = 0; k < ntr; k++) {
        if (!sel[k]) continue;
        if (fs_invert_load_pivots(dir, p, k, c.L, c.D, &c.pivots[k], err)) goto done;
        freeze_fine(c.pivots[k], p->tracks->t[k].n, c.L, c.D, o->freeze_fine_layers);
        rep->tracks_selected++;
        total += p->tracks->t[k].n;
        if (!c.stages_dir[0] && (o->frames_dir || o->side_by_side)) {
            c.stages_track = stages_track(p, &o->face, k);
            if (o->frames_dir)
                snprintf(c.stages_dir, sizeof c.stages_dir, "%s", o->frames_dir);
            else
                snprintf(c.stages_dir, sizeof c.stages_dir, "%s/stages.tmp", dir);
        }
        if (c.prev_n == 0 && o->preview_path) {
            c.prev_track = k;
            int n = p->tracks->t[k].n;
            for (int r = 0; r < PREVIEW_ROWS && r < n; r++)
                c.prev_idx[c.prev_n++] = n < PREVIEW_ROWS ? r : r * (n - 1) / (PREVIEW_ROWS - 1);
        }
    }
    if (ms->parser[0]) {
        if (fs_bisenet_load(ms->parser, &c.parser, err)) goto done;
        c.logits = malloc(sizeof(float) * (size_t)fs_bisenet_num_classes(c.parser) * gg * gg);
        if (!c.logits) {
            fs_errorf(err, "out of memory");
            goto done;
        }
    }
    if (o->preview_path && c.prev_n > 0) {
        c.sheet = fs_image_create(4 * c.S, c.prev_n * c.S, err);
        if (!c.sheet) goto done;
    }
    /* stitched crops are kept so that an interrupted edit resumes (and a rerun re-encodes) */
    if (!o->no_stitch && tuned_dir_init(&c, &key, dir, ms, err)) goto done;
    for (; nslots < c.B; nslots++)
        if (slot_init(&c.slots[nslots], &c, err)) {
            nslots++;
            goto done;
        }
    fs_verbose("edit: %d frame(s) tuned at a time", c.B);
    if (fs_dist_size() > 1) {
        if (c.tuned_dir[0] && edit_over_ranks(&c, err)) goto done;
        if (fs_dist_rank() != 0) { /* rank 0 composites */
            rc = FS_OK;
            goto done;
        }
    }
    fs_progress_begin(&c.prog, o->no_stitch ? "edit" : "edit + stitch", total);
    fs_composite_opts co = o->comp;
    int64_t occluders = 0;
    if (c.parser && co.keep_occluders) co.occluder_px = &occluders;
    co.crop_fn = crop_source;
    co.crop_user = &c;
    if (fs_project_composite(p, out_path, &co, err)) goto done;
    fs_progress_end(&c.prog);
    rep->occluder_pixels = occluders;
    if (o->frames_dir && fs_stages_save_final(out_path, o->frames_dir, err)) goto done;
    if (o->side_by_side && c.stages_dir[0] &&
        fs_stages_side_by_side(p, p->tracks->t[c.stages_track].id, c.stages_dir, out_path, &o->comp.writer,
                               o->side_by_side, err))
        goto done;
    if (rep->stitch_reused) fs_info("edit: %d stitched crop(s) reused from %s", rep->stitch_reused, c.tuned_dir);
    if (c.n_stitched) {
        rep->border_before_mean = c.sum_before / c.n_stitched;
        rep->border_after_mean = c.sum_after / c.n_stitched;
    }
    if (c.sheet && fs_image_save_png(c.sheet, o->preview_path, err)) goto done;
    rc = FS_OK;
done:
    fs_dist_fail_alone(rc, err); /* several ranks: a rank failing alone ends the job */
    if (c.stages_dir[0] && !o->frames_dir) {
        fs_err e2 = {0};
        fs_remove_tree(c.stages_dir, &e2);
    }
    if (c.cache)
        for (int k = 0; k < ntr; k++) cache_clear(&c, k);
    for (int j = 0; j < nslots; j++) slot_free(&c.slots[j]);
    if (c.dirs)
        for (int e = 0; e < c.n_dirs; e++) fs_direction_destroy(c.dirs[e]);
    if (c.pivots)
        for (int k = 0; k < ntr; k++) free(c.pivots[k]);
    free(c.dirs), free(c.pivots), free(sel), free(c.cache), free(c.cache_first), free(c.cache_n), free(c.slots);
    free(c.labels), free(c.parse_in), free(c.logits);
    fs_image_destroy(c.sheet);
    fs_bisenet_destroy(c.parser);
    fs_sg2_destroy(g);
    fs_project_close(p);
    return rc;
}

int fs_edit_video(const char *video, const char *dir, const fs_model_set *ms, const fs_invert_opts *io,
                  const fs_edit_opts *eo, const char *out_path, fs_invert_report *ir, fs_edit_report *er,
                  fs_err *err) {
    char tmp[FS_PATH_MAX] = "";
    fs_invert_report ir0;
    fs_edit_report er0;
    if (!video && io && (io->align.settings.range.set || io->align.settings.max_frames))
        fs_warn("%s: range and max_frames apply when a video is aligned; the project keeps its own", dir);
    /* a misspelt edit or an unwritable output must fail now, not after hours of inversion */
    if (fs_video_writer_check(out_path, &eo->comp.writer, err)) return FS_ERR;
    if (eo->hard_mask_path && fs_video_writer_check(eo->hard_mask_path, &eo->comp.writer, err)) return FS_ERR;
    if (eo->side_by_side && fs_video_writer_check(eo->side_by_side, &eo->comp.writer, err)) return FS_ERR;
    for (int e = 0; e < eo->spec.count; e++) {
        char path[FS_PATH_MAX];
        if (fs_model_set_direction(ms, eo->spec.edits[e].name, path, sizeof path, err)) return FS_ERR;
    }
    if (!dir && fs_dist_size() > 1)
        return fs_dist_agree(fs_errorf(err, "several ranks work in one project: give --project DIR on a filesystem "
                                            "that every rank sees"), err);
    if (!dir) {
        fs_video_info vi;
        if (video && fs_video_probe(video, &vi, err)) return FS_ERR; /* a bad input: one line, nothing made */
        if (fs_make_temp_dir("facestitch-", tmp, sizeof tmp, err)) return FS_ERR;
        dir = tmp;
        fs_info("working in %s (removed at the end; with --project DIR the work is kept and an interrupted "
                "run resumes)", tmp);
    }
    int rc = FS_OK;
    fs_invert_opts io2 = *io;
    io2.face = eo->face; /* PTI tunes on the faces that are edited, as STIT */
    if (video) rc = fs_dist_agree(fs_invert_run(video, dir, ms, &io2, ir ? ir : &ir0, err), err); /* rank 0 wrote G */
    if (!rc) rc = fs_edit_run(dir, ms, eo, out_path, er ? er : &er0, err);
    if (tmp[0] && rc && fs_should_abort()) {
        /* interrupted (Ctrl-C): the work so far is worth keeping, and "the same command" would start
         * a new temporary project, so say how to resume */
        if (err) {
            char what[sizeof err->msg];
            snprintf(what, sizeof what, "%s", err->msg);
            char *cut = strstr(what, "; run the same command");
            if (cut) *cut = 0;
            fs_errorf(err, "%s; the work so far is kept in %s: add --project %s to the same command to resume", what,
                      tmp, tmp);
        }
    } else if (tmp[0]) {
        fs_err e2 = {0};
        if (fs_remove_tree(tmp, &e2)) fs_warn("could not remove the temporary project: %s", e2.msg);
    }
    return rc;
}
