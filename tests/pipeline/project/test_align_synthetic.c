/* test_align_synthetic.c — the project passes on a synthetic video with synthetic tracks (no
 * detector): align --tracks, then composite with *edited* (noise) crops through the library's
 * crop callback: only pixels inside the masks change, frames outside the track are untouched,
 * frame count and timestamps are kept. Also: tracks JSON round trip and hostile JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/path.h"
#include "face/align.h"
#include "face/paste.h"
#include "image/image_ops.h"
#include "pipeline/project/project.h"
#include "video/video.h"

enum { W = 200, H = 150, N = 24, T0 = 4, T1 = 19 };

static void landmarks(float lm[68][2], double cx, double cy, double s) {
    for (int i = 0; i < 68; i++) {
        double u, v;
        if (i <= 16) {
            double t = i / 16.0 * M_PI;
            u = -0.9 * cos(t);
            v = 0.1 + 0.9 * sin(t);
        } else if (i <= 26) {
            u = -0.7 + 1.4 * (i - 17) / 9.0;
            v = -0.55;
        } else if (i <= 35) {
            u = 0.05 * (i - 31);
            v = -0.2 + 0.06 * (i - 27);
        } else if (i <= 47) {
            double t = (i % 6) * M_PI / 3;
            u = (i < 42 ? -0.4 : 0.4) + 0.1 * cos(t);
            v = -0.3 + 0.05 * sin(t);
        } else {
            double t = (i - 48) * 2 * M_PI / 12;
            u = -0.3 * cos(t);
            v = 0.4 + 0.08 * sin(t);
        }
        lm[i][0] = (float)(cx + s * u);
        lm[i][1] = (float)(cy + s * v);
    }
}

static int noise_crop(void *user, int track, int frame, fs_image **crop, fs_err *err) {
    (void)track;
    int S = *(int *)user;
    *crop = fs_image_create(S, S, err);
    if (!*crop) return FS_ERR;
    unsigned x = 2654435761u * (unsigned)(frame + 1);
    for (int i = 0; i < S * S * 3; i++) {
        x = x * 1103515245u + 12345u;
        (*crop)->rgb[i] = (uint8_t)(x >> 16);
    }
    return FS_OK;
}

static int write_file(const char *path, const char *text) {
    FILE *fp = fopen(path, "w");
    if (!fp) return -1;
    fputs(text, fp);
    fclose(fp);
    return 0;
}

/* text -> frames at fps, the way the pipeline does it (parse once, resolve with the video's fps) */
static int range_frames(const char *text, double fps, int64_t *a, int64_t *b, fs_err *err) {
    fs_frame_range r;
    if (fs_frame_range_parse(text, &r, err)) return FS_ERR;
    return fs_frame_range_frames(&r, fps, a, b, err);
}

