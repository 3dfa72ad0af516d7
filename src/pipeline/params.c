/* params.c — the table of pipeline parameters (params.h) and what is derived from it. */
#include "pipeline/params.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "pipeline/edit/edit.h"
#include "pipeline/invert/invert.h"
#include "pipeline/project/face_finder.h"

#define FS_PARAM_DESC(ID, k, type, def, lo, hi, mv, cmds, stit, help) \
    {FS_P_##ID, #k, NULL, FS_PT_##type, def, lo, hi, mv, cmds, stit, help, offsetof(fs_params, k)},
static const fs_param_desc g_table[FS_P_COUNT] = {FS_PARAMS(FS_PARAM_DESC)};
#undef FS_PARAM_DESC

/* flag spellings: the key with '-' for '_' (made once, the table stays const) */
static char g_flags[FS_P_COUNT][40];
static fs_param_desc g_desc[FS_P_COUNT];
static int g_ready;

static void table_init(void) {
    if (g_ready) return;
    for (int i = 0; i < FS_P_COUNT; i++) {
        g_desc[i] = g_table[i];
        snprintf(g_flags[i], sizeof g_flags[i], "%s", g_table[i].key);
        for (char *c = g_flags[i]; *c; c++)
            if (*c == '_') *c = '-';
        g_desc[i].flag = g_flags[i];
    }
    g_ready = 1; /* idempotent: concurrent first calls write the same bytes */
}

const fs_param_desc *fs_param_table(void) {
    table_init();
    return g_desc;
}

const fs_param_desc *fs_param_find(const char *name) {
    table_init();
    for (int i = 0; i < FS_P_COUNT; i++)
        if (!strcmp(name, g_desc[i].key) || !strcmp(name, g_desc[i].flag)) return &g_desc[i];
    return NULL;
}

static void *field(fs_params *p, fs_param_id id) { return (char *)p + g_table[id].offset; }
static const void *cfield(const fs_params *p, fs_param_id id) { return (const char *)p + g_table[id].offset; }

void fs_params_default(fs_params *p) {
    memset(p, 0, sizeof *p);
    for (int i = 0; i < FS_P_COUNT; i++) {
        fs_err e = {0};
        int rc = fs_params_set_text(p, (fs_param_id)i, g_table[i].def, &e);
        (void)rc; /* the table's defaults parse (tests/pipeline/test_pipeline_params.c) */
    }
    memset(p->given, 0, sizeof p->given);
}

static int range_error(const fs_param_desc *d, const char *text, fs_err *err) {
    if (d->type == FS_PT_INT)
        return fs_errorf(err, "%s: '%s' is not a whole number in [%.15g, %.15g]", d->key, text, d->lo, d->hi);
    return fs_errorf(err, "%s: '%s' is not a number in [%.15g, %.15g]", d->key, text, d->lo, d->hi);
}

int fs_params_set_number(fs_params *p, fs_param_id id, double v, fs_err *err) {
    const fs_param_desc *d = &g_table[id];
    char text[64];
    snprintf(text, sizeof text, "%.17g", v);
    switch (d->type) {
    case FS_PT_INT:
        if (!(v >= d->lo && v <= d->hi) || v != floor(v)) return range_error(d, text, err);
        *(long *)field(p, id) = (long)v;
        break;
    case FS_PT_REAL:
        if (!(v >= d->lo && v <= d->hi)) return range_error(d, text, err);
        *(double *)field(p, id) = v;
        break;
    case FS_PT_FLAG:
        if (v != 0 && v != 1) return fs_errorf(err, "%s: '%s' is not 0 or 1", d->key, text);
        *(int *)field(p, id) = (int)v;
        break;
    default: return fs_errorf(err, "%s: takes text, not a number", d->key);
    }
    p->given[id] = 1;
    return FS_OK;
}

/* 1 when text is one of the '|'-separated choices */
static int is_choice(const char *choices, const char *text) {
    size_t n = strlen(text);
    for (const char *c = choices; c;) {
        const char *bar = strchr(c, '|');
        size_t l = bar ? (size_t)(bar - c) : strlen(c);
        if (l == n && !strncmp(c, text, n)) return 1;
        c = bar ? bar + 1 : NULL;
    }
    return 0;
}

static int set_name(fs_params *p, const fs_param_desc *d, const char *text, fs_err *err) {
    fs_param_text *t = field(p, d->id);
    if (!text[0]) text = d->def; /* empty (the API's NULL): the default */
    size_t n = strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");
    if (!text[0] || text[n] || n >= sizeof t->s)
        return fs_errorf(err, "%s: '%s' is not a name (letters, digits, '-', '_'; at most %d)", d->key, text,
                         (int)sizeof t->s - 1);
    if (strchr(d->metavar, '|') && !is_choice(d->metavar, text))
        return fs_errorf(err, "%s: '%s' is not one of %s", d->key, text, d->metavar);
    snprintf(t->s, sizeof t->s, "%s", text);
    p->given[d->id] = 1;
    return FS_OK;
}

int fs_params_set_text(fs_params *p, fs_param_id id, const char *text, fs_err *err) {
    const fs_param_desc *d = &g_table[id];
    if (!text) text = "";
    if (d->type == FS_PT_RANGE || d->type == FS_PT_FACE) {
        int rc = d->type == FS_PT_RANGE ? fs_frame_range_parse(text, field(p, id), err)
                                        : fs_face_pick_parse(text, field(p, id), err);
        if (rc) return fs_err_prefix(err, d->key);
        p->given[id] = 1;
        return FS_OK;
    }
    if (d->type == FS_PT_TEXT) return set_name(p, d, text, err);
    if (d->type == FS_PT_FLAG && !text[0]) return fs_params_set_number(p, id, 1, err);
    char *end = NULL;
    double v = strtod(text, &end);
    if (!text[0] || *end || !isfinite(v)) return range_error(d, text, err);
    return fs_params_set_number(p, id, v, err);
}

double fs_params_get_number(const fs_params *p, fs_param_id id) {
    switch (g_table[id].type) {
    case FS_PT_INT: return (double)*(const long *)cfield(p, id);
    case FS_PT_REAL: return *(const double *)cfield(p, id);
    case FS_PT_FLAG: return *(const int *)cfield(p, id);
    default: return NAN;
    }
}

void fs_params_format(const fs_params *p, fs_param_id id, char *buf, size_t n) {
    switch (g_table[id].type) {
    case FS_PT_RANGE: fs_frame_range_format(cfield(p, id), buf, n); break;
    case FS_PT_FACE: fs_face_pick_format(cfield(p, id), buf, n); break;
    case FS_PT_TEXT: snprintf(buf, n, "%s", ((const fs_param_text *)cfield(p, id))->s); break;
    case FS_PT_REAL: snprintf(buf, n, "%.9g", fs_params_get_number(p, id)); break;
    default: snprintf(buf, n, "%.0f", fs_params_get_number(p, id)); break;
    }
}

int fs_params_describe(const fs_params *p, unsigned mask, char *buf, size_t n) {
    size_t len = 0;
    if (n) buf[0] = 0;
    for (int i = 0; i < FS_P_COUNT; i++) {
        if (!(g_table[i].cmds & mask)) continue;
        char v[96];
        fs_params_format(p, (fs_param_id)i, v, sizeof v);
        int w = snprintf(buf + len, len < n ? n - len : 0, "%s %s\n", g_table[i].key, v);
        if (w > 0) len += (size_t)w;
    }
    return (int)len;
}

int fs_params_record(const fs_params *p, const char *dir, unsigned mask, fs_err *err) {
    cJSON *obj = fs_project_manifest_get(dir, "params", NULL);
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        obj = cJSON_CreateObject();
    }
    if (!obj) return fs_errorf(err, "out of memory");
    for (int i = 0; i < FS_P_COUNT; i++) {
        if (!(g_table[i].cmds & mask) || (g_table[i].cmds & FS_PC_RUN)) continue;
        cJSON_DeleteItemFromObjectCaseSensitive(obj, g_table[i].key);
        if (g_table[i].type == FS_PT_RANGE || g_table[i].type == FS_PT_FACE || g_table[i].type == FS_PT_TEXT) {
            char v[96];
            fs_params_format(p, (fs_param_id)i, v, sizeof v);
            cJSON_AddStringToObject(obj, g_table[i].key, v);
        } else {
            cJSON_AddNumberToObject(obj, g_table[i].key, fs_params_get_number(p, (fs_param_id)i));
        }
    }
    return fs_project_manifest_set(dir, "params", obj, err);
}

