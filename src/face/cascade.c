/* cascade.c — OpenCV Haar cascade XML → fs_haar_cascade (see cascade.h). */
#include "face/cascade.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/fileio.h"
#include "face/cascade_xml.h"

#define MAX_WIN 256 /* keeps squared window sums below 2^32 (detect.c) */
#define MAX_COUNT (1 << 24)

/* ---- number tokens inside an element's text ---- */
typedef struct tok {
    const char *p, *end;
} tok;

static tok tok_of(const fs__xml *d, int node) {
    tok t = {NULL, NULL};
    if (node >= 0 && d->nodes[node].text) {
        t.p = d->nodes[node].text;
        t.end = t.p + d->nodes[node].text_len;
    }
    return t;
}

/* Next whitespace-separated token into buf (NUL-terminated). 0 when none / too long. */
static int tok_next(tok *t, char *buf, size_t n) {
    if (!t->p) return 0;
    while (t->p < t->end && (*t->p == ' ' || *t->p == '\t' || *t->p == '\n' || *t->p == '\r')) t->p++;
    if (t->p >= t->end) return 0;
    size_t k = 0;
    while (t->p < t->end && !(*t->p == ' ' || *t->p == '\t' || *t->p == '\n' || *t->p == '\r')) {
        if (k + 1 >= n) return 0;
        buf[k++] = *t->p++;
    }
    buf[k] = 0;
    return 1;
}

static int tok_count(tok t) {
    char b[64];
    int n = 0;
    while (tok_next(&t, b, sizeof b)) n++;
    /* a token too long to fit stops the count early; callers compare with what they need */
    return n;
}

static int tok_int(tok *t, long *v) {
    char b[64];
    if (!tok_next(t, b, sizeof b)) return 0;
    char *e;
    errno = 0;
    long x = strtol(b, &e, 10);
    if (*e || errno || x < -MAX_COUNT || x > MAX_COUNT) return 0;
    *v = x;
    return 1;
}

static int tok_float(tok *t, float *v) {
    char b[64];
    if (!tok_next(t, b, sizeof b)) return 0;
    char *e;
    double x = strtod(b, &e);
    if (*e || !isfinite(x) || fabs(x) > 1e30) return 0;
    *v = (float)x;
    return 1;
}

static int tok_at_end(tok *t) {
    char b[4];
    tok u = *t;
    return !tok_next(&u, b, sizeof b) && (u.p == NULL || u.p >= u.end);
}

static int child_int(const fs__xml *d, int node, const char *name, long *v) {
    int c = fs__xml_child(d, node, name);
    if (c < 0) return 0;
    tok t = tok_of(d, c);
    return tok_int(&t, v) && tok_at_end(&t);
}

static int child_text_is(const fs__xml *d, int node, const char *name, const char *want) {
    int c = fs__xml_child(d, node, name);
    if (c < 0) return -1;
    tok t = tok_of(d, c);
    char b[64];
    if (!tok_next(&t, b, sizeof b)) return 0;
    return strcmp(b, want) == 0;
}

void fs_haar_cascade_destroy(fs_haar_cascade *c) {
    if (!c) return;
    free(c->stages);
    free(c->trees);
    free(c->nodes);
    free(c->leaves);
    free(c->features);
    free(c);
}

static void *calloc_n(size_t n, size_t sz) {
    size_t b;
    if (!fs_mul_size(n ? n : 1, sz, &b)) return NULL;
    return calloc(1, b);
}

