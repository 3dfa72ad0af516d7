/* faceapi_ref.h — shared by the face-api parity tests: the committed reference outputs
 * (data/reference.json, made by tests/tools/make_faceapi_reference.sh), the images they were made
 * from (PNG frames extracted by tests/tools/faceapi_frames.sh into the dir given as argv[1]), and
 * the installed networks (skip, exit 77, when they are not installed; exit 1 when a check failed
 * before). */
#ifndef FS_TESTS_FACEAPI_REF_H
#define FS_TESTS_FACEAPI_REF_H

#include <cjson/cJSON.h>

#include "check.h"
#include "core/fileio.h"
#include "core/sha256.h"
#include "image/image.h"
#include "registry/registry.h"

/* The reference JSON (exits 1 when unreadable: it is committed). */
static inline cJSON *ref_load(void) {
    char p[4096];
    snprintf(p, sizeof p, "%s/tests/models/faceapi/data/reference.json", getenv("FS_SRC") ? getenv("FS_SRC") : ".");
    unsigned char *d;
    size_t n;
    fs_err err;
    if (fs_read_file(p, &d, &n, &err)) {
        fprintf(stderr, "FAIL %s\n", err.msg);
        exit(1);
    }
    cJSON *j = cJSON_ParseWithLength((const char *)d, n);
    free(d);
    if (!j) {
        fprintf(stderr, "FAIL %s: not JSON\n", p);
        exit(1);
    }
    return j;
}

/* Path of an installed face-api file (registry name), or skip. */
static inline const char *ref_model(const char *name) {
    static char buf[4][4096];
    static int k;
    char *p = buf[k++ % 4];
    fs_err err;
    if (fs_registry_path(name, p, 4096, &err)) {
        char why[256];
        snprintf(why, sizeof why, "face-api networks not installed (%s): run scripts/fetch-face-api or "
                 "'facestitch models fetch face-api'", name);
        test_skip(why); /* exits 1 instead when a check already failed */
    }
    return p;
}

/* The image of reference entry `img` from the frames dir; its pixels must hash as recorded
 * (else skip: another ffmpeg made other pixels, the reference does not apply). */
static inline fs_image *ref_image(const char *frames, const cJSON *img) {
    const char *name = cJSON_GetObjectItem(img, "name")->valuestring;
    char p[4096];
    snprintf(p, sizeof p, "%s/%s.png", frames, name);
    fs_image *im;
    fs_err err;
    if (fs_image_load(p, &im, &err)) {
        fprintf(stderr, "FAIL %s\n", err.msg);
        exit(1);
    }
    fs_sha256_ctx c;
    fs_sha256_init(&c);
    for (int y = 0; y < im->h; y++) fs_sha256_update(&c, fs_image_px(im, 0, y), (size_t)3 * im->w);
    uint8_t d[32];
    char hex[65];
    fs_sha256_final(&c, d);
    fs_sha256_hex(d, hex);
    if (strcmp(hex, cJSON_GetObjectItem(img, "rgb_sha256")->valuestring)) {
        char why[4300];
        snprintf(why, sizeof why, "%s: pixels differ from the reference's (another ffmpeg?); regenerate with "
                 "tests/tools/make_faceapi_reference.sh", p);
        test_skip(why); /* a later image: the checks of the earlier ones still count */
    }
    return im;
}

/* n floats of a JSON array (nested [x, y] pairs flattened). */
static inline int ref_floats(const cJSON *a, float *out, int cap) {
    int n = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, a) {
        if (cJSON_IsArray(v)) n += ref_floats(v, out + n, cap - n);
        else if (n < cap) out[n++] = (float)v->valuedouble;
    }
    return n;
}

static inline double ref_num(const cJSON *o, const char *key) { return cJSON_GetObjectItem(o, key)->valuedouble; }

/* max |a - b| that is NaN when any value is NaN. */
static inline double ref_maxdiff(const float *a, const float *b, int n) { return check_maxdiff(a, b, n); }

#endif
