/* test_face_landmarks.c — dlib .dat reader (a model written here, hostile variants, the real
 * Debian model) and the 68-landmark predictor on real photos. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/fileio.h"
#include "core/log.h"
#include "face/detect.h"
#include "face/dlib_dat.h"
#include "face/shape_predictor.h"

/* ---- a tiny dlib serializer (the format as dlib/serialize.h writes it) ---- */
typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void put_byte(buf *b, uint8_t c) {
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 256;
        b->p = realloc(b->p, b->cap);
    }
    b->p[b->n++] = c;
}

static void put_int(buf *b, int64_t v) {
    uint64_t m = v < 0 ? (uint64_t)(-v) : (uint64_t)v;
    uint8_t tmp[8];
    int n = 0;
    while (m) {
        tmp[n++] = (uint8_t)(m & 0xff);
        m >>= 8;
    }
    put_byte(b, (uint8_t)(n | (v < 0 ? 0x80 : 0)));
    for (int i = 0; i < n; i++) put_byte(b, tmp[i]);
}

static void put_float(buf *b, float f) {
    int e;
    double m = frexp(f, &e);
    put_int(b, (int64_t)ldexp(m, 24));
    put_int(b, e - 24);
}

static void put_column(buf *b, const float *v, int n) {
    put_int(b, -n);
    put_int(b, -1);
    for (int i = 0; i < n; i++) put_float(b, v[i]);
}

/* 2 landmarks, 1 level, 2 trees of depth 1, 2 feature pixels anchored on landmark 0 and 1 */
static const float init_shape[4] = {0.25f, 0.5f, 0.75f, 0.5f};
static const float leaf[2][2][4] = {{{0.1f, 0, 0, 0}, {-0.1f, 0, 0, 0}}, {{0, 0.05f, 0, 0}, {0, -0.05f, 0, 0}}};

typedef struct knobs {
    int version, nlev_anchor, bad_split_idx, bad_anchor, leaves, trailing, nan;
    int64_t huge_len;
} knobs;

static buf make_model(knobs k) {
    buf b = {0};
    put_int(&b, k.version);
    put_column(&b, init_shape, 4);
    put_int(&b, 1); /* forests: 1 level */
    if (k.huge_len) {
        put_int(&b, k.huge_len); /* trees in level 0 */
        return b;
    }
    put_int(&b, 2); /* 2 trees */
    for (int t = 0; t < 2; t++) {
        put_int(&b, 1); /* 1 split */
        put_int(&b, 0);
        put_int(&b, k.bad_split_idx ? 9 : 1);
        if (k.nan) {
            put_int(&b, 0);
            put_int(&b, 32002);
        } else {
            put_float(&b, t == 0 ? 10.f : -10.f);
        }
        put_int(&b, k.leaves ? k.leaves : 2);
        for (int l = 0; l < (k.leaves ? k.leaves : 2); l++) put_column(&b, leaf[t][l % 2], 4);
    }
    put_int(&b, k.nlev_anchor ? k.nlev_anchor : 1); /* anchor_idx */
    put_int(&b, 2);
    put_int(&b, 0);
    put_int(&b, k.bad_anchor ? 2 : 1);
    put_int(&b, 1); /* deltas */
    put_int(&b, 2);
    put_float(&b, 0);
    put_float(&b, 0);
    put_float(&b, 0);
    put_float(&b, 0);
    if (k.trailing) put_byte(&b, 0);
    return b;
}

static knobs good(void) { return (knobs){.version = 1}; }

static void expect_refused(const char *what, knobs k, const char *part) {
    buf b = make_model(k);
    fs_err err = {0};
    fs_shape_predictor *sp = NULL;
    int rc = fs_shape_predictor_parse(b.p, b.n, "model.dat", &sp, &err);
    CHECK_MSG(rc != FS_OK && sp == NULL, "%s accepted", what);
    CHECK_MSG(strstr(err.msg, "model.dat") && (!part || strstr(err.msg, part)), "%s: message '%s' (want '%s')",
              what, err.msg, part ? part : "");
    printf("  refused %-22s: %s\n", what, err.msg);
    fs_shape_predictor_destroy(sp);
    free(b.p);
}