static int parse_cascade(const fs__xml *d, fs_haar_cascade *c, fs_err *err) {
    int root = fs__xml_child(d, 0, NULL);
    if (!fs__xml_name_is(d, root, "opencv_storage"))
        return fs_errorf(err, "not an OpenCV cascade: root element is not <opencv_storage>");
    int cas = fs__xml_child(d, root, NULL);
    if (cas < 0) return fs_errorf(err, "empty <opencv_storage>: no cascade inside");
    if (fs__xml_child(d, cas, "size") >= 0 && fs__xml_child(d, cas, "stages") >= 0 &&
        fs__xml_child(d, cas, "features") < 0)
        return fs_errorf(err, "old-format cascade (type 'opencv-haar-classifier', before OpenCV 2.4) is not "
                              "supported; use the files of Debian opencv-data (" FS_HAAR_DIR ")");
    int st = child_text_is(d, cas, "stageType", "BOOST");
    if (st == 0) return fs_errorf(err, "stageType is not BOOST: unsupported cascade");
    int ft = child_text_is(d, cas, "featureType", "HAAR");
    if (ft == 0) return fs_errorf(err, "featureType is not HAAR (LBP/HOG cascades are not supported)");
    if (st < 0 || ft < 0) return fs_errorf(err, "not an OpenCV cascade: no <stageType>/<featureType>");
    int fp = fs__xml_child(d, cas, "featureParams");
    long maxcat = 0;
    if (fp >= 0 && child_int(d, fp, "maxCatCount", &maxcat) && maxcat != 0)
        return fs_errorf(err, "categorical features (maxCatCount %ld) are not supported", maxcat);
    long w, h;
    if (!child_int(d, cas, "width", &w) || !child_int(d, cas, "height", &h))
        return fs_errorf(err, "missing or bad <width>/<height>");
    if (w < 2 || h < 2 || w > MAX_WIN || h > MAX_WIN)
        return fs_errorf(err, "window size %ldx%ld out of range (2..%d)", w, h, MAX_WIN);
    c->win_w = (int)w;
    c->win_h = (int)h;

    int stages = fs__xml_child(d, cas, "stages");
    int feats = fs__xml_child(d, cas, "features");
    if (stages < 0 || feats < 0) return fs_errorf(err, "missing <stages> or <features>");

    /* pass 1: count everything, checking shapes */
    int nst = fs__xml_count_children(d, stages, "_");
    int nfe = fs__xml_count_children(d, feats, "_");
    if (nst < 1) return fs_errorf(err, "cascade has no stages");
    if (nfe < 1) return fs_errorf(err, "cascade has no features");
    long stagenum;
    if (child_int(d, cas, "stageNum", &stagenum) && stagenum != nst)
        return fs_errorf(err, "<stageNum> says %ld stages but %d are present (truncated file?)", stagenum, nst);
    size_t ntr = 0, nno = 0, nle = 0;
    int si = 0;
    for (int s = fs__xml_child(d, stages, "_"); s >= 0; s = fs__xml_next(d, s, "_"), si++) {
        int wc = fs__xml_child(d, s, "weakClassifiers");
        int n = fs__xml_count_children(d, wc, "_");
        if (n < 1) return fs_errorf(err, "stage %d has no weak classifiers", si);
        long mwc;
        if (child_int(d, s, "maxWeakCount", &mwc) && mwc != n)
            return fs_errorf(err, "stage %d: <maxWeakCount> %ld but %d weak classifiers present", si, mwc, n);
        for (int t = fs__xml_child(d, wc, "_"); t >= 0; t = fs__xml_next(d, t, "_")) {
            int in = fs__xml_child(d, t, "internalNodes"), lv = fs__xml_child(d, t, "leafValues");
            if (in < 0 || lv < 0) return fs_errorf(err, "stage %d: weak classifier without internalNodes/leafValues", si);
            int k = tok_count(tok_of(d, in)), l = tok_count(tok_of(d, lv));
            if (k < 4 || k % 4) return fs_errorf(err, "stage %d: internalNodes has %d numbers (want 4 per node)", si, k);
            if (l != k / 4 + 1)
                return fs_errorf(err, "stage %d: %d leaf values for %d nodes (want nodes+1)", si, l, k / 4);
            ntr++;
            nno += (size_t)(k / 4);
            nle += (size_t)l;
        }
        if (ntr > MAX_COUNT || nno > MAX_COUNT || nle > MAX_COUNT) return fs_errorf(err, "cascade too large");
    }
    c->nstages = nst;
    c->ntrees = (int)ntr;
    c->nnodes = (int)nno;
    c->nleaves = (int)nle;
    c->nfeatures = nfe;
    c->stages = calloc_n((size_t)nst, sizeof *c->stages);
    c->trees = calloc_n(ntr, sizeof *c->trees);
    c->nodes = calloc_n(nno, sizeof *c->nodes);
    c->leaves = calloc_n(nle, sizeof *c->leaves);
    c->features = calloc_n((size_t)nfe, sizeof *c->features);
    if (!c->stages || !c->trees || !c->nodes || !c->leaves || !c->features)
        return fs_errorf(err, "out of memory for the cascade");

    /* pass 2: fill */
    int ti = 0, ni = 0, li = 0;
    si = 0;
    for (int s = fs__xml_child(d, stages, "_"); s >= 0; s = fs__xml_next(d, s, "_"), si++) {
        fs_haar_stage *S = &c->stages[si];
        int thn = fs__xml_child(d, s, "stageThreshold");
        tok tt = tok_of(d, thn);
        float thr;
        if (thn < 0 || !tok_float(&tt, &thr)) return fs_errorf(err, "stage %d: missing or bad <stageThreshold>", si);
        S->threshold = thr - 1e-5f; /* OpenCV's THRESHOLD_EPS */
        S->first_tree = ti;
        int wc = fs__xml_child(d, s, "weakClassifiers");
        for (int t = fs__xml_child(d, wc, "_"); t >= 0; t = fs__xml_next(d, t, "_")) {
            fs_haar_tree *T = &c->trees[ti++];
            tok in = tok_of(d, fs__xml_child(d, t, "internalNodes"));
            tok lv = tok_of(d, fs__xml_child(d, t, "leafValues"));
            int k = tok_count(in) / 4;
            T->first_node = ni;
            T->nnodes = k;
            T->first_leaf = li;
            T->nleaves = k + 1;
            for (int j = 0; j < k; j++) {
                long L, R, F;
                float th;
                if (!tok_int(&in, &L) || !tok_int(&in, &R) || !tok_int(&in, &F) || !tok_float(&in, &th))
                    return fs_errorf(err, "stage %d: bad number in internalNodes", si);
                /* children: > 0 node index after this one (so evaluation always terminates), <= 0 leaf */
                if ((L > 0 && (L <= j || L >= k)) || (L <= 0 && -L > k) || (R > 0 && (R <= j || R >= k)) ||
                    (R <= 0 && -R > k))
                    return fs_errorf(err, "stage %d: tree child index out of range (%ld, %ld at node %d of %d)", si, L,
                                     R, j, k);
                if (F < 0 || F >= nfe)
                    return fs_errorf(err, "stage %d: feature index %ld out of range (%d features)", si, F, nfe);
                fs_haar_node *N = &c->nodes[ni++];
                N->left = (int)L;
                N->right = (int)R;
                N->feature = (int)F;
                N->threshold = th;
            }
            for (int j = 0; j <= k; j++)
                if (!tok_float(&lv, &c->leaves[li++])) return fs_errorf(err, "stage %d: bad leaf value", si);
            /* depth: longest root-to-leaf path (nodes are in topological order) */
            int depth[64], kk = k < 64 ? k : 64;
            if (k <= 64) {
                for (int j = 0; j < kk; j++) depth[j] = 0;
                depth[0] = 1;
                for (int j = 0; j < kk; j++) {
                    const fs_haar_node *N = &c->nodes[T->first_node + j];
                    if (N->left > 0 && depth[N->left] < depth[j] + 1) depth[N->left] = depth[j] + 1;
                    if (N->right > 0 && depth[N->right] < depth[j] + 1) depth[N->right] = depth[j] + 1;
                    if (depth[j] > c->max_depth) c->max_depth = depth[j];
                }
            } else if (k > c->max_depth) {
                c->max_depth = k;
            }
        }
        S->ntrees = ti - S->first_tree;
    }

    int fi = 0;
    for (int f = fs__xml_child(d, feats, "_"); f >= 0; f = fs__xml_next(d, f, "_"), fi++) {
        fs_haar_feature *F = &c->features[fi];
        int rects = fs__xml_child(d, f, "rects");
        int nr = fs__xml_count_children(d, rects, "_");
        if (nr < 1 || nr > 3) return fs_errorf(err, "feature %d has %d rectangles (want 1 to 3)", fi, nr);
        long tl = 0;
        if (fs__xml_child(d, f, "tilted") >= 0 && (!child_int(d, f, "tilted", &tl) || (tl != 0 && tl != 1)))
            return fs_errorf(err, "feature %d: bad <tilted>", fi);
        F->nrects = nr;
        F->tilted = (int)tl;
        if (tl) c->has_tilted = 1;
        int ri = 0;
        for (int r = fs__xml_child(d, rects, "_"); r >= 0; r = fs__xml_next(d, r, "_"), ri++) {
            tok t = tok_of(d, r);
            long x, y, rw, rh;
            float wt;
            if (!tok_int(&t, &x) || !tok_int(&t, &y) || !tok_int(&t, &rw) || !tok_int(&t, &rh) || !tok_float(&t, &wt) ||
                !tok_at_end(&t))
                return fs_errorf(err, "feature %d: bad rectangle (want 'x y w h weight')", fi);
            int ok;
            if (!tl)
                ok = x >= 0 && y >= 0 && rw > 0 && rh > 0 && x + rw <= w && y + rh <= h;
            else /* corners (x,y) (x-h,y+h) (x+w,y+w) (x+w-h,y+w+h) of the rotated integral image */
                ok = x >= 0 && y >= 0 && rw > 0 && rh > 0 && x - rh >= 0 && x + rw <= w && y + rw + rh <= h;
            if (!ok)
                return fs_errorf(err, "feature %d: rectangle %ld %ld %ld %ld%s outside the %ldx%ld window", fi, x, y,
                                 rw, rh, tl ? " (tilted)" : "", w, h);
            F->r[ri] = (fs_haar_rect){(int)x, (int)y, (int)rw, (int)rh, wt};
        }
    }
    return FS_OK;
}

int fs_haar_cascade_parse(const char *xml, size_t len, const char *name, fs_haar_cascade **out, fs_err *err) {
    if (!name) name = "cascade";
    fs__xml doc;
    if (fs__xml_parse(xml, len, &doc, err)) return fs_err_prefix(err, name);
    fs_haar_cascade *c = calloc(1, sizeof *c);
    if (!c) {
        fs__xml_free(&doc);
        fs_errorf(err, "out of memory");
        return fs_err_prefix(err, name);
    }
    int rc = parse_cascade(&doc, c, err);
    fs__xml_free(&doc);
    if (rc) {
        fs_haar_cascade_destroy(c);
        return fs_err_prefix(err, name);
    }
    *out = c;
    return FS_OK;
}

int fs_haar_cascade_load(const char *path, fs_haar_cascade **out, fs_err *err) {
    unsigned char *buf = NULL;
    size_t len = 0;
    if (fs_read_file(path, &buf, &len, err)) return FS_ERR;
    int rc = fs_haar_cascade_parse((const char *)buf, len, path, out, err);
    free(buf);
    return rc;
}
