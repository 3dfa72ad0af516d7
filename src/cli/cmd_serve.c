/* cmd_serve.c — `facestitch serve`: the local web studio (src/serve/). Its job options are edit's:
 * the model options (cli/pipeline_args.h) and the pipeline parameters from their one table
 * (pipeline/params.h), carried to the jobs in facestitch_params. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/pipeline_args.h"

#ifdef FS_HAVE_SERVE
#include "serve/serve.h"

#define JOB_PARAMS (FS_PC_EDIT | FS_PC_INVERT)

/* 1 when a studio job (facestitch_params) carries parameter d. */
static int carried(const fs_param_desc *d) {
    if (d->id == FS_P_RANGE || d->id == FS_P_FACE || d->id == FS_P_NO_STITCH) return 1;
    facestitch_params p;
    facestitch_params_init(&p);
    fs_params q;
    fs_params_default(&q);
    return facestitch_params_set(&p, d->key, fs_params_get_number(&q, d->id), NULL, 0) == 0;
}

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: facestitch serve [VIDEO|PROJECT...] [--port 8470] [--bind 127.0.0.1] [options]\n"
            "\n"
            "A local web studio: open a video, pick the face, try edits and strengths on one frame\n"
            "(Preview), run the whole edit (Render) with live progress, compare and download the result.\n"
            "Prints one line 'open http://127.0.0.1:PORT/?token=...': open it in a browser. Ctrl-C stops\n"
            "(a running job stops and its Retry resumes from the project).\n"
            "\n"
            "  --port N           TCP port (default 8470; 0 = any free port, the line says which)\n"
            "  --bind ADDR        listen address (default 127.0.0.1; anything else warns: the studio\n"
            "                     then answers other machines, token-protected)\n"
            "  --root DIR         a folder whose videos the page may open (repeatable; default: the\n"
            "                     folders of the VIDEO/PROJECT arguments, else the current folder)\n"
            "  --projects DIR     where the projects of opened videos go (default: NAME.fs beside each video);\n"
            "                     its projects may be opened from the page\n"
            "  --node-dir DIR     node_modules with uplot for the metrics plot (default: .node/ of the\n"
            "                     source tree, filled by scripts/install-deps; a plain plot without it)\n"
            "\n"
            "The options below are the defaults of every job, as in 'facestitch edit':\n"
            FS_PIPELINE_MODEL_HELP "\nEdit, stitching and paste:\n");
    fs_cli_param_help(fp, FS_PC_EDIT, 0);
    fprintf(fp, "\nInversion:\n");
    fs_cli_param_help(fp, FS_PC_INVERT, FS_PC_EDIT);
    fprintf(fp, "\nNot taken by the studio's jobs yet (facestitch_params does not carry them):");
    const fs_param_desc *t = fs_param_table();
    for (int i = 0; i < FS_P_COUNT; i++)
        if ((t[i].cmds & JOB_PARAMS) && !carried(&t[i])) fprintf(fp, " --%s", t[i].flag);
    fprintf(fp,
            "\n\nSecurity: the token is needed by every API call; the Host header must name this machine;\n"
            "only files under the opened videos' and projects' folders (and --root, --projects) are read;\n"
            "a project's source video must lie under one of them.\n"
            "\n"
            "Example:\n"
            "  facestitch serve talk.mp4 --models tiny --pti-steps 2\n");
}

enum { O_PORT = 2000, O_BIND, O_ROOT, O_PROJECTS, O_NODE };

#define MAX_ROOTS 16

/* The parameters given on the command line (text[id]: the option's argument) into the jobs' defaults. */
static int params_to_job(const fs_params *prm, const char *const *text, facestitch_params *job) {
    const fs_param_desc *t = fs_param_table();
    for (int i = 0; i < FS_P_COUNT; i++) {
        if (!prm->given[i]) continue;
        if (!carried(&t[i]))
            return fs_cli_usage_error("serve", "--%s: not taken by the studio's jobs yet (see --help)", t[i].flag);
        if (t[i].id == FS_P_RANGE) job->range = text[i];
        else if (t[i].id == FS_P_FACE) job->face = text[i];
        else if (t[i].id == FS_P_NO_STITCH) job->stitch = 0;
        else facestitch_params_set(job, t[i].key, fs_params_get_number(prm, t[i].id), NULL, 0);
    }
    return 0;
}

int fs_cmd_serve(int argc, char **argv) {
    fs_serve_opts o;
    fs_serve_opts_default(&o);
    const char *roots[MAX_ROOTS], *text[FS_P_COUNT] = {0};
    static const struct option base[] = {
        {"port", required_argument, 0, O_PORT},     {"bind", required_argument, 0, O_BIND},
        {"root", required_argument, 0, O_ROOT},     {"projects", required_argument, 0, O_PROJECTS},
        {"node-dir", required_argument, 0, O_NODE}, FS_PIPELINE_MODEL_OPTIONS,
        {"help", no_argument, 0, 'h'},              {0, 0, 0, 0}};
    struct option opts[128];
    if (fs_cli_options_build(base, JOB_PARAMS, opts, 128)) return fs_cli_usage_error("serve", "too many options");
    fs_params prm;
    fs_params_default(&prm);
    int c;
    long v;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (fs_pipeline_model_option(c, optarg, &o.models)) continue;
        int pt = fs_cli_param_option("serve", c, optarg, &prm);
        if (pt == 2) return 2;
        if (pt) {
            text[c - FS_OPT_PARAM] = optarg;
            continue;
        }
        switch (c) {
        case 'h': usage(stdout); return 0;
        case O_PORT:
            if (fs_cli_parse_long(optarg, 0, 65535, &v)) return fs_cli_usage_error("serve", "--port needs 0..65535");
            o.port = (int)v;
            break;
        case O_BIND: o.bind = optarg; break;
        case O_ROOT:
            if (o.n_roots >= MAX_ROOTS) return fs_cli_usage_error("serve", "at most %d --root folders", MAX_ROOTS);
            roots[o.n_roots++] = optarg;
            break;
        case O_PROJECTS: o.projects_dir = optarg; break;
        case O_NODE: o.node_dir = optarg; break;
        default: return fs_cli_usage_error("serve", "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
    if (params_to_job(&prm, text, &o.job)) return 2;
    o.roots = roots;
    o.inputs = argv + optind;
    o.n_inputs = argc - optind;
    fs_err err = {0};
    return fs_serve_run(&o, &err) ? fs_cli_fail(&err) : 0;
}

#else

int fs_cmd_serve(int argc, char **argv) {
    (void)argc, (void)argv;
    fprintf(stderr, "facestitch: serve: this build has no libmicrohttpd (install libmicrohttpd-dev, e.g. with "
                    "scripts/install-deps, and rebuild)\n");
    return 1;
}

#endif
