/* test_image_io.c — PNG round trip, JPEG + EXIF orientation, the 8 orientations, float conversion,
 * bilinear sampling convention, hostile files give errors naming the file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "image/image.h"
#include "image/image_ops.h"

static fs_image *pattern(int w, int h) {
    fs_image *im = fs_image_create(w, h, NULL);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *p = fs_image_px(im, x, y);
            p[0] = (uint8_t)(x * 7 + y);
            p[1] = (uint8_t)(y * 5);
            p[2] = (uint8_t)(x ^ y);
        }
    return im;
}

int main(void) {
    fs_err err = {0};
    char dir[] = "/tmp/fs_test_image_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[512];
    /* PNG round trip, both speeds */
    fs_image *a = pattern(37, 23), *b = NULL;
    for (int fast = 0; fast < 2; fast++) {
        snprintf(path, sizeof path, "%s/a%d.png", dir, fast);
        CHECK(fs_image_save_png_level(a, path, fast, &err) == FS_OK);
        CHECK(fs_image_load(path, &b, &err) == FS_OK);
        CHECK(b && b->w == 37 && b->h == 23 && fs_image_psnr(a, b, NULL) == INFINITY);
        fs_image_destroy(b);
        b = NULL;
        unlink(path);
    }
    /* a view with a wider stride saves the same pixels */
    uint8_t *buf = calloc(40 * 3 * 23, 1);
    fs_image v = fs_image_view(buf, 37, 23, 40 * 3);
    fs_image_copy(&v, a);
    snprintf(path, sizeof path, "%s/v.png", dir);
    CHECK(fs_image_save_png(&v, path, &err) == FS_OK);
    CHECK(fs_image_load(path, &b, &err) == FS_OK && fs_image_psnr(a, b, NULL) == INFINITY);
    fs_image_destroy(b);
    unlink(path);
    free(buf);
    /* clone is deep */
    fs_image *c = fs_image_clone(a, &err);
    c->rgb[0] ^= 1;
    CHECK(a->rgb[0] != c->rgb[0]);
    fs_image_destroy(c);

    /* the 8 EXIF orientations on a 3x2 image: where does source pixel (0,0) land? */
    static const int want_pos[9][2] = {{0, 0}, {0, 0}, {2, 0}, {2, 1}, {0, 1}, {0, 0}, {1, 0}, {1, 2}, {0, 2}};
    fs_image *s = fs_image_create(3, 2, &err);
    fs_image_px(s, 0, 0)[0] = 200;
    for (int o = 1; o <= 8; o++) {
        fs_image *r = fs_image_orient(s, o, &err);
        CHECK(r->w == (o >= 5 ? 2 : 3) && r->h == (o >= 5 ? 3 : 2));
        CHECK_MSG(fs_image_px(r, want_pos[o][0], want_pos[o][1])[0] == 200, "orientation %d", o);
        fs_image_destroy(r);
    }
    fs_image_destroy(s);
    /* EXIF parser on hand-made APP1 payloads */
    const uint8_t le[] = {'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0};
    const uint8_t be[] = {'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0};
    CHECK(fs_exif_orientation(le, sizeof le) == 6);
    CHECK(fs_exif_orientation(be, sizeof be) == 8);
    CHECK(fs_exif_orientation(le, 20) == 1);               /* truncated */
    uint8_t bad[sizeof le];
    memcpy(bad, le, sizeof le);
    bad[10] = 0xff;                                         /* IFD offset far away */
    CHECK(fs_exif_orientation(bad, sizeof bad) == 1);

    /* float conversion: every 8-bit value survives the round trip */
    fs_image *g = fs_image_create(256, 1, &err);
    for (int x = 0; x < 256; x++) memset(fs_image_px(g, x, 0), x, 3);
    float *t = malloc(sizeof *t * 3 * 256);
    fs_image_to_float(g, t);
    CHECK_CLOSE(t[0], -1.0, 1e-7);
    CHECK_CLOSE(t[255], 1.0, 1e-7);
    fs_image *g2 = fs_image_create(256, 1, &err);
    fs_image_from_float(g2, t);
    CHECK(fs_image_psnr(g, g2, NULL) == INFINITY);
    t[3] = 7.0f;
    t[4] = -3.0f;
    t[5] = NAN;
    fs_image_from_float(g2, t);
    CHECK(fs_image_px(g2, 3, 0)[0] == 255 && fs_image_px(g2, 4, 0)[0] == 0 && fs_image_px(g2, 5, 0)[0] == 0);
    free(t);
    fs_image_destroy(g);
    fs_image_destroy(g2);

    /* bilinear sampling: pixel centres are integers; outside [−0.5, w−0.5) is not sampled */
    float px[3];
    CHECK(fs_image_sample_bilinear(a, 3.0, 4.0, px) && px[0] == fs_image_px(a, 3, 4)[0]);
    CHECK(fs_image_sample_bilinear(a, 3.5, 4.0, px));
    CHECK_CLOSE(px[0], 0.5 * (fs_image_px(a, 3, 4)[0] + fs_image_px(a, 4, 4)[0]), 1e-4);
    CHECK(fs_image_sample_bilinear(a, -0.5, 0, px) == 1 && fs_image_sample_bilinear(a, -0.51, 0, px) == 0);
    CHECK(fs_image_sample_bilinear(a, 36.49, 22.49, px) == 1 && fs_image_sample_bilinear(a, 36.5, 0, px) == 0);

    /* drawing is clipped */
    fs_draw_line(a, -100, -100, 1000, 1000, (const uint8_t[3]){1, 2, 3});
    fs_draw_rect(a, -5, -5, 50, 50, (const uint8_t[3]){1, 2, 3});
    fs_draw_point(a, 1e9, NAN, 3, (const uint8_t[3]){1, 2, 3});
    CHECK(fs_image_px(a, 10, 10)[2] == 3);

    /* hostile inputs: an error naming the file, outputs untouched */
    static const char *hostile[] = {"", "\x89PNG\r\n\x1a\n", "\x89PNG\r\n\x1a\nIHDRgarbage", "\xff\xd8\xff", "\xff\xd8\xff\xe0\x00\x10JFIF", "hello"};
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        snprintf(path, sizeof path, "%s/h%zu.png", dir, i);
        FILE *fp = fopen(path, "wb");
        fwrite(hostile[i], 1, strlen(hostile[i]), fp);
        fclose(fp);
        fs_image *o = (fs_image *)(uintptr_t)1;
        CHECK(fs_image_load(path, &o, &err) != FS_OK);
        CHECK(o == (fs_image *)(uintptr_t)1);
        CHECK_MSG(strstr(err.msg, path) != NULL, "%s", err.msg);
        unlink(path);
    }
    CHECK(fs_image_load("/nonexistent/x.png", &b, &err) != FS_OK && strstr(err.msg, "/nonexistent/x.png"));
    /* truncated real JPEG and PNG */
    const char *jpg = test_shared_path("media/photo_meds_mugshot_frontal.jpg");
    unsigned char *data = NULL;
    FILE *fp = fopen(jpg, "rb");
    data = malloc(40000);
    size_t n = fread(data, 1, 40000, fp);
    fclose(fp);
    snprintf(path, sizeof path, "%s/trunc.jpg", dir);
    fp = fopen(path, "wb");
    fwrite(data, 1, n / 3, fp);
    fclose(fp);
    fs_image *tj = NULL;
    int rc = fs_image_load(path, &tj, &err); /* libjpeg pads a truncated scan: either an error or a full image */
    CHECK(rc != FS_OK || (tj && tj->w == 480 && tj->h == 600));
    fs_image_destroy(tj);
    unlink(path);
    free(data);
    /* real photos: JPEG size, EXIF orientation 5 shows upright like the plain copy */
    fs_image *up = NULL, *ex = NULL, *png = NULL;
    CHECK(fs_image_load(jpg, &up, &err) == FS_OK && up->w == 480 && up->h == 600);
    CHECK(fs_image_load(test_shared_path("media/photo_meds_mugshot_exif_orientation5.jpg"), &ex, &err) == FS_OK);
    CHECK(ex && ex->w == 480 && ex->h == 600);
    if (up && ex && ex->w == up->w && ex->h == up->h) {
        double p = fs_image_psnr(up, ex, NULL);
        CHECK_MSG(p > 25.0, "EXIF-rotated photo PSNR vs upright %.2f", p);
        printf("OK EXIF orientation 5: PSNR vs the upright copy %.2f dB\n", p);
    }
    CHECK(fs_image_load(test_shared_path("media/photo_astronaut_collins_512x512.png"), &png, &err) == FS_OK);
    CHECK(png && png->w == 512 && png->h == 512);
    fs_image_destroy(up);
    fs_image_destroy(ex);
    fs_image_destroy(png);
    fs_image_destroy(a);
    rmdir(dir);
    return check_finish();
}
