/* detect.c — Haar cascade evaluation over an image pyramid (see detect.h). */
#include "face/detect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/threads.h"

/* ---------------------------------------------------------------- grey images */

int fs_gray_from_image(const fs_image *im, fs_gray *out, fs_err *err) {
    size_t n;
    if (!im || im->w <= 0 || im->h <= 0 || !fs_mul_size((size_t)im->w, (size_t)im->h, &n))
        return fs_errorf(err, "bad image size");
    uint8_t *g = malloc(n);
    if (!g) return fs_errorf(err, "out of memory (%dx%d grey image)", im->w, im->h);
    for (int y = 0; y < im->h; y++) {
        const uint8_t *p = im->rgb + (size_t)y * im->stride;
        uint8_t *q = g + (size_t)y * im->w;
        for (int x = 0; x < im->w; x++, p += 3) q[x] = (uint8_t)((p[0] * 4899 + p[1] * 9617 + p[2] * 1868 + 8192) >> 14);
    }
    out->w = im->w;
    out->h = im->h;
    out->px = g;
    return FS_OK;
}

void fs_gray_free(fs_gray *g) {
    if (!g) return;
    free(g->px);
    g->px = NULL;
    g->w = g->h = 0;
}

int fs_gray_crop(const fs_gray *in, int x0, int y0, int x1, int y1, fs_gray *out, fs_err *err) {
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > in->w) x1 = in->w;
    if (y1 > in->h) y1 = in->h;
    if (x1 <= x0 || y1 <= y0) return fs_errorf(err, "empty crop");
    int w = x1 - x0, h = y1 - y0;
    uint8_t *g = malloc((size_t)w * (size_t)h);
    if (!g) return fs_errorf(err, "out of memory");
    for (int y = 0; y < h; y++) memcpy(g + (size_t)y * w, in->px + (size_t)(y0 + y) * in->w + x0, (size_t)w);
    out->w = w;
    out->h = h;
    out->px = g;
    return FS_OK;
}

/* Half-pixel-centre bilinear source of output coordinate o at scale (input/output size) over n input
 * samples: the two samples *i0, *i1 and the weight *frac of *i1 (edges clamped). */
static void bilinear_tap(int o, double scale, int n, int *i0, int *i1, float *frac) {
    double f = (o + 0.5) * scale - 0.5;
    if (f < 0) f = 0;
    int i = (int)f;
    if (i >= n - 1) {
        i = n - 1;
        f = i;
    }
    *i0 = i;
    *i1 = i + 1 < n ? i + 1 : i;
    *frac = (float)(f - i);
}