int fs_params_check_recorded(const fs_params *p, const char *dir, unsigned mask, fs_err *err) {
    cJSON *obj = fs_project_manifest_get(dir, "params", NULL);
    int rc = FS_OK;
    for (int i = 0; i < FS_P_COUNT && !rc && obj; i++) {
        /* face: a subset of the tuned faces is fine (fs_invert_pti_covers checks it); track_chunk: align
         * compares it with the project's settings, where a project made before chunks keeps its one-pass
         * tracks whatever is asked, so the value recorded here need not match */
        if (!(g_table[i].cmds & mask) || (g_table[i].cmds & FS_PC_RUN) || !p->given[i] || i == FS_P_FACE ||
            i == FS_P_TRACK_CHUNK)
            continue;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, g_table[i].key);
        char now[96], was[96];
        fs_params_format(p, (fs_param_id)i, now, sizeof now);
        if (cJSON_IsString(v))
            snprintf(was, sizeof was, "%s", v->valuestring);
        else if (cJSON_IsNumber(v)) {
            fs_params q = *p;
            fs_err e = {0};
            if (fs_params_set_number(&q, (fs_param_id)i, v->valuedouble, &e)) continue;
            fs_params_format(&q, (fs_param_id)i, was, sizeof was);
        } else
            continue;
        if (strcmp(now, was))
            rc = fs_errorf(err, "%s: inverted with %s %s, not %s: use the same value or a new project dir", dir,
                           g_table[i].key, was, now);
    }
    cJSON_Delete(obj);
    return rc;
}

