/* test_align_geometry.c — alignment (docs/method.md §1.3–1.6) on synthetic data: scipy-reflect Gaussian,
 * quad from landmarks, projective coefficients, crop conventions, crop→paste round trip,
 * antialiasing, gap interpolation and jitter reduction. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "face/align.h"
#include "face/mask.h"
#include "face/paste.h"
#include "image/image_ops.h"

static double conv_ext(const double *ext, int r, int i, double sigma) {
    /* ext holds the signal extended by r samples on each side; output at i */
    double s = 0, acc = 0;
    for (int k = -r; k <= r; k++) s += exp(-0.5 * k * k / (sigma * sigma));
    for (int k = -r; k <= r; k++) acc += exp(-0.5 * k * k / (sigma * sigma)) / s * ext[r + i + k];
    return acc;
}

static void test_gaussian(void) {
    fs_err err;
    /* impulse: centre tap of sigma 1, radius int(4*1+0.5) = 4: 1/(1+2(e^-.5+e^-2+e^-4.5+e^-8)) */
    double imp[21] = {0};
    imp[10] = 1;
    CHECK(fs_gaussian_filter1d(imp, imp, 21, 1, 1.0, &err) == FS_OK);
    CHECK_CLOSE(imp[10], 1.0 / 2.5066208, 1e-6);
    CHECK_CLOSE(imp[14], exp(-8.0) / 2.5066208, 1e-9);
    CHECK(imp[15] == 0.0 && imp[5] == 0.0); /* truncated at radius 4 */
    /* reflect = d c b a | a b c d | d c b a, hand-extended */
    double x[7] = {1, 2, 4, 8, 3, 0, 5}, y[7];
    double ext1[15] = {8, 4, 2, 1, /**/ 1, 2, 4, 8, 3, 0, 5, /**/ 5, 0, 3, 8};
    CHECK(fs_gaussian_filter1d(y, x, 7, 1, 1.0, &err) == FS_OK);
    for (int i = 0; i < 7; i++) CHECK_CLOSE(y[i], conv_ext(ext1, 4, i, 1.0), 1e-12);
    /* sigma 3: radius int(12.5) = 12, the short signal reflects several times (period 14) */
    double ext3[31];
    for (int j = -12; j < 7 + 12; j++) {
        int m = ((j % 14) + 14) % 14;
        ext3[j + 12] = x[m < 7 ? m : 13 - m];
    }
    CHECK(fs_gaussian_filter1d(y, x, 7, 1, 3.0, &err) == FS_OK);
    for (int i = 0; i < 7; i++) CHECK_CLOSE(y[i], conv_ext(ext3, 12, i, 3.0), 1e-12);
    /* two samples, sigma 1: [2 7] extends as 2 7 7 2 | 2 7 | 7 2 2 7 */
    double two[2] = {2, 7}, ext2[10] = {2, 7, 7, 2, 2, 7, 7, 2, 2, 7};
    CHECK(fs_gaussian_filter1d(two, two, 2, 1, 1.0, &err) == FS_OK);
    CHECK_CLOSE(two[0], conv_ext(ext2, 4, 0, 1.0), 1e-12);
    CHECK_CLOSE(two[1], conv_ext(ext2, 4, 1, 1.0), 1e-12);
    /* strided: constant stays constant */
    double c[10];
    for (int i = 0; i < 10; i++) c[i] = i % 2 ? 3.0 : -1.0;
    CHECK(fs_gaussian_filter1d(c + 1, c + 1, 5, 2, 3.0, &err) == FS_OK);
    for (int i = 0; i < 5; i++) CHECK_CLOSE(c[1 + 2 * i], 3.0, 1e-12);
    CHECK(c[0] == -1.0 && c[8] == -1.0);
}