int main(void) {
    fs_err err = {0};
    char dir[] = "/tmp/fs_test_synth_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char video[600], json[600], proj[600], out[600];
    snprintf(video, sizeof video, "%s/in.mkv", dir);
    snprintf(json, sizeof json, "%s/faces.json", dir);
    snprintf(proj, sizeof proj, "%s/proj", dir);
    snprintf(out, sizeof out, "%s/out.mkv", dir);
    /* 1. a lossless synthetic source at 24 fps */
    fs_video_info vi;
    memset(&vi, 0, sizeof vi);
    vi.width = W;
    vi.height = H;
    vi.fps = 24;
    vi.fps_num = 24;
    vi.fps_den = 1;
    vi.tb_num = 1;
    vi.tb_den = 24;
    fs_video_writer_opts wo;
    fs_video_writer_opts_default(&wo);
    wo.crf = 0;
    wo.preset = "ultrafast";
    fs_video_writer *w = NULL;
    CHECK_MSG(fs_video_writer_open(video, &vi, &wo, &w, &err) == FS_OK, "%s", err.msg);
    fs_image *im = fs_image_create(W, H, &err);
    for (int f = 0; f < N && w; f++) {
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                uint8_t *p = fs_image_px(im, x, y);
                p[0] = (uint8_t)(128 + 100 * sin(0.07 * x + 0.1 * f));
                p[1] = (uint8_t)(128 + 90 * cos(0.05 * y - 0.05 * f));
                p[2] = (uint8_t)((x + y + 3 * f) & 255);
            }
        CHECK(fs_video_write(w, im, f, &err) == FS_OK);
    }
    CHECK(w && fs_video_writer_close(w, &err) == FS_OK);
    fs_image_destroy(im);
    /* 2. synthetic tracks JSON: one face moving right over frames T0..T1 with a 2-frame gap */
    FILE *fp = fopen(json, "w");
    fprintf(fp, "{\"frames\":%d,\"fps\":24,\"width\":%d,\"height\":%d,\"tracks\":[{\"id\":3,\"frames\":[", N, W, H);
    int first = 1;
    for (int f = T0; f <= T1; f++) {
        if (f == 10 || f == 11) continue;
        float lm[68][2];
        landmarks(lm, 80 + 2.0 * f, 75, 35);
        fprintf(fp, "%s{\"frame\":%d,\"box\":[0,0,1,1],\"landmarks\":[", first ? "" : ",", f);
        for (int i = 0; i < 68; i++) fprintf(fp, "%s[%.3f,%.3f]", i ? "," : "", lm[i][0], lm[i][1]);
        fprintf(fp, "]}");
        first = 0;
    }
    fprintf(fp, "]}]}\n");
    fclose(fp);
    /* 3. align with these tracks */
    fs_project_align_opts ao;
    memset(&ao, 0, sizeof ao);
    fs_project_settings_default(&ao.settings);
    ao.settings.size = 128;
    ao.tracks_json = json;
    CHECK_MSG(fs_project_align(video, proj, &ao, &err) == FS_OK, "%s", err.msg);
    fs_project *p = NULL;
    CHECK_MSG(fs_project_open(proj, &p, &err) == FS_OK, "%s", err.msg);
    if (!p) return check_finish();
    CHECK(p->tracks->count == 1 && p->tracks->t[0].id == 3 && p->tracks->t[0].first == T0 && p->tracks->t[0].n == T1 - T0 + 1);
    CHECK(!p->tracks->t[0].observed[10 - T0] && p->tracks->t[0].observed[12 - T0]);
    CHECK(!strcmp(p->align_status, "done"));
    char crop_path[700];
    CHECK(fs_project_crop_path(p, NULL, 3, 11, crop_path, sizeof crop_path, &err) == FS_OK);
    CHECK(access(crop_path, R_OK) == 0);
    {   /* a crops dir too long for the buffer: an error naming it, never a truncated name */
        static char longdir[5000];
        memset(longdir, 'd', sizeof longdir - 1);
        char big[FS_PATH_MAX];
        CHECK(fs_project_crop_path(p, longdir, 3, 11, big, sizeof big, &err) == FS_ERR && strstr(err.msg, "too long"));
        CHECK(fs_project_mask_path(p, 3, 11, crop_path, 20, &err) == FS_ERR && strstr(err.msg, "too long"));
    }
    /* tracks.json round trip: reading, writing, reading again gives the same quads */
    char tj[700], tj2[700];
    snprintf(tj, sizeof tj, "%s/tracks.json", proj);
    snprintf(tj2, sizeof tj2, "%s/tracks2.json", dir);
    CHECK(fs_aligned_tracks_write_json(p->tracks, tj2, 1, &err) == FS_OK);
    fs_aligned_tracks *t2 = NULL;
    CHECK(fs_aligned_tracks_read_json(tj2, &p->settings, 0, &t2, &err) == FS_OK);
    double dq = 0;
    for (int i = 0; t2 && i < t2->t[0].n; i++)
        for (int c = 0; c < 4; c++)
            for (int d = 0; d < 2; d++) dq = check_max(dq, fabs(t2->t[0].quad[i][c][d] - p->tracks->t[0].quad[i][c][d]));
    CHECK_MSG(dq == 0.0, "quads changed by a JSON round trip: %g", dq);
    fs_aligned_tracks_destroy(t2);
    /* 4. composite with edited (noise) crops, lossless */
    fs_composite_opts co;
    fs_composite_opts_default(&co);
    co.writer.crf = 0;
    co.writer.preset = "ultrafast";
    int S = 128;
    co.crop_fn = noise_crop;
    co.crop_user = &S;
    CHECK_MSG(fs_project_composite(p, out, &co, &err) == FS_OK, "%s", err.msg);
    fs_video_reader *a = NULL, *b = NULL;
    CHECK(fs_video_open(video, NULL, &a, &err) == FS_OK);
    CHECK(fs_video_open(out, NULL, &b, &err) == FS_OK);
    uint8_t *sup = malloc(W * H);
    float *alpha = malloc(sizeof *alpha * S * S);
    long outside_diff = 0, inside = 0, inside_diff = 0, untouched_frames_diff = 0, n = 0;
    double mad[N] = {0};
    fs_video_frame fa, fb;
    while (a && b && fs_video_next(a, &fa, &err) == FS_OK && fa.image) {
        if (fs_video_next(b, &fb, &err) != FS_OK || !fb.image) break;
        CHECK(fa.pts == fb.pts || fabs(fa.time - fb.time) < 1e-6);
        int f = (int)fa.index;
        const fs_aligned_track *tr = &p->tracks->t[0];
        int i = fs_aligned_track_index(tr, f);
        if (i < 0) {
            untouched_frames_diff += fs_image_psnr(fa.image, fb.image, NULL) != INFINITY;
        } else {
            CHECK(fs_project_paste_alpha(p, 0, i, alpha, 1, &err) == FS_OK);
            fs_paste_support(sup, W, H, S, alpha, tr->coeffs[i]);
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++) {
                    int d = memcmp(fs_image_px(fa.image, x, y), fs_image_px(fb.image, x, y), 3) != 0;
                    if (sup[y * W + x]) {
                        inside++;
                        inside_diff += d;
                        mad[f] += abs(fs_image_px(fa.image, x, y)[0] - fs_image_px(fb.image, x, y)[0]);
                    } else
                        outside_diff += d;
                }
        }
        n++;
    }
    CHECK(n == N);
    CHECK_MSG(outside_diff == 0, "%ld pixels outside the masks changed", outside_diff);
    CHECK_MSG(untouched_frames_diff == 0, "%ld frames without a face changed", untouched_frames_diff);
    CHECK(inside > 1000 && inside_diff > inside / 2);
    /* fade: the first and last frames of the track (inside the video) are pasted at 1/5 and 2/5 strength */
    CHECK_MSG(mad[T0] < 0.35 * mad[12] && mad[T0 + 1] < 0.6 * mad[12] && mad[T1] < 0.35 * mad[12],
              "fade: %.0f %.0f ... %.0f ... %.0f", mad[T0], mad[T0 + 1], mad[12], mad[T1]);
    printf("OK edited composite: %ld frames, %ld mask pixels (%ld changed), 0 changed outside, frames without a face "
           "identical\n",
           n, inside, inside_diff);
    free(sup);
    free(alpha);
    fs_video_close(a);
    fs_video_close(b);
    /* 5. align again: idempotent; other settings are refused */
    CHECK(fs_project_align(video, proj, &ao, &err) == FS_OK);
    ao.settings.size = 256;
    CHECK(fs_project_align(video, proj, &ao, &err) != FS_OK && strstr(err.msg, "other settings"));
    fs_project_close(p);
    /* 6. hostile tracks JSON: clear errors naming the file, no crash */
    static const char *bad[] = {
        "", "{", "[]", "{\"frames\":-1,\"tracks\":[]}", "{\"frames\":10}", "{\"frames\":10,\"tracks\":{}}",
        "{\"frames\":10,\"tracks\":[{\"frames\":[]}]}",
        "{\"frames\":10,\"tracks\":[{\"id\":0,\"frames\":[{\"frame\":99,\"landmarks\":[]}]}]}",
        "{\"frames\":10,\"tracks\":[{\"id\":0,\"frames\":[{\"frame\":1,\"landmarks\":[[1,2],[3]]}]}]}",
        "{\"frames\":10,\"tracks\":[{\"id\":0,\"frames\":[{\"frame\":1,\"landmarks\":\"x\"}]}]}",
        "{\"frames\":1e300,\"tracks\":[]}",
    };
    fs_project_settings s;
    fs_project_settings_default(&s);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(json, bad[i]);
        fs_aligned_tracks *t = NULL;
        CHECK_MSG(fs_aligned_tracks_read_json(json, &s, 0, &t, &err) != FS_OK, "hostile JSON %zu accepted", i);
        CHECK_MSG(strstr(err.msg, json) != NULL || strstr(err.msg, "memory"), "%s", err.msg);
        CHECK(t == NULL);
    }
    /* --range parsing: times (at the video's fps) or frames, TO exclusive, open ends */
    {
        int64_t a, b;
        CHECK(range_frames("2.5s:7s", 30, &a, &b, &err) == FS_OK && a == 75 && b == 210);
        CHECK(range_frames("f10:", 30, &a, &b, &err) == FS_OK && a == 10 && b == INT64_MAX);
        CHECK(range_frames(":f5", 25, &a, &b, &err) == FS_OK && a == 0 && b == 5);
        CHECK(range_frames("", 25, &a, &b, &err) == FS_OK && a == 0 && b == INT64_MAX);
        static const char *bad_ranges[] = {"f5:f5", "5:7", "2.5s:7", "fx:f2", "f1.5:", "f3", "1s:2s:3s", "-1s:", "f9:f2"};
        for (size_t i = 0; i < sizeof bad_ranges / sizeof bad_ranges[0]; i++)
            CHECK_MSG(range_frames(bad_ranges[i], 25, &a, &b, &err) != FS_OK && strstr(err.msg, bad_ranges[i]),
                      "range '%s' accepted", bad_ranges[i]);
        /* mixed units are checked once the fps is known; the canonical text parses back to itself */
        fs_frame_range r;
        CHECK(fs_frame_range_parse("1s:f10", &r, &err) == FS_OK);
        CHECK(fs_frame_range_frames(&r, 25, &a, &b, &err) != FS_OK && strstr(err.msg, "empty"));
        CHECK(fs_frame_range_frames(&r, 5, &a, &b, &err) == FS_OK && a == 5 && b == 10);
        char text[64];
        fs_frame_range_format(&r, text, sizeof text);
        CHECK_MSG(!strcmp(text, "1s:f10"), "formatted as %s", text);
    }
    /* untrusted sizes: frames beyond the video, long gaps, huge ids / sizes (memory and integer
     * conversions stay bounded) */
    {
        float lm[68][2];
        landmarks(lm, 100, 80, 40);
        struct {
            const char *head, *id;
            int f0, f1;
            long long bound;
            int ok;
            const char *want;
        } cases[] = {
            {"\"frames\":1000", "0", 0, 1, 100, 0, "more than the video's 100"},
            {"\"frames\":1000", "0", 0, 300, 0, 0, "at most 256 are interpolated"},
            {"\"frames\":1000", "0", 0, 257, 0, 1, NULL},
            {"\"frames\":1000", "1e300", 0, 1, 0, 0, "no \"id\""},
            {"\"frames\":1000,\"width\":1e300,\"height\":-5,\"fps\":1e300", "3", 0, 1, 0, 1, NULL},
            {"\"frames\":1e15", "0", 0, 1, 0, 0, "more than the video's"},
        };
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            fp = fopen(json, "w");
            fprintf(fp, "{%s,\"tracks\":[{\"id\":%s,\"frames\":[", cases[c].head, cases[c].id);
            for (int e = 0; e < 2; e++) {
                fprintf(fp, "%s{\"frame\":%d,\"box\":[1e300,0,10,10],\"landmarks\":[", e ? "," : "",
                        e ? cases[c].f1 : cases[c].f0);
                for (int i = 0; i < 68; i++) fprintf(fp, "%s[%.3f,%.3f]", i ? "," : "", lm[i][0], lm[i][1]);
                fprintf(fp, "]}");
            }
            fprintf(fp, "]}]}");
            fclose(fp);
            fs_aligned_tracks *t = NULL;
            int rc = fs_aligned_tracks_read_json(json, &s, cases[c].bound, &t, &err);
            if (cases[c].ok) {
                CHECK_MSG(rc == FS_OK && t && t->count == 1, "case %zu: %s", c, err.msg);
                if (t) CHECK(t->width == 0 && t->height == 0 && t->fps == 25.0 && t->t[0].box[0][0] == 0.0f);
            } else {
                CHECK_MSG(rc != FS_OK && t == NULL && strstr(err.msg, cases[c].want), "case %zu: '%s'", c, err.msg);
            }
            fs_aligned_tracks_destroy(t);
        }
    }
    /* 68 identical landmarks: a degenerate quad is an error, not a crash */
    fp = fopen(json, "w");
    fprintf(fp, "{\"frames\":2,\"tracks\":[{\"id\":0,\"frames\":[{\"frame\":0,\"landmarks\":[");
    for (int i = 0; i < 68; i++) fprintf(fp, "%s[5,5]", i ? "," : "");
    fprintf(fp, "]}]}]}");
    fclose(fp);
    fs_aligned_tracks *t = NULL;
    CHECK(fs_aligned_tracks_read_json(json, &s, 0, &t, &err) != FS_OK);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_finish();
}
