/* metrics.c — fs_metrics_compute: pass 1 tracks ORIGINAL's faces, pass 2 decodes both videos in
 * lockstep for the pixel metrics, pass 3 tracks EDITED's faces as pass 1 did (definitions in metrics.h). */
#include "pipeline/metrics/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "image/image_ops.h"

/* Squared-error accumulator of one region. */
typedef struct {
    double sse;              /* all frames */
    int64_t count;           /* samples (3 per pixel), all frames */
    double min_db;           /* per-frame minimum PSNR */
    int64_t min_frame;
    int max_abs;
    double fsse;             /* this frame */
    int64_t fcount;
} region_acc;

static void acc_init(region_acc *a) {
    memset(a, 0, sizeof *a);
    a->min_db = INFINITY;
    a->min_frame = -1;
}

static void acc_frame_end(region_acc *a, int64_t frame) {
    if (a->fcount > 0) {
        double db = fs_metrics_psnr(a->fsse, a->fcount);
        if (db < a->min_db) {
            a->min_db = db;
            a->min_frame = frame;
        }
    }
    a->sse += a->fsse;
    a->count += a->fcount;
    a->fsse = 0;
    a->fcount = 0;
}

/* Probes both files; refuses different sizes or frame counts (capped at max_frames). */
static int check_pair(const char *a, const char *b, int64_t max_frames, fs_video_info *ia, fs_err *err) {
    fs_video_info ib;
    if (fs_video_probe(a, ia, err) || fs_video_probe(b, &ib, err)) return FS_ERR;
    if (ia->width != ib.width || ia->height != ib.height)
        return fs_errorf(err, "%s: frames are %dx%d but %s's are %dx%d; an edited video keeps its original's size", b,
                         ib.width, ib.height, a, ia->width, ia->height);
    int64_t fa = ia->frames, fb = ib.frames;
    if (max_frames > 0) {
        if (fa > max_frames) fa = max_frames;
        if (fb > max_frames) fb = max_frames;
    }
    if (ia->fps > 0 && ib.fps > 0 && fabs(ia->fps - ib.fps) > 1e-3 * ia->fps)
        fs_warn("%s: %.3f fps but %s has %.3f fps; frames are compared by their index", b, ib.fps, a, ia->fps);
    if (fa > 0 && fb > 0 && fa != fb) {
        if (fb < fa)
            return fs_errorf(err,
                             "%s: has %lld frames but %s has %lld; the edited video must have its original's frames "
                             "(add --max-frames %lld to compare only the first %lld)",
                             b, (long long)fb, a, (long long)fa, (long long)fb, (long long)fb);
        return fs_errorf(err, "%s: has %lld frames but %s has %lld; the edited video must have its original's frames", b,
                         (long long)fb, a, (long long)fa);
    }
    return FS_OK;
}

typedef struct {
    float *src, *edit;       /* (n, d) grown as frames come */
    int64_t n, cap;
    int d;
    float *tmp_s, *tmp_e;    /* (d) */
} emb_store;

static int emb_push(emb_store *s, fs_err *err) {
    if (s->n == s->cap) {
        int64_t cap = s->cap ? s->cap * 2 : 256;
        float *a = realloc(s->src, sizeof *a * (size_t)cap * s->d);
        if (!a) return fs_errorf(err, "out of memory for face embeddings");
        s->src = a;
        float *b = realloc(s->edit, sizeof *b * (size_t)cap * s->d);
        if (!b) return fs_errorf(err, "out of memory for face embeddings");
        s->edit = b;
        s->cap = cap;
    }
    memcpy(s->src + (size_t)s->n * s->d, s->tmp_s, sizeof(float) * (size_t)s->d);
    memcpy(s->edit + (size_t)s->n * s->d, s->tmp_e, sizeof(float) * (size_t)s->d);
    s->n++;
    return FS_OK;
}