int fs_gray_resize(const fs_gray *in, int w, int h, fs_gray *out, fs_err *err) {
    if (w <= 0 || h <= 0 || in->w <= 0 || in->h <= 0) return fs_errorf(err, "bad resize %dx%d", w, h);
    uint8_t *g = malloc((size_t)w * (size_t)h);
    if (!g) return fs_errorf(err, "out of memory");
    double sx = (double)in->w / w, sy = (double)in->h / h;
    if (sx > 2.0 || sy > 2.0) {
        /* area average (OpenCV INTER_AREA-like) so that a strong shrink does not alias */
        for (int y = 0; y < h; y++) {
            double fy0 = y * sy, fy1 = (y + 1) * sy;
            for (int x = 0; x < w; x++) {
                double fx0 = x * sx, fx1 = (x + 1) * sx;
                double acc = 0, wsum = 0;
                for (int yy = (int)fy0; yy < in->h && yy < fy1; yy++) {
                    double wy = fmin(yy + 1.0, fy1) - fmax((double)yy, fy0);
                    if (wy <= 0) continue;
                    const uint8_t *row = in->px + (size_t)yy * in->w;
                    for (int xx = (int)fx0; xx < in->w && xx < fx1; xx++) {
                        double wx = fmin(xx + 1.0, fx1) - fmax((double)xx, fx0);
                        if (wx <= 0) continue;
                        acc += wx * wy * row[xx];
                        wsum += wx * wy;
                    }
                }
                g[(size_t)y * w + x] = (uint8_t)(wsum > 0 ? acc / wsum + 0.5 : 0);
            }
        }
    } else {
        int *x0 = malloc(sizeof(int) * (size_t)w * 2);
        float *ax = malloc(sizeof(float) * (size_t)w);
        if (!x0 || !ax) {
            free(x0);
            free(ax);
            free(g);
            return fs_errorf(err, "out of memory");
        }
        for (int x = 0; x < w; x++) bilinear_tap(x, sx, in->w, &x0[2 * x], &x0[2 * x + 1], &ax[x]);
        for (int y = 0; y < h; y++) {
            int iy, iy1;
            float ay;
            bilinear_tap(y, sy, in->h, &iy, &iy1, &ay);
            const uint8_t *r0 = in->px + (size_t)iy * in->w, *r1 = in->px + (size_t)iy1 * in->w;
            uint8_t *q = g + (size_t)y * w;
            for (int x = 0; x < w; x++) {
                int a = x0[2 * x], b = x0[2 * x + 1];
                float top = r0[a] + ax[x] * (r0[b] - r0[a]);
                float bot = r1[a] + ax[x] * (r1[b] - r1[a]);
                q[x] = (uint8_t)(top + ay * (bot - top) + 0.5f);
            }
        }
        free(x0);
        free(ax);
    }
    out->w = w;
    out->h = h;
    out->px = g;
    return FS_OK;
}

/* ---------------------------------------------------------------- integral images */

void fs_integral(const uint8_t *img, int w, int h, uint32_t *sum, uint32_t *sqsum) {
    size_t S = (size_t)w + 1;
    memset(sum, 0, S * sizeof *sum);
    if (sqsum) memset(sqsum, 0, S * sizeof *sqsum);
    for (int y = 0; y < h; y++) {
        const uint8_t *p = img + (size_t)y * w;
        uint32_t *s = sum + (size_t)(y + 1) * S, *sp = s - S;
        uint32_t rs = 0, rq = 0;
        s[0] = 0;
        if (sqsum) {
            uint32_t *q = sqsum + (size_t)(y + 1) * S, *qp = q - S;
            q[0] = 0;
            for (int x = 0; x < w; x++) {
                rs += p[x];
                rq += (uint32_t)p[x] * p[x];
                s[x + 1] = sp[x + 1] + rs;
                q[x + 1] = qp[x + 1] + rq;
            }
        } else {
            for (int x = 0; x < w; x++) {
                rs += p[x];
                s[x + 1] = sp[x + 1] + rs;
            }
        }
    }
}

/* T(X,Y) = T(X-1,Y-1) + T(X+1,Y-1) - T(X,Y-2) + img(X-1,Y-1) + img(X-1,Y-2), computed on a
 * row buffer padded by h+1 columns on both sides, so the cones whose apex lies left or right
 * of the image (they still cover image pixels higher up) come out right too. */
int fs_integral_tilted(const uint8_t *img, int w, int h, uint32_t *t) {
    int pad = h + 2;
    int W = w + 1 + 2 * pad; /* extended X range: -pad .. w+pad */
    uint32_t *r2 = calloc((size_t)W * 3, sizeof *r2);
    if (!r2) return FS_ERR;
    uint32_t *rows[3] = {r2, r2 + W, r2 + 2 * (size_t)W}; /* Y-2, Y-1, Y */
    size_t S = (size_t)w + 1;
    for (int X = 0; X <= w; X++) t[X] = 0;
    for (int Y = 1; Y <= h; Y++) {
        uint32_t *cur = rows[2], *p1 = rows[1], *p2 = rows[0];
        const uint8_t *i1 = img + (size_t)(Y - 1) * w;                 /* row Y-1 */
        const uint8_t *i2 = Y >= 2 ? img + (size_t)(Y - 2) * w : NULL; /* row Y-2 */
        for (int e = 0; e < W; e++) {
            int X = e - pad;
            uint32_t v = 0;
            if (e > 0) v += p1[e - 1];
            if (e + 1 < W) v += p1[e + 1];
            if (Y >= 2) v -= p2[e];
            int xi = X - 1;
            if (xi >= 0 && xi < w) {
                v += i1[xi];
                if (i2) v += i2[xi];
            }
            cur[e] = v;
        }
        for (int X = 0; X <= w; X++) t[(size_t)Y * S + X] = cur[X + pad];
        rows[0] = p1;
        rows[1] = cur;
        rows[2] = p2;
    }
    free(r2);
    return FS_OK;
}

