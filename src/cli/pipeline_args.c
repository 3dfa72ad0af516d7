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

int fs_cli_options_build(const struct option *base, unsigned mask, struct option *out, int cap) {
    int n = 0;
    for (; base[n].name; n++) {
        if (n >= cap - 1) return 1;
        out[n] = base[n];
    }
    const fs_param_desc *t = fs_param_table();
    for (int i = 0; i < FS_P_COUNT; i++) {
        if (!(t[i].cmds & mask)) continue;
        if (n >= cap - 1) return 1;
        out[n].name = t[i].flag;
        out[n].has_arg = t[i].type == FS_PT_FLAG ? no_argument : required_argument;
        out[n].flag = NULL;
        out[n].val = FS_OPT_PARAM + i;
        n++;
    }
    memset(&out[n], 0, sizeof out[n]);
    return 0;
}

int fs_cli_param_option(const char *cmd, int c, const char *arg, fs_params *p) {
    if (c < FS_OPT_PARAM || c >= FS_OPT_PARAM + FS_P_COUNT) return 0;
    const fs_param_desc *d = &fs_param_table()[c - FS_OPT_PARAM];
    fs_err e = {0};
    if (fs_params_set_text(p, d->id, d->type == FS_PT_FLAG ? "1" : arg, &e)) {
        /* the library names the parameter ("key: ..."); say the flag instead */
        const char *msg = e.msg;
        size_t k = strlen(d->key);
        if (!strncmp(msg, d->key, k) && msg[k] == ':') msg += k + 1;
        while (*msg == ' ') msg++;
        return fs_cli_usage_error(cmd, "--%s: %s", d->flag, msg);
    }
    return 1;
}

static void help_text(FILE *fp, const char *text, int col, int width) {
    int at = col;
    const char *w = text;
    while (*w) {
        const char *e = w;
        while (*e && *e != ' ') e++;
        int len = (int)(e - w);
        if (at > col && at + 1 + len > width) {
            fprintf(fp, "\n%*s", col, "");
            at = col;
        } else if (at > col) {
            fputc(' ', fp);
            at++;
        }
        fwrite(w, 1, (size_t)len, fp);
        at += len;
        w = *e ? e + 1 : e;
    }
    fputc('\n', fp);
}

void fs_cli_param_help(FILE *fp, unsigned mask, unsigned exclude) {
    const fs_param_desc *t = fs_param_table();
    for (int i = 0; i < FS_P_COUNT; i++) {
        if (!(t[i].cmds & mask) || (t[i].cmds & exclude)) continue;
        char head[64], more[256];
        snprintf(head, sizeof head, "  --%s%s%s", t[i].flag, t[i].metavar ? " " : "", t[i].metavar ? t[i].metavar : "");
        if (t[i].type == FS_PT_INT || t[i].type == FS_PT_REAL)
            snprintf(more, sizeof more, "%s [default %s, range %g..%g; STIT: %s]", t[i].help, t[i].def, t[i].lo,
                     t[i].hi, t[i].stit);
        else if (t[i].type == FS_PT_FLAG)
            snprintf(more, sizeof more, "%s [default off; STIT: %s]", t[i].help, t[i].stit);
        else
            snprintf(more, sizeof more, "%s [default %s; STIT: %s]", t[i].help, t[i].def[0] ? t[i].def : "none",
                     t[i].stit);
        fputs(head, fp);
        int col = 24;
        if ((int)strlen(head) >= col - 1) {
            fputc('\n', fp);
            fprintf(fp, "%*s", col, "");
        } else {
            fprintf(fp, "%*s", col - (int)strlen(head), "");
        }
        help_text(fp, more, col, 100);
    }
}