/* Synthetic 68 landmarks: eyes at el/er (6 points each around the centre), mouth corners m48/m54. */
static void make_landmarks(float lm[68][2], double cx, double cy, double scale, double angle) {
    double ca = cos(angle), sa = sin(angle);
    for (int i = 0; i < 68; i++) {
        double u, v;
        if (i <= 16) {
            double t = (i / 16.0) * M_PI;
            u = -0.9 * cos(t);
            v = 0.1 + 0.9 * sin(t);
        } else if (i <= 26) {
            u = -0.7 + 1.4 * (i - 17) / 9.0;
            v = -0.55;
        } else if (i <= 35) {
            u = 0.05 * (i - 31);
            v = -0.2 + 0.06 * (i - 27);
        } else if (i <= 41) {
            double t = (i - 36) * M_PI / 3;
            u = -0.4 + 0.1 * cos(t);
            v = -0.3 + 0.05 * sin(t);
        } else if (i <= 47) {
            double t = (i - 42) * M_PI / 3;
            u = 0.4 + 0.1 * cos(t);
            v = -0.3 + 0.05 * sin(t);
        } else if (i <= 59) { /* outer mouth: 48 left corner, 54 right corner */
            double t = (i - 48) * 2 * M_PI / 12;
            u = -0.3 * cos(t);
            v = 0.4 + 0.08 * sin(t);
        } else { /* inner mouth: 60 left, 64 right */
            double t = (i - 60) * 2 * M_PI / 8;
            u = -0.2 * cos(t);
            v = 0.4 + 0.04 * sin(t);
        }
        u *= scale;
        v *= scale;
        lm[i][0] = (float)(cx + ca * u - sa * v);
        lm[i][1] = (float)(cy + sa * u + ca * v);
    }
}

static void test_from_landmarks(void) {
    float lm[68][2];
    make_landmarks(lm, 200, 150, 100, 0.0);
    fs_align_params p;
    fs_align_from_landmarks(lm, 1.0, &p);
    /* eyes at (160,120),(240,120) (means of 6 points on circles); mouth corners (170,190),(230,190)
     * eye_to_eye = (80,0); eye_to_mouth = (0,70); x = (80,0) - perp(0,70) = (80,0) - (-70,0) = (150,0)
     * -> unit (1,0) * max(2*80, 1.8*70) = (160, 0); y = perp(x) = (0,160); c = (200,120)+0.1*(0,70) */
    CHECK_CLOSE(p.x[0], 160.0, 1e-3);
    CHECK_CLOSE(p.x[1], 0.0, 1e-3);
    CHECK_CLOSE(p.y[0], 0.0, 1e-3);
    CHECK_CLOSE(p.y[1], 160.0, 1e-3);
    CHECK_CLOSE(p.c[0], 200.0, 1e-3);
    CHECK_CLOSE(p.c[1], 127.0, 1e-3);
    double q[4][2];
    fs_align_quad(&p, q);
    CHECK_CLOSE(q[0][0], 40, 1e-3);  /* top-left */
    CHECK_CLOSE(q[0][1], -33, 1e-3);
    CHECK_CLOSE(q[1][1], 287, 1e-3); /* bottom-left */
    CHECK_CLOSE(q[2][0], 360, 1e-3); /* bottom-right */
    CHECK_CLOSE(q[3][1], -33, 1e-3); /* top-right */
    /* rotation follows the face: rotate the landmarks by 0.3 rad -> x rotates by 0.3 rad */
    make_landmarks(lm, 200, 150, 100, 0.3);
    fs_align_from_landmarks(lm, 1.0, &p);
    CHECK_CLOSE(atan2(p.x[1], p.x[0]), 0.3, 1e-4);
    CHECK_CLOSE(hypot(p.x[0], p.x[1]), 160.0, 1e-2);
}

