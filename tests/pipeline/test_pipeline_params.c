/* The parameter table (src/pipeline/params.h) is the one source of every pipeline option: its
 * defaults parse and lie in range, bad values are refused naming the parameter, the public API's
 * facestitch_params_init gives the same defaults, and `facestitch edit --help` lists every knob with
 * its default, range and STIT name. */
#include <math.h>

#include "check.h"
#include "facestitch.h"
#include "pipeline/edit/edit.h"
#include "pipeline/invert/invert.h"
#include "pipeline/params.h"

static void table_sane(void) {
    const fs_param_desc *t = fs_param_table();
    fs_params p;
    fs_params_default(&p);
    for (int i = 0; i < FS_P_COUNT; i++) {
        CHECK_MSG(t[i].id == (fs_param_id)i && t[i].help[0] && t[i].stit[0], "%s", t[i].key);
        CHECK_MSG(fs_param_find(t[i].key) == &t[i] && fs_param_find(t[i].flag) == &t[i], "%s", t[i].key);
        char v[96];
        fs_params_format(&p, (fs_param_id)i, v, sizeof v);
        fs_params q;
        fs_params_default(&q);
        fs_err e = {0};
        CHECK_MSG(fs_params_set_text(&q, (fs_param_id)i, v, &e) == FS_OK, "%s: default '%s' does not parse back: %s",
                  t[i].key, v, e.msg);
        if (t[i].type == FS_PT_INT || t[i].type == FS_PT_REAL) {
            double d = fs_params_get_number(&p, (fs_param_id)i);
            CHECK_MSG(d >= t[i].lo && d <= t[i].hi && d == strtod(t[i].def, NULL), "%s: default %g", t[i].key, d);
            /* out of range: refused, the message names the parameter, the value is unchanged */
            CHECK(fs_params_set_number(&q, (fs_param_id)i, t[i].hi * 2 + 1, &e) != FS_OK);
            CHECK_MSG(!strncmp(e.msg, t[i].key, strlen(t[i].key)), "%s", e.msg);
            CHECK(fs_params_set_text(&q, (fs_param_id)i, "x", &e) != FS_OK && strstr(e.msg, t[i].key));
            CHECK(fs_params_set_number(&q, (fs_param_id)i, NAN, &e) != FS_OK);
            CHECK(fs_params_get_number(&q, (fs_param_id)i) == d);
        }
    }
    fs_err e = {0};
    CHECK(fs_params_set_text(&p, FS_P_STITCH_STEPS, "2.5", &e) != FS_OK && strstr(e.msg, "whole number"));
    CHECK(fs_params_set_text(&p, FS_P_FACE, "nobody", &e) != FS_OK && strstr(e.msg, "face"));
    CHECK(fs_params_set_text(&p, FS_P_RANGE, "f9:f2", &e) != FS_OK && strstr(e.msg, "range"));
    CHECK(fs_params_set_text(&p, FS_P_RANGE, "2.5s:f90", &e) == FS_OK && p.range.set && p.given[FS_P_RANGE]);
    /* names: a preset from its list, a codec of plain characters; the message names the parameter */
    CHECK(!strcmp(p.preset.s, "medium") && !strcmp(p.codec.s, "h264") && p.checkpoint_every == 0);
    CHECK(fs_params_set_text(&p, FS_P_PRESET, "veryslow", &e) == FS_OK && !strcmp(p.preset.s, "veryslow"));
    CHECK(fs_params_set_text(&p, FS_P_PRESET, "quick", &e) != FS_OK && strstr(e.msg, "preset: 'quick' is not one of"));
    CHECK(!strcmp(p.preset.s, "veryslow"));
    CHECK(fs_params_set_text(&p, FS_P_CODEC, "ffv1", &e) == FS_OK && !strcmp(p.codec.s, "ffv1"));
    CHECK(fs_params_set_text(&p, FS_P_CODEC, "h264; rm", &e) != FS_OK && strstr(e.msg, "codec"));
    CHECK(fs_params_set_text(&p, FS_P_CODEC, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &e) != FS_OK);
    CHECK(fs_params_set_text(&p, FS_P_CODEC, "", &e) == FS_OK && !strcmp(p.codec.s, "h264")); /* "" = default */
    CHECK(fs_params_set_number(&p, FS_P_PRESET, 3, &e) != FS_OK);
    /* they drive the writer and the PTI checkpoints */
    fs_edit_opts eo;
    fs_edit_opts_default(&eo);
    fs_params_set_text(&p, FS_P_CODEC, "ffv1", &e);
    fs_params_to_edit(&p, &eo);
    CHECK(!strcmp(eo.comp.writer.preset, "veryslow") && !strcmp(eo.comp.writer.codec, "ffv1"));
    fs_invert_opts io;
    fs_invert_opts_default(&io);
    CHECK(fs_params_set_text(&p, FS_P_CHECKPOINT_EVERY, "7", &e) == FS_OK);
    fs_params_to_invert(&p, &io);
    CHECK(io.pti.checkpoint_every == 7);
}

