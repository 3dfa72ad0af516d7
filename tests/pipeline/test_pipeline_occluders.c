/* Occlusion-aware paste (STIT issue #47) on the hand-near-face clip: where the face parser's label
 * map says "not face/hair/neck" inside the landmark hull (a hand in front of the face), the paste
 * alpha is 0 so the original frame stays; everywhere else the alpha is the usual one. The tiny
 * parser labels every pixel face, so the test writes a label map with a hand-shaped hole (class 0)
 * over the lower face of one crop of a real project, as BiSeNet would for the signing hand. */
#include "check.h"
#include "image/image.h"
#include "pipeline/project/project.h"

int main(void) {
    const char *clip = test_shared_path("media/multi_intel_asl_hand_near_face_640x480.mkv");
    const char *bin = getenv("FS_BIN");
    if (!bin) return check_finish();
    char dir[] = "/tmp/fs_test_occl_XXXXXX", cmd[8192], proj[300], mask[400];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(proj, sizeof proj, "%s/p", dir);
    snprintf(cmd, sizeof cmd,
             "%s -q models init --tiny --out %s/m && %s -q --threads 2 edit %s --models %s/m --edit age=-6 -o %s/o.mp4 "
             "--project %s --pti-steps 1 --stitch-steps 1 --max-frames 2",
             bin, dir, bin, clip, dir, dir, proj);
    CHECK(system(cmd) == 0);
    fs_err err = {0};
    fs_project *p = NULL;
    CHECK_MSG(fs_project_open(proj, &p, &err) == FS_OK, "%s", err.msg);
    if (!p || !p->tracks || p->tracks->count == 0) {
        CHECK(0);
        return check_finish();
    }
    const fs_aligned_track *tr = &p->tracks->t[0];
    int S = p->settings.size, i = tr->n > 1 ? 1 : 0;
    CHECK(fs_project_mask_path(p, tr->id, tr->first + i, mask, sizeof mask, &err) == FS_OK);
    fs_image *lab = NULL;
    CHECK_MSG(fs_image_load(mask, &lab, &err) == FS_OK, "%s", err.msg);
    if (!lab) return check_finish();
    /* the "hand": a block over mouth and chin, class 0; the rest skin (1) */
    int g = lab->w;
    for (int y = 0; y < g; y++)
        for (int x = 0; x < g; x++) {
            int hand = x >= g * 35 / 100 && x < g * 65 / 100 && y >= g * 60 / 100 && y < g * 85 / 100;
            uint8_t *px = fs_image_px(lab, x, y);
            px[0] = px[1] = px[2] = hand ? 0 : 1;
        }
    CHECK(fs_image_save_png(lab, mask, &err) == FS_OK);
    fs_image_destroy(lab);
    fs_composite_opts o;
    fs_composite_opts_default(&o);
    float *a0 = malloc(sizeof(float) * (size_t)S * S), *a1 = malloc(sizeof(float) * (size_t)S * S);
    int64_t kept = 0;
    o.keep_occluders = 0;
    CHECK(fs_project_paste_alpha_opts(p, 0, i, a0, &o, &err) == FS_OK);
    o.keep_occluders = 1;
    o.occluder_px = &kept;
    CHECK(fs_project_paste_alpha_opts(p, 0, i, a1, &o, &err) == FS_OK);
    int64_t changed = 0, outside = 0, hand_px = 0;
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) {
            size_t q = (size_t)y * S + x;
            int hand = x * g / S >= g * 35 / 100 && x * g / S < g * 65 / 100 && y * g / S >= g * 60 / 100 &&
                       y * g / S < g * 85 / 100;
            hand_px += hand;
            if (a1[q] != a0[q]) {
                changed++;
                if (!hand || a1[q] != 0.0f) outside++;
            }
        }
    printf("crop %dx%d: %lld of %lld hand pixels kept from the source (alpha 0), %lld alpha changes outside it\n", S,
           S, (long long)kept, (long long)hand_px, (long long)outside);
    CHECK(kept > hand_px / 4 && kept <= hand_px);
    CHECK(changed > 0 && changed <= kept && outside == 0);
    free(a0), free(a1);
    fs_project_close(p);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return check_finish();
}
