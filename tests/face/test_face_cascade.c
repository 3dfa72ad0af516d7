/* test_face_cascade.c — cascade XML reader (valid, real and hostile files), integral images
 * against brute force, a hand-made cascade evaluated on a synthetic image, groupRectangles. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/fileio.h"
#include "face/cascade.h"
#include "face/cascade_xml.h"
#include "face/detect.h"

/* One stage, one stump on a two-rectangle feature (left half - right half), 4x4 window. */
static const char *tiny_xml =
    "<?xml version=\"1.0\"?>\n<!-- a comment -->\n<opencv_storage>\n"
    "<cascade type_id=\"opencv-cascade-classifier\"><stageType>BOOST</stageType>\n"
    "  <featureType>HAAR</featureType><height>4</height><width>4</width>\n"
    "  <stageParams><maxWeakCount>1</maxWeakCount></stageParams>\n"
    "  <featureParams><maxCatCount>0</maxCatCount></featureParams>\n"
    "  <stageNum>1</stageNum>\n"
    "  <stages><_><maxWeakCount>1</maxWeakCount><stageThreshold>0.5</stageThreshold>\n"
    "    <weakClassifiers><_><internalNodes>0 -1 0 0.1</internalNodes>\n"
    "      <leafValues>-1. 1.</leafValues></_></weakClassifiers></_></stages>\n"
    "  <features><_><rects><_>0 0 2 4 1.</_><_>2 0 2 4 -1.</_></rects></_></features>\n"
    "</cascade>\n</opencv_storage>\n";

static int parse_str(const char *xml, fs_haar_cascade **c, fs_err *err) {
    return fs_haar_cascade_parse(xml, strlen(xml), "test.xml", c, err);
}

static char *replace(const char *s, const char *from, const char *to) {
    const char *p = strstr(s, from);
    if (!p) {
        fprintf(stderr, "test bug: '%s' not in template\n", from);
        exit(1);
    }
    size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
    char *r = malloc(n);
    memcpy(r, s, (size_t)(p - s));
    strcpy(r + (p - s), to);
    strcat(r, p + strlen(from));
    return r;
}

static void expect_fail(const char *what, const char *xml, const char *msg_part) {
    fs_err err = {0};
    fs_haar_cascade *c = NULL;
    int rc = parse_str(xml, &c, &err);
    CHECK_MSG(rc != FS_OK && c == NULL, "%s: accepted", what);
    CHECK_MSG(strstr(err.msg, "test.xml") != NULL, "%s: message '%s' does not name the file", what, err.msg);
    if (msg_part) CHECK_MSG(strstr(err.msg, msg_part) != NULL, "%s: message '%s' lacks '%s'", what, err.msg, msg_part);
    printf("  refused %-28s: %s\n", what, err.msg);
    fs_haar_cascade_destroy(c);
}

static void test_tiny(void) {
    fs_err err = {0};
    fs_haar_cascade *c = NULL;
    CHECK(parse_str(tiny_xml, &c, &err) == FS_OK);
    if (!c) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK(c->win_w == 4 && c->win_h == 4 && c->nstages == 1 && c->ntrees == 1 && c->nfeatures == 1);
    CHECK(c->features[0].nrects == 2 && c->features[0].r[1].x == 2 && c->features[0].r[1].weight == -1.f);
    CHECK_CLOSE(c->stages[0].threshold, 0.5 - 1e-5, 1e-7);
    /* 8x4 image: left 4x4 block bright-left/dark-right (passes), right block inverted (fails) */
    uint8_t img[4 * 8];
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 8; x++) img[y * 8 + x] = (x < 2 || (x >= 6)) ? 200 : 20;
    uint32_t sum[5 * 9], sq[5 * 9];
    fs_integral(img, 8, 4, sum, sq);
    /* window 0: left half 200, right half 20 -> feature (8*200 - 8*20) / nf > 0.1 -> leaf 1 >= 0.5 */
    CHECK(fs_haar_eval_window(c, sum, sq, NULL, 9, 0, 0) == 1);
    /* window at x=4: left 20, right 200 -> negative -> leaf -1 */
    CHECK(fs_haar_eval_window(c, sum, sq, NULL, 9, 4, 0) == 0);
    /* a flat window (std dev <= 10) is skipped */
    memset(img, 90, sizeof img);
    fs_integral(img, 8, 4, sum, sq);
    CHECK(fs_haar_eval_window(c, sum, sq, NULL, 9, 0, 0) == 0);
    fs_haar_cascade_destroy(c);
}

