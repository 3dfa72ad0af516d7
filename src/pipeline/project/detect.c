/* detect.c — pass 1: decode, detect + track faces (face/track.h) chunk by chunk (tracklets.h), join
 * the chunks and align the tracks; and the --debug overlay video.
 *
 * A chunk is `track_chunk` frames (0: the whole video is one chunk), tracked by a tracker that starts
 * FS_TRACK_CHUNK_WARMUP frames before it. Every chunk goes through its JSON text (tracklets.c), read back
 * at once by `faces` or stored in DIR/tracklets by `align`, so the tracks of a project equal those of `faces`. */
#include "pipeline/project/project.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fileio.h"
#include "core/log.h"
#include "face/align.h"
#include "image/image_ops.h"
#include "pipeline/project/face_finder.h"
#include "pipeline/project/tracklets.h"

/* Where the chunks' texts go: DIR/tracklets/cNNNNNN.json, or a list in memory (dir NULL). */
typedef struct chunk_store {
    const char *dir;
    char settings[192]; /* the settings text of fs_track_chunk */
    fs_track_chunk *mem; /* by chunk index (memory): each read back from its text, as from a file */
    int64_t n, cap;
} chunk_store;

/* What the tracklets depend on besides the video and the chunk: a chunk stored with other settings is tracked again. */
static void settings_text(const fs_project_settings *s, char *buf, size_t n) {
    char range[64];
    fs_frame_range_format(&s->range, range, sizeof range);
    snprintf(buf, n, "detector %s landmarks %s max_frames %lld range %s warmup %d", s->detector, s->landmarks,
             (long long)s->max_frames, range[0] ? range : "all", FS_TRACK_CHUNK_WARMUP);
}

static int chunk_path(const chunk_store *st, int64_t c, char *buf, size_t n, fs_err *err) {
    return fs_path_fmt(buf, n, err, "%s/tracklets/c%06lld.json", st->dir, (long long)c);
}

/* Chunk c as stored (its text read and parsed; in memory: moved out of the store): FS_OK and *c filled, or
 * FS_ERR (missing or damaged: err says which). */
static int chunk_load(chunk_store *st, int64_t c, int64_t chunk, fs_track_chunk *out, fs_err *err) {
    if (!st->dir) {
        if (c >= st->n || !st->mem[c].tracklets) return fs_errorf(err, "tracklets of chunk %lld missing", (long long)c);
        *out = st->mem[c];
        memset(&st->mem[c], 0, sizeof st->mem[c]);
        return FS_OK;
    }
    char path[FS_PATH_MAX];
    if (chunk_path(st, c, path, sizeof path, err)) return FS_ERR;
    unsigned char *data = NULL;
    size_t len = 0;
    if (fs_read_file(path, &data, &len, err)) return FS_ERR;
    int rc = fs_track_chunk_parse((const char *)data, len, path, c, chunk, out, err);
    free(data);
    if (!rc && strcmp(out->settings, st->settings)) {
        rc = fs_errorf(err, "%s: tracked with other settings (%s)", path, out->settings);
        fs_track_chunk_clear(out);
    }
    return rc;
}

/* 1 when chunk c is stored and readable (*eof: the video ended in it), else 0. */
static int chunk_stored(chunk_store *st, int64_t c, int64_t chunk, int *eof) {
    if (!st->dir) return 0;
    char path[FS_PATH_MAX];
    if (chunk_path(st, c, path, sizeof path, NULL) || !fs_file_exists(path)) return 0;
    fs_track_chunk ch = {0};
    fs_err e = {0};
    if (chunk_load(st, c, chunk, &ch, &e)) {
        fs_warn("%s; tracking that chunk again", e.msg);
        return 0;
    }
    *eof = ch.eof;
    fs_track_chunk_clear(&ch);
    return 1;
}

