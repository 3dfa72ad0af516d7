/* test_video_encode.c — re-encode with audio passthrough: same frame count, same pts, same audio
 * duration; lossless (--crf 0) is bit-exact; PNG sequence; failures leave no output file. */
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/err.h"
#include "image/image_ops.h"
#include "video/video.h"

#define MAXF 64

typedef struct {
    long n;
    int64_t pts[MAXF];
    double t[MAXF];
    fs_image *img[MAXF];
} frames;

static int read_all(const char *path, frames *fr, int keep, int64_t max, fs_video_info *vi, fs_err *err) {
    fs_video_open_opts o;
    fs_video_open_opts_default(&o);
    o.max_frames = max;
    fs_video_reader *r = NULL;
    if (fs_video_open(path, &o, &r, err)) return -1;
    *vi = *fs_video_reader_info(r);
    fr->n = 0;
    fs_video_frame f;
    while (fs_video_next(r, &f, err) == FS_OK && f.image) {
        if (fr->n < MAXF) {
            fr->pts[fr->n] = f.pts;
            fr->t[fr->n] = f.time;
            fr->img[fr->n] = keep ? fs_image_clone(f.image, err) : NULL;
        }
        fr->n++;
    }
    fs_video_close(r);
    return 0;
}

static void free_frames(frames *f) {
    for (long i = 0; i < f->n && i < MAXF; i++) fs_image_destroy(f->img[i]);
}

static int transcode(const char *in, const char *out, const fs_video_writer_opts *o, int64_t max, fs_err *err) {
    fs_video_open_opts oo;
    fs_video_open_opts_default(&oo);
    oo.max_frames = max;
    fs_video_reader *r = NULL;
    if (fs_video_open(in, &oo, &r, err)) return FS_ERR;
    fs_video_writer *w = NULL;
    if (fs_video_writer_open(out, fs_video_reader_info(r), o, &w, err)) {
        fs_video_close(r);
        return FS_ERR;
    }
    fs_video_frame f;
    int rc;
    while ((rc = fs_video_next(r, &f, err)) == FS_OK && f.image)
        if ((rc = fs_video_write(w, f.image, f.pts, err))) break;
    fs_video_close(r);
    if (rc) {
        fs_video_writer_abort(w);
        return FS_ERR;
    }
    return fs_video_writer_close(w, err);
}

