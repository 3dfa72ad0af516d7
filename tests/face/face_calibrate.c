/* face_calibrate.c — re-measures the Haar -> predictor box calibration used by track.c
 * (HAAR_SCALE, HAAR_DY). Not a test: a tool, run by hand over any photos / extracted frames:
 *   build/tests/face/face_calibrate [--cascade XML] IMAGE...
 * For every Haar detection (minNeighbors 5) it iterates  box -> landmarks -> mean-shape box
 * (fs_shape_box_from_landmarks) to its fixed point and prints the mean and spread of the fixed
 * point's side and centre relative to the Haar box, and how far landmarks predicted from
 * (a) the raw Haar box and (b) the calibrated box + one refinement are from the fixed point,
 * as a fraction of the inter-ocular distance.
 *   --ssd MANIFEST   face-api's SSD boxes instead (ssd_mobilenetv1_model-weights_manifest.json):
 *                    the fit of FS_SSD_BOX_* in src/pipeline/project/face_finder.h (docs/faces.md)
 *   --box S DX DY    the calibration checked in (b) (default Haar's: 0.91 0 0.07)
 * Sizes and offsets are in units of sqrt(w h) of the detector box (the side, for square Haar boxes). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "face/detect.h"
#include "face/shape_predictor.h"
#include "models/faceapi_ssd.h"

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

/* Detector boxes x0, y0, x1, y1 of one image (Haar minNeighbors 5, or the SSD at 0.5); *n found. */
static int detect(const fs_haar_cascade *c, const fs_fa_ssd *ssd, const fs_image *im, float (*b)[4], int max, int *n,
                  fs_err *err) {
    *n = 0;
    if (ssd) {
        fs_fa_box fb[FS_FA_SSD_MAX_RESULTS];
        if (fs_fa_ssd_detect(ssd, im->rgb, im->stride, im->w, im->h, 0.5f, max, fb, n, err)) return FS_ERR;
        for (int i = 0; i < *n; i++) {
            b[i][0] = (float)fb[i].x, b[i][1] = (float)fb[i].y;
            b[i][2] = (float)(fb[i].x + fb[i].w), b[i][3] = (float)(fb[i].y + fb[i].h);
        }
        return FS_OK;
    }
    fs_gray g;
    if (fs_gray_from_image(im, &g, err)) return FS_ERR;
    fs_detect_opts o;
    fs_detect_opts_default(&o);
    o.min_neighbors = 5;
    fs_detection *d = NULL;
    int nd = 0, rc = fs_haar_detect(c, &g, &o, &d, &nd, err);
    for (int i = 0; i < nd && i < max; i++) {
        b[i][0] = d[i].x0, b[i][1] = d[i].y0, b[i][2] = d[i].x1, b[i][3] = d[i].y1;
        (*n)++;
    }
    free(d);
    fs_gray_free(&g);
    return rc;
}

int main(int argc, char **argv) {
    const char *cpath = FS_HAAR_DIR "/haarcascade_frontalface_alt2.xml", *ssd_path = NULL;
    double cs = 0.91, cdx = 0, cdy = 0.07;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (!strcmp(argv[first], "--cascade") && first + 1 < argc) cpath = argv[++first];
        else if (!strcmp(argv[first], "--ssd") && first + 1 < argc) ssd_path = argv[++first];
        else if (!strcmp(argv[first], "--box") && first + 3 < argc) {
            cs = atof(argv[first + 1]), cdx = atof(argv[first + 2]), cdy = atof(argv[first + 3]);
            first += 3;
        } else break;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: face_calibrate [--cascade XML | --ssd MANIFEST] [--box S DX DY] IMAGE...\n");
        return 2;
    }
    fs_err err = {0};
    fs_shape_predictor *sp = NULL;
    fs_haar_cascade *c = NULL;
    fs_fa_ssd *ssd = NULL;
    if (fs_shape_predictor_load(FS_SHAPE_PREDICTOR_68, &sp, &err) ||
        (ssd_path ? fs_fa_ssd_load(ssd_path, &ssd, &err) : fs_haar_cascade_load(cpath, &c, &err))) {
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
        float boxes[100][4];
        int nd = 0;
        if (detect(c, ssd, im, boxes, 100, &nd, &err)) return 1;
        for (int i = 0; i < nd; i++) {
            float *hb = boxes[i], raw[136], fp[136], fb[4], cal[136];
            double w = sqrt((double)(hb[2] - hb[0]) * (hb[3] - hb[1]));
            if (w < 40) continue; /* the predictor is unreliable on tiny faces */
            fs_shape_predict(sp, im, hb, raw);
            memcpy(fp, raw, sizeof fp);
            for (int it = 0; it < 6; it++) {
                fs_shape_box_from_landmarks(sp, fp, fb);
                fs_shape_predict(sp, im, fb, fp);
            }
            fs_shape_box_from_landmarks(sp, fp, fb);
            double s = (fb[2] - fb[0]) / w, dx = ((fb[0] + fb[2]) - (hb[0] + hb[2])) / 2 / w,
                   dy = ((fb[1] + fb[3]) - (hb[1] + hb[3])) / 2 / w;
            S += s, X += dx, Y += dy, S2 += s * s, X2 += dx * dx, Y2 += dy * dy;
            /* calibrated box (--box) + one refinement */
            double cx = (hb[0] + hb[2]) / 2 + cdx * w, cy = (hb[1] + hb[3]) / 2 + cdy * w, h = cs * w / 2;
            float cb[4] = {(float)(cx - h), (float)(cy - h), (float)(cx + h), (float)(cy + h)}, rb[4];
            fs_shape_predict(sp, im, cb, cal);
            fs_shape_box_from_landmarks(sp, cal, rb);
            fs_shape_predict(sp, im, rb, cal);
            eraw += dist(raw, fp);
            ecal += dist(cal, fp);
            n++;
        }
        fs_image_destroy(im);
    }
    if (!n) {
        printf("no faces found\n");
        return 1;
    }
    printf("%d faces: fixed-point box vs %s box: side %.4f +- %.4f, centre dx %.4f +- %.4f, dy %.4f +- %.4f\n", n,
           ssd ? "SSD" : "Haar", S / n, sqrt(nonneg(S2 / n - S * S / n / n)), X / n,
           sqrt(nonneg(X2 / n - X * X / n / n)), Y / n, sqrt(nonneg(Y2 / n - Y * Y / n / n)));
    printf("landmark distance to the fixed point (fraction of IOD): raw box %.4f, calibrated (%.3g %.3g %.3g) + 1 "
           "refinement %.4f\n",
           eraw / n, cs, cdx, cdy, ecal / n);
    fs_haar_cascade_destroy(c);
    fs_fa_ssd_destroy(ssd);
    fs_shape_predictor_destroy(sp);
    return 0;
}
