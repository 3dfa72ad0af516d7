/* test_align_composite.c — the done-criterion of the video stage, through the real CLI:
 * `align` then `composite` on a talking head (first 45 frames, 1.5 s): same frame count and fps as the
 * input, audio present with the same duration (± one frame), PSNR >= 40 dB over the whole frame,
 * identical pixels outside the masks (lossless output), all checked with our own decoder.
 * Tracks come from the detector when it finds the face, else from synthetic landmarks (--tracks). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "face/paste.h"
#include "image/image_ops.h"
#include "pipeline/project/project.h"
#include "video/video.h"

static int run(const char *cmd) {
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Compares out with the source frame by frame: PSNR over all frames, and exactness outside the
 * union of paste supports. */
static void compare(const fs_project *p, const char *out, int lossless, double *psnr_mean, double *psnr_min,
                    long *outside_diff, long *support_px, long *nframes) {
    fs_err err;
    fs_video_open_opts vo;
    fs_video_open_opts_default(&vo);
    vo.max_frames = p->settings.max_frames;
    fs_video_reader *a = NULL, *b = NULL;
    CHECK(fs_video_open(p->source, &vo, &a, &err) == FS_OK);
    CHECK_MSG(fs_video_open(out, NULL, &b, &err) == FS_OK, "%s", err.msg);
    if (!a || !b) return;
    int W = fs_video_reader_info(a)->width, H = fs_video_reader_info(a)->height, S = p->settings.size;
    uint8_t *sup = malloc((size_t)W * H), *one = malloc((size_t)W * H);
    float *alpha = malloc(sizeof *alpha * S * S);
    double sse = 0, cnt = 0;
    *psnr_min = INFINITY;
    *outside_diff = 0;
    *support_px = 0;
    *nframes = 0;
    fs_video_frame fa, fb;
    while (fs_video_next(a, &fa, &err) == FS_OK && fa.image) {
        if (fs_video_next(b, &fb, &err) != FS_OK || !fb.image) {
            CHECK_MSG(0, "output has fewer frames");
            break;
        }
        CHECK_MSG(fabs(fa.time - fb.time) < 1e-3, "frame %lld at %.4f s, source %.4f s", (long long)fa.index, fb.time, fa.time);
        int64_t n;
        double s = fs_image_sse(fa.image, fb.image, NULL, &n);
        sse += s;
        cnt += (double)n;
        double ps = s == 0 ? INFINITY : 10 * log10(255.0 * 255.0 * n / s);
        if (ps < *psnr_min) *psnr_min = ps;
        if (lossless) {
            memset(sup, 0, (size_t)W * H);
            for (int k = 0; k < p->tracks->count; k++) {
                const fs_aligned_track *tr = &p->tracks->t[k];
                int i = fs_aligned_track_index(tr, (int)fa.index);
                if (i < 0) continue;
                CHECK(fs_project_paste_alpha(p, k, i, alpha, 1, &err) == FS_OK);
                fs_paste_support(one, W, H, S, alpha, tr->coeffs[i]);
                for (long q = 0; q < (long)W * H; q++) sup[q] |= one[q];
            }
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++) {
                    if (sup[(size_t)y * W + x]) {
                        (*support_px)++;
                        continue;
                    }
                    if (memcmp(fs_image_px(fa.image, x, y), fs_image_px(fb.image, x, y), 3)) (*outside_diff)++;
                }
        }
        (*nframes)++;
    }
    if (fs_video_next(b, &fb, &err) == FS_OK && fb.image) CHECK_MSG(0, "output has more frames");
    *psnr_mean = sse == 0 ? INFINITY : 10 * log10(255.0 * 255.0 * cnt / sse);
    free(sup);
    free(one);
    free(alpha);
    fs_video_close(a);
    fs_video_close(b);
}