static int chunk_save(chunk_store *st, const fs_track_chunk *c, int64_t chunk, fs_err *err) {
    char *text = NULL;
    if (fs_track_chunk_to_json(c, chunk, &text, err)) return FS_ERR;
    if (st->dir) {
        char path[FS_PATH_MAX];
        int rc = chunk_path(st, c->index, path, sizeof path, err);
        if (!rc) rc = fs_write_file_atomic(path, text, strlen(text), err);
        free(text);
        return rc;
    }
    if (c->index >= st->cap) {
        int64_t cap = st->cap ? st->cap * 2 : 16;
        while (cap <= c->index) cap *= 2;
        fs_track_chunk *t = realloc(st->mem, sizeof *t * (size_t)cap);
        if (!t) {
            free(text);
            return fs_errorf(err, "out of memory");
        }
        memset(t + st->cap, 0, sizeof *t * (size_t)(cap - st->cap));
        st->mem = t;
        st->cap = cap;
    }
    fs_track_chunk_clear(&st->mem[c->index]);
    int rc = fs_track_chunk_parse(text, strlen(text), "tracklets", c->index, chunk, &st->mem[c->index], err);
    free(text);
    if (c->index >= st->n) st->n = c->index + 1;
    return rc;
}

static void chunk_store_clear(chunk_store *st) {
    for (int64_t c = 0; c < st->n; c++) fs_track_chunk_clear(&st->mem[c]);
    free(st->mem);
}

/* The first chunk of [c0, end) still to track, or -1 when all are stored (up to one where the video ended). */
static int64_t first_missing(chunk_store *st, int64_t c0, int64_t end, int64_t chunk) {
    for (int64_t c = c0; c < end; c++) {
        int eof = 0;
        if (!chunk_stored(st, c, chunk, &eof)) return c;
        if (eof) return -1;
    }
    return -1;
}

/* The trackers and the frames they see while the chunks [c0, end) are decoded: tr tracks the current
 * chunk; warm, during the last FS_TRACK_CHUNK_WARMUP frames before a chunk (at most a chunk), tracks
 * towards it, so that the chunk starts with the faces seen before it (not only those a full
 * detection finds in its first frame). Observations before a chunk's first frame are dropped. */
typedef struct chunk_run {
    fs_face_tracker *tr, *warm;
    chunk_store *st;
    int64_t chunk, warmup, from, until; /* chunk frames, warm-up frames; --range as frames */
    fs_track_chunk cur;                 /* index (-1 before the first), decoded so far */
    int tracking, tracked;              /* cur is to be tracked (not stored yet); frames pushed in it */
    int64_t warm_for;                   /* chunk warm tracks towards (-1: none) */
    int warm_tracking;                  /* that chunk is to be tracked */
} chunk_run;

static void chunk_begin(chunk_run *r, int64_t c) {
    int eof = 0;
    r->cur.index = c;
    r->cur.decoded = 0;
    r->tracked = 0;
    if (r->warm_for == c) { /* the warmed-up tracker goes on into its chunk */
        fs_face_tracker *t = r->tr;
        r->tr = r->warm;
        r->warm = t;
        r->tracking = r->warm_tracking;
    } else {
        fs_face_tracker_reset(r->tr);
        r->tracking = !chunk_stored(r->st, c, r->chunk, &eof);
    }
    r->warm_for = -1;
}

/* Only the observations of frames >= lo: the warm-up's are dropped (and tracklets left empty). */
static void drop_before(fs_face_tracks *t, int64_t lo) {
    int m = 0;
    for (int k = 0; k < t->count; k++) {
        fs_face_track *tk = &t->tracks[k];
        int j = 0;
        while (j < tk->count && tk->obs[j].frame < lo) j++;
        memmove(tk->obs, tk->obs + j, sizeof *tk->obs * (size_t)(tk->count - j));
        tk->count -= j;
        if (!tk->count) {
            free(tk->obs);
            continue;
        }
        tk->id = m;
        t->tracks[m++] = *tk;
    }
    t->count = m;
}

static int chunk_end(chunk_run *r, int eof, fs_err *err) {
    if (!r->tracking) return FS_OK;
    r->cur.eof = eof;
    snprintf(r->cur.settings, sizeof r->cur.settings, "%s", r->st->settings);
    if (fs_face_tracker_take_tracklets(r->tr, &r->cur.tracklets, err)) return FS_ERR;
    drop_before(r->cur.tracklets, r->cur.index * r->chunk);
    r->cur.tracklets->frames = r->tracked;
    int rc = chunk_save(r->st, &r->cur, r->chunk, err);
    fs_face_tracks_destroy(r->cur.tracklets);
    r->cur.tracklets = NULL;
    return rc;
}

