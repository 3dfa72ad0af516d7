/* test_video_decode.c — decode every codec_group_* clip (frame counts = ffprobe -count_frames),
 * rotation metadata, every broken_* file fails with a message naming the file. */
#include <string.h>

#include "check.h"
#include "core/err.h"
#include "video/video.h"

static long decode_all(const char *path, fs_video_info *vi, int *w, int *h, int *mono, fs_err *err) {
    fs_video_reader *r = NULL;
    if (fs_video_open(path, NULL, &r, err)) return -1;
    *vi = *fs_video_reader_info(r);
    long n = 0;
    int64_t last = -1;
    *mono = 1;
    fs_video_frame f;
    for (;;) {
        if (fs_video_next(r, &f, err)) {
            fs_video_close(r);
            return -1;
        }
        if (!f.image) break;
        if (f.index != n) *mono = 0;
        if (n && f.pts <= last) *mono = 0;
        last = f.pts;
        *w = f.image->w;
        *h = f.image->h;
        n++;
    }
    fs_video_close(r);
    return n;
}

int main(void) {
    static const struct { const char *name; long frames; int w, h; int audio; } clips[] = {
        {"codec_group_1s_h264_aac.mp4", 31, 640, 480, 1},  {"codec_group_1s_h264_mp3.mp4", 31, 640, 480, 1},
        {"codec_group_1s_h265_aac.mp4", 31, 640, 480, 1},  {"codec_group_1s_mp4v_aac.mp4", 31, 640, 480, 1},
        {"codec_group_1s_theora_opus.ogg", 30, 640, 480, 1}, {"codec_group_1s_theora_vorbis.ogg", 30, 640, 480, 1},
        {"codec_group_1s_vp8_opus.webm", 31, 640, 480, 1}, {"codec_group_1s_xvid_aac.avi", 31, 640, 480, 1},
        {"multi_intel_headpose_two_people_480x270.mp4", -1, 480, 270, 0},
    };
    fs_err err = {0};
    for (size_t i = 0; i < sizeof clips / sizeof clips[0]; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "media/%s", clips[i].name);
        const char *p = test_shared_path(rel);
        fs_video_info vi;
        int w = 0, h = 0, mono = 0;
        long n = decode_all(p, &vi, &w, &h, &mono, &err);
        CHECK_MSG(n > 0, "%s: %s", clips[i].name, err.msg);
        if (clips[i].frames > 0) CHECK_MSG(n == clips[i].frames, "%s: %ld frames, want %ld", clips[i].name, n, clips[i].frames);
        CHECK_MSG(w == clips[i].w && h == clips[i].h, "%s: %dx%d", clips[i].name, w, h);
        CHECK(vi.width == clips[i].w && vi.height == clips[i].h);
        CHECK_MSG(vi.has_audio == clips[i].audio, "%s audio %d", clips[i].name, vi.has_audio);
        CHECK_MSG(vi.fps > 11.9 && vi.fps < 30.1, "%s fps %g", clips[i].name, vi.fps);
        CHECK_MSG(mono, "%s: frame indices/pts not increasing", clips[i].name);
        printf("%-45s %3ld frames %dx%d %.3f fps codec %s audio %s (%.2f s)\n", clips[i].name, n, w, h, vi.fps,
               vi.video_codec, vi.has_audio ? vi.audio_codec : "-", vi.audio_duration);
    }
    /* rotation metadata: stored 480x640 with rotation -90 -> displayed 640x480 */
    {
        const char *p = test_shared_path("media/multi_selfie_faces_leave_frame_rot90meta_aac.mp4");
        fs_video_reader *r = NULL;
        CHECK(fs_video_open(p, NULL, &r, &err) == FS_OK);
        if (r) {
            const fs_video_info *vi = fs_video_reader_info(r);
            CHECK(vi->width == 640 && vi->height == 480 && vi->rotation == 90);
            CHECK(vi->frames == 511);
            fs_video_frame f;
            CHECK(fs_video_next(r, &f, &err) == FS_OK && f.image && f.image->w == 640 && f.image->h == 480);
            fs_video_close(r);
        }
    }
    /* max_frames */
    {
        const char *p = test_shared_path("media/codec_group_1s_h264_aac.mp4");
        fs_video_open_opts o;
        fs_video_open_opts_default(&o);
        o.max_frames = 7;
        fs_video_reader *r = NULL;
        CHECK(fs_video_open(p, &o, &r, &err) == FS_OK);
        long n = 0;
        fs_video_frame f;
        while (r && fs_video_next(r, &f, &err) == FS_OK && f.image) n++;
        CHECK(n == 7);
        CHECK(r && fs_video_reader_info(r)->frames == 7);
        fs_video_close(r);
    }
    static const char *broken[] = {"broken_audio_only_no_video.mp4", "broken_header_zeroed.mp4",
                                   "broken_mkv_subtitles_only_no_audio_video.mkv", "broken_mpf_bytes_deleted_from_middle.mp4",
                                   "broken_random_bytes.mp4", "broken_text_file.mp4", "broken_truncated_half_moov_first.mp4",
                                   "broken_truncated_moov_missing.mp4", "broken_zero_bytes.mp4"};
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "media/%s", broken[i]);
        const char *p = test_shared_path(rel);
        fs_video_info vi;
        int w, h, mono;
        fs_err e2 = {0};
        long n = decode_all(p, &vi, &w, &h, &mono, &e2);
        CHECK_MSG(n < 0, "%s decoded %ld frames without an error", broken[i], n);
        CHECK_MSG(strstr(e2.msg, broken[i]) != NULL, "message does not name the file: %s", e2.msg);
        CHECK(strchr(e2.msg, '\n') == NULL);
        printf("%-45s -> %s\n", broken[i], e2.msg);
    }
    return check_finish();
}
