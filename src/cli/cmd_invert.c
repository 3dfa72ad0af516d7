/* cmd_invert.c — `facestitch invert VIDEO --project DIR`: align, e4e pivots, pivotal tuning. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/path.h"
#include "core/fileio.h"
#include "cli/pipeline_args.h"
#include "core/log.h"
#include "pipeline/invert/invert.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: facestitch invert VIDEO --project DIR [options]\n"
            "       facestitch invert --project DIR [options]     (a project made by 'facestitch align')\n"
            "\n"
            "The heavy, edit-independent part of the method, done once per video (reference: STIT §2):\n"
            "  1. align   detect and track the faces, smooth the FFHQ crop quads over time, cut the crops\n"
            "  2. pivots  invert every crop into W+ with the e4e encoder (or by optimisation without one)\n"
            "  3. PTI     fine-tune the generator on all frames together (10·MSE + LPIPS, Adam lr 3e-5)\n"
            "Each stage is recorded in DIR/manifest.json; PTI checkpoints into DIR/checkpoint/, so running\n"
            "the same command again after an interruption (even kill -9) continues where it stopped.\n"
            "Afterwards 'facestitch edit --project DIR --edit ...' makes edits cheaply.\n"
            "\n"
            "Options:\n"
            "  --project DIR        project directory (created if needed)\n"
            "  --checkpoint-every N save a resume checkpoint every N PTI steps (default: every 3 min)\n");
    fs_cli_param_help(fp, FS_PC_INVERT, 0);
    fprintf(fp,
            FS_PIPELINE_MODEL_HELP
            "  -h, --help           this help\n"
            "\n"
            "Examples:\n"
            "  facestitch invert talk.mp4 --project talk.fs\n"
            "  facestitch models init --tiny --out tiny && facestitch invert clip.mp4 --project c.fs --models tiny --pti-steps 2\n");
}

int fs_cmd_invert(int argc, char **argv) {
    enum { O_PROJECT = 256, O_CKPT, O_STOP };
    static const struct option base[] = {{"project", required_argument, 0, O_PROJECT},
                                         {"checkpoint-every", required_argument, 0, O_CKPT},
                                         {"stop-after", required_argument, 0, O_STOP},
                                         FS_PIPELINE_MODEL_OPTIONS,
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct option opts[96];
    if (fs_cli_options_build(base, FS_PC_INVERT, opts, 96)) return fs_cli_usage_error("invert", "too many options");
    fs_params prm;
    fs_params_default(&prm);
    fs_model_args ma;
    memset(&ma, 0, sizeof ma);
    const char *dir = NULL;
    long checkpoint_every = 0, stop_after = 0;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (fs_pipeline_model_option(c, optarg, &ma)) continue;
        int t = fs_cli_param_option("invert", c, optarg, &prm);
        if (t == 2) return 2;
        if (t) continue;
        switch (c) {
        case O_PROJECT: dir = optarg; break;
        case O_CKPT:
            if (fs_cli_parse_long(optarg, 1, 100000000, &checkpoint_every))
                return fs_cli_usage_error("invert", "--checkpoint-every needs N >= 1");
            break;
        case O_STOP: /* testing aid: stop PTI after N updates of this run, as if killed */
            if (fs_cli_parse_long(optarg, 1, 100000000, &stop_after))
                return fs_cli_usage_error("invert", "--stop-after needs N >= 1");
            break;
        case 'h': usage(stdout); return 0;
        default: return fs_cli_usage_error("invert", "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
    fs_invert_opts o;
    fs_invert_opts_default(&o);
    fs_params_to_invert(&prm, &o);
    o.pti.checkpoint_every = (int)checkpoint_every;
    o.pti.stop_after = (int)stop_after;
    if (optind + 1 < argc) return fs_cli_usage_error("invert", "one VIDEO only");
    if (!dir) return fs_cli_usage_error("invert", "--project DIR is required");
    /* without VIDEO: a project made by `facestitch align` (its alignment is kept as it is) */
    const char *video = optind < argc ? argv[optind] : NULL;
    if (!video) {
        char mpath[FS_PATH_MAX];
        fs_err perr = {0};
        if (fs_path_join(mpath, sizeof mpath, dir, "manifest.json", &perr)) return fs_cli_fail(&perr);
        if (!fs_file_exists(mpath))
            return fs_cli_usage_error("invert", "VIDEO is required (%s is not a project yet)", dir);
    }
    fs_err err = {0};
    fs_model_set ms;
    if (fs_model_set_resolve(&ma, &ms, &err)) return fs_cli_fail(&err);
    char desc[20000];
    fs_model_set_describe(&ms, desc, sizeof desc);
    fs_info("facestitch invert: %s -> %s (%d threads)", video ? video : "(aligned project)", dir,
            fs_cli_globals.threads);
    fs_verbose("models: %s", desc);
    fs_invert_report rep;
    if (fs_invert_run(video, dir, &ms, &o, &rep, &err)) return fs_cli_fail(&err);
    if (rep.crops == 0)
        fs_info("invert: done (no faces)");
    else if (rep.pti_skipped)
        fs_info("invert: done (%d face crops; PTI was already done)", rep.crops);
    else
        fs_info("invert: done: %d face crops; PTI mean reconstruction loss %.5f -> %.5f over %d of them", rep.crops,
                rep.pti_loss_before, rep.pti_loss_after, rep.pti_crops);
    return 0;
}