/* ---------------------------------------------------------------- evaluation */

/* A node of the cascade with its feature's corner offsets resolved for one level's stride:
 * evaluation walks this array in order, with no indirection to the feature table. */
typedef struct fnode {
    int o[3][4];      /* corner offsets of the rectangles in the (upright or tilted) integral */
    float w[3];       /* rectangle weights (w[2] == 0 for two-rectangle features) */
    float threshold;
    int left, right;  /* > 0: node within the tree, <= 0: leaf */
    int tilted;
} fnode;

typedef struct level {
    const fs_haar_cascade *c;
    const fnode *nodes;   /* c->nnodes, same order as c->nodes */
    const uint32_t *sum, *sqsum, *tilted;
    int nofs[4];
    double area;
} level;

static void make_nodes(const fs_haar_cascade *c, int S, fnode *fn) {
    for (int i = 0; i < c->nnodes; i++) {
        const fs_haar_node *N = &c->nodes[i];
        const fs_haar_feature *F = &c->features[N->feature];
        fnode *q = &fn[i];
        q->threshold = N->threshold;
        q->left = N->left;
        q->right = N->right;
        q->tilted = F->tilted;
        for (int k = 0; k < 3; k++) {
            if (k >= F->nrects) {
                q->w[k] = 0;
                for (int j = 0; j < 4; j++) q->o[k][j] = q->o[0][j]; /* valid offsets, weight 0 */
                continue;
            }
            const fs_haar_rect *r = &F->r[k];
            q->w[k] = r->weight;
            if (!F->tilted) {
                q->o[k][0] = r->y * S + r->x;
                q->o[k][1] = r->y * S + r->x + r->w;
                q->o[k][2] = (r->y + r->h) * S + r->x;
                q->o[k][3] = (r->y + r->h) * S + r->x + r->w;
            } else {
                q->o[k][0] = r->y * S + r->x;
                q->o[k][1] = (r->y + r->h) * S + r->x - r->h;
                q->o[k][2] = (r->y + r->w) * S + r->x + r->w;
                q->o[k][3] = (r->y + r->w + r->h) * S + r->x + r->w - r->h;
            }
        }
    }
}

static inline int32_t rsum(const uint32_t *p, const int *o) {
    return (int32_t)(p[o[0]] - p[o[1]] - p[o[2]] + p[o[3]]);
}