static void test_coeffs_and_crop(void) {
    fs_err err;
    /* a known (rotated) quad maps its corners exactly onto the crop corners */
    double q[4][2] = {{100, 50}, {60, 250}, {260, 290}, {300, 90}};
    double k[8];
    CHECK(fs_align_coeffs(q, 1024, k) == FS_OK);
    const double want[4][2] = {{0, 0}, {0, 1024}, {1024, 1024}, {1024, 0}};
    for (int i = 0; i < 4; i++) {
        double X, Y;
        fs_align_apply(k, q[i][0] + 0.5, q[i][1] + 0.5, &X, &Y);
        CHECK_CLOSE(X, want[i][0], 1e-7);
        CHECK_CLOSE(Y, want[i][1], 1e-7);
    }
    /* crop convention: quad corners at pixel indices -0.5 + integer, side S -> crop = exact sub-image */
    fs_image *fr = fs_image_create(64, 48, &err);
    for (int y = 0; y < 48; y++)
        for (int x = 0; x < 64; x++) {
            uint8_t *p = fs_image_px(fr, x, y);
            p[0] = (uint8_t)(x * 3 + y);
            p[1] = (uint8_t)(x * y);
            p[2] = (uint8_t)(255 - x);
        }
    fs_image *crop = fs_image_create(16, 16, &err);
    double q2[4][2] = {{9.5, 19.5}, {9.5, 35.5}, {25.5, 35.5}, {25.5, 19.5}};
    fs_align_crop(fr, q2, crop, 1);
    int exact = 1;
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 16; x++)
            if (memcmp(fs_image_px(crop, x, y), fs_image_px(fr, 10 + x, 20 + y), 3)) exact = 0;
    CHECK_MSG(exact, "axis-aligned crop is not the exact sub-image");
    /* outside the frame: black */
    double q3[4][2] = {{-40.5, -40.5}, {-40.5, -24.5}, {-24.5, -24.5}, {-24.5, -40.5}};
    fs_align_crop(fr, q3, crop, 1);
    CHECK(fs_image_px(crop, 5, 5)[0] == 0 && fs_image_px(crop, 15, 15)[2] == 0);
    fs_image_destroy(crop);
    fs_image_destroy(fr);
}

/* smooth test image */
static fs_image *smooth_image(int w, int h) {
    fs_image *im = fs_image_create(w, h, NULL);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *p = fs_image_px(im, x, y);
            p[0] = (uint8_t)lrint(127.5 + 100 * sin(x * 0.05) * cos(y * 0.04));
            p[1] = (uint8_t)lrint(127.5 + 90 * sin(x * 0.03 + y * 0.02));
            p[2] = (uint8_t)lrint(127.5 + 80 * cos(x * 0.045 - y * 0.035));
        }
    return im;
}

static void test_roundtrip_and_paste(void) {
    fs_err err;
    fs_image *fr = smooth_image(320, 240);
    float lm[68][2];
    make_landmarks(lm, 160, 120, 60, 0.2);
    fs_align_params p;
    fs_align_from_landmarks(lm, 1.0, &p);
    double q[4][2], k[8];
    fs_align_quad(&p, q);
    const int S = 256;
    CHECK(fs_align_coeffs(q, S, k) == FS_OK);
    fs_image *crop = fs_image_create(S, S, &err);
    fs_align_crop(fr, q, crop, 1);
    /* paste the unedited crop back with alpha 1 everywhere: the frame stays close to itself */
    fs_image *out = fs_image_clone(fr, &err);
    uint8_t *changed = calloc(320 * 240, 1);
    long n = fs_paste_crop(out, crop, NULL, k, changed);
    CHECK(n > 10000);
    double psnr = fs_image_psnr(fr, out, changed);
    CHECK_MSG(psnr > 38.0, "crop -> paste round trip PSNR %.2f dB", psnr);
    printf("OK crop->paste round trip PSNR %.2f dB over %ld pasted pixels\n", psnr, n);
    /* an arbitrary (noise) crop pasted through a face mask changes no pixel outside the mask's support */
    uint8_t *fg = malloc(S * S);
    float lmc[68][2];
    fs_align_landmarks_to_crop(k, lm, lmc);
    fs_mask_from_landmarks(fg, S, lmc);
    int inside = 1;
    for (int i = 27; i < 68; i++) { /* interior points (nose, eyes, mouth) */
        int x = (int)lrintf(lmc[i][0]), y = (int)lrintf(lmc[i][1]);
        if (x >= 0 && y >= 0 && x < S && y < S && !fg[y * S + x]) inside = 0;
    }
    CHECK_MSG(inside, "a landmark lies outside its own hull mask");
    float *alpha = malloc(sizeof *alpha * S * S);
    CHECK(fs_mask_paste_alpha(alpha, fg, S, 1, &err) == FS_OK);
    srand(7);
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) {
            uint8_t *c = fs_image_px(crop, x, y);
            c[0] = (uint8_t)rand();
            c[1] = (uint8_t)rand();
            c[2] = (uint8_t)rand();
        }
    fs_image_copy(out, fr);
    uint8_t *support = malloc(320 * 240);
    fs_paste_support(support, 320, 240, S, alpha, k);
    fs_paste_crop(out, crop, alpha, k, NULL);
    long outside_changed = 0, in_support = 0, inside_changed = 0;
    for (int y = 0; y < 240; y++)
        for (int x = 0; x < 320; x++) {
            int diff = memcmp(fs_image_px(out, x, y), fs_image_px(fr, x, y), 3) != 0;
            if (!support[y * 320 + x]) outside_changed += diff;
            else {
                in_support++;
                inside_changed += diff;
            }
        }
    CHECK_MSG(outside_changed == 0, "%ld pixels outside the mask support changed", outside_changed);
    CHECK(in_support > 1000 && inside_changed > in_support / 2);
    printf("OK noise paste: %ld px in the mask support (%ld changed), 0 changed outside\n", in_support, inside_changed);
    free(support);
    free(alpha);
    free(fg);
    free(changed);
    fs_image_destroy(out);
    fs_image_destroy(crop);
    fs_image_destroy(fr);
}

