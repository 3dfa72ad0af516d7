/* test_video_stream.c — frames stream through: decoding + encoding a 17 s clip (521 frames, with
 * audio copy) does not grow the memory after the first frames. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "check.h"
#include "video/video.h"

static long rss_kb(void) {
    FILE *fp = fopen("/proc/self/status", "r");
    if (!fp) return -1;
    char line[256];
    long v = -1;
    while (fgets(line, sizeof line, fp))
        if (!strncmp(line, "VmRSS:", 6)) sscanf(line + 6, "%ld", &v);
    fclose(fp);
    return v;
}

int main(void) {
#if defined(__SANITIZE_ADDRESS__)
    const int sanitized = 1;
#else
    const int sanitized = 0;
#endif
    const char *src = test_shared_path("media/multi_hikers_enter_leave_640x480_aac.mp4");
    fs_err err = {0};
    fs_video_open_opts o;
    fs_video_open_opts_default(&o);
    if (sanitized) o.max_frames = 150; /* ASan's quarantine makes RSS meaningless; just run it */
    fs_video_reader *r = NULL;
    CHECK(fs_video_open(src, &o, &r, &err) == FS_OK);
    if (!r) return check_finish();
    char out[] = "/tmp/fs_test_stream_XXXXXX.mp4";
    int fd = mkstemps(out, 4);
    CHECK(fd >= 0);
    close(fd);
    fs_video_writer_opts wo;
    fs_video_writer_opts_default(&wo);
    wo.preset = "ultrafast";
    wo.audio_from = src;
    fs_video_writer *w = NULL;
    CHECK(fs_video_writer_open(out, fs_video_reader_info(r), &wo, &w, &err) == FS_OK);
    fs_video_frame f;
    long n = 0, rss_early = 0, rss_peak = 0;
    while (w && fs_video_next(r, &f, &err) == FS_OK && f.image) {
        CHECK(fs_video_write(w, f.image, f.pts, &err) == FS_OK);
        n++;
        long rss = rss_kb();
        if (n == 80) rss_early = rss;
        if (rss > rss_peak) rss_peak = rss;
    }
    CHECK(w && fs_video_writer_close(w, &err) == FS_OK);
    fs_video_close(r);
    CHECK(n == (sanitized ? 150 : 521));
    fs_video_info vi;
    CHECK(fs_video_probe(out, &vi, &err) == FS_OK && vi.frames == n && vi.has_audio);
    unlink(out);
    printf("frames %ld, RSS after 80 frames %ld KiB, peak %ld KiB (growth %ld KiB)\n", n, rss_early, rss_peak,
           rss_peak - rss_early);
    if (!sanitized) CHECK_MSG(rss_peak - rss_early < 24 * 1024, "memory grew by %ld KiB while streaming", rss_peak - rss_early);
    return check_finish();
}
