/* cmd_composite.c — `facestitch composite --project DIR -o OUT.mp4`: paste the crops back. */
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
            "Usage: facestitch composite --project DIR -o OUT.mp4 [options]\n"
            "\n"
            "Pastes the project's current face crops back into the source video through a feathered face\n"
            "mask (landmark hull + forehead, or the project's face-parsing masks), and writes the whole\n"
            "video: same size, frame count, timestamps and fps, audio stream copied. Pixels outside the\n"
            "masks are the source's pixels exactly; frames without a tracked face are copied. With the\n"
            "unedited crops of 'align' the output looks like the input.\n"
            "\n"
            "Options:\n"
            "  --project DIR      project made by 'facestitch align'\n"
            "  -o, --output OUT   output video (.mp4, .mkv, .mov), or a directory for PNG frames\n"
            "  --crf N            quality, 0..51 (default 18; 0 = lossless, bit-exact RGB H.264 4:4:4)\n"
            "  --preset P         x264 speed preset (default medium; ultrafast ... veryslow)\n"
            "  --codec C          video encoder (default h264 = libx264; e.g. hevc, vp9, ffv1)\n"
            "  --crops DIR        paste the crops of DIR (tNNN/FFFFFF.png) instead of DIR/crops\n"
            "  --hard-mask        paste with the un-feathered mask (STIT's 'Full' mask)\n"
            "  --fade N           fade a face in/out over N frames where its track starts or ends\n"
            "                     inside the video (default 4; 0 = off)\n"
            "  --debug            draw quads, boxes and landmarks on the output frames\n"
            "  -h, --help         this help\n"
            "\n"
            "Examples:\n"
            "  facestitch composite --project talk.fs -o same.mp4\n"
            "  facestitch composite --project talk.fs -o exact.mkv --crf 0\n");
}


int fs_cmd_composite(int argc, char **argv) {
    static const struct option opts[] = {{"project", required_argument, 0, 'p'}, {"output", required_argument, 0, 'o'},
                                         {"crf", required_argument, 0, 'c'},     {"preset", required_argument, 0, 'P'},
                                         {"codec", required_argument, 0, 'C'},   {"crops", required_argument, 0, 'r'},
                                         {"hard-mask", no_argument, 0, 'H'},     {"debug", no_argument, 0, 'd'},
                                         {"fade", required_argument, 0, 'F'},
                                         {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    fs_composite_opts o;
    fs_composite_opts_default(&o);
    const char *dir = NULL, *out = NULL;
    long v;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'p': dir = optarg; break;
        case 'o': out = optarg; break;
        case 'c':
            if (fs_cli_parse_long(optarg, 0, 51, &v)) return fs_cli_usage_error("composite", "--crf needs 0..51");
            o.writer.crf = (int)v;
            break;
        case 'P': o.writer.preset = optarg; break;
        case 'C': o.writer.codec = optarg; break;
        case 'r': o.crops_dir = optarg; break;
        case 'H': o.feather = 0; break;
        case 'd': o.debug = 1; break;
        case 'F':
            if (fs_cli_parse_long(optarg, 0, 1000, &v)) return fs_cli_usage_error("composite", "--fade needs 0..1000");
            o.fade_frames = (int)v;
            break;
        case 'h': usage(stdout); return 0;
        default: return fs_cli_usage_error("composite", "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc) return fs_cli_usage_error("composite", "unexpected argument '%s'", argv[optind]);
    if (!dir) return fs_cli_usage_error("composite", "--project DIR is required");
    if (!out) return fs_cli_usage_error("composite", "-o OUT is required");
    fs_err err = {0};
    fs_project *p = NULL;
    if (fs_project_open(dir, &p, &err)) return fs_cli_fail(&err);
    int rc = fs_project_composite(p, out, &o, &err);
    fs_project_close(p);
    return rc ? fs_cli_fail(&err) : 0;
}