int main(void) {
    fs_err err = {0};
    char tmpl[] = "/tmp/fs_test_video_XXXXXX";
    char *dir = mkdtemp(tmpl);
    CHECK(dir != NULL);
    char out[512];
    /* 1. audio passthrough for every audio codec of the codec group, into MP4 (AAC re-encode where needed) */
    static const char *clips[] = {"codec_group_1s_h264_aac.mp4", "codec_group_1s_h264_mp3.mp4",
                                  "codec_group_1s_theora_vorbis.ogg", "codec_group_1s_vp8_opus.webm",
                                  "codec_group_1s_xvid_aac.avi"};
    for (size_t i = 0; i < sizeof clips / sizeof clips[0]; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "media/%s", clips[i]);
        const char *src = test_shared_path(rel);
        snprintf(out, sizeof out, "%s/out%zu.mp4", dir, i);
        fs_video_writer_opts o;
        fs_video_writer_opts_default(&o);
        o.preset = "ultrafast";
        o.audio_from = src;
        CHECK_MSG(transcode(src, out, &o, 0, &err) == FS_OK, "%s: %s", clips[i], err.msg);
        frames a, b;
        fs_video_info va, vb;
        read_all(src, &a, 0, 0, &va, &err);
        CHECK_MSG(read_all(out, &b, 0, 0, &vb, &err) == 0, "%s", err.msg);
        CHECK_MSG(a.n == b.n, "%s: %ld frames in, %ld out", clips[i], a.n, b.n);
        int same_t = 1;
        for (long k = 0; k < a.n && k < b.n && k < MAXF; k++)
            if (fabs(a.t[k] - b.t[k]) > 1e-3) same_t = 0;
        CHECK_MSG(same_t, "%s: frame times differ", clips[i]);
        /* the mp4 sources are constant-rate; the others have gaps (ogg) or ms timestamps (webm), which the
         * output reproduces, so only their timestamps are compared */
        if (i < 2) CHECK_MSG(fabs(va.fps - vb.fps) < 1e-3, "%s: fps %g vs %g", clips[i], va.fps, vb.fps);
        double da, db;
        int64_t pa, pb;
        CHECK(fs_video_audio_duration(src, &da, &pa, &err) == FS_OK);
        CHECK(fs_video_audio_duration(out, &db, &pb, &err) == FS_OK);
        CHECK_MSG(vb.has_audio, "%s: no audio in the output", clips[i]);
        CHECK_MSG(fabs(da - db) <= 1.0 / va.fps, "%s: audio %.4f s in, %.4f s out", clips[i], da, db);
        printf("%-36s -> mp4: %ld frames, audio %s %.3f s -> %s %.3f s\n", clips[i], b.n, va.audio_codec, da,
               vb.audio_codec, db);
        if (!strcmp(va.audio_codec, "aac") || !strcmp(va.audio_codec, "mp3"))
            CHECK_MSG(pa == pb && !strcmp(va.audio_codec, vb.audio_codec), "%s: audio not copied", clips[i]);
        unlink(out);
    }
    /* 2. lossless: --crf 0 gives bit-exact RGB frames; first 10 frames only, audio cut to match */
    {
        const char *src = test_shared_path("media/codec_group_1s_h264_aac.mp4");
        snprintf(out, sizeof out, "%s/lossless.mp4", dir);
        fs_video_writer_opts o;
        fs_video_writer_opts_default(&o);
        o.crf = 0;
        o.preset = "ultrafast";
        o.audio_from = src;
        o.audio_until = 10 / 29.97;
        CHECK_MSG(transcode(src, out, &o, 10, &err) == FS_OK, "%s", err.msg);
        frames a, b;
        fs_video_info va, vb;
        read_all(src, &a, 1, 10, &va, &err);
        read_all(out, &b, 1, 0, &vb, &err);
        CHECK(a.n == 10 && b.n == 10);
        int exact = 1;
        for (long k = 0; k < a.n && k < b.n; k++)
            if (fs_image_psnr(a.img[k], b.img[k], NULL) != INFINITY) exact = 0;
        CHECK_MSG(exact, "lossless output is not bit-exact");
        double db;
        fs_video_audio_duration(out, &db, NULL, &err);
        CHECK_MSG(fabs(db - 10 / 29.97) <= 1 / 29.97, "cut audio %.3f s", db);
        printf("lossless: %ld frames bit-exact=%d, audio %.3f s\n", b.n, exact, db);
        /* default crf 18 is close */
        snprintf(out, sizeof out, "%s/crf18.mp4", dir);
        o.crf = 18;
        o.audio_from = NULL;
        CHECK(transcode(src, out, &o, 10, &err) == FS_OK);
        frames c;
        read_all(out, &c, 1, 0, &vb, &err);
        double worst = INFINITY;
        for (long k = 0; k < a.n && k < c.n; k++) worst = check_min(worst, fs_image_psnr(a.img[k], c.img[k], NULL));
        CHECK_MSG(worst > 38.0, "crf 18 psnr %.2f", worst);
        CHECK(!vb.has_audio);
        printf("crf 18: worst frame PSNR %.2f dB\n", worst);
        free_frames(&c);
        /* 3. PNG sequence out, then read back as a directory */
        snprintf(out, sizeof out, "%s/frames/", dir);
        CHECK_MSG(transcode(src, out, &o, 5, &err) == FS_OK, "%s", err.msg);
        frames d;
        snprintf(out, sizeof out, "%s/frames", dir);
        CHECK(read_all(out, &d, 1, 0, &vb, &err) == 0);
        CHECK(d.n == 5 && vb.is_image_dir);
        int ok = 1;
        for (long k = 0; k < 5 && k < d.n; k++)
            if (fs_image_psnr(a.img[k], d.img[k], NULL) != INFINITY) ok = 0;
        CHECK_MSG(ok, "PNG sequence differs");
        free_frames(&d);
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s/frames'", dir);
        CHECK(system(cmd) == 0);
        free_frames(&a);
        free_frames(&b);
    }
    /* 3b. PCM audio cannot go into MP4: re-encoded to AAC (with a warning), cut at the last frame */
    {
        const char *src = test_shared_path("media/multi_marathon_crowd_960x540_pcm.mkv");
        snprintf(out, sizeof out, "%s/pcm.mp4", dir);
        fs_video_writer_opts o;
        fs_video_writer_opts_default(&o);
        o.preset = "ultrafast";
        o.audio_from = src;
        o.audio_until = 8 / 29.97;
        CHECK_MSG(transcode(src, out, &o, 8, &err) == FS_OK, "%s", err.msg);
        fs_video_info vo;
        CHECK(fs_video_probe(out, &vo, &err) == FS_OK);
        CHECK(vo.frames == 8 && vo.has_audio && !strcmp(vo.audio_codec, "aac"));
        double d = 0;
        CHECK(fs_video_audio_duration(out, &d, NULL, &err) == FS_OK);
        CHECK_MSG(fabs(d - 8 / 29.97) <= 1 / 29.97 + 1024.0 / 48000, "re-encoded audio %.4f s", d);
        printf("pcm_s16le in mkv -> mp4: audio %s %.3f s for %.3f s of video\n", vo.audio_codec, d, 8 / 29.97);
        unlink(out);
        /* into MKV the PCM is copied as it is */
        snprintf(out, sizeof out, "%s/pcm.mkv", dir);
        CHECK_MSG(transcode(src, out, &o, 8, &err) == FS_OK, "%s", err.msg);
        CHECK(fs_video_probe(out, &vo, &err) == FS_OK && !strcmp(vo.audio_codec, "pcm_s16le"));
        unlink(out);
    }
    /* 4. failures leave nothing behind */
    {
        fs_video_info vi;
        memset(&vi, 0, sizeof vi);
        vi.width = 64;
        vi.height = 48;
        vi.fps = 25;
        vi.fps_num = 25;
        vi.fps_den = 1;
        vi.tb_num = 1;
        vi.tb_den = 25;
        fs_video_writer_opts o;
        fs_video_writer_opts_default(&o);
        o.preset = "ultrafast";
        snprintf(out, sizeof out, "%s/aborted.mp4", dir);
        fs_video_writer *w = NULL;
        CHECK(fs_video_writer_open(out, &vi, &o, &w, &err) == FS_OK);
        fs_image *im = fs_image_create(64, 48, &err);
        for (int k = 0; k < 3; k++) CHECK(fs_video_write(w, im, k, &err) == FS_OK);
        fs_image *wrong = fs_image_create(32, 32, &err);
        CHECK(fs_video_write(w, wrong, 3, &err) != FS_OK);
        fs_video_writer_abort(w);
        CHECK(access(out, F_OK) != 0);
        snprintf(out, sizeof out, "%s/odd.mp4", dir);
        vi.width = 63;
        vi.height = 47;
        fs_image *odd = fs_image_create(63, 47, &err);
        CHECK(fs_video_writer_open(out, &vi, &o, &w, &err) == FS_OK);
        for (int k = 0; k < 3; k++) CHECK(fs_video_write(w, odd, k, &err) == FS_OK);
        CHECK(fs_video_writer_close(w, &err) == FS_OK);
        frames e;
        CHECK(read_all(out, &e, 0, 0, &vi, &err) == 0 && e.n == 3 && vi.width == 63);
        unlink(out);
        CHECK(fs_video_writer_open("/nonexistent-dir/x.mp4", &vi, &o, &w, &err) != FS_OK);
        CHECK(strstr(err.msg, "/nonexistent-dir/x.mp4") != NULL);
        CHECK(fs_video_writer_open("/tmp/x.unknownext", &vi, &o, &w, &err) != FS_OK);
        fs_image_destroy(im);
        fs_image_destroy(wrong);
        fs_image_destroy(odd);
    }
    rmdir(dir);
    return check_finish();
}