/* Frame f (of chunk cf >= c0, or before c0) into the current chunk and the warm-up of the next. */
static int chunk_push(chunk_run *r, const fs_video_frame *f, int64_t cf, int64_t c0, int64_t end, fs_err *err) {
    int in_range = f->index >= r->from && f->index < r->until, rc = FS_OK;
    if (cf >= c0) {
        r->cur.decoded++;
        if (r->tracking && in_range) {
            rc = fs_face_tracker_push(r->tr, f->image, (int)f->index, err);
            r->tracked++;
        }
    }
    int64_t nc = cf + 1;
    if (rc || !r->chunk || nc < c0 || nc >= end || f->index < nc * r->chunk - r->warmup) return rc;
    if (r->warm_for != nc) {
        int eof = 0;
        fs_face_tracker_reset(r->warm);
        r->warm_for = nc;
        r->warm_tracking = !chunk_stored(r->st, nc, r->chunk, &eof);
    }
    return r->warm_tracking && in_range ? fs_face_tracker_push(r->warm, f->image, (int)f->index, err) : FS_OK;
}

/* Decodes the video up to the end of chunk end-1 (end < 0: to its end) and tracks the chunks of [c0, end)
 * that are not stored yet. */
static int track_chunks(const char *video, const fs_project_settings *s, chunk_store *st, int64_t c0, int64_t end,
                        fs_err *err) {
    int64_t K = s->track_chunk;
    if (end < 0) end = INT64_MAX;
    if (first_missing(st, c0, end, K) < 0) return FS_OK; /* every chunk stored: nothing to decode */
    fs_video_open_opts vo;
    fs_video_open_opts_default(&vo);
    vo.max_frames = s->max_frames;
    fs_video_reader *rd = NULL;
    if (fs_video_open(video, &vo, &rd, err)) return FS_ERR;
    const fs_video_info *vi = fs_video_reader_info(rd);
    fs_face_tracker_opts to;
    fs_face_tracker_opts_default(&to);
    fs_face_finder *ff = NULL;
    chunk_run r = {NULL, NULL, st, K, K < FS_TRACK_CHUNK_WARMUP ? K : FS_TRACK_CHUNK_WARMUP, 0, 0, {0}, 0, 0, -1, 0};
    r.cur.index = -1;
    int rc = fs_face_finder_create(fs_face_finder_resolve_detector(s->detector), s->landmarks[0] ? s->landmarks : "dlib",
                                   &ff, err);
    if (!rc) {
        to.detector = fs_face_finder_hook(ff);
        rc = fs_face_tracker_create(&to, &r.tr, err);
    }
    if (!rc && K) rc = fs_face_tracker_create(&to, &r.warm, err);
    /* --range: faces only in frames [from, to); the other frames are decoded (and counted) only */
    if (!rc) rc = fs_frame_range_frames(&s->range, vi->fps, &r.from, &r.until, err);
    fs_progress pg;
    fs_progress_begin(&pg, "faces", vi->frames);
    fs_video_frame f = {0};
    while (!rc && (rc = fs_video_next(rd, &f, err)) == FS_OK && f.image) {
        int64_t cf = K ? f.index / K : 0;
        if (cf >= end) { /* past this run of chunks: the last one is complete */
            if (r.cur.index >= 0) rc = chunk_end(&r, 0, err);
            break;
        }
        if (cf >= c0 && cf != r.cur.index) { /* the frame starts a chunk */
            if (r.cur.index >= 0) rc = chunk_end(&r, 0, err);
            chunk_begin(&r, cf);
        }
        if (!rc) rc = chunk_push(&r, &f, cf, c0, end, err);
        fs_progress_step(&pg, 1, NULL);
        if (!rc && fs_should_abort()) rc = fs_errorf(err, "%s: interrupted", video);
    }
    if (!rc && !f.image) { /* the video ended in this chunk (or before c0: c0 is empty) */
        if (r.cur.index < 0) chunk_begin(&r, c0);
        rc = chunk_end(&r, 1, err);
    }
    fs_progress_end(&pg);
    fs_video_close(rd);
    fs_face_tracker_destroy(r.tr);
    fs_face_tracker_destroy(r.warm);
    fs_face_finder_destroy(ff);
    return rc;
}

