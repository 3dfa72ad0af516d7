/* cmd_align.c — `facestitch align VIDEO --project DIR`: tracks, smoothed quads and aligned crops. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/pipeline_args.h"
#include "core/log.h"
#include "pipeline/project/project.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: facestitch align VIDEO --project DIR [options]\n"
            "\n"
            "Cuts the aligned face crops the generator expects, the way STIT does (FFHQ quad from 68\n"
            "landmarks, quad parameters smoothed over time), for every tracked face. Two passes over the\n"
            "video keep memory small: pass 1 detects and tracks, pass 2 writes the crops. DIR receives\n"
            "manifest.json, tracks.json (landmarks, quads, transforms) and crops/tNNN/FFFFFF.png.\n"
            "Running it again resumes (finished crops are kept); a project whose source video changed is\n"
            "refused.\n"
            "Under 'mpirun -np N' the ranks split pass 2 (the crops) by frame range; pass 1 runs on rank 0\n"
            "(the tracker is sequential). See docs/mpi.md.\n"
            "\n"
            "Options:\n"
            "  --project DIR        project directory (created if needed)\n"
            "  --size N             crop size in pixels (default 1024, the FFHQ generator's resolution)\n"
            "  --tracks FACES.json  use these tracks (from 'facestitch faces --json') instead of detecting\n");
    fs_cli_param_help(fp, FS_PC_FACES, 0);
    fprintf(fp,
            "  --no-antialias       plain bilinear minification (STIT) for faces larger than the crop\n"
            "  --force              cut every crop again\n"
            "  --debug OUT.mp4      also write the video with boxes, landmarks and quads drawn on it\n"
            "  -h, --help           this help\n"
            "\n"
            "Examples:\n"
            "  facestitch align talk.mp4 --project talk.fs\n"
            "  facestitch align talk.mp4 --project small.fs --size 256 --max-frames 60\n");
}


int fs_cmd_align(int argc, char **argv) {
    static const struct option base[] = {{"project", required_argument, 0, 'p'},
                                         {"size", required_argument, 0, 's'},
                                         {"tracks", required_argument, 0, 't'},
                                         {"no-antialias", no_argument, 0, 'a'},
                                         {"force", no_argument, 0, 'f'},
                                         {"debug", required_argument, 0, 'd'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct option opts[64];
    if (fs_cli_options_build(base, FS_PC_FACES, opts, 64)) return fs_cli_usage_error("align", "too many options");
    fs_project_align_opts o;
    memset(&o, 0, sizeof o);
    fs_project_settings_default(&o.settings);
    fs_params prm;
    fs_params_default(&prm);
    const char *dir = NULL;
    long v;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int t = fs_cli_param_option("align", c, optarg, &prm);
        if (t == 2) return 2;
        if (t) continue;
        switch (c) {
        case 'p': dir = optarg; break;
        case 's':
            if (fs_cli_parse_long(optarg, 8, 8192, &v)) return fs_cli_usage_error("align", "--size needs an integer 8..8192");
            o.settings.size = (int)v;
            break;
        case 't': o.tracks_json = optarg; break;
        case 'a': o.settings.antialias = 0; break;
        case 'f': o.force = 1; break;
        case 'd': o.debug_video = optarg; break;
        case 'h': usage(stdout); return 0;
        default: return fs_cli_usage_error("align", "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) return fs_cli_usage_error("align", "give exactly one VIDEO");
    if (!dir) return fs_cli_usage_error("align", "--project DIR is required");
    fs_params_to_settings(&prm, &o.settings);
    fs_err err = {0};
    if (fs_project_align_ranks(argv[optind], dir, &o, &err)) return fs_cli_fail(&err);
    return 0;
}
