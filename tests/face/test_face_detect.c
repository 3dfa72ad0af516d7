/* test_face_detect.c — Haar detection on real photos (Debian opencv-data cascades + ../shared/media). */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "core/log.h"
#include "face/detect.h"

static const char *cascade_path(const char *file) {
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", FS_HAAR_DIR, file);
    if (access(buf, R_OK) != 0) test_skip("Debian opencv-data is not installed (scripts/install-deps)");
    return buf;
}

static int detect_file(const fs_haar_cascade *c, const char *media, fs_detection **d, double *ms) {
    fs_err err = {0};
    fs_image *im = NULL;
    const char *p = test_shared_path(media);
    if (fs_image_load(p, &im, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    fs_gray g;
    CHECK(fs_gray_from_image(im, &g, &err) == FS_OK);
    fs_detect_opts o;
    fs_detect_opts_default(&o);
    o.threads = 1;
    int n = 0;
    double t0 = fs_now_seconds();
    CHECK(fs_haar_detect(c, &g, &o, d, &n, &err) == FS_OK);
    *ms = (fs_now_seconds() - t0) * 1e3;
    printf("%-48s %dx%d: %d detections (%.1f ms)", media, im->w, im->h, n, *ms);
    for (int i = 0; i < n; i++)
        printf(" [%.0f %.0f %.0f %.0f n=%d]", (*d)[i].x0, (*d)[i].y0, (*d)[i].x1 - (*d)[i].x0, (*d)[i].y1 - (*d)[i].y0,
               (*d)[i].neighbors);
    printf("\n");
    fs_gray_free(&g);
    fs_image_destroy(im);
    return n;
}

int main(void) {
    fs_err err = {0};
    fs_haar_cascade *c = NULL;
    if (fs_haar_cascade_load(cascade_path("haarcascade_frontalface_alt2.xml"), &c, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    fs_detection *d = NULL;
    double ms, total = 0;
    int n = detect_file(c, "media/photo_meds_mugshot_frontal.jpg", &d, &ms);
    total += ms;
    CHECK(n == 1);
    if (n >= 1) { /* face ~250 px in a 480x600 mugshot, roughly centred */
        float w = d[0].x1 - d[0].x0, cx = (d[0].x0 + d[0].x1) / 2, cy = (d[0].y0 + d[0].y1) / 2;
        CHECK_MSG(w > 180 && w < 360, "width %.0f", w);
        CHECK_MSG(cx > 160 && cx < 320, "centre x %.0f", cx);
        CHECK_MSG(cy > 200 && cy < 450, "centre y %.0f", cy);
    }
    free(d);
    n = detect_file(c, "media/photo_kpa_two_faces_800x600.jpg", &d, &ms);
    total += ms;
    int big = 0;
    for (int i = 0; i < n; i++) big += d[i].neighbors >= 10 && d[i].x1 - d[i].x0 > 100;
    CHECK_MSG(big == 2, "%d strong faces", big); /* the two faces (~140 px); a weak hit on a hand may join */
    CHECK(n <= 3);
    free(d);
    n = detect_file(c, "media/photo_kpa_rabbit_no_human_face_800x551.jpg", &d, &ms);
    total += ms;
    CHECK(n <= 1);
    free(d);
    n = detect_file(c, "media/photo_grace_hopper_512x600.jpg", &d, &ms);
    total += ms;
    CHECK(n == 1);
    free(d);
    n = detect_file(c, "media/photo_astronaut_collins_512x512.png", &d, &ms);
    total += ms;
    CHECK(n == 1);
    free(d);
    printf("total detection time %.0f ms (one thread, full resolution)\n", total);
    fs_haar_cascade_destroy(c);

    /* the other Debian cascades load and find the mugshot too (profile: mirrored or not, may miss) */
    if (fs_haar_cascade_load(cascade_path("haarcascade_frontalface_default.xml"), &c, &err) == FS_OK) {
        n = detect_file(c, "media/photo_meds_mugshot_frontal.jpg", &d, &ms);
        CHECK(n == 1);
        free(d);
        fs_haar_cascade_destroy(c);
    } else {
        CHECK_MSG(0, "%s", err.msg);
    }
    return check_finish();
}