/* checkpoint_every is how a run goes (FS_PC_RUN): not recorded, so a resume may change it */
static void run_params_not_recorded(void) {
    char dir[] = "/tmp/fs_test_params_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    fs_project_settings st;
    memset(&st, 0, sizeof st);
    fs_err e = {0};
    fs_params p;
    fs_params_default(&p);
    CHECK(fs_params_set_number(&p, FS_P_CHECKPOINT_EVERY, 5, &e) == FS_OK);
    CHECK(fs_params_set_number(&p, FS_P_PTI_STEPS, 3, &e) == FS_OK);
    char mpath[300];
    snprintf(mpath, sizeof mpath, "%s/manifest.json", dir);
    FILE *f = fopen(mpath, "w");
    CHECK(f != NULL);
    if (f) fputs("{}\n", f), fclose(f);
    CHECK_MSG(fs_params_record(&p, dir, FS_PC_INVERT, &e) == FS_OK, "%s", e.msg);
    fs_params q;
    fs_params_default(&q);
    CHECK(fs_params_set_number(&q, FS_P_CHECKPOINT_EVERY, 9, &e) == FS_OK);
    CHECK_MSG(fs_params_check_recorded(&q, dir, FS_PC_INVERT, &e) == FS_OK, "%s", e.msg);
    CHECK(fs_params_set_number(&q, FS_P_PTI_STEPS, 4, &e) == FS_OK);
    CHECK(fs_params_check_recorded(&q, dir, FS_PC_INVERT, &e) != FS_OK && strstr(e.msg, "pti_steps"));
    /* track_chunk is align's to compare (an older project keeps its one-pass tracks whatever is asked):
     * a recorded 100 does not refuse an explicit 0 here */
    fs_params r;
    fs_params_default(&r);
    CHECK(fs_params_set_number(&r, FS_P_TRACK_CHUNK, 0, &e) == FS_OK);
    CHECK_MSG(fs_params_check_recorded(&r, dir, FS_PC_INVERT, &e) == FS_OK, "%s", e.msg);
    unlink(mpath);
    rmdir(dir);
}

/* the stages' own defaults are the table's */
static void stage_defaults(void) {
    fs_params p;
    fs_params_default(&p);
    fs_invert_opts io;
    fs_invert_opts_default(&io);
    fs_edit_opts eo;
    fs_edit_opts_default(&eo);
    CHECK(io.pti.passes == p.pti_steps && io.pti.lr == (float)p.lr && io.pti.l2_lambda == (float)p.l2_lambda);
    CHECK(io.pti.beta1 == (float)p.adam_beta1 && io.align.settings.center_sigma == p.center_sigma);
    CHECK(io.align.settings.xy_sigma == p.xy_sigma && io.proj.steps == p.projection_steps);
    CHECK(eo.stitch.steps == p.stitch_steps && eo.stitch.content_lambda == (float)p.content_lambda);
    CHECK(eo.stitch.masks.outer == p.outer_dilation && eo.stitch.masks.inner == p.inner_dilation);
    CHECK(eo.fade_frames == p.fade && eo.comp.writer.crf == p.crf && eo.comp.feather_radius == p.feather_radius);
}