int main(int argc, char **argv) {
    /* optional: another clip and frame count (manual checks), e.g. test_align_composite clip.mp4 30 */
    const char *src = argc > 1 ? argv[1] : test_shared_path("media/th_obama_weekly_address_a_720p_aac.mp4");
    const char *bin = getenv("FS_BIN");
    if (!bin || access(bin, X_OK) != 0) test_skip("FS_BIN (the facestitch binary) not set");
    const int N = argc > 2 ? atoi(argv[2]) : 45;
    char dir[] = "/tmp/fs_test_composite_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char cmd[4096], proj[512], out[512], out2[512];
    snprintf(proj, sizeof proj, "%s/proj", dir);
    snprintf(out, sizeof out, "%s/same.mp4", dir);
    snprintf(out2, sizeof out2, "%s/same_crf18.mp4", dir);
    snprintf(cmd, sizeof cmd, "'%s' -q align '%s' --project '%s' --size 256 --max-frames %d", bin, src, proj, N);
    int rc = run(cmd);
    CHECK_MSG(rc == 0, "align exited %d", rc);
    fs_err err = {0};
    fs_project *p = NULL;
    CHECK_MSG(fs_project_open(proj, &p, &err) == FS_OK, "%s", err.msg);
    if (!p) return check_finish();
    CHECK(p->tracks->frames == N);
    int faces = 0;
    for (int k = 0; k < p->tracks->count; k++) faces += p->tracks->t[k].n;
    printf("detector: %d track(s), %d face crops in %d frames\n", p->tracks->count, faces, N);
    if (argc <= 1) CHECK_MSG(p->tracks->count >= 1 && faces >= N * 9 / 10, "the talking head should be tracked in most frames");
    /* idempotent: a second run keeps everything */
    rc = run(cmd);
    CHECK_MSG(rc == 0, "align (resume) exited %d", rc);

    snprintf(cmd, sizeof cmd, "'%s' -q composite --project '%s' -o '%s' --crf 0 --preset ultrafast", bin, proj, out);
    rc = run(cmd);
    CHECK_MSG(rc == 0, "composite exited %d", rc);
    fs_video_info vin, vout;
    CHECK(fs_video_probe(src, &vin, &err) == FS_OK);
    CHECK_MSG(fs_video_probe(out, &vout, &err) == FS_OK, "%s", err.msg);
    CHECK_MSG(vout.frames == N, "output frames %lld", (long long)vout.frames);
    CHECK_MSG(fabs(vout.fps - vin.fps) < 0.01, "fps %.4f vs %.4f", vout.fps, vin.fps);
    CHECK(vout.width == vin.width && vout.height == vin.height);
    CHECK(vout.has_audio == vin.has_audio);
    double adur = 0;
    CHECK(fs_video_audio_duration(out, &adur, NULL, &err) == FS_OK);
    double vdur = N / vin.fps;
    if (vin.has_audio) CHECK_MSG(fabs(adur - vdur) <= 1.0 / vin.fps, "audio %.4f s vs video %.4f s", adur, vdur);
    double pm, pmin;
    long outside, support, nf;
    compare(p, out, 1, &pm, &pmin, &outside, &support, &nf);
    CHECK(nf == N);
    CHECK_MSG(pm >= 40.0 && pmin >= 40.0, "PSNR mean %.2f min %.2f", pm, pmin);
    CHECK_MSG(outside == 0, "%ld pixels outside the masks differ", outside);
    if (faces) CHECK(support > 0);
    printf("lossless composite: %ld frames, PSNR mean %.2f dB (worst frame %.2f), %ld mask pixels, %ld differing "
           "outside, audio %.3f s for %.3f s of video\n",
           nf, pm, pmin, support, outside, adur, vdur);
    /* default quality (CRF 18) */
    snprintf(cmd, sizeof cmd, "'%s' -q composite --project '%s' -o '%s' --preset veryfast", bin, proj, out2);
    CHECK(run(cmd) == 0);
    compare(p, out2, 0, &pm, &pmin, &outside, &support, &nf);
    CHECK_MSG(pm >= 40.0, "CRF 18 PSNR mean %.2f", pm);
    printf("crf 18 composite: PSNR mean %.2f dB (worst frame %.2f)\n", pm, pmin);
    fs_project_close(p);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(run(cmd) == 0);
    return check_finish();
}
