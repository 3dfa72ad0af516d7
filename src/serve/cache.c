/* cache.c — what keeps scrubbing cheap under many requests: the last JPEG frames (LRU) and each
 * project's tracks (read again only when tracks.json changes). One decode at a time: concurrent
 * requests for the same frame wait for it and then share it. One studio per process (static). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/path.h"
#include "serve/srv.h"

#define FRAMES 48

typedef struct frame_entry {
    int project;
    long frame;
    unsigned char *jpg;
    size_t len;
    unsigned long stamp;
} frame_entry;

static struct {
    pthread_mutex_t mu;
    frame_entry e[FRAMES];
    unsigned long clock;
} fc = {PTHREAD_MUTEX_INITIALIZER, {{0}}, 0};

static int decode(const fs_srv_project *p, long frame, unsigned char **jpg, size_t *len, fs_err *err) {
    fs_video_reader *vr = NULL;
    fs_video_open_opts oo;
    fs_video_open_opts_default(&oo);
    oo.max_frames = frame + 1;
    if (fs_video_open(p->video, &oo, &vr, err)) return FS_ERR;
    fs_video_frame fr = {0};
    int rc = FS_OK;
    for (long i = 0; i <= frame && rc == FS_OK; i++) {
        rc = fs_video_next(vr, &fr, err);
        if (rc == FS_OK && !fr.image) rc = fs_errorf(err, "%s: frame %ld is past the end", p->video, frame);
    }
    if (rc == FS_OK) rc = fs_jpeg_encode(fr.image, 90, jpg, len, err);
    fs_video_close(vr);
    return rc;
}

static int copy_out(const frame_entry *e, unsigned char **out, size_t *len, fs_err *err) {
    *out = malloc(e->len);
    if (!*out) return fs_errorf(err, "out of memory");
    memcpy(*out, e->jpg, e->len);
    *len = e->len;
    return FS_OK;
}

int fs_srv_frame_jpeg(const fs_srv_project *p, long frame, unsigned char **out, size_t *len, fs_err *err) {
    pthread_mutex_lock(&fc.mu);
    int rc = FS_ERR, oldest = 0;
    for (int i = 0; i < FRAMES; i++) {
        frame_entry *e = &fc.e[i];
        if (e->jpg && e->project == p->id && e->frame == frame) {
            e->stamp = ++fc.clock;
            rc = copy_out(e, out, len, err);
            pthread_mutex_unlock(&fc.mu);
            return rc;
        }
        if (e->stamp < fc.e[oldest].stamp) oldest = i;
    }
    frame_entry *e = &fc.e[oldest];
    unsigned char *jpg = NULL;
    size_t n = 0;
    if (decode(p, frame, &jpg, &n, err) == FS_OK) {
        free(e->jpg);
        *e = (frame_entry){p->id, frame, jpg, n, ++fc.clock};
        rc = copy_out(e, out, len, err);
    }
    pthread_mutex_unlock(&fc.mu);
    return rc;
}

static struct {
    pthread_mutex_t mu;
    fs_aligned_tracks *t[FS_SRV_MAX_PROJECTS];
    long long stamp[FS_SRV_MAX_PROJECTS];
} tc = {PTHREAD_MUTEX_INITIALIZER, {0}, {0}};

static long long tracks_stamp(const fs_srv_project *p) {
    char path[FS_PATH_MAX];
    struct stat st;
    if (fs_path_join(path, sizeof path, p->dir, "tracks.json", NULL) || stat(path, &st) != 0) return -1;
    return (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec + st.st_size;
}

int fs_srv_with_tracks(const fs_srv_project *p, fs_tracks_fn fn, void *user, fs_err *err) {
    if (p->id < 0 || p->id >= FS_SRV_MAX_PROJECTS) return fs_errorf(err, "bad project");
    pthread_mutex_lock(&tc.mu);
    long long stamp = tracks_stamp(p);
    int rc = FS_OK;
    if (!tc.t[p->id] || tc.stamp[p->id] != stamp) {
        fs_aligned_tracks_destroy(tc.t[p->id]);
        tc.t[p->id] = NULL;
        rc = fs_srv_project_tracks(p, &tc.t[p->id], err);
        tc.stamp[p->id] = tc.t[p->id] ? stamp : -2;
    }
    if (rc == FS_OK) fn(user, tc.t[p->id]);
    pthread_mutex_unlock(&tc.mu);
    return rc;
}