/* facestitch_params_init: the same defaults, and facestitch_params_set checks ranges */
static void api_defaults(void) {
    facestitch_params a;
    facestitch_params_init(&a);
    CHECK(facestitch_param_count() == FS_P_COUNT);
    const char *name, *def;
    double lo, hi;
    CHECK(facestitch_param_info(FS_P_COUNT, &name, &def, &lo, &hi, NULL, NULL) != 0);
    struct { const char *name; double v; } got[] = {
        {"pti_steps", a.pti_steps}, {"stitch_steps", a.stitch_steps}, {"max_frames", (double)a.max_frames},
        {"crf", a.crf}, {"center_sigma", a.center_sigma}, {"xy_sigma", a.xy_sigma}, {"lr", a.lr},
        {"l2_lambda", a.l2_lambda}, {"adam_beta1", a.adam_beta1}, {"stitch_lr", a.stitch_lr},
        {"content_lambda", a.content_lambda}, {"border_threshold", a.border_threshold}, {"l1", a.l1},
        {"outer_dilation", a.outer_dilation}, {"inner_dilation", a.inner_dilation},
        {"whole_image_border", a.whole_image_border}, {"no_mask", a.no_mask}, {"feather_radius", a.feather_radius},
        {"freeze_fine_layers", a.freeze_fine_layers}, {"fade", a.fade}};
    for (size_t k = 0; k < sizeof got / sizeof got[0]; k++) {
        int found = 0;
        for (int i = 0; i < facestitch_param_count(); i++) {
            CHECK(facestitch_param_info(i, &name, &def, &lo, &hi, NULL, NULL) == 0);
            if (strcmp(name, got[k].name)) continue;
            found = 1;
            CHECK_MSG(got[k].v == strtod(def, NULL), "%s: init %g, table %s", name, got[k].v, def);
            printf("api default %-20s %-8s [%g, %g]\n", name, def, lo, hi);
        }
        CHECK_MSG(found, "%s not in the table", got[k].name);
    }
    CHECK(a.stitch == 1 && a.face && !strcmp(a.face, "all") && a.range == NULL);
    CHECK(a.preset && !strcmp(a.preset, "medium") && a.codec && !strcmp(a.codec, "h264"));
    char err[256];
    CHECK(facestitch_params_set(&a, "content_lambda", 0.5, err, sizeof err) == 0 && a.content_lambda == 0.5);
    CHECK(facestitch_params_set(&a, "outer_dilation", -1, err, sizeof err) != 0 && strstr(err, "outer_dilation"));
    CHECK(a.outer_dilation == 50);
    CHECK(facestitch_params_set(&a, "nope", 1, err, sizeof err) != 0 && strstr(err, "nope"));
}

/* TEXT parameters with choices (detector, landmarks): one word of the metavar, exact (empty = the default); auto is resolved in the
 * project settings (recorded in the manifest) to the detector actually used */