static void test_tiny_model(void) {
    buf b = make_model(good());
    fs_err err = {0};
    fs_shape_predictor *sp = NULL;
    CHECK(fs_shape_predictor_parse(b.p, b.n, "model.dat", &sp, &err) == FS_OK);
    if (!sp) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK(sp->num_parts == 2 && sp->num_levels == 1 && sp->ntrees == 2 && sp->nfeat == 2);
    CHECK_CLOSE(sp->initial_shape[2], 0.75, 0);
    /* image: landmark 0 sits on a bright pixel, landmark 1 on a dark one.
     * box 0..101 so unit coordinates scale by 100: lm0 at (25,50), lm1 at (75,50). */
    fs_image *im = fs_image_create(101, 101, &err);
    memset(fs_image_px(im, 25, 50), 250, 3);
    memset(fs_image_px(im, 75, 50), 10, 3);
    float box[4] = {0, 0, 101, 101}, lm[4];
    fs_shape_predict(sp, im, box, lm);
    /* tree 0: 250-10 > 10 -> left leaf (+0.1 on x0); tree 1: 240 > -10 -> left (+0.05 on y0) */
    CHECK_CLOSE(lm[0], 35.0, 1e-3);
    CHECK_CLOSE(lm[1], 55.0, 1e-3);
    CHECK_CLOSE(lm[2], 75.0, 1e-3);
    CHECK_CLOSE(lm[3], 50.0, 1e-3);
    /* swap the intensities: both trees go right */
    memset(fs_image_px(im, 25, 50), 10, 3);
    memset(fs_image_px(im, 75, 50), 250, 3);
    fs_shape_predict(sp, im, box, lm);
    CHECK_CLOSE(lm[0], 15.0, 1e-3);
    CHECK_CLOSE(lm[1], 45.0, 1e-3);
    fs_image_destroy(im);
    fs_shape_predictor_destroy(sp);

    /* every truncation is refused with a reason */
    int bad = 0;
    for (size_t cut = 0; cut < b.n; cut++) {
        sp = NULL;
        if (fs_shape_predictor_parse(b.p, cut, "model.dat", &sp, &err) == FS_OK || sp || !strstr(err.msg, "model.dat"))
            bad++;
        fs_shape_predictor_destroy(sp);
    }
    CHECK_MSG(bad == 0, "%d truncations accepted", bad);
    printf("OK tiny model: predictions exact, all %zu truncations refused\n", b.n);
    free(b.p);

    knobs k;
    k = good();
    k.version = 2;
    expect_refused("version", k, "version");
    k = good();
    k.huge_len = (int64_t)1 << 40;
    expect_refused("huge length", k, "length");
    k = good();
    k.huge_len = -5;
    expect_refused("negative length", k, "negative");
    k = good();
    k.bad_split_idx = 1;
    expect_refused("split index", k, "feature pixel");
    k = good();
    k.bad_anchor = 1;
    expect_refused("anchor index", k, "too large");
    k = good();
    k.leaves = 3;
    expect_refused("leaf count", k, "leaves");
    k = good();
    k.nlev_anchor = 2;
    expect_refused("anchor levels", k, "anchor");
    k = good();
    k.trailing = 1;
    expect_refused("trailing bytes", k, "unexpected bytes");
    k = good();
    k.nan = 1;
    expect_refused("NaN threshold", k, "NaN");

    /* primitives */
    const uint8_t ints[] = {0x01, 0x05, 0x81, 0x05, 0x02, 0x34, 0x12, 0x00, 0x09};
    fs_dlib_reader r = fs_dlib_reader_init(ints, sizeof ints);
    int64_t v;
    CHECK(fs_dlib_int(&r, &v) == FS_OK && v == 5);
    CHECK(fs_dlib_int(&r, &v) == FS_OK && v == -5);
    CHECK(fs_dlib_int(&r, &v) == FS_OK && v == 0x1234);
    CHECK(fs_dlib_int(&r, &v) == FS_OK && v == 0);
    CHECK(fs_dlib_int(&r, &v) != FS_OK && strstr(r.err, "control byte")); /* 9 bytes: impossible */
}

/* ---- the real model on real photos ---- */

