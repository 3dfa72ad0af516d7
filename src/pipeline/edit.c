#include "pipeline/edit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fileio.h"
#include "core/log.h"
#include "face/align.h"
#include "face/mask.h"
#include "image/image_ops.h"
#include "models/bisenet.h"
#include "models/stylegan2.h"
#include "pipeline/direction.h"
#include "pipeline/invert.h"
#include "pipeline/masked_loss.h"
#include "pipeline/stitch_masks.h"

void fs_edit_opts_default(fs_edit_opts *o) {
    memset(o, 0, sizeof *o);
    fs_stitch_opts_default(&o->stitch);
    o->face = "all";
    o->fade_frames = 5;
    fs_composite_opts_default(&o->comp);
}

#define PREVIEW_ROWS 4

typedef struct edit_ctx {
    const fs_project *p;
    const fs_edit_opts *o;
    const fs_sg2 *g;
    fs_sg2_acts *acts;
    fs_bisenet *parser;
    fs_stitcher *stitcher;
    int n_dirs;
    fs_direction **dirs;
    float **pivots;            /* per track, NULL when not selected */
    int S, L, D;
    float *ws, *edited, *crop, *tuned;
    int has_s;                 /* some direction is S-space */
    float *styles[FS_SG2_MAX_LAYERS];
    uint8_t *fg;
    float *logits;
    uint8_t *labels;
    float *parse_in;
    fs_edit_report *rep;
    double sum_before, sum_after;
    int n_stitched;
    fs_progress prog;
    /* preview */
    int prev_track, prev_idx[PREVIEW_ROWS], prev_n;
    fs_image *sheet;
} edit_ctx;

static int track_by_id(const fs_project *p, int id) {
    for (int k = 0; k < p->tracks->count; k++)
        if (p->tracks->t[k].id == id) return k;
    return -1;
}

