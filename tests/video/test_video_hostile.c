/* test_video_hostile.c — damaged copies of real clips (truncations, flipped bytes in the header and
 * in the data) either decode or fail with a message naming the file: never a crash or a hang.
 * Run under ASan by scripts/test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/fileio.h"
#include "core/log.h"
#include "video/video.h"

static int decode(const char *path, long *frames, fs_err *err) {
    fs_video_open_opts o;
    fs_video_open_opts_default(&o);
    o.max_frames = 40;
    fs_video_reader *r = NULL;
    *frames = 0;
    if (fs_video_open(path, &o, &r, err)) return FS_ERR;
    fs_video_frame f;
    int rc;
    while ((rc = fs_video_next(r, &f, err)) == FS_OK && f.image) {
        (*frames)++;
        if (f.image->w != fs_video_reader_info(r)->width || f.image->h != fs_video_reader_info(r)->height) {
            fs_video_close(r);
            return fs_errorf(err, "size mismatch");
        }
    }
    fs_video_close(r);
    return rc;
}

int main(void) {
    static const char *clips[] = {"codec_group_1s_h264_aac.mp4", "codec_group_1s_vp8_opus.webm",
                                  "codec_group_1s_xvid_aac.avi", "codec_group_1s_theora_vorbis.ogg"};
    fs_log_set_verbosity(0);
    char tmp[] = "/tmp/fs_test_hostile_XXXXXX";
    CHECK(mkdtemp(tmp) != NULL);
    unsigned seed = 12345;
    int ok = 0, failed = 0;
    for (size_t c = 0; c < sizeof clips / sizeof clips[0]; c++) {
        char rel[256];
        snprintf(rel, sizeof rel, "media/%s", clips[c]);
        const char *src = test_shared_path(rel);
        unsigned char *data = NULL;
        size_t len = 0;
        fs_err err;
        CHECK(fs_read_file(src, &data, &len, &err) == FS_OK);
        if (!data) continue;
        unsigned char *m = malloc(len);
        for (int k = 0; k < 10; k++) {
            memcpy(m, data, len);
            size_t n = len;
            if (k < 3) {
                n = len * (size_t)(k + 1) / 5; /* truncation */
            } else {
                int flips = k < 6 ? 8 : 64;
                size_t span = k % 2 ? 4096 : len; /* header or anywhere */
                if (span > len) span = len;
                for (int i = 0; i < flips; i++) {
                    seed = seed * 1103515245u + 12345u;
                    size_t pos = (seed >> 8) % span;
                    m[pos] ^= (unsigned char)(1u << ((seed >> 4) & 7));
                }
            }
            char path[600];
            const char *ext = strrchr(clips[c], '.');
            snprintf(path, sizeof path, "%s/m%zu_%d%s", tmp, c, k, ext);
            CHECK(fs_write_file_atomic(path, m, n, &err) == FS_OK);
            long frames = 0;
            fs_err e2 = {0};
            int rc = decode(path, &frames, &e2);
            if (rc == FS_OK) ok++;
            else {
                failed++;
                CHECK_MSG(strstr(e2.msg, path) != NULL || !strcmp(e2.msg, "size mismatch"), "message: %s", e2.msg);
                CHECK_MSG(strcmp(e2.msg, "size mismatch") != 0, "%s: frame size differs from the reported size", path);
            }
            unlink(path);
        }
        free(m);
        free(data);
    }
    rmdir(tmp);
    printf("OK %d damaged files decoded, %d refused with a message, none crashed\n", ok, failed);
    return check_finish();
}