/* 1: passed every stage; 0: rejected by the first stage; -1: rejected later / flat window. */
static int eval_at(const level *L, size_t base) {
    const fs_haar_cascade *c = L->c;
    const uint32_t *ps = L->sum + base, *pq = L->sqsum + base;
    int32_t vs = rsum(ps, L->nofs);
    uint32_t vq = pq[L->nofs[0]] - pq[L->nofs[1]] - pq[L->nofs[2]] + pq[L->nofs[3]];
    double nf = L->area * (double)vq - (double)vs * vs;
    if (!(nf > 0)) return -1;
    nf = sqrt(nf);
    if (!(L->area < 0.1 * nf)) return -1; /* std dev <= 10: OpenCV skips flat windows */
    float fnf = (float)nf;
    const uint32_t *pt = L->tilted ? L->tilted + base : NULL;
    const float *leaves = c->leaves;
    for (int s = 0; s < c->nstages; s++) {
        const fs_haar_stage *S = &c->stages[s];
        float acc = 0;
        const fs_haar_tree *T = &c->trees[S->first_tree], *Tend = T + S->ntrees;
        for (; T < Tend; T++) {
            const fnode *nodes = L->nodes + T->first_node;
            int n = 0;
            for (;;) {
                const fnode *N = &nodes[n];
                const uint32_t *p = N->tilted ? pt : ps;
                float v = N->w[0] * (float)rsum(p, N->o[0]) + N->w[1] * (float)rsum(p, N->o[1]);
                if (N->w[2] != 0.0f) v += N->w[2] * (float)rsum(p, N->o[2]);
                /* OpenCV compares v / nf < threshold; nf > 0, so compare v < threshold * nf */
                int next = v < N->threshold * fnf ? N->left : N->right;
                if (next <= 0) {
                    acc += leaves[T->first_leaf - next];
                    break;
                }
                n = next;
            }
        }
        if (acc < S->threshold) return s == 0 ? 0 : -1;
    }
    return 1;
}

static void level_init(level *L, const fs_haar_cascade *c, const fnode *fn, const uint32_t *sum,
                       const uint32_t *sqsum, const uint32_t *tilted, int S) {
    L->c = c;
    L->nodes = fn;
    L->sum = sum;
    L->sqsum = sqsum;
    L->tilted = tilted;
    /* normalisation rectangle: the window shrunk by one pixel on each side */
    int nx = 1, ny = 1, nw = c->win_w - 2, nh = c->win_h - 2;
    L->nofs[0] = ny * S + nx;
    L->nofs[1] = ny * S + nx + nw;
    L->nofs[2] = (ny + nh) * S + nx;
    L->nofs[3] = (ny + nh) * S + nx + nw;
    L->area = (double)nw * nh;
}

int fs_haar_eval_window(const fs_haar_cascade *c, const uint32_t *sum, const uint32_t *sqsum, const uint32_t *tilted,
                        int stride, int x, int y) {
    fnode *fo = malloc(sizeof *fo * (size_t)c->nnodes);
    if (!fo) return -1;
    make_nodes(c, stride, fo);
    level L;
    level_init(&L, c, fo, sum, sqsum, tilted, stride);
    int r = eval_at(&L, (size_t)y * stride + x);
    free(fo);
    return r == 1;
}

/* ---------------------------------------------------------------- detectMultiScale */

typedef struct hits {
    fs_detection *d;
    int n, cap;
    int oom;
} hits;

static void hits_push(hits *h, fs_detection r) {
    if (h->n == h->cap) {
        int nc = h->cap ? h->cap * 2 : 64;
        fs_detection *p = realloc(h->d, sizeof *p * (size_t)nc);
        if (!p) {
            h->oom = 1;
            return;
        }
        h->d = p;
        h->cap = nc;
    }
    h->d[h->n++] = r;
}

#define MAX_CHUNKS 256
typedef struct scan_ctx {
    const level *L;
    int S, nx_max, step;
    double factor;
    int ww, wh;
    hits chunk[MAX_CHUNKS];
} scan_ctx;

static void scan_rows(void *vctx, int64_t b, int64_t e, int ti) {
    scan_ctx *ctx = vctx;
    hits *h = &ctx->chunk[ti < MAX_CHUNKS ? ti : MAX_CHUNKS - 1];
    for (int64_t r = b; r < e; r++) {
        int y = (int)r * ctx->step;
        for (int x = 0; x <= ctx->nx_max; x += ctx->step) {
            int res = eval_at(ctx->L, (size_t)y * ctx->S + x);
            if (res > 0) {
                float x0 = (float)lround(x * ctx->factor), y0 = (float)lround(y * ctx->factor);
                hits_push(h, (fs_detection){x0, y0, x0 + ctx->ww, y0 + ctx->wh, 1});
            } else if (res == 0) {
                x += ctx->step;
            }
        }
    }
}