static void test_hostile_xml(void) {
    char *s;
    expect_fail("empty", "", "no XML element");
    expect_fail("not xml", "hello world", NULL);
    expect_fail("wrong root", "<foo></foo>", "opencv_storage");
    expect_fail("unclosed", "<opencv_storage><cascade>", "never closed");
    expect_fail("mismatched", "<opencv_storage><a></b></opencv_storage>", "does not match");
    expect_fail("unterminated comment", "<opencv_storage><!-- x", "comment");
    expect_fail("unterminated tag", "<opencv_storage><cascade attr=\"x", NULL);
    char deep[64 * 3 + 200] = "";
    for (int i = 0; i < 70; i++) strcat(deep, "<a>");
    expect_fail("too deep", deep, "deeper");
    size_t half = strlen(tiny_xml) / 2;
    char *trunc = strndup(tiny_xml, half);
    expect_fail("truncated", trunc, NULL);
    free(trunc);
    s = replace(tiny_xml, "0 -1 0 0.1", "0 -1 7 0.1");
    expect_fail("feature index", s, "feature index");
    free(s);
    s = replace(tiny_xml, "0 -1 0 0.1", "0 5 0 0.1");
    expect_fail("child index", s, "child index");
    free(s);
    s = replace(tiny_xml, "0 -1 0 0.1", "0 0 0 0.1");
    CHECK(strstr(s, "0 0 0 0.1") != NULL); /* both children leaf 0 is legal */
    free(s);
    s = replace(tiny_xml, "-1. 1.", "-1.");
    expect_fail("leaf count", s, "leaf values");
    free(s);
    s = replace(tiny_xml, "2 0 2 4 -1.", "3 0 2 4 -1.");
    expect_fail("rect outside", s, "outside");
    free(s);
    s = replace(tiny_xml, "2 0 2 4 -1.", "2 0 2 4 nan");
    expect_fail("nan weight", s, "bad rectangle");
    free(s);
    s = replace(tiny_xml, "<rects><_>0 0 2 4 1.</_>", "<tilted>1</tilted><rects><_>0 0 2 4 1.</_>");
    expect_fail("tilted outside", s, "tilted");
    free(s);
    s = replace(tiny_xml, "<height>4</height>", "<height>99999999999</height>");
    expect_fail("huge window", s, NULL);
    free(s);
    s = replace(tiny_xml, "<stageNum>1</stageNum>", "<stageNum>2</stageNum>");
    expect_fail("stage count", s, "stageNum");
    free(s);
    s = replace(tiny_xml, "HAAR", "LBP");
    expect_fail("LBP", s, "LBP");
    free(s);
    s = replace(tiny_xml, "<stageThreshold>0.5</stageThreshold>", "<stageThreshold>1e999</stageThreshold>");
    expect_fail("inf threshold", s, "stageThreshold");
    free(s);
    s = replace(tiny_xml, "<maxCatCount>0</maxCatCount>", "<maxCatCount>256</maxCatCount>");
    expect_fail("categorical", s, "categorical");
    free(s);
    expect_fail("old format",
                "<opencv_storage><haar type_id=\"opencv-haar-classifier\"><size>20 20</size><stages></stages></haar>"
                "</opencv_storage>",
                "old-format");
}

static void test_integrals(void) {
    enum { W = 13, H = 9 };
    uint8_t img[W * H];
    uint32_t s = 12345;
    for (int i = 0; i < W * H; i++) {
        s = s * 1103515245u + 12345u;
        img[i] = (uint8_t)(s >> 16);
    }
    uint32_t sum[(W + 1) * (H + 1)], sq[(W + 1) * (H + 1)], t[(W + 1) * (H + 1)];
    fs_integral(img, W, H, sum, sq);
    fs_integral_tilted(img, W, H, t);
    int bad = 0, badt = 0;
    for (int Y = 0; Y <= H; Y++)
        for (int X = 0; X <= W; X++) {
            uint64_t a = 0, q = 0, tt = 0;
            for (int y = 0; y < Y; y++)
                for (int x = 0; x < X; x++) {
                    a += img[y * W + x];
                    q += (uint64_t)img[y * W + x] * img[y * W + x];
                }
            for (int y = 0; y < Y; y++)
                for (int x = 0; x < W; x++)
                    if (abs(x - X + 1) <= Y - 1 - y) tt += img[y * W + x];
            if (sum[Y * (W + 1) + X] != (uint32_t)a || sq[Y * (W + 1) + X] != (uint32_t)q) bad++;
            if (t[Y * (W + 1) + X] != (uint32_t)tt) badt++;
        }
    CHECK_MSG(bad == 0, "%d upright integral entries differ from brute force", bad);
    CHECK_MSG(badt == 0, "%d tilted integral entries differ from brute force", badt);
    printf("OK integral + tilted integral == brute force (%dx%d)\n", W, H);
}