static void test_antialias(void) {
    fs_err err;
    /* 1-px checkerboard minified 4x: the antialiased crop is flat grey, plain bilinear aliases */
    fs_image *fr = fs_image_create(600, 600, &err);
    for (int y = 0; y < 600; y++)
        for (int x = 0; x < 600; x++) memset(fs_image_px(fr, x, y), ((x + y) & 1) ? 255 : 0, 3);
    double q[4][2] = {{40.3, 50.1}, {40.3, 562.1}, {552.3, 562.1}, {552.3, 50.1}}; /* side 512 -> crop 128 */
    fs_image *a = fs_image_create(128, 128, &err), *b = fs_image_create(128, 128, &err);
    fs_align_crop(fr, q, a, 1);
    fs_align_crop(fr, q, b, 0);
    double dev_a = 0, dev_b = 0;
    for (int y = 0; y < 128; y++)
        for (int x = 0; x < 128; x++) {
            dev_a = check_max(dev_a, fabs(fs_image_px(a, x, y)[0] - 127.5));
            dev_b = check_max(dev_b, fabs(fs_image_px(b, x, y)[0] - 127.5));
        }
    CHECK_MSG(dev_a < 20, "antialiased deviation %.1f", dev_a);
    CHECK_MSG(dev_b > 40, "plain bilinear deviation %.1f (expected aliasing)", dev_b);
    printf("OK antialias: max deviation from grey %.1f (antialiased) vs %.1f (plain bilinear)\n", dev_a, dev_b);
    fs_image_destroy(a);
    fs_image_destroy(b);
    fs_image_destroy(fr);
}

