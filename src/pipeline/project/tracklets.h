/* tracklets.h — pass 1 cut into chunks of a fixed number of frames (the `track_chunk` parameter,
 * independent of the number of processes): each chunk is tracked by a fresh tracker, its tracklets
 * (face/track.h: fs_face_tracker_take_tracklets) are stored as DIR/tracklets/cNNNNNN.json, and the
 * chunks are joined in order into tracks (fs_face_tracks_join). One process and N ranks run the same
 * chunks, so they make the same tracks; a chunk already stored is not tracked again (resume).
 *
 *   fs_track_chunk c = {0};
 *   fs_track_chunk_parse(text, len, "DIR/tracklets/c000003.json", 3, 100, &c, &err);
 *   ... c.tracklets->tracks[k].obs[j] ...
 *   fs_track_chunk_clear(&c);
 */
#ifndef FS_PIPELINE_PROJECT_TRACKLETS_H
#define FS_PIPELINE_PROJECT_TRACKLETS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "face/track.h"

#define FS_TRACK_CHUNK_FORMAT "facestitch-tracklets"
#define FS_TRACK_CHUNK_VERSION 1
#define FS_TRACK_CHUNK_MAX_FACES 4096 /* tracklets in one chunk file */
/* A chunk's tracker starts this many frames before it (at most a chunk), observations there dropped:
 * faces seen before the chunk are followed into it as one sequential pass follows them. */
#define FS_TRACK_CHUNK_WARMUP 30

typedef struct fs_track_chunk {
    int64_t index;              /* chunk c: frames [c * chunk, (c + 1) * chunk); chunk 0 = all frames */
    int64_t decoded;            /* frames of the chunk the video has (fewer in the last one) */
    int eof;                    /* the video ended in this chunk (decoded < chunk, or chunk == 0) */
    char settings[192];         /* what else the tracklets depend on (detector, landmarks, ...), as text */
    fs_face_tracks *tracklets;  /* frames = frames tracked (inside --range) */
} fs_track_chunk;

/* The chunk as JSON text (malloc'd, NUL-terminated); floats printed to round-trip exactly. */
int fs_track_chunk_to_json(const fs_track_chunk *c, int64_t chunk, char **text, fs_err *err);
/* Untrusted text: checks format, version, that it is chunk `index` of `chunk` frames, and that every
 * observation lies in the chunk's frames, in increasing order, with finite numbers. `name` names it
 * in errors. On failure *c is untouched. */
int fs_track_chunk_parse(const char *text, size_t len, const char *name, int64_t index, int64_t chunk,
                         fs_track_chunk *c, fs_err *err);
void fs_track_chunk_clear(fs_track_chunk *c);

#endif
