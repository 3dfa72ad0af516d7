/* select.c — which frames (fs_frame_range) and which faces (fs_face_pick) a run works on, parsed
 * once from text into typed values, formatted back the same way for the manifest. */
#include "pipeline/project/project.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* one end of a range: "2.5s" (seconds) or "f75" (frame); empty = open. 1 when good. */
static int range_end(const char *t, size_t n, double *v, unsigned char *is_frame, unsigned char *open) {
    char buf[32];
    *v = 0, *is_frame = 0, *open = n == 0;
    if (n == 0) return 1;
    if (n >= sizeof buf) return 0;
    memcpy(buf, t, n);
    buf[n] = 0;
    char *end = NULL;
    if (buf[0] == 'f') {
        *v = strtod(buf + 1, &end);
        *is_frame = 1;
        return end != buf + 1 && !*end && *v >= 0 && *v <= 1e12 && *v == floor(*v);
    }
    *v = strtod(buf, &end);
    return end != buf && end[0] == 's' && !end[1] && *v >= 0 && *v <= 1e9;
}

int fs_frame_range_parse(const char *text, fs_frame_range *r, fs_err *err) {
    memset(r, 0, sizeof *r);
    if (!text || !text[0]) return FS_OK;
    const char *colon = strchr(text, ':');
    if (!colon || strchr(colon + 1, ':') ||
        !range_end(text, (size_t)(colon - text), &r->from, &r->from_frame, &r->from_open) ||
        !range_end(colon + 1, strlen(colon + 1), &r->to, &r->to_frame, &r->to_open)) {
        memset(r, 0, sizeof *r);
        return fs_errorf(err, "'%s': expected FROM:TO with times like 2.5s or frames like f75 (either may be empty)",
                         text);
    }
    r->set = 1;
    /* ends in the same unit can be checked without the video's fps */
    if (!r->to_open && !r->from_open && r->from_frame == r->to_frame && r->to <= r->from) {
        memset(r, 0, sizeof *r);
        return fs_errorf(err, "'%s' is empty", text);
    }
    return FS_OK;
}

static int64_t end_frames(double v, int is_frame, double fps) {
    return is_frame ? (int64_t)v : (int64_t)llround(v * fps);
}

int fs_frame_range_frames(const fs_frame_range *r, double fps, int64_t *from, int64_t *to, fs_err *err) {
    *from = 0;
    *to = INT64_MAX;
    if (!r || !r->set) return FS_OK;
    if ((!r->from_frame && !r->from_open) || (!r->to_frame && !r->to_open))
        if (!(fps > 0)) return fs_errorf(err, "range in seconds on a video without a frame rate");
    if (!r->from_open) *from = end_frames(r->from, r->from_frame, fps);
    if (!r->to_open) *to = end_frames(r->to, r->to_frame, fps);
    if (*to <= *from) {
        char t[64];
        fs_frame_range_format(r, t, sizeof t);
        return fs_errorf(err, "range '%s' is empty at %.3f fps", t, fps);
    }
    return FS_OK;
}

static int end_format(char *buf, size_t n, double v, int is_frame, int open) {
    if (open) return snprintf(buf, n, "%s", "");
    return is_frame ? snprintf(buf, n, "f%.0f", v) : snprintf(buf, n, "%.9gs", v);
}

void fs_frame_range_format(const fs_frame_range *r, char *buf, size_t n) {
    if (!n) return;
    buf[0] = 0;
    if (!r || !r->set) return;
    char a[40], b[40];
    end_format(a, sizeof a, r->from, r->from_frame, r->from_open);
    end_format(b, sizeof b, r->to, r->to_frame, r->to_open);
    snprintf(buf, n, "%s:%s", a, b);
}

int fs_frame_range_equal(const fs_frame_range *a, const fs_frame_range *b) {
    char x[64], y[64];
    fs_frame_range_format(a, x, sizeof x);
    fs_frame_range_format(b, y, sizeof y);
    return strcmp(x, y) == 0;
}

int fs_face_pick_parse(const char *text, fs_face_pick *f, fs_err *err) {
    memset(f, 0, sizeof *f);
    if (!text || !strcmp(text, "all")) return FS_OK;
    if (!strcmp(text, "largest")) {
        f->kind = FS_FACE_LARGEST;
        return FS_OK;
    }
    char *end = NULL;
    long id = strtol(text, &end, 10);
    if (!*text || *end || id < 0 || id > 1000000)
        return fs_errorf(err, "'%s': expected all, largest or a track id (a number)", text);
    f->kind = FS_FACE_ID;
    f->id = (int)id;
    return FS_OK;
}

void fs_face_pick_format(const fs_face_pick *f, char *buf, size_t n) {
    if (!f || f->kind == FS_FACE_ALL) snprintf(buf, n, "all");
    else if (f->kind == FS_FACE_LARGEST) snprintf(buf, n, "largest");
    else snprintf(buf, n, "%d", f->id);
}

int fs_project_select_tracks(const fs_project *p, const fs_face_pick *face, int *sel, fs_err *err) {
    int n = p->tracks->count;
    if (!face || face->kind == FS_FACE_ALL) {
        for (int k = 0; k < n; k++) sel[k] = 1;
        return FS_OK;
    }
    memset(sel, 0, sizeof(int) * (size_t)n);
    if (face->kind == FS_FACE_LARGEST) {
        int best = -1;
        double best_area = -1;
        for (int k = 0; k < n; k++) {
            double a = 0;
            const fs_aligned_track *t = &p->tracks->t[k];
            for (int i = 0; i < t->n; i++) a += (t->box[i][2] - t->box[i][0]) * (t->box[i][3] - t->box[i][1]);
            /* the sum over frames: a face that is large AND present long */
            if (a > best_area) best_area = a, best = k;
        }
        if (best >= 0) sel[best] = 1;
        return FS_OK;
    }
    for (int k = 0; k < n; k++)
        if (p->tracks->t[k].id == face->id) {
            sel[k] = 1;
            return FS_OK;
        }
    return fs_errorf(err, "face %d: no face track with that id (see tracks.json)", face->id);
}
