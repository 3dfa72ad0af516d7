#include "cli/pipeline_args.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int fs_pipeline_model_option(int c, const char *arg, fs_model_args *a) {
    switch (c) {
    case FS_OPT_MODELS: a->models_dir = arg; return 1;
    case FS_OPT_MODEL: a->generator = arg; return 1;
    case FS_OPT_ENCODER: a->encoder = arg; return 1;
    case FS_OPT_LPIPS: a->lpips = arg; return 1;
    case FS_OPT_PARSER: a->parser = arg; return 1;
    case FS_OPT_NO_ENCODER: a->no_encoder = 1; return 1;
    case FS_OPT_NO_LPIPS: a->no_lpips = 1; return 1;
    case FS_OPT_NO_PARSER: a->no_parser = 1; return 1;
    default: return 0;
    }
}

int fs_cli_parse_long(const char *s, long lo, long hi, long *out) {
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) return 1;
    *out = v;
    return 0;
}

int fs_cli_parse_double(const char *s, double lo, double hi, double *out) {
    char *end = NULL;
    double v = strtod(s, &end);
    if (!*s || *end || !isfinite(v) || v < lo || v > hi) return 1;
    *out = v;
    return 0;
}

int fs_cli_tracking_option(const char *cmd, int c, const char *arg, fs_project_settings *s) {
    long n;
    double v;
    switch (c) {
    case FS_OPT_MAX_FRAMES:
        if (fs_cli_parse_long(arg, 1, 1000000000L, &n)) return fs_cli_usage_error(cmd, "--max-frames needs N >= 1");
        s->max_frames = n;
        return 1;
    case FS_OPT_CENTER_SIGMA:
        if (fs_cli_parse_double(arg, 0, 1000, &v)) return fs_cli_usage_error(cmd, "--center-sigma needs a number 0..1000");
        s->center_sigma = v;
        return 1;
    case FS_OPT_XY_SIGMA:
        if (fs_cli_parse_double(arg, 0, 1000, &v)) return fs_cli_usage_error(cmd, "--xy-sigma needs a number 0..1000");
        s->xy_sigma = v;
        return 1;
    case FS_OPT_RANGE: {
        int64_t a, b;
        fs_err e = {0};
        if (strlen(arg) >= sizeof s->range || fs_project_range_frames(arg, 25.0, &a, &b, &e))
            return fs_cli_usage_error(cmd, "--range %s: expected FROM:TO, e.g. 2.5s:7s or f75:f210 (either may be empty)",
                                      arg);
        snprintf(s->range, sizeof s->range, "%s", arg);
        return 1;
    }
    default: return 0;
    }
}

int fs_cli_check_face(const char *cmd, const char *arg) {
    long id;
    if (strcmp(arg, "all") && strcmp(arg, "largest") && fs_cli_parse_long(arg, 0, 1000000, &id))
        return fs_cli_usage_error(cmd, "--face needs all, largest or a track id (a number)");
    return 0;
}