static double fade(const edit_ctx *c, int k, int i) {
    const fs_proj_track *t = &c->p->tracks->t[k];
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
    const fs_proj_track *t = &c->p->tracks->t[k];
    char path[4300];
    snprintf(path, sizeof path, "%s/masks/t%03d", c->p->dir, t->id);
    if (fs_mkdirs(path, err)) return FS_ERR;
    snprintf(path, sizeof path, "%s/masks/t%03d/%06d.png", c->p->dir, t->id, t->first + i);
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

/* Foreground mask of the original crop on a g×g grid: BiSeNet when given (STIT: nearest
 * downscale of the crop, parse, classes not in {0,16,18}), else the landmark hull. */
static int foreground(edit_ctx *c, int k, int i, int g, fs_err *err) {
    int S = c->S;
    if (c->parser) {
        /* nearest downscale S -> g (takes every (S/g)-th pixel like F.interpolate nearest) */
        for (int ch = 0; ch < 3; ch++)
            for (int y = 0; y < g; y++)
                for (int x = 0; x < g; x++)
                    c->parse_in[((size_t)ch * g + y) * g + x] =
                        c->crop[((size_t)ch * S + (size_t)y * S / g) * S + (size_t)x * S / g];
        if (fs_bisenet_parse(c->parser, c->parse_in, 1, g, g, c->logits, err)) return FS_ERR;
        int nc = fs_bisenet_num_classes(c->parser);
        fs_bisenet_argmax(c->labels, c->logits, 1, nc, (long)g * g);
        fs_mask_from_labels(c->fg, g, c->labels, g, g);
        return save_labels(c, k, i, g, err);
    }
    const fs_proj_track *t = &c->p->tracks->t[k];
    float lm[FS_FACE_NUM_LANDMARKS][2];
    fs_align_landmarks_to_crop(t->coeffs[i], t->lm[i], lm);
    double sc = (double)g / S;
    for (int j = 0; j < FS_FACE_NUM_LANDMARKS; j++) lm[j][0] = (float)(lm[j][0] * sc), lm[j][1] = (float)(lm[j][1] * sc);
    fs_mask_from_landmarks(c->fg, g, lm);
    return FS_OK;
}

static int crop_source(void *user, int track_id, int frame, fs_image **out, fs_err *err) {
    edit_ctx *c = user;
    *out = NULL;
    int k = track_by_id(c->p, track_id);
    if (k < 0 || !c->pivots[k]) return FS_OK;
    const fs_proj_track *t = &c->p->tracks->t[k];
    int i = fs_proj_track_index(t, frame);
    if (i < 0) return FS_OK;
    int S = c->S, L = c->L, D = c->D;
    size_t row = (size_t)L * D;
    long img_n = 3L * S * S;
    memcpy(c->ws, c->pivots[k] + (size_t)i * row, sizeof(float) * row);
    double f = fade(c, k, i);
    for (int e = 0; e < c->n_dirs; e++) {
        double s = fs_edit_strength_at(&c->o->spec.edits[e], frame, c->p->tracks->fps) * f;
        fs_direction_apply(c->ws, L, c->dirs[e], s);
    }
    fs_sg2_opts so = fs_sg2_opts_default();
    int is_prev = 0;
    for (int r = 0; r < c->prev_n; r++) is_prev |= c->sheet && k == c->prev_track && i == c->prev_idx[r];
    int prow = -1;
    for (int r = 0; r < c->prev_n; r++)
        if (is_prev && i == c->prev_idx[r]) prow = r;
    if (prow >= 0) {
        /* inversion column: the PTI generator at the pivot */
        fs_sg2_synthesis_forward(c->g, c->acts, c->pivots[k] + (size_t)i * row, &so);
        put_tile(c->sheet, prow, 1, c->acts->img, S);
    }
    fs_sg2_synthesis_forward(c->g, c->acts, c->ws, &so);
    if (c->has_s) {
        /* S-space edits: the styles of the (W-edited) latent, offset per channel, rendered again */
        for (int l = 0; l < c->g->cfg.n_layers; l++)
            memcpy(c->styles[l], c->acts->styles[l], sizeof(float) * (size_t)c->g->cfg.layers[l].C_in);
        for (int e = 0; e < c->n_dirs; e++) {
            double s = fs_edit_strength_at(&c->o->spec.edits[e], frame, c->p->tracks->fps) * f;
            fs_direction_apply_styles(c->styles, &c->g->cfg, c->dirs[e], s);
        }
        fs_sg2_synthesis_forward_styles(c->g, c->acts, (const float *const *)c->styles, &so);
    }
    memcpy(c->edited, c->acts->img, sizeof(float) * (size_t)img_n);
    const float *result = c->edited;
    int need_crop = !c->o->no_stitch || prow >= 0 || c->parser;
    if (need_crop && fs_invert_load_crop(c->p, k, i, S, c->crop, err)) return FS_ERR;
    if (c->o->no_stitch && c->parser && foreground(c, k, i, S / 2, err)) return FS_ERR;
    if (!c->o->no_stitch) {
        int g = S / 2;
        if (foreground(c, k, i, g, err)) return FS_ERR;
        fs_stitch_masks *m = NULL;
        if (fs_stitch_masks_create(c->fg, g, S, &m, err)) return FS_ERR;
        fs_stitch_report sr;
        int rc = c->has_s ? fs_stitcher_tune_styles(c->stitcher, (const float *const *)c->styles, c->crop, c->edited, m,
                                                    &c->o->stitch, c->tuned, &sr, err)
                          : fs_stitcher_tune(c->stitcher, c->ws, c->crop, c->edited, m, &c->o->stitch, c->tuned, &sr, err);
        fs_stitch_masks_destroy(m);
        if (rc) return FS_ERR;
        c->sum_before += sr.border_before;
        c->sum_after += sr.border_after;
        c->n_stitched++;
        if (sr.border_after < sr.border_before) c->rep->border_improved++;
        if (sr.border_before > 0 && sr.border_after / sr.border_before > c->rep->border_worst_ratio)
            c->rep->border_worst_ratio = sr.border_after / sr.border_before;
        result = c->tuned;
    }
    if (prow >= 0) {
        put_tile(c->sheet, prow, 0, c->crop, S);
        put_tile(c->sheet, prow, 2, c->edited, S);
        put_tile(c->sheet, prow, 3, result, S);
    }
    fs_image *im = fs_image_create(S, S, err);
    if (!im) return FS_ERR;
    fs_image_from_float(im, result);
    *out = im;
    c->rep->faces_edited++;
    fs_progress_step(&c->prog, 1, c->n_stitched ? "border %.4f -> %.4f" : NULL,
                     c->n_stitched ? c->sum_before / c->n_stitched : 0, c->n_stitched ? c->sum_after / c->n_stitched : 0);
    return FS_OK;
}

static int select_tracks(const fs_project *p, const char *face, int *sel, fs_err *err) {
    int n = p->tracks->count;
    if (!face || !strcmp(face, "all")) {
        for (int k = 0; k < n; k++) sel[k] = 1;
        return FS_OK;
    }
    memset(sel, 0, sizeof(int) * (size_t)n);
    if (!strcmp(face, "largest")) {
        int best = -1;
        double best_area = -1;
        for (int k = 0; k < n; k++) {
            double a = 0;
            const fs_proj_track *t = &p->tracks->t[k];
            for (int i = 0; i < t->n; i++) a += (t->box[i][2] - t->box[i][0]) * (t->box[i][3] - t->box[i][1]);
            a /= t->n > 0 ? t->n : 1;
            a *= t->n; /* prefer faces that are large AND present long */
            if (a > best_area) best_area = a, best = k;
        }
        if (best >= 0) sel[best] = 1;
        return FS_OK;
    }
    char *end = NULL;
    long id = strtol(face, &end, 10);
    if (!*face || *end) return fs_errorf(err, "--face %s: expected all, largest or a track id", face);
    int k = track_by_id(p, (int)id);
    if (k < 0) return fs_errorf(err, "--face %ld: no face track with that id (see tracks.json)", id);
    sel[k] = 1;
    return FS_OK;
}

int fs_edit_run(const char *dir, const fs_model_set *ms, const fs_edit_opts *o, const char *out_path,
                fs_edit_report *rep, fs_err *err) {
    memset(rep, 0, sizeof *rep);
    edit_ctx c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.rep = rep;
    fs_project *p = NULL;
    fs_sg2 *g = NULL;
    int *sel = NULL, rc = FS_ERR;
    char gen_path[4200];
    if (fs_project_open(dir, &p, err)) return FS_ERR;
    c.p = p;
    int ntr = p->tracks ? p->tracks->count : 0;
    if (ntr == 0) {
        fs_warn("%s: no faces in this video: the output is a copy of the input", p->source);
        fs_composite_opts co = o->comp;
        rc = fs_project_composite(p, out_path, &co, err);
        fs_project_close(p);
        return rc;
    }
    snprintf(gen_path, sizeof gen_path, "%s/generator.safetensors", dir);
    if (!fs_file_exists(gen_path)) {
        fs_errorf(err, "%s: not inverted yet (run `facestitch invert VIDEO --project %s` first)", dir, dir);
        goto done;
    }
    if (fs_sg2_load(gen_path, &g, err)) goto done;
    c.g = g;
    c.S = g->cfg.resolution, c.L = g->cfg.num_ws, c.D = g->cfg.w_dim;
    if (o->spec.count == 0) {
        fs_errorf(err, "no --edit given (e.g. --edit age=-6)");
        goto done;
    }
    c.n_dirs = o->spec.count;
    c.dirs = calloc((size_t)c.n_dirs, sizeof *c.dirs);
    c.pivots = calloc((size_t)ntr, sizeof *c.pivots);
    sel = calloc((size_t)ntr, sizeof *sel);
    long img_n = 3L * c.S * c.S;
    int gg = c.S / 2;
    c.ws = malloc(sizeof(float) * (size_t)c.L * c.D);
    c.edited = malloc(sizeof(float) * (size_t)img_n);
    c.crop = malloc(sizeof(float) * (size_t)img_n);
    c.tuned = malloc(sizeof(float) * (size_t)img_n);
    c.fg = malloc((size_t)gg * gg);
    c.labels = malloc((size_t)gg * gg);
    c.parse_in = malloc(sizeof(float) * 3 * (size_t)gg * gg);
    if (!c.dirs || !c.pivots || !sel || !c.ws || !c.edited || !c.crop || !c.tuned || !c.fg || !c.labels ||
        !c.parse_in) {
        fs_errorf(err, "out of memory");
        goto done;
    }
    for (int e = 0; e < c.n_dirs; e++) {
        char path[4096];
        if (fs_model_set_direction(ms, o->spec.edits[e].name, path, sizeof path, err)) goto done;
        if (fs_direction_load_for(path, &g->cfg, &c.dirs[e], err)) goto done;
        if (c.dirs[e]->space == FS_DIR_S) c.has_s = 1;
    }
    if (c.has_s)
        for (int l = 0; l < g->cfg.n_layers; l++)
            if (!(c.styles[l] = malloc(sizeof(float) * (size_t)g->cfg.layers[l].C_in))) {
                fs_errorf(err, "out of memory");
                goto done;
            }
    if (select_tracks(p, o->face, sel, err)) goto done;
    long total = 0;
    for (int k = 0; k < ntr; k++) {
        if (!sel[k]) continue;
        if (fs_invert_load_pivots(dir, p, k, c.L, c.D, &c.pivots[k], err)) goto done;
        rep->tracks_selected++;
        total += p->tracks->t[k].n;
        if (c.prev_n == 0 && o->preview_path) {
            c.prev_track = k;
            int n = p->tracks->t[k].n;
            for (int r = 0; r < PREVIEW_ROWS && r < n; r++) c.prev_idx[c.prev_n++] = n < PREVIEW_ROWS ? r : r * (n - 1) / (PREVIEW_ROWS - 1);
        }
    }
    if (fs_sg2_acts_create(&c.acts, g, 1, err)) goto done;
    {
        if (ms->parser[0]) {
            if (fs_bisenet_load(ms->parser, &c.parser, err)) goto done;
            c.logits = malloc(sizeof(float) * (size_t)fs_bisenet_num_classes(c.parser) * gg * gg);
            if (!c.logits) {
                fs_errorf(err, "out of memory");
                goto done;
            }
        }
        if (!o->no_stitch && fs_stitcher_create(&c.stitcher, g, err)) goto done;
    }
    if (o->preview_path && c.prev_n > 0) {
        c.sheet = fs_image_create(4 * c.S, c.prev_n * c.S, err);
        if (!c.sheet) goto done;
    }
    fs_progress_begin(&c.prog, o->no_stitch ? "edit" : "edit + stitch", total);
    fs_composite_opts co = o->comp;
    co.crop_fn = crop_source;
    co.crop_user = &c;
    if (fs_project_composite(p, out_path, &co, err)) goto done;
    fs_progress_end(&c.prog);
    if (c.n_stitched) {
        rep->border_before_mean = c.sum_before / c.n_stitched;
        rep->border_after_mean = c.sum_after / c.n_stitched;
    }
    if (c.sheet && fs_image_save_png(c.sheet, o->preview_path, err)) goto done;
    rc = FS_OK;
done:
    if (c.dirs)
        for (int e = 0; e < c.n_dirs; e++) fs_direction_destroy(c.dirs[e]);
    if (c.pivots)
        for (int k = 0; k < ntr; k++) free(c.pivots[k]);
    free(c.dirs), free(c.pivots), free(sel);
    free(c.ws), free(c.edited), free(c.crop), free(c.tuned), free(c.fg), free(c.labels), free(c.parse_in),
        free(c.logits);
    for (int l = 0; l < FS_SG2_MAX_LAYERS; l++) free(c.styles[l]);
    fs_image_destroy(c.sheet);
    fs_stitcher_destroy(c.stitcher);
    fs_bisenet_destroy(c.parser);
    fs_sg2_acts_destroy(c.acts);
    fs_sg2_destroy(g);
    fs_project_close(p);
    return rc;
}
