/* track_join.c — tracklets of consecutive chunks joined into tracks, short gaps filled, short tracks
 * dropped (see track.h). One chunk is what fs_face_tracker_finish returns. */
#include "face/track.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NLM FS_FACE_NUM_LANDMARKS

/* A track being joined: its observations, gathered from the chunks' tracklets. */
typedef struct joined {
    int count, cap;
    fs_face_obs *obs;
} joined;

static int append(joined *j, const fs_face_obs *o, int n) {
    if (j->count + n > j->cap) {
        int cap = j->cap ? j->cap : 64;
        while (cap < j->count + n) cap *= 2;
        fs_face_obs *p = realloc(j->obs, sizeof *p * (size_t)cap);
        if (!p) return FS_ERR;
        j->obs = p;
        j->cap = cap;
    }
    memcpy(j->obs + j->count, o, sizeof *o * (size_t)n);
    j->count += n;
    return FS_OK;
}

/* The tracker's resume rule between the last observation a of a track and the first b of a
 * tracklet: centres closer than half a's side, sides within 0.67..1.5. Returns the centre distance
 * in a's sides, or -1 when they do not match. */
static float link_cost(const fs_face_obs *a, const fs_face_obs *b, int max_gap) {
    int gap = b->frame - a->frame;
    if (gap < 1 || gap > max_gap + 1) return -1;
    float sz = a->box[2] - a->box[0], sj = b->box[2] - b->box[0];
    float dx = (a->box[0] + a->box[2] - b->box[0] - b->box[2]) / 2, dy = (a->box[1] + a->box[3] - b->box[1] - b->box[3]) / 2;
    float dist = sqrtf(dx * dx + dy * dy);
    if (!(sz > 0) || !(dist < 0.5f * sz) || !(sj > 0.67f * sz) || !(sj < 1.5f * sz)) return -1;
    return dist / sz;
}

typedef struct pair {
    float cost;
    int a, b; /* joined track, tracklet of the chunk */
} pair;

static int cmp_pair(const void *x, const void *y) {
    const pair *p = x, *q = y;
    if (p->cost != q->cost) return p->cost < q->cost ? -1 : 1;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    return (p->b > q->b) - (p->b < q->b);
}

/* The tracklets of chunk ch continue the tracks of the earlier chunks (js[0..*nj)) they match, best
 * pairs first; the others start new tracks. */
static int join_chunk(joined *js, int *nj, const fs_face_tracks *ch, int max_gap) {
    int nold = *nj, np = 0, rc = FS_OK;
    pair *ps = malloc(sizeof *ps * (size_t)(nold * ch->count > 0 ? nold * ch->count : 1));
    int *taken = calloc((size_t)(nold > 0 ? nold : 1), sizeof *taken), *to = malloc(sizeof *to * (size_t)(ch->count ? ch->count : 1));
    if (!ps || !taken || !to) rc = FS_ERR;
    for (int a = 0; !rc && a < nold; a++)
        for (int b = 0; b < ch->count; b++) {
            if (!ch->tracks[b].count) continue;
            float c = link_cost(&js[a].obs[js[a].count - 1], &ch->tracks[b].obs[0], max_gap);
            if (c >= 0) ps[np++] = (pair){c, a, b};
        }
    if (!rc) {
        qsort(ps, (size_t)np, sizeof *ps, cmp_pair);
        for (int b = 0; b < ch->count; b++) to[b] = -1;
        for (int k = 0; k < np; k++)
            if (!taken[ps[k].a] && to[ps[k].b] < 0) taken[ps[k].a] = 1, to[ps[k].b] = ps[k].a;
    }
    for (int b = 0; !rc && b < ch->count; b++) {
        if (!ch->tracks[b].count) continue;
        int a = to[b] >= 0 ? to[b] : (*nj)++;
        rc = append(&js[a], ch->tracks[b].obs, ch->tracks[b].count);
    }
    free(ps);
    free(taken);
    free(to);
    return rc;
}

/* t's observations with gaps of at most max_gap frames filled by linear interpolation. */
static int fill_gaps(const joined *t, int max_gap, fs_face_track *ft) {
    int n = 0;
    for (int k = 0; k < t->count; k++) {
        int gap = k + 1 < t->count ? t->obs[k + 1].frame - t->obs[k].frame - 1 : 0;
        n += 1 + (gap > 0 && gap <= max_gap ? gap : 0);
    }
    fs_face_obs *o = malloc(sizeof *o * (size_t)n);
    if (!o) return FS_ERR;
    int m = 0;
    for (int k = 0; k < t->count; k++) {
        o[m++] = t->obs[k];
        if (k + 1 >= t->count) continue;
        const fs_face_obs *a = &t->obs[k], *b = &t->obs[k + 1];
        int gap = b->frame - a->frame - 1;
        if (gap <= 0 || gap > max_gap) continue;
        for (int g = 1; g <= gap; g++) {
            float w = (float)g / (gap + 1);
            fs_face_obs *q = &o[m++];
            q->frame = a->frame + g;
            q->interpolated = 1;
            for (int c = 0; c < 4; c++) q->box[c] = a->box[c] + w * (b->box[c] - a->box[c]);
            for (int p = 0; p < NLM; p++)
                for (int c = 0; c < 2; c++) q->lm[p][c] = a->lm[p][c] + w * (b->lm[p][c] - a->lm[p][c]);
        }
    }
    ft->count = m;
    ft->obs = o;
    return FS_OK;
}

static int cmp_first_frame(const void *a, const void *b) {
    const fs_face_track *x = a, *y = b;
    int fx = x->count ? x->obs[0].frame : 0, fy = y->count ? y->obs[0].frame : 0;
    if (fx != fy) return fx < fy ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

int fs_face_tracks_join(const fs_face_tracks *const *chunks, int n, const fs_face_tracker_opts *o, int frames,
                        fs_face_tracks **out, fs_err *err) {
    int total = 0;
    for (int c = 0; c < n; c++) total += chunks[c]->count;
    joined *js = calloc((size_t)(total ? total : 1), sizeof *js);
    fs_face_tracks *res = calloc(1, sizeof *res);
    int nj = 0, rc = js && res ? FS_OK : FS_ERR;
    if (!rc) res->tracks = calloc((size_t)(total ? total : 1), sizeof *res->tracks);
    if (!rc && !res->tracks) rc = FS_ERR;
    for (int c = 0; !rc && c < n; c++) rc = join_chunk(js, &nj, chunks[c], o->max_gap);
    int min_len = o->min_track_len > frames ? frames : o->min_track_len;
    for (int a = 0; !rc && a < nj; a++) {
        if (js[a].count < 1 || js[a].count < min_len) continue;
        fs_face_track *ft = &res->tracks[res->count];
        ft->id = a;
        rc = fill_gaps(&js[a], o->max_gap, ft);
        if (!rc) res->count++;
    }
    for (int a = 0; js && a < nj; a++) free(js[a].obs);
    free(js);
    if (rc) {
        fs_face_tracks_destroy(res);
        return fs_errorf(err, "out of memory");
    }
    res->frames = frames;
    qsort(res->tracks, (size_t)res->count, sizeof *res->tracks, cmp_first_frame);
    for (int i = 0; i < res->count; i++) res->tracks[i].id = i;
    *out = res;
    return FS_OK;
}
