#include "pipeline/edit/edit_spec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_number(const char *s, const char *end, double *out) {
    char buf[64];
    size_t n = (size_t)(end - s);
    if (n == 0 || n >= sizeof buf) return 0;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *e = NULL;
    double v = strtod(buf, &e);
    if (*e || !isfinite(v)) return 0;
    *out = v;
    return 1;
}

/* "S" or "S@T" where T is "2s", "2.5", or "f120". */
static int parse_key(const char *s, const char *end, fs_keyframe *k, int *has_at, fs_err *err) {
    const char *at = memchr(s, '@', (size_t)(end - s));
    *has_at = at != NULL;
    if (!parse_number(s, at ? at : end, &k->strength))
        return fs_errorf(err, "edit: '%.*s' is not a strength (a number, e.g. -6 or 2.5)", (int)(end - s), s);
    k->at = 0;
    k->is_frame = 0;
    if (!at) return FS_OK;
    const char *t = at + 1;
    if (t < end && *t == 'f') {
        k->is_frame = 1;
        t++;
    }
    const char *tend = end;
    if (!k->is_frame && tend > t && tend[-1] == 's') tend--;
    if (!parse_number(t, tend, &k->at) || k->at < 0)
        return fs_errorf(err, "edit: '%.*s' is not a time (use seconds like 2s or frames like f120)",
                         (int)(end - at - 1), at + 1);
    if (k->is_frame && k->at != floor(k->at))
        return fs_errorf(err, "edit: frame number '%.*s' must be whole", (int)(end - at - 1), at + 1);
    return FS_OK;
}

static int validate_keys(const fs_edit *e, const int *has_at, fs_err *err) {
    if (e->nkeys == 1) return FS_OK;
    for (int i = 0; i < e->nkeys; i++) {
        if (!has_at[i])
            return fs_errorf(err, "edit: several values for '%s' need times (e.g. %s=0@0s,-6@2s)", e->name, e->name);
        if (i == 0) continue;
        if (e->keys[i].is_frame != e->keys[0].is_frame)
            return fs_errorf(err, "edit: '%s' mixes seconds and frame numbers", e->name);
        if (!(e->keys[i].at > e->keys[i - 1].at))
            return fs_errorf(err, "edit: '%s': keyframe times must increase", e->name);
    }
    return FS_OK;
}

int fs_edit_spec_parse(const char *text, fs_edit_spec *spec, fs_err *err) {
    fs_edit_spec tmp = *spec;
    int has_at[FS_EDIT_MAX_KEYS];
    fs_edit *cur = NULL;
    if (!*text) return fs_errorf(err, "edit: empty value (expected NAME=STRENGTH, e.g. age=-6)");
    const char *p = text;
    for (;;) {
        const char *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        if (end == p) return fs_errorf(err, "edit: empty item in '%s'", text);
        const char *eq = memchr(p, '=', (size_t)(end - p));
        const char *val = p;
        if (eq) {
            if (cur && validate_keys(cur, has_at, err)) return FS_ERR;
            if (tmp.count >= FS_EDIT_MAX) return fs_errorf(err, "edit: at most %d directions", FS_EDIT_MAX);
            if (eq == p) return fs_errorf(err, "edit: missing direction name before '=' in '%s'", text);
            cur = &tmp.edits[tmp.count++];
            if ((size_t)(eq - p) >= sizeof cur->name) return fs_errorf(err, "edit: direction name too long");
            memset(cur, 0, sizeof *cur);
            memcpy(cur->name, p, (size_t)(eq - p));
            val = eq + 1;
        } else if (!cur) {
            return fs_errorf(err, "edit: '%.*s' has no NAME= (expected NAME=STRENGTH, e.g. age=-6)", (int)(end - p), p);
        }
        if (cur->nkeys >= FS_EDIT_MAX_KEYS) return fs_errorf(err, "edit: at most %d keyframes", FS_EDIT_MAX_KEYS);
        if (parse_key(val, end, &cur->keys[cur->nkeys], &has_at[cur->nkeys], err)) return FS_ERR;
        cur->nkeys++;
        if (!*end) break;
        p = end + 1;
        if (!*p) return fs_errorf(err, "edit: trailing comma in '%s'", text);
    }
    if (validate_keys(cur, has_at, err)) return FS_ERR;
    *spec = tmp;
    return FS_OK;
}

double fs_edit_strength_at(const fs_edit *e, int frame, double fps) {
    if (e->nkeys <= 0) return 0;
    if (e->nkeys == 1) return e->keys[0].strength;
    double t = e->keys[0].is_frame ? (double)frame : (fps > 0 ? (double)frame / fps : 0);
    if (t <= e->keys[0].at) return e->keys[0].strength;
    for (int i = 1; i < e->nkeys; i++) {
        const fs_keyframe *a = &e->keys[i - 1], *b = &e->keys[i];
        if (t <= b->at) {
            double u = (t - a->at) / (b->at - a->at);
            return a->strength + u * (b->strength - a->strength);
        }
    }
    return e->keys[e->nkeys - 1].strength;
}

void fs_edit_format(const fs_edit *e, char *buf, int n) {
    int k = snprintf(buf, (size_t)n, "%s=", e->name);
    for (int i = 0; i < e->nkeys && k < n; i++) {
        const fs_keyframe *f = &e->keys[i];
        if (e->nkeys == 1)
            k += snprintf(buf + k, (size_t)(n - k), "%g", f->strength);
        else if (f->is_frame)
            k += snprintf(buf + k, (size_t)(n - k), "%s%g@f%g", i ? "," : "", f->strength, f->at);
        else
            k += snprintf(buf + k, (size_t)(n - k), "%s%g@%gs", i ? "," : "", f->strength, f->at);
    }
}