void fs_detect_opts_default(fs_detect_opts *o) {
    /* sizes 0: from the cascade's window up to the image; threads 0: the process pool */
    *o = (fs_detect_opts){.scale_factor = 1.1f, .min_neighbors = 3, .group_eps = 0.2f};
}

int fs_haar_detect(const fs_haar_cascade *c, const fs_gray *img, const fs_detect_opts *o, fs_detection **out,
                   int *count, fs_err *err) {
    fs_detect_opts def;
    if (!o) {
        fs_detect_opts_default(&def);
        o = &def;
    }
    if (!(o->scale_factor > 1.0001f) || o->scale_factor > 10) return fs_errorf(err, "scale factor must be > 1");
    *out = NULL;
    *count = 0;
    hits all = {0};
    size_t maxn = (size_t)(img->w + 1) * (size_t)(img->h + 1);
    uint32_t *sum = malloc(maxn * sizeof *sum), *sq = malloc(maxn * sizeof *sq);
    uint32_t *tl = c->has_tilted ? malloc(maxn * sizeof *tl) : NULL;
    fnode *fo = malloc(sizeof *fo * (size_t)c->nnodes);
    fs_gray lv = {0}, anchor = {0};
    double lv_f = 1.0, anchor_f = 1.0;
    int rc = FS_OK;
    if (!sum || !sq || !fo || (c->has_tilted && !tl)) {
        rc = fs_errorf(err, "out of memory for detection on %dx%d", img->w, img->h);
        goto done;
    }
    for (double f = 1.0;; f *= o->scale_factor) {
        int ww = (int)lround(c->win_w * f), wh = (int)lround(c->win_h * f);
        if (o->max_size > 0 && (ww > o->max_size || wh > o->max_size)) break;
        int sw = (int)lround(img->w / f), sh = (int)lround(img->h / f);
        if (sw < c->win_w || sh < c->win_h) break;
        if (ww < o->min_size || wh < o->min_size) continue;
        /* each level is a bilinear resample of an "anchor" level at most 2x larger (the image
         * itself at first), like OpenCV's per-level resize but without aliasing far-down levels */
        if (lv.px && f / anchor_f > 2.0) {
            fs_gray_free(&anchor);
            anchor = lv;
            anchor_f = lv_f;
            lv = (fs_gray){0};
        }
        fs_gray_free(&lv);
        if (fs_gray_resize(anchor.px ? &anchor : img, sw, sh, &lv, err)) {
            rc = FS_ERR;
            goto done;
        }
        lv_f = f;
        int S = sw + 1;
        fs_integral(lv.px, sw, sh, sum, sq);
        if (tl && fs_integral_tilted(lv.px, sw, sh, tl)) {
            rc = fs_errorf(err, "out of memory");
            goto done;
        }
        make_nodes(c, S, fo);
        level L;
        level_init(&L, c, fo, sum, sq, tl, S);
        scan_ctx *ctx = calloc(1, sizeof *ctx);
        if (!ctx) {
            rc = fs_errorf(err, "out of memory");
            goto done;
        }
        ctx->L = &L;
        ctx->S = S;
        ctx->step = f > 2.0 ? 1 : 2;
        ctx->nx_max = sw - c->win_w;
        ctx->factor = f;
        ctx->ww = ww;
        ctx->wh = wh;
        int nrows = (sh - c->win_h) / ctx->step + 1;
        if (o->threads == 1)
            scan_rows(ctx, 0, nrows, 0);
        else
            fs_parallel_for(nrows, 4, scan_rows, ctx);
        int oom = 0;
        for (int k = 0; k < MAX_CHUNKS; k++) {
            for (int i = 0; i < ctx->chunk[k].n; i++) hits_push(&all, ctx->chunk[k].d[i]);
            oom |= ctx->chunk[k].oom;
            free(ctx->chunk[k].d);
        }
        free(ctx);
        if (oom || all.oom) {
            rc = fs_errorf(err, "out of memory collecting detections");
            goto done;
        }
    }
    all.n = fs_haar_group(all.d, all.n, o->min_neighbors, o->group_eps);
    if (all.n > 0) {
        *out = all.d;
        *count = all.n;
        all.d = NULL;
    }
done:
    free(all.d);
    fs_gray_free(&lv);
    fs_gray_free(&anchor);
    free(sum);
    free(sq);
    free(tl);
    free(fo);
    return rc;
}

