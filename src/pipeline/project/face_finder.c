/* face_finder.c — face-api's SSD detector and 68-point CNN behind the tracker's detector hook
 * (face_finder.h). */
#include "pipeline/project/face_finder.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "models/faceapi_landmarks.h"
#include "models/faceapi_ssd.h"
#include "registry/registry.h"

struct fs_face_finder {
    fs_fa_ssd *ssd;
    fs_fa_landmarks *lm68;
    fs_face_detector hook;
};

static int manifest_path(const char *net, char *buf, size_t n, fs_err *err) {
    char dir[3000];
    if (fs_registry_face_api_dir(dir, sizeof dir, err)) return FS_ERR;
    snprintf(buf, n, "%s/%s-weights_manifest.json", dir, net);
    return FS_OK;
}

const char *fs_face_finder_resolve_detector(const char *name) {
    if (name && name[0] && strcmp(name, "auto")) return name;
    char path[3200];
    fs_err e = {0};
    if (manifest_path("ssd_mobilenetv1_model", path, sizeof path, &e) == FS_OK) {
        FILE *f = fopen(path, "rb");
        if (f) {
            fclose(f);
            return "ssd";
        }
    }
    return "haar";
}

static int ssd_detect(void *ctx, const fs_image *frame, float (*boxes)[4], int max, int *n, fs_err *err) {
    fs_face_finder *ff = ctx;
    fs_fa_box b[FS_FA_SSD_MAX_RESULTS];
    if (max > FS_FA_SSD_MAX_RESULTS) max = FS_FA_SSD_MAX_RESULTS;
    if (fs_fa_ssd_detect(ff->ssd, frame->rgb, frame->stride, frame->w, frame->h, 0.5f, max, b, n, err))
        return FS_ERR;
    for (int i = 0; i < *n; i++) {
        boxes[i][0] = (float)b[i].x;
        boxes[i][1] = (float)b[i].y;
        boxes[i][2] = (float)(b[i].x + b[i].w);
        boxes[i][3] = (float)(b[i].y + b[i].h);
    }
    return FS_OK;
}

/* The CNN runs on the SSD-like box the predictor box implies (the calibration inverted), as
 * face-api's withFaceLandmarks runs it on the detection. */
static int cnn_landmarks(void *ctx, const fs_image *frame, const float box[4], float *lm, fs_err *err) {
    fs_face_finder *ff = ctx;
    float side = (box[2] - box[0]) / FS_SSD_BOX_SCALE;
    float cx = (box[0] + box[2]) / 2 - FS_SSD_BOX_DX * side, cy = (box[1] + box[3]) / 2 - FS_SSD_BOX_DY * side;
    int x0 = (int)floorf(cx - side / 2), y0 = (int)floorf(cy - side / 2);
    int x1 = (int)floorf(cx + side / 2), y1 = (int)floorf(cy + side / 2);
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > frame->w) x1 = frame->w;
    if (y1 > frame->h) y1 = frame->h;
    if (x1 - x0 < 2 || y1 - y0 < 2) return FS_OK; /* off the frame: keep dlib's points */
    float pts[136];
    if (fs_fa_landmarks_run(ff->lm68, frame->rgb, frame->stride, x0, y0, x1 - x0, y1 - y0, pts, err)) return FS_ERR;
    for (int i = 0; i < 68; i++) {
        lm[2 * i] = pts[2 * i] + (float)x0;
        lm[2 * i + 1] = pts[2 * i + 1] + (float)y0;
    }
    return FS_OK;
}

int fs_face_finder_create(const char *detector, const char *landmarks, fs_face_finder **out, fs_err *err) {
    *out = NULL;
    int ssd = !strcmp(detector, "ssd"), cnn = !strcmp(landmarks, "cnn");
    if (!ssd && strcmp(detector, "haar")) return fs_errorf(err, "detector: %s is not ssd or haar", detector);
    if (!cnn && strcmp(landmarks, "dlib")) return fs_errorf(err, "landmarks: %s is not dlib or cnn", landmarks);
    fs_face_finder *ff = calloc(1, sizeof *ff);
    if (!ff) return fs_errorf(err, "out of memory");
    char path[3200];
    if (ssd && (manifest_path("ssd_mobilenetv1_model", path, sizeof path, err) || fs_fa_ssd_load(path, &ff->ssd, err)))
        goto fail;
    if (cnn && (manifest_path("face_landmark_68_model", path, sizeof path, err) ||
                fs_fa_landmarks_load(path, &ff->lm68, err)))
        goto fail;
    ff->hook.name = ssd ? "ssd" : "haar";
    ff->hook.detect = ssd ? ssd_detect : NULL;
    ff->hook.landmarks = cnn ? cnn_landmarks : NULL;
    ff->hook.ctx = ff;
    ff->hook.box_scale = FS_SSD_BOX_SCALE;
    ff->hook.box_dx = FS_SSD_BOX_DX;
    ff->hook.box_dy = FS_SSD_BOX_DY;
    fs_info("faces: detector %s, landmarks %s", ssd ? "ssd (face-api)" : "haar", cnn ? "cnn (face-api)" : "dlib");
    *out = ff;
    return FS_OK;
fail:
    if (ssd || cnn) fs_err_prefix(err, "face-api networks (scripts/fetch-face-api)");
    fs_face_finder_destroy(ff);
    return FS_ERR;
}

const fs_face_detector *fs_face_finder_hook(const fs_face_finder *ff) {
    return ff && (ff->hook.detect || ff->hook.landmarks) ? &ff->hook : NULL;
}

void fs_face_finder_destroy(fs_face_finder *ff) {
    if (!ff) return;
    fs_fa_ssd_destroy(ff->ssd);
    fs_fa_landmarks_destroy(ff->lm68);
    free(ff);
}
