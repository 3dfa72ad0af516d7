/* face_calibrate.c — re-measures the Haar -> predictor box calibration used by track.c
 * (HAAR_SCALE, HAAR_DY). Not a test: a tool, run by hand over any photos / extracted frames:
 *   build/tests/face/face_calibrate [--cascade XML] IMAGE...
 * For every Haar detection (minNeighbors 5) it iterates  box -> landmarks -> mean-shape box
 * (fs_shape_box_from_landmarks) to its fixed point and prints the mean and spread of the fixed
 * point's side and centre relative to the Haar box, and how far landmarks predicted from
 * (a) the raw Haar box and (b) the calibrated box + one refinement are from the fixed point,
 * as a fraction of the inter-ocular distance. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "face/detect.h"
#include "face/shape_predictor.h"

static double nonneg(double v) { return v > 0 ? v : 0; }

static double iod(const float *lm) {
    double lx = 0, ly = 0, rx = 0, ry = 0;
    for (int i = 36; i < 42; i++) {
        lx += lm[2 * i] / 6;
        ly += lm[2 * i + 1] / 6;
    }
    for (int i = 42; i < 48; i++) {
        rx += lm[2 * i] / 6;
        ry += lm[2 * i + 1] / 6;
    }
    return hypot(rx - lx, ry - ly);
}

static double dist(const float *a, const float *b) {
    double s = 0;
    for (int i = 0; i < 68; i++) s += hypot(a[2 * i] - b[2 * i], a[2 * i + 1] - b[2 * i + 1]);
    return s / 68 / iod(b);
}

int main(int argc, char **argv) {
    const char *cpath = FS_HAAR_DIR "/haarcascade_frontalface_alt2.xml";
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--cascade") == 0) {
        cpath = argv[2];
        first = 3;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: face_calibrate [--cascade XML] IMAGE...\n");
        return 2;
    }
    fs_err err = {0};
    fs_shape_predictor *sp = NULL;
    fs_haar_cascade *c = NULL;
    if (fs_shape_predictor_load(FS_SHAPE_PREDICTOR_68, &sp, &err) || fs_haar_cascade_load(cpath, &c, &err)) {
        fprintf(stderr, "face_calibrate: %s\n", err.msg);
        return 1;
    }
    double S = 0, X = 0, Y = 0, S2 = 0, X2 = 0, Y2 = 0, eraw = 0, ecal = 0;
    int n = 0;
    for (int a = first; a < argc; a++) {
        fs_image *im = NULL;
        if (fs_image_load(argv[a], &im, &err)) {
            fprintf(stderr, "face_calibrate: %s\n", err.msg);
            continue;
        }
        fs_gray g;
        if (fs_gray_from_image(im, &g, &err)) return 1;
        fs_detect_opts o;
        fs_detect_opts_default(&o);
        o.min_neighbors = 5;
        fs_detection *d = NULL;
        int nd = 0;
        if (fs_haar_detect(c, &g, &o, &d, &nd, &err)) return 1;
        for (int i = 0; i < nd; i++) {
            float hb[4] = {d[i].x0, d[i].y0, d[i].x1, d[i].y1}, raw[136], fp[136], fb[4], cal[136];
            fs_shape_predict(sp, im, hb, raw);
            memcpy(fp, raw, sizeof fp);
            for (int it = 0; it < 6; it++) {
                fs_shape_box_from_landmarks(sp, fp, fb);
                fs_shape_predict(sp, im, fb, fp);
            }
            fs_shape_box_from_landmarks(sp, fp, fb);
            double w = hb[2] - hb[0], s = (fb[2] - fb[0]) / w, dx = ((fb[0] + fb[2]) - (hb[0] + hb[2])) / 2 / w,
                   dy = ((fb[1] + fb[3]) - (hb[1] + hb[3])) / 2 / w;
            S += s, X += dx, Y += dy, S2 += s * s, X2 += dx * dx, Y2 += dy * dy;
            /* calibrated box (track.c constants) + one refinement */
            double cx = (hb[0] + hb[2]) / 2, cy = (hb[1] + hb[3]) / 2 + 0.07 * w, h = 0.91 * w / 2;
            float cb[4] = {(float)(cx - h), (float)(cy - h), (float)(cx + h), (float)(cy + h)}, rb[4];
            fs_shape_predict(sp, im, cb, cal);
            fs_shape_box_from_landmarks(sp, cal, rb);
            fs_shape_predict(sp, im, rb, cal);
            eraw += dist(raw, fp);
            ecal += dist(cal, fp);
            n++;
        }
        free(d);
        fs_gray_free(&g);
        fs_image_destroy(im);
    }
    if (!n) {
        printf("no faces found\n");
        return 1;
    }
    printf("%d faces: fixed-point box vs Haar box: side %.4f +- %.4f, centre dx %.4f +- %.4f, dy %.4f +- %.4f\n", n,
           S / n, sqrt(nonneg(S2 / n - S * S / n / n)), X / n, sqrt(nonneg(X2 / n - X * X / n / n)), Y / n,
           sqrt(nonneg(Y2 / n - Y * Y / n / n)));
    printf("landmark distance to the fixed point (fraction of IOD): raw Haar box %.4f, calibrated + 1 refinement %.4f\n",
           eraw / n, ecal / n);
    fs_haar_cascade_destroy(c);
    fs_shape_predictor_destroy(sp);
    return 0;
}