/* Embeds the first ORIGINAL face of frame f in both frames. */
static int embed_frame(const fs_metrics_opts *o, const fs_aligned_tracks *t, int f, const fs_image *a, const fs_image *b,
                       emb_store *s, fs_err *err) {
    for (int k = 0; k < t->count; k++) {
        const fs_aligned_track *tr = &t->t[k];
        int i = fs_aligned_track_index(tr, f);
        if (i < 0) continue;
        const float(*lm)[2] = (const float(*)[2])tr->lm[i];
        if (o->embed(o->embed_user, a, (const double(*)[2])tr->quad[i], lm, s->tmp_s, err) ||
            o->embed(o->embed_user, b, (const double(*)[2])tr->quad[i], lm, s->tmp_e, err))
            return FS_ERR;
        return emb_push(s, err);
    }
    return FS_OK;
}

typedef struct {
    fs_video_reader *ra, *rb;
    fs_aligned_tracks *orig, *edit;
    uint8_t *face, *face_prev, *quad;
    fs_image *prev_a, *prev_b;
    emb_store emb;
} run_state;

static void run_free(run_state *s) {
    fs_video_close(s->ra);
    fs_video_close(s->rb);
    fs_aligned_tracks_destroy(s->orig);
    fs_aligned_tracks_destroy(s->edit);
    free(s->face);
    free(s->face_prev);
    free(s->quad);
    fs_image_destroy(s->prev_a);
    fs_image_destroy(s->prev_b);
    free(s->emb.src);
    free(s->emb.edit);
    free(s->emb.tmp_s);
    free(s->emb.tmp_e);
}

/* The pixel metrics of every frame so far. */
typedef struct {
    region_acc bg, hull, face, all;
    double flick_a, flick_b;     /* sums of per-frame face flicker, ORIGINAL and EDITED */
    int64_t flick_pairs, with_face;
} pixel_acc;

static void pixel_acc_init(pixel_acc *p) {
    memset(p, 0, sizeof *p);
    acc_init(&p->bg);
    acc_init(&p->hull);
    acc_init(&p->face);
    acc_init(&p->all);
}

/* Frame n of ORIGINAL (a) and EDITED (b) against the masks in s (s->face, s->quad; s->face_prev and
 * s->prev_a/prev_b hold frame n-1 when n > 0): adds to p and fills fr. */