static void test_track_smoothing(void) {
    fs_err err;
    /* noisy synthetic track with a gap: smoothed quads jitter far less than raw ones */
    enum { N = 120 };
    fs_face_obs *obs = calloc(N, sizeof *obs);
    int count = 0;
    srand(3);
    for (int f = 0; f < N; f++) {
        if (f >= 50 && f < 55) continue; /* gap of 5 frames */
        obs[count].frame = f;
        make_landmarks(obs[count].lm, 300 + 0.5 * f, 200 + 20 * sin(f * 0.05), 80, 0.05 * sin(f * 0.03));
        for (int i = 0; i < 68; i++)
            for (int d = 0; d < 2; d++) obs[count].lm[i][d] += (float)((rand() / (double)RAND_MAX - 0.5) * 4.0);
        count++;
    }
    fs_align_track_out t;
    CHECK(fs_align_track(obs, count, 1.0, 3.0, &t, &err) == FS_OK);
    CHECK(t.first == 0 && t.n == N);
    CHECK(t.observed[49] && !t.observed[50] && !t.observed[54] && t.observed[55]);
    /* interpolated frames lie between their neighbours */
    CHECK(t.raw[52].c[0] > check_min(t.raw[49].c[0], t.raw[55].c[0]) - 1e-9 &&
          t.raw[52].c[0] < check_max(t.raw[49].c[0], t.raw[55].c[0]) + 1e-9);
    double jr = 0, js = 0;
    for (int f = 1; f < N; f++) {
        double qa[4][2], qb[4][2], sa[4][2], sb[4][2];
        fs_align_quad(&t.raw[f - 1], qa);
        fs_align_quad(&t.raw[f], qb);
        fs_align_quad(&t.smooth[f - 1], sa);
        fs_align_quad(&t.smooth[f], sb);
        for (int i = 0; i < 4; i++) {
            /* second differences remove the true motion; use first differences as in "jitter" */
            jr += hypot(qb[i][0] - qa[i][0], qb[i][1] - qa[i][1]);
            js += hypot(sb[i][0] - sa[i][0], sb[i][1] - sa[i][1]);
        }
    }
    CHECK_MSG(js < 0.5 * jr, "smoothed jitter %.2f vs raw %.2f", js, jr);
    printf("OK jitter (mean corner motion per frame): raw %.3f px, smoothed %.3f px\n", jr / (4 * (N - 1)),
           js / (4 * (N - 1)));
    /* the smoothing equals fs_gaussian_filter1d on each component */
    double cx[N];
    for (int f = 0; f < N; f++) cx[f] = t.raw[f].c[0];
    fs_gaussian_filter1d(cx, cx, N, 1, 1.0, &err);
    CHECK_CLOSE(t.smooth[37].c[0], cx[37], 1e-9);
    fs_align_track_free(&t);
    /* non-increasing frames are refused */
    obs[1].frame = obs[0].frame;
    CHECK(fs_align_track(obs, count, 1.0, 3.0, &t, &err) != FS_OK);
    free(obs);
}

static void test_morphology(void) {
    fs_err err;
    enum { S = 37 };
    uint8_t in[S * S], a[S * S], b[S * S];
    srand(11);
    for (int i = 0; i < S * S; i++) in[i] = (rand() % 13) == 0;
    for (int r = 1; r <= 5; r += 2) {
        CHECK(fs_mask_dilate(a, in, S, r, &err) == FS_OK);
        CHECK(fs_mask_erode(b, in, S, r, &err) == FS_OK);
        int ok = 1;
        for (int y = 0; y < S; y++)
            for (int x = 0; x < S; x++) {
                int mx = 0, mn = 1;
                for (int dy = -r; dy <= r; dy++)
                    for (int dx = -r; dx <= r; dx++) {
                        int xx = x + dx, yy = y + dy;
                        int v = (xx < 0 || yy < 0 || xx >= S || yy >= S) ? -1 : in[yy * S + xx];
                        if (v > mx) mx = v;
                        if (v < 1) mn = v < 0 ? 0 : (v < mn ? v : mn);
                    }
                if (a[y * S + x] != mx || b[y * S + x] != mn) ok = 0;
            }
        CHECK_MSG(ok, "dilate/erode radius %d differ from brute force", r);
    }
    /* labels: classes 0,16,18 are background */
    uint8_t lab[4] = {0, 1, 16, 17}, fg[16];
    fs_mask_from_labels(fg, 4, lab, 2, 2);
    CHECK(fg[0] == 0 && fg[3] == 1 && fg[8] == 0 && fg[15] == 1);
}

int main(void) {
    test_gaussian();
    test_from_landmarks();
    test_coeffs_and_crop();
    test_roundtrip_and_paste();
    test_antialias();
    test_track_smoothing();
    test_morphology();
    return check_finish();
}