static void choices(void) {
    fs_params p;
    fs_params_default(&p);
    fs_err e = {0};
    CHECK(!strcmp(p.detector.s, "auto") && !strcmp(p.landmarks.s, "dlib") && !p.given[FS_P_DETECTOR]);
    CHECK(fs_params_set_text(&p, FS_P_DETECTOR, "haar", &e) == FS_OK && !strcmp(p.detector.s, "haar") &&
          p.given[FS_P_DETECTOR]);
    CHECK(fs_params_set_text(&p, FS_P_DETECTOR, "hog", &e) != FS_OK && strstr(e.msg, "detector") &&
          strstr(e.msg, "auto|ssd|haar"));
    CHECK(fs_params_set_text(&p, FS_P_DETECTOR, "ss", &e) != FS_OK);
    CHECK(fs_params_set_text(&p, FS_P_DETECTOR, "ssd|haar", &e) != FS_OK);
    CHECK(fs_params_set_text(&p, FS_P_LANDMARKS, "", &e) == FS_OK && !strcmp(p.landmarks.s, "dlib")); /* the default */
    CHECK(fs_params_set_text(&p, FS_P_LANDMARKS, "cnn", &e) == FS_OK && !strcmp(p.landmarks.s, "cnn"));
    CHECK(!strcmp(p.detector.s, "haar"));
    char buf[2048];
    fs_params_describe(&p, FS_PC_FACES, buf, sizeof buf);
    CHECK(strstr(buf, "detector haar\n") && strstr(buf, "landmarks cnn\n"));
    fs_project_settings s;
    fs_project_settings_default(&s);
    CHECK(!strcmp(s.detector, "ssd") || !strcmp(s.detector, "haar")); /* auto, resolved */
    fs_params_to_settings(&p, &s);
    CHECK(!strcmp(s.detector, "haar") && !strcmp(s.landmarks, "cnn"));
    facestitch_params a;
    facestitch_params_init(&a);
    CHECK(a.detector && !strcmp(a.detector, "auto") && a.landmarks && !strcmp(a.landmarks, "dlib"));
}

/* `facestitch edit --help` has one entry per parameter of edit / edit VIDEO with default, range, STIT */
static void help_lists_every_knob(void) {
    const char *bin = getenv("FS_BIN");
    if (!bin) return;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "%s edit --help", bin);
    FILE *fp = popen(cmd, "r");
    CHECK(fp != NULL);
    if (!fp) return;
    static char help[65536];
    size_t n = fread(help, 1, sizeof help - 1, fp);
    help[n] = 0;
    CHECK(pclose(fp) == 0);
    const fs_param_desc *t = fs_param_table();
    for (int i = 0; i < FS_P_COUNT; i++) {
        if (!(t[i].cmds & (FS_PC_EDIT | FS_PC_INVERT))) continue;
        char flag[64], want[128];
        snprintf(flag, sizeof flag, "  --%s%s", t[i].flag, t[i].metavar ? " " : "");
        const char *at = strstr(help, flag);
        CHECK_MSG(at != NULL, "edit --help lacks %s", flag);
        if (!at) continue;
        const char *end = strstr(at + 3, "\n  --");
        size_t len = end ? (size_t)(end - at) : strlen(at);
        char entry[1024];
        snprintf(entry, sizeof entry, "%.*s", (int)(len < sizeof entry ? len : sizeof entry - 1), at);
        for (char *c = entry; *c; c++)
            if (*c == '\n') *c = ' ';
        /* collapse the wrapping indent */
        char flat[1024];
        size_t j = 0;
        for (size_t k = 0; entry[k] && j < sizeof flat - 1; k++)
            if (!(entry[k] == ' ' && j > 0 && flat[j - 1] == ' ')) flat[j++] = entry[k];
        flat[j] = 0;
        snprintf(want, sizeof want, "STIT: %s", t[i].stit);
        CHECK_MSG(strstr(flat, want) != NULL, "%s: no '%s' in: %s", t[i].flag, want, flat);
        if (t[i].type == FS_PT_INT || t[i].type == FS_PT_REAL) {
            snprintf(want, sizeof want, "default %s, range %g..%g", t[i].def, t[i].lo, t[i].hi);
            CHECK_MSG(strstr(flat, want) != NULL, "%s: no '%s' in: %s", t[i].flag, want, flat);
        }
    }
}

int main(void) {
    table_sane();
    stage_defaults();
    run_params_not_recorded();
    api_defaults();
    choices();
    help_lists_every_knob();
    return check_finish();
}