static void frame_pixels(pixel_acc *p, const run_state *s, const fs_image *a, const fs_image *b, int64_t n,
                         fs_metrics_frame *fr) {
    int w = a->w, h = a->h, pair = n > 0;
    double fa_sum = 0, fb_sum = 0;
    int64_t fpx = 0;
    for (int y = 0; y < h; y++) {
        const uint8_t *pa = a->rgb + (size_t)y * a->stride;
        const uint8_t *pb = b->rgb + (size_t)y * b->stride;
        const uint8_t *qa = pair ? s->prev_a->rgb + (size_t)y * s->prev_a->stride : NULL;
        const uint8_t *qb = pair ? s->prev_b->rgb + (size_t)y * s->prev_b->stride : NULL;
        const uint8_t *mf = s->face + (size_t)y * w, *mq = s->quad + (size_t)y * w;
        const uint8_t *mp = s->face_prev + (size_t)y * w;
        for (int x = 0; x < w; x++) {
            int sse = 0, mx = 0;
            for (int c = 0; c < 3; c++) {
                int d = (int)pa[3 * x + c] - (int)pb[3 * x + c];
                int ad = d < 0 ? -d : d;
                sse += d * d;
                if (ad > mx) mx = ad;
            }
            p->all.fsse += sse;
            p->all.fcount += 3;
            if (!mq[x]) {
                p->bg.fsse += sse;
                p->bg.fcount += 3;
                if (mx > p->bg.max_abs) p->bg.max_abs = mx;
            }
            if (!mf[x]) {
                p->hull.fsse += sse;
                p->hull.fcount += 3;
                if (mx > p->hull.max_abs) p->hull.max_abs = mx;
            } else {
                p->face.fsse += sse;
                p->face.fcount += 3;
                if (pair && mp[x]) {
                    for (int c = 0; c < 3; c++) {
                        fa_sum += abs((int)pa[3 * x + c] - (int)qa[3 * x + c]);
                        fb_sum += abs((int)pb[3 * x + c] - (int)qb[3 * x + c]);
                    }
                    fpx++;
                }
            }
        }
    }
    *fr = (fs_metrics_frame){.frame = n, .flicker_original = NAN, .flicker_edited = NAN};
    for (int k = 0; k < s->orig->count; k++) fr->faces += fs_aligned_track_index(&s->orig->t[k], (int)n) >= 0;
    fr->bg_psnr_db = fs_metrics_psnr(p->bg.fsse, p->bg.fcount);
    fr->hull_psnr_db = fs_metrics_psnr(p->hull.fsse, p->hull.fcount);
    fr->face_psnr_db = fs_metrics_psnr(p->face.fsse, p->face.fcount);
    fr->frame_psnr_db = fs_metrics_psnr(p->all.fsse, p->all.fcount);
    acc_frame_end(&p->bg, n);
    acc_frame_end(&p->hull, n);
    acc_frame_end(&p->face, n);
    acc_frame_end(&p->all, n);
    if (fpx > 0) {
        fr->flicker_original = fa_sum / (3.0 * fpx);
        fr->flicker_edited = fb_sum / (3.0 * fpx);
        p->flick_a += fr->flicker_original;
        p->flick_b += fr->flicker_edited;
        p->flick_pairs++;
    }
    p->with_face += fr->faces > 0;
}

/* Pass 3: EDITED's faces, tracked as ORIGINAL's were (same detector, same chunks: fs_project_detect_tracks),
 * over the n frames pass 2 compared. A face the aligner cannot use in EDITED only costs the landmark metrics. */
static int track_edited(const char *edited, const fs_project_settings *as, int64_t n, int w, int h,
                        fs_aligned_tracks **out, fs_err *err) {
    if (fs_project_detect_tracks(edited, as, NULL, out, err) == FS_OK) {
        if ((*out)->frames == n) return FS_OK;
        fs_errorf(err, "%s: %d frames tracked, %lld compared", edited, (*out)->frames, (long long)n);
        fs_aligned_tracks_destroy(*out);
        *out = NULL;
        return FS_ERR;
    }
    if (fs_should_abort()) return FS_ERR;
    fs_warn("%s: %s; landmark stability left out", edited, err->msg);
    *out = calloc(1, sizeof **out);
    if (!*out) return fs_errorf(err, "out of memory");
    (*out)->frames = (int)n;
    (*out)->width = w;
    (*out)->height = h;
    return FS_OK;
}

/* The whole-video pixel metrics of n frames of w x h into m. */
static void pixel_totals(const pixel_acc *p, int64_t n, int w, int h, fs_metrics *m) {
    double px = (double)n * w * h * 3;
    m->bg_psnr_db = fs_metrics_psnr(p->bg.sse, p->bg.count);
    m->bg_psnr_min_db = p->bg.count > 0 ? p->bg.min_db : NAN;
    m->bg_psnr_min_frame = p->bg.min_frame;
    m->bg_fraction = p->bg.count / px;
    m->bg_max_abs_diff = p->bg.max_abs;
    m->hull_psnr_db = fs_metrics_psnr(p->hull.sse, p->hull.count);
    m->hull_psnr_min_db = p->hull.count > 0 ? p->hull.min_db : NAN;
    m->hull_fraction = p->hull.count / px;
    m->hull_max_abs_diff = p->hull.max_abs;
    m->face_psnr_db = fs_metrics_psnr(p->face.sse, p->face.count);
    m->frame_psnr_db = fs_metrics_psnr(p->all.sse, p->all.count);
    double fa = p->flick_a, fb = p->flick_b;
    int64_t np = p->flick_pairs;
    m->flicker_pairs = np;
    m->flicker_original = np > 0 ? fa / np : NAN;
    m->flicker_edited = np > 0 ? fb / np : NAN;
    m->flicker_ratio = np <= 0 ? NAN : fa > 0 ? fb / fa : fb > 0 ? NAN : 1.0;
    m->faces_tracked_frames = p->with_face;
}