static void centre(const float *lm, int a, int b, float *x, float *y) {
    *x = *y = 0;
    for (int i = a; i < b; i++) {
        *x += lm[2 * i] / (b - a);
        *y += lm[2 * i + 1] / (b - a);
    }
}

static double mean_dist(const float *a, const float *b) {
    double s = 0;
    for (int i = 0; i < 68; i++) s += hypot(a[2 * i] - b[2 * i], a[2 * i + 1] - b[2 * i + 1]);
    return s / 68;
}

/* Haar box -> calibrated predictor box -> landmarks -> one mean-shape refinement (as track.c) */
static void landmarks(const fs_shape_predictor *sp, const fs_image *im, const float *hb, float dx, float ds,
                      float *lm) {
    float s = hb[2] - hb[0], cx = (hb[0] + hb[2]) / 2 + dx * s, cy = (hb[1] + hb[3]) / 2 + 0.07f * s,
          h = 0.91f * s * ds / 2;
    float box[4] = {cx - h, cy - h, cx + h, cy + h}, rb[4];
    fs_shape_predict(sp, im, box, lm);
    fs_shape_box_from_landmarks(sp, lm, rb);
    fs_shape_predict(sp, im, rb, lm);
}

/* the predictor in the face-upright frame: a photo rotated by 40 degrees gives the rotated landmarks */
static void test_rotated(const fs_shape_predictor *sp, const fs_image *im, const float *lm_up) {
    const double th = 40 * M_PI / 180, c = cos(th), s = sin(th), cx = im->w / 2.0, cy = im->h / 2.0;
    fs_err err = {0};
    fs_image *rot = fs_image_create(im->w, im->h, &err);
    for (int y = 0; y < im->h; y++)
        for (int x = 0; x < im->w; x++) {
            /* destination (x,y) comes from the source point rotated back by -th */
            double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
            int sx = (int)floor(c * dx + s * dy + cx), sy = (int)floor(-s * dx + c * dy + cy);
            uint8_t *q = fs_image_px(rot, x, y);
            if (sx >= 0 && sy >= 0 && sx < im->w && sy < im->h)
                memcpy(q, fs_image_px(im, sx, sy), 3);
            else
                memset(q, 128, 3);
        }
    float want[136], got[136], axis[136];
    for (int i = 0; i < 68; i++) {
        double dx = lm_up[2 * i] + 0.5 - cx, dy = lm_up[2 * i + 1] + 0.5 - cy;
        want[2 * i] = (float)(c * dx - s * dy + cx - 0.5);
        want[2 * i + 1] = (float)(s * dx + c * dy + cy - 0.5);
    }
    double T[6];
    fs_shape_fit_mean(sp, want, T);
    fs_shape_predict_affine(sp, rot, T, got);
    float box[4];
    fs_shape_box_from_landmarks(sp, want, box);
    fs_shape_predict(sp, rot, box, axis);
    float lx, ly, rx, ry;
    centre(want, 36, 42, &lx, &ly);
    centre(want, 42, 48, &rx, &ry);
    double iod = hypot(rx - lx, ry - ly), e_rot = mean_dist(got, want) / iod, e_axis = mean_dist(axis, want) / iod;
    printf("  rotated 40 deg: upright-frame prediction %.3f IOD from the rotated truth, axis-aligned box %.3f IOD\n",
           e_rot, e_axis);
    CHECK(e_rot < 0.06);
    CHECK(e_rot < e_axis);
    fs_image_destroy(rot);
}