static void test_group(void) {
    /* three near-identical boxes + one lone box: threshold 1 keeps the cluster only */
    fs_detection r[4] = {{10, 10, 30, 30, 1}, {11, 10, 31, 30, 1}, {10, 11, 30, 31, 1}, {100, 100, 120, 120, 1}};
    int n = fs_haar_group(r, 4, 1, 0.2f);
    CHECK(n == 1);
    CHECK(r[0].neighbors == 3);
    CHECK_CLOSE(r[0].x0, 31.0 / 3, 1e-4);
    CHECK_CLOSE(r[0].y1, 91.0 / 3, 1e-4);
    /* a weak small cluster inside a strong big one is dropped */
    fs_detection q[8];
    int k = 0;
    for (int i = 0; i < 5; i++) q[k++] = (fs_detection){0, 0, 100 + i, 100, 1};
    for (int i = 0; i < 3; i++) q[k++] = (fs_detection){40, 40, 60 + i, 60, 1};
    n = fs_haar_group(q, k, 2, 0.2f);
    CHECK(n == 1 && q[0].neighbors == 5);
    CHECK(fs_haar_group(q, 1, 0, 0.2f) == 1); /* threshold 0: untouched */
}

static void test_real_files(void) {
    const char *files[] = {"haarcascade_frontalface_default.xml", "haarcascade_frontalface_alt.xml",
                           "haarcascade_frontalface_alt2.xml", "haarcascade_profileface.xml",
                           "haarcascade_smile.xml", "haarcascade_eye.xml"};
    const int want_stages[] = {25, 22, 20, 26, 20, 24};
    char path[512];
    snprintf(path, sizeof path, "%s/%s", FS_HAAR_DIR, files[0]);
    if (access(path, R_OK) != 0) {
        printf("SKIP real cascades: Debian opencv-data not installed\n");
        return;
    }
    for (int i = 0; i < 6; i++) {
        snprintf(path, sizeof path, "%s/%s", FS_HAAR_DIR, files[i]);
        fs_err err = {0};
        fs_haar_cascade *c = NULL;
        int rc = fs_haar_cascade_load(path, &c, &err);
        CHECK_MSG(rc == FS_OK, "%s", err.msg);
        if (rc) continue;
        printf("  %-38s %dx%d, %d stages, %d trees, %d features, depth %d, tilted %d\n", files[i], c->win_w, c->win_h,
               c->nstages, c->ntrees, c->nfeatures, c->max_depth, c->has_tilted);
        CHECK(c->nstages == want_stages[i]);
        if (i == 4) CHECK(c->has_tilted); /* smile uses 45-degree features */
        fs_haar_cascade_destroy(c);
    }
    /* every truncation of a real file is refused cleanly */
    snprintf(path, sizeof path, "%s/%s", FS_HAAR_DIR, files[2]);
    unsigned char *buf;
    size_t len;
    fs_err err = {0};
    CHECK(fs_read_file(path, &buf, &len, &err) == FS_OK);
    int refused = 0, tries = 0;
    for (size_t cut = 1; cut + 32 < len; cut += len / 37 + 1) {
        fs_haar_cascade *c = NULL;
        tries++;
        if (fs_haar_cascade_parse((const char *)buf, cut, "cut.xml", &c, &err) != FS_OK && c == NULL) refused++;
        fs_haar_cascade_destroy(c);
    }
    CHECK_MSG(refused == tries, "%d of %d truncations accepted", tries - refused, tries);
    printf("OK %d truncations of %s refused\n", tries, files[2]);
    free(buf);
}

int main(void) {
    test_tiny();
    test_hostile_xml();
    test_integrals();
    test_group();
    test_real_files();
    return check_finish();
}