/* ---- the stage options ---- */

void fs_params_to_settings(const fs_params *p, fs_project_settings *s) {
    s->max_frames = p->max_frames;
    s->range = p->range;
    s->center_sigma = p->center_sigma;
    s->xy_sigma = p->xy_sigma;
    snprintf(s->detector, sizeof s->detector, "%s", fs_face_finder_resolve_detector(p->detector.s));
    snprintf(s->landmarks, sizeof s->landmarks, "%s", p->landmarks.s);
    s->track_chunk = p->track_chunk;
}

void fs_params_to_pti(const fs_params *p, fs_pti_opts *o) {
    o->passes = (int)p->pti_steps;
    o->batch = (int)p->batch;
    o->lr = (float)p->lr;
    o->l2_lambda = (float)p->l2_lambda;
    o->beta1 = (float)p->adam_beta1;
    o->locality = p->locality;
}

void fs_params_to_stitch(const fs_params *p, fs_stitch_opts *o) {
    o->steps = (int)p->stitch_steps;
    o->lr = (float)p->stitch_lr;
    o->content_lambda = (float)p->content_lambda;
    o->border_threshold = (float)p->border_threshold;
    o->l1 = p->l1;
    o->masks.outer = (int)p->outer_dilation;
    o->masks.inner = (int)p->inner_dilation;
    o->masks.whole_image_border = p->whole_image_border;
}

void fs_params_to_invert(const fs_params *p, fs_invert_opts *o) {
    fs_params_to_settings(p, &o->align.settings);
    fs_params_to_pti(p, &o->pti);
    o->proj.steps = (int)p->projection_steps;
    o->e4e_antialias = p->e4e_antialias;
    o->pti.checkpoint_every = (int)p->checkpoint_every;
    o->face = p->face;
    o->params = *p;
}

void fs_params_to_edit(const fs_params *p, fs_edit_opts *o) {
    fs_params_to_stitch(p, &o->stitch);
    o->no_stitch = p->no_stitch;
    o->face = p->face;
    o->fade_frames = (int)p->fade;
    o->stitch_batch = (int)p->stitch_batch;
    o->freeze_fine_layers = (int)p->freeze_fine_layers;
    o->comp.writer.crf = (int)p->crf;
    o->comp.no_mask = p->no_mask;
    o->comp.keep_occluders = (int)p->keep_occluders;
    o->comp.feather = p->feather_radius > 0;
    o->comp.feather_radius = (int)p->feather_radius;
    o->params = *p;
    /* the writer's names point into o->params: o (or a copy of it) keeps them alive */
    o->comp.writer.preset = o->params.preset.s;
    o->comp.writer.codec = o->params.codec.s;
}