static void test_real(void) {
    if (access(FS_SHAPE_PREDICTOR_68, R_OK) != 0 ||
        access(FS_HAAR_DIR "/haarcascade_frontalface_alt2.xml", R_OK) != 0) {
        printf("SKIP real model: Debian libdlib-data / opencv-data not installed\n");
        return;
    }
    fs_err err = {0};
    fs_shape_predictor *sp = NULL;
    double t0 = fs_now_seconds();
    CHECK(fs_shape_predictor_load(FS_SHAPE_PREDICTOR_68, &sp, &err) == FS_OK);
    if (!sp) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    printf("loaded %s in %.2f s: %d parts, %d levels, %u trees, %u leaves, %u feature pixels\n",
           FS_SHAPE_PREDICTOR_68, fs_now_seconds() - t0, sp->num_parts, sp->num_levels, sp->ntrees, sp->nleaves,
           sp->nfeat);
    CHECK(sp->num_parts == 68 && sp->num_levels == 15 && sp->ntrees == 7500 && sp->nfeat == 7500);
    /* a truncated real file is refused, naming the file */
    unsigned char *raw;
    size_t len;
    CHECK(fs_read_file(FS_SHAPE_PREDICTOR_68, &raw, &len, &err) == FS_OK);
    fs_shape_predictor *bad = NULL;
    CHECK(fs_shape_predictor_parse(raw, len / 3, "cut.dat", &bad, &err) != FS_OK && !bad);
    printf("  truncated real model: %s\n", err.msg);
    free(raw);

    fs_haar_cascade *c = NULL;
    CHECK(fs_haar_cascade_load(FS_HAAR_DIR "/haarcascade_frontalface_alt2.xml", &c, &err) == FS_OK);
    const char *photos[] = {"media/photo_meds_mugshot_frontal.jpg", "media/photo_grace_hopper_512x600.jpg",
                            "media/photo_astronaut_collins_512x512.png", "media/photo_kpa_frontal_man_800x532.jpg"};
    for (int p = 0; p < 4; p++) {
        fs_image *im = NULL;
        if (fs_image_load(test_shared_path(photos[p]), &im, &err)) {
            CHECK_MSG(0, "%s", err.msg);
            continue;
        }
        fs_gray g;
        fs_gray_from_image(im, &g, &err);
        fs_detect_opts o;
        fs_detect_opts_default(&o);
        fs_detection *d = NULL;
        int n = 0;
        CHECK(fs_haar_detect(c, &g, &o, &d, &n, &err) == FS_OK);
        int best = -1;
        for (int i = 0; i < n; i++)
            if (best < 0 || d[i].neighbors > d[best].neighbors) best = i;
        CHECK_MSG(best >= 0, "%s: no face", photos[p]);
        if (best >= 0) {
            float hb[4] = {d[best].x0, d[best].y0, d[best].x1, d[best].y1}, lm[136];
            t0 = fs_now_seconds();
            landmarks(sp, im, hb, 0, 1, lm);
            double ms = (fs_now_seconds() - t0) * 1e3 / 2;
            float lx, ly, rx, ry, nx, ny;
            centre(lm, 36, 42, &lx, &ly);
            centre(lm, 42, 48, &rx, &ry);
            nx = lm[2 * 30];
            ny = lm[2 * 30 + 1];
            float my = (lm[2 * 48 + 1] + lm[2 * 54 + 1]) / 2;
            float iod = hypotf(rx - lx, ry - ly);
            int inside = lx > hb[0] && lx < hb[2] && ly > hb[1] && ly < hb[3] && rx > hb[0] && rx < hb[2] &&
                         ry > hb[1] && ry < hb[3];
            double asym = fabs(hypot(nx - lx, ny - ly) - hypot(nx - rx, ny - ry)) / iod;
            /* stability: start from shifted / scaled boxes */
            double worst = 0;
            const float jit[6][2] = {{0.04f, 1}, {-0.04f, 1}, {0, 1.06f}, {0, 0.94f}, {0.03f, 1.04f}, {-0.03f, 0.96f}};
            for (int j = 0; j < 6; j++) {
                float lj[136];
                landmarks(sp, im, hb, jit[j][0], jit[j][1], lj);
                double dd = mean_dist(lj, lm) / iod;
                worst = check_max(worst, dd);
            }
            printf("  %-44s box %.0f px: eyes (%.0f,%.0f) (%.0f,%.0f) mouth y %.0f, IOD %.0f, asym %.3f, "
                   "box-jitter drift %.3f IOD, %.2f ms/prediction\n",
                   photos[p], hb[2] - hb[0], lx, ly, rx, ry, my, iod, asym, worst, ms);
            CHECK_MSG(inside, "%s: eye centres outside the detected box", photos[p]);
            CHECK_MSG(my > ly + 0.4f * iod && my > ry + 0.4f * iod, "%s: mouth not below the eyes", photos[p]);
            CHECK_MSG(lx < nx && nx < rx, "%s: nose tip not between the eyes", photos[p]);
            CHECK_MSG(asym < 0.25, "%s: asymmetric eyes/nose %.3f", photos[p], asym);
            CHECK_MSG(iod > 0.25f * (hb[2] - hb[0]) && iod < 0.55f * (hb[2] - hb[0]), "%s: IOD %.0f vs box %.0f",
                      photos[p], iod, hb[2] - hb[0]);
            CHECK_MSG(worst < 0.06, "%s: landmarks move %.3f IOD when the box moves by 3-6%%", photos[p], worst);
            /* calibration (track.c): the box the predictor's mean shape implies, iterated to its fixed
             * point, relative to the Haar box: side ~0.91, centre ~0.07 lower */
            float fp[136], fb[4];
            memcpy(fp, lm, sizeof fp);
            for (int it = 0; it < 6; it++) {
                fs_shape_box_from_landmarks(sp, fp, fb);
                fs_shape_predict(sp, im, fb, fp);
            }
            fs_shape_box_from_landmarks(sp, fp, fb);
            float hs = hb[2] - hb[0];
            float sc = (fb[2] - fb[0]) / hs, dyc = ((fb[1] + fb[3]) - (hb[1] + hb[3])) / 2 / hs;
            double cons = mean_dist(lm, fp) / iod;
            printf("    fixed-point box: side %.3f, centre dy %.3f (Haar sides); calibrated+refined landmarks are "
                   "%.3f IOD from the fixed point\n",
                   sc, dyc, cons);
            CHECK(sc > 0.75f && sc < 1.07f);
            CHECK(dyc > -0.03f && dyc < 0.17f);
            CHECK(cons < 0.06);
            if (p == 0) test_rotated(sp, im, lm);
        }
        free(d);
        fs_gray_free(&g);
        fs_image_destroy(im);
    }
    fs_haar_cascade_destroy(c);
    fs_shape_predictor_destroy(sp);
}