/* Joins the stored chunks 0, 1, ... up to the one where the video ended into aligned tracks. */
static int join_chunks(chunk_store *st, const fs_project_settings *s, const fs_video_info *vi,
                       fs_aligned_tracks **out, fs_err *err) {
    int64_t K = s->track_chunk, n = 0, cap = 0;
    fs_track_chunk *cs = NULL;
    int rc = FS_OK, eof = 0, tracked = 0;
    while (!rc && !eof) {
        if (n == cap) {
            fs_track_chunk *q = realloc(cs, sizeof *q * (size_t)(cap = cap ? 2 * cap : 16));
            if (!q) {
                rc = fs_errorf(err, "out of memory");
                break;
            }
            cs = q;
        }
        if ((rc = chunk_load(st, n, K, &cs[n], err))) break;
        eof = cs[n].eof;
        tracked += cs[n++].tracklets->frames;
    }
    const fs_face_tracks **chunks = rc ? NULL : malloc(sizeof *chunks * (size_t)(n ? n : 1));
    if (!rc && !chunks) rc = fs_errorf(err, "out of memory");
    for (int64_t c = 0; !rc && c < n; c++) chunks[c] = cs[c].tracklets;
    fs_face_tracks *ft = NULL;
    fs_face_tracker_opts to;
    fs_face_tracker_opts_default(&to);
    if (!rc) rc = fs_face_tracks_join(chunks, (int)n, &to, tracked, &ft, err);
    int frames = n ? (int)((n - 1) * K + cs[n - 1].decoded) : 0;
    if (!rc) rc = fs_aligned_tracks_from_faces(ft, frames, vi->fps, vi->width, vi->height, s, out, err);
    fs_face_tracks_destroy(ft);
    free(chunks);
    for (int64_t c = 0; c < n; c++) fs_track_chunk_clear(&cs[c]);
    free(cs);
    return rc;
}

int fs_project_track_chunks(const char *video, const fs_project_settings *s, const char *dir, int64_t c0, int64_t end,
                            fs_err *err) {
    char sub[FS_PATH_MAX];
    chunk_store st = {dir, "", NULL, 0, 0};
    settings_text(s, st.settings, sizeof st.settings);
    if (fs_path_join(sub, sizeof sub, dir, "tracklets", err) || fs_mkdirs(sub, err)) return FS_ERR;
    return track_chunks(video, s, &st, c0, end, err);
}

static void report(const char *video, const fs_project_settings *s, const fs_aligned_tracks *t) {
    if (t->count == 0 && s->range.set) {
        char rtext[64];
        fs_frame_range_format(&s->range, rtext, sizeof rtext);
        fs_warn("%s: no face found in the range %s", video, rtext);
    } else if (t->count == 0) {
        fs_warn("%s: no face found in %d frames", video, t->frames);
    } else {
        fs_verbose("%s: %d face track(s) in %d frames", video, t->count, t->frames);
    }
}

int fs_project_join_track_chunks(const char *video, const fs_project_settings *s, const char *dir,
                                 fs_aligned_tracks **out, fs_err *err) {
    fs_video_info vi;
    chunk_store st = {dir, "", NULL, 0, 0};
    settings_text(s, st.settings, sizeof st.settings);
    if (fs_video_probe(video, &vi, err) || join_chunks(&st, s, &vi, out, err)) return FS_ERR;
    report(video, s, *out);
    return FS_OK;
}

int fs_project_detect_tracks(const char *video, const fs_project_settings *s, const char *debug_video, fs_aligned_tracks **out,
                     fs_err *err) {
    fs_video_info vi;
    chunk_store st = {NULL, "", NULL, 0, 0};
    settings_text(s, st.settings, sizeof st.settings);
    int rc = fs_video_probe(video, &vi, err);
    if (!rc) rc = track_chunks(video, s, &st, 0, -1, err);
    if (!rc) rc = join_chunks(&st, s, &vi, out, err);
    chunk_store_clear(&st);
    if (rc) return FS_ERR;
    report(video, s, *out);
    if (debug_video && fs_project_write_debug_video(video, *out, s->max_frames, debug_video, err)) {
        fs_aligned_tracks_destroy(*out);
        *out = NULL;
        return FS_ERR;
    }
    return FS_OK;
}