/* ---------------------------------------------------------------- groupRectangles */

static int similar(const fs_detection *a, const fs_detection *b, float eps) {
    float aw = a->x1 - a->x0, ah = a->y1 - a->y0, bw = b->x1 - b->x0, bh = b->y1 - b->y0;
    float delta = eps * (fminf(aw, bw) + fminf(ah, bh)) * 0.5f;
    return fabsf(a->x0 - b->x0) <= delta && fabsf(a->y0 - b->y0) <= delta && fabsf(a->x1 - b->x1) <= delta &&
           fabsf(a->y1 - b->y1) <= delta;
}

static int uf_find(int *p, int i) {
    while (p[i] != i) {
        p[i] = p[p[i]];
        i = p[i];
    }
    return i;
}

int fs_haar_group(fs_detection *r, int n, int thr, float eps) {
    if (thr <= 0 || n <= 0) return n;
    int *par = malloc(sizeof(int) * (size_t)n * 3);
    double *acc = calloc((size_t)n, 4 * sizeof(double));
    if (!par || !acc) {
        free(par);
        free(acc);
        return 0;
    }
    int *label = par + n, *cnt = par + 2 * n;
    for (int i = 0; i < n; i++) par[i] = i;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (similar(&r[i], &r[j], eps)) {
                int a = uf_find(par, i), b = uf_find(par, j);
                if (a != b) par[b > a ? b : a] = b > a ? a : b;
            }
    int ncls = 0;
    for (int i = 0; i < n; i++) {
        int root = uf_find(par, i);
        if (root == i) label[i] = ncls++;
    }
    for (int i = 0; i < n; i++) cnt[i] = 0;
    for (int i = 0; i < n; i++) {
        int l = label[uf_find(par, i)];
        acc[4 * l + 0] += r[i].x0;
        acc[4 * l + 1] += r[i].y0;
        acc[4 * l + 2] += r[i].x1;
        acc[4 * l + 3] += r[i].y1;
        cnt[l]++;
    }
    fs_detection *cls = malloc(sizeof *cls * (size_t)(ncls ? ncls : 1));
    if (!cls) {
        free(par);
        free(acc);
        return 0;
    }
    for (int l = 0; l < ncls; l++) {
        double s = 1.0 / cnt[l];
        cls[l] = (fs_detection){(float)(acc[4 * l] * s), (float)(acc[4 * l + 1] * s), (float)(acc[4 * l + 2] * s),
                                (float)(acc[4 * l + 3] * s), cnt[l]};
    }
    int m = 0;
    for (int i = 0; i < ncls; i++) {
        int n1 = cls[i].neighbors;
        if (n1 <= thr) continue;
        int j;
        for (j = 0; j < ncls; j++) {
            int n2 = cls[j].neighbors;
            if (j == i || n2 <= thr) continue;
            float dx = (float)(int)((cls[j].x1 - cls[j].x0) * eps + 0.5f);
            float dy = (float)(int)((cls[j].y1 - cls[j].y0) * eps + 0.5f);
            if (cls[i].x0 >= cls[j].x0 - dx && cls[i].y0 >= cls[j].y0 - dy && cls[i].x1 <= cls[j].x1 + dx &&
                cls[i].y1 <= cls[j].y1 + dy && (n2 > (n1 > 3 ? n1 : 3) || n1 < 3))
                break;
        }
        if (j == ncls) r[m++] = cls[i];
    }
    free(cls);
    free(par);
    free(acc);
    return m;
}