/* the similarity fit recovers a known transform; the mean shape placed in a box gives that box back */
static void test_geometry(void) {
    float from[2 * 7], to[2 * 7];
    const double a = 1.7 * cos(0.3), b = 1.7 * sin(0.3), tx = 12.5, ty = -4.25;
    for (int i = 0; i < 7; i++) {
        from[2 * i] = (float)(i * 0.37 - 1);
        from[2 * i + 1] = (float)((i * i) % 5 * 0.21);
        to[2 * i] = (float)(a * from[2 * i] - b * from[2 * i + 1] + tx);
        to[2 * i + 1] = (float)(b * from[2 * i] + a * from[2 * i + 1] + ty);
    }
    double m[4];
    fs_similarity_fit(from, to, 7, m);
    CHECK_CLOSE(m[0], a, 1e-5);
    CHECK_CLOSE(m[1], b, 1e-5);
    CHECK_CLOSE(m[2], tx, 1e-4);
    CHECK_CLOSE(m[3], ty, 1e-4);
    buf bb = make_model(good());
    fs_err err = {0};
    fs_shape_predictor *sp = NULL;
    CHECK(fs_shape_predictor_parse(bb.p, bb.n, "model.dat", &sp, &err) == FS_OK);
    free(bb.p);
    if (!sp) return;
    /* a model with 2 landmarks: put the mean shape into box (10,20)-(51,61) as the predictor maps it */
    float box[4] = {10, 20, 51, 61}, lm[4], got[4];
    for (int i = 0; i < 2; i++) {
        lm[2 * i] = box[0] + sp->initial_shape[2 * i] * (box[2] - 1 - box[0]);
        lm[2 * i + 1] = box[1] + sp->initial_shape[2 * i + 1] * (box[3] - 1 - box[1]);
    }
    fs_shape_box_from_landmarks(sp, lm, got);
    for (int k = 0; k < 4; k++) CHECK_CLOSE(got[k], box[k], 1e-3);
    fs_shape_predictor_destroy(sp);
    printf("OK similarity fit and mean-shape box round trip\n");
}

int main(void) {
    test_geometry();
    test_tiny_model();
    test_real();
    return check_finish();
}
