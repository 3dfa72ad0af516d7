/* cmd_serve.c — `facestitch serve`: the local web studio (src/serve/). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/pipeline_args.h"

#ifdef FS_HAVE_SERVE
#include "serve/serve.h"

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
            "  --projects DIR     where the projects of opened videos go (default: NAME.fs beside each video)\n"
            "  --node-dir DIR     node_modules with uplot for the metrics plot (default: .node/ of the\n"
            "                     source tree, filled by scripts/install-deps; a plain plot without it)\n"
            "\n"
            "Defaults of the jobs (as 'facestitch edit'):\n"
            "  --models DIR       a model directory (e.g. 'facestitch models init --tiny --out DIR');\n"
            "                     default: the registry's models\n"
            "  --pti-steps N      pivotal tuning passes (default 80)\n"
            "  --stitch-steps N   stitching tuning steps per frame (default 100)   --no-stitch\n"
            "  --max-frames N     only the first N frames of each video            --crf N (default 18)\n"
            "  --range FROM:TO    edit only this window of each video (2.5s:7s or f75:f210)\n"
            "\n"
            "Security: the token is needed by every API call; the Host header must name this machine;\n"
            "only files under the opened videos' and projects' folders (and --root) are read.\n"
            "\n"
            "Example:\n"
            "  facestitch serve talk.mp4 --models tiny --pti-steps 2\n");
}

enum { O_PORT = 2000, O_BIND, O_ROOT, O_PROJECTS, O_NODE, O_PTI, O_SSTEPS, O_NOSTITCH, O_MAXF, O_CRF, O_RANGE };

#define MAX_ROOTS 16

/* Returns -1 when c was handled, else the exit code of a bad value (or 2 for an unknown option). */
static int job_option(int c, const char *arg, fs_serve_opts *o) {
    long v;
    switch (c) {
    case O_PTI:
        if (fs_cli_parse_long(arg, 0, 100000, &v)) return fs_cli_usage_error("serve", "--pti-steps needs 0..100000");
        o->job.pti_steps = (int)v;
        return -1;
    case O_SSTEPS:
        if (fs_cli_parse_long(arg, 0, 100000, &v)) return fs_cli_usage_error("serve", "--stitch-steps needs 0..100000");
        o->job.stitch_steps = (int)v;
        return -1;
    case O_NOSTITCH: o->job.stitch = 0; return -1;
    case O_MAXF:
        if (fs_cli_parse_long(arg, 1, 100000000, &v)) return fs_cli_usage_error("serve", "--max-frames needs N >= 1");
        o->job.max_frames = v;
        return -1;
    case O_CRF:
        if (fs_cli_parse_long(arg, 0, 51, &v)) return fs_cli_usage_error("serve", "--crf needs 0..51");
        o->job.crf = (int)v;
        return -1;
    default: return 2;
    }
}

int fs_cmd_serve(int argc, char **argv) {
    fs_serve_opts o;
    fs_serve_opts_default(&o);
    const char *roots[MAX_ROOTS];
    static const struct option opts[] = {
        {"port", required_argument, 0, O_PORT},          {"bind", required_argument, 0, O_BIND},
        {"root", required_argument, 0, O_ROOT},          {"projects", required_argument, 0, O_PROJECTS},
        {"node-dir", required_argument, 0, O_NODE},      {"models", required_argument, 0, FS_OPT_MODELS},
        {"pti-steps", required_argument, 0, O_PTI},      {"stitch-steps", required_argument, 0, O_SSTEPS},
        {"no-stitch", no_argument, 0, O_NOSTITCH},       {"max-frames", required_argument, 0, O_MAXF},
        {"crf", required_argument, 0, O_CRF},            {"help", no_argument, 0, 'h'},
        {"range", required_argument, 0, O_RANGE},
        {0, 0, 0, 0}};
    int c;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
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
        case FS_OPT_MODELS: o.models.models_dir = optarg; break;
        case O_RANGE: { /* checked here, parsed again by each job */
            fs_frame_range r;
            fs_err e = {0};
            if (fs_frame_range_parse(optarg, &r, &e)) return fs_cli_usage_error("serve", "--range: %s", e.msg);
            o.job.range = optarg;
            break;
        }
        case '?': return fs_cli_usage_error("serve", "unknown option");
        default: {
            int rc = job_option(c, optarg, &o);
            if (rc >= 0) return rc;
        }
        }
    }
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