void fs_metrics_free(fs_metrics *m) {
    if (!m) return;
    free(m->original);
    free(m->edited);
    free(m->tracks);
    memset(m, 0, sizeof *m);
}

int fs_metrics_compute(const char *original, const char *edited, const fs_metrics_opts *opts, fs_metrics *out,
                       fs_err *err) {
    fs_metrics_opts o;
    if (opts) o = *opts;
    else fs_metrics_opts_default(&o);
    memset(out, 0, sizeof *out);
    double t0 = fs_now_seconds();
    fs_video_info info;
    if (check_pair(original, edited, o.max_frames, &info, err)) return FS_ERR;

    run_state s;
    memset(&s, 0, sizeof s);
    fs_metrics m;
    memset(&m, 0, sizeof m);
    int rc = FS_OK;

    fs_verbose("metrics: %dx%d, %lld frames%s; face region = landmark hull + %.2f x crop side + %.1f px",
               info.width, info.height, (long long)info.frames, o.max_frames > 0 ? " (capped by --max-frames)" : "",
               o.face_margin, o.margin_px);
    /* pass 1: ORIGINAL's faces */
    fs_project_settings as;
    fs_project_settings_default(&as);
    as.max_frames = o.max_frames;
    as.track_chunk = o.track_chunk;
    /* Haar for both videos (no --detector here yet); pass 3 tracks EDITED with these very settings */
    snprintf(as.detector, sizeof as.detector, "haar");
    if (fs_project_detect_tracks(original, &as, NULL, &s.orig, err)) return FS_ERR;

    /* pass 2: both videos in lockstep */
    fs_video_open_opts vo;
    fs_video_open_opts_default(&vo);
    vo.max_frames = o.max_frames;
    if (fs_video_open(original, &vo, &s.ra, err) || fs_video_open(edited, &vo, &s.rb, err)) {
        run_free(&s);
        return FS_ERR;
    }
    const fs_video_info *via = fs_video_reader_info(s.ra), *vib = fs_video_reader_info(s.rb);
    int w = via->width, h = via->height;
    if (vib->width != w || vib->height != h || s.orig->width != w || s.orig->height != h) {
        run_free(&s);
        return fs_errorf(err, "%s: frames are %dx%d but %s's are %dx%d", edited, vib->width, vib->height, original, w, h);
    }
    size_t npx = (size_t)w * h;
    s.face = malloc(npx);
    s.face_prev = calloc(npx, 1);
    s.quad = malloc(npx);
    if (!s.face || !s.face_prev || !s.quad) {
        run_free(&s);
        return fs_errorf(err, "out of memory for %dx%d masks", w, h);
    }
    if (o.embed) {
        if (o.embed_dim < 1 || o.embed_dim > (1 << 20)) {
            run_free(&s);
            return fs_errorf(err, "face-embedding size %d is not sensible", o.embed_dim);
        }
        s.emb.d = o.embed_dim;
        s.emb.tmp_s = malloc(sizeof(float) * (size_t)o.embed_dim);
        s.emb.tmp_e = malloc(sizeof(float) * (size_t)o.embed_dim);
        if (!s.emb.tmp_s || !s.emb.tmp_e) {
            run_free(&s);
            return fs_errorf(err, "out of memory");
        }
    }

    pixel_acc px;
    pixel_acc_init(&px);
    int64_t n = 0;
    fs_progress pg;
    fs_progress_begin(&pg, "metrics", s.orig->frames);
    for (;;) {
        fs_video_frame fa, fb;
        if ((rc = fs_video_next(s.ra, &fa, err))) break;
        if ((rc = fs_video_next(s.rb, &fb, err))) break;
        if (!fa.image || !fb.image) {
            if (fa.image || fb.image) {
                const char *shorter = fa.image ? edited : original, *longer = fa.image ? original : edited;
                rc = fs_errorf(err, "%s: ended after %lld frames but %s has more; the edited video must have its "
                               "original's frames (--max-frames %lld compares only the first %lld)",
                               shorter, (long long)n, longer, (long long)n, (long long)n);
            }
            break;
        }
        if (fb.image->w != w || fb.image->h != h || fa.image->w != w || fa.image->h != h) {
            rc = fs_errorf(err, "%s: frame %lld is %dx%d, %s's is %dx%d", edited, (long long)n, fb.image->w,
                           fb.image->h, original, fa.image->w, fa.image->h);
            break;
        }
        fs_metrics_frame_masks(s.orig, (int)n, &o, s.face, s.quad);
        fs_metrics_frame fr;
        frame_pixels(&px, &s, fa.image, fb.image, n, &fr);
        if (o.frame_fn && (rc = o.frame_fn(o.frame_user, &fr, err))) break;
        if (o.embed && (rc = embed_frame(&o, s.orig, (int)n, fa.image, fb.image, &s.emb, err))) break;
        /* keep this frame and its face mask for the next pair */
        if (!s.prev_a) {
            if (!(s.prev_a = fs_image_clone(fa.image, err)) || !(s.prev_b = fs_image_clone(fb.image, err))) {
                rc = FS_ERR;
                break;
            }
        } else {
            fs_image_copy(s.prev_a, fa.image);
            fs_image_copy(s.prev_b, fb.image);
        }
        uint8_t *tmp = s.face_prev;
        s.face_prev = s.face;
        s.face = tmp;
        n++;
        fs_progress_step(&pg, 1, NULL);
        if (fs_should_abort()) {
            rc = fs_errorf(err, "%s: interrupted", edited);
            break;
        }
    }
    fs_progress_end(&pg);
    if (!rc && n != s.orig->frames)
        rc = fs_errorf(err, "%s: decoded %lld frames now but %d in the first pass", original, (long long)n,
                       s.orig->frames);
    if (!rc && n == 0) rc = fs_errorf(err, "%s: no video frame", original);
    if (!rc) rc = track_edited(edited, &as, n, w, h, &s.edit, err);
    if (!rc) rc = fs_metrics_landmarks(s.orig, s.edit, &m, err);
    if (!rc) {
        m.tl_id = m.tg_id = NAN;
        if (o.embed) {
            rc = fs_metrics_identity(s.emb.src, s.emb.edit, s.emb.n, s.emb.d, &m.tl_id, &m.tg_id, err);
            m.id_frames = s.emb.n;
            snprintf(m.id_note, sizeof m.id_note, "%s, %lld frames with a face", o.embed_name ? o.embed_name : "embedding",
                     (long long)s.emb.n);
        } else {
            snprintf(m.id_note, sizeof m.id_note, "n/a: needs a face-embedding model");
        }
    }
    if (!rc) {
        m.original = strdup(original);
        m.edited = strdup(edited);
        if (!m.original || !m.edited) rc = fs_errorf(err, "out of memory");
    }
    if (rc) {
        run_free(&s);
        fs_metrics_free(&m);
        return FS_ERR;
    }
    m.frames = n;
    m.width = w;
    m.height = h;
    m.fps = via->fps;
    pixel_totals(&px, n, w, h, &m);
    m.seconds = fs_now_seconds() - t0;
    run_free(&s);
    *out = m;
    return FS_OK;
}
