/* cmd_faces.c — `facestitch faces VIDEO [--json OUT.json]`: detect, landmark and track every face. */
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
            "Usage: facestitch faces VIDEO [options]\n"
            "\n"
            "Finds every face of VIDEO (face-api's SSD detector when installed, else Haar cascades; dlib's\n"
            "68 landmarks unless --landmarks cnn), follows each one through the frames, and prints\n"
            "the tracks as JSON with the smoothed FFHQ alignment quad of every frame:\n"
            "  {\"frames\":N,\"fps\":F,\"width\":W,\"height\":H,\"tracks\":[{\"id\":0,\"frames\":[{\"frame\":i,\n"
            "    \"box\":[x0,y0,x1,y1],\"landmarks\":[[x,y] x68],\"quad\":[[x,y] x4]}, ...]}, ...]}\n"
            "Frame indices are 0-based in decode order; coordinates are pixels of the displayed frame\n"
            "(rotation metadata applied); quad corners are top-left, bottom-left, bottom-right, top-right.\n"
            "A video without any face gives \"tracks\": [] (not an error).\n"
            "\n"
            "Options:\n"
            "  --json OUT.json      write the JSON to a file (atomically) instead of stdout\n");
    fs_cli_param_help(fp, FS_PC_FACES, 0);
    fprintf(fp,
            "  --debug OUT.mp4      also write the video with boxes, landmarks and quads drawn on it\n"
            "  -h, --help           this help\n"
            "\n"
            "Examples:\n"
            "  facestitch faces talk.mp4 --json talk_faces.json\n"
            "  facestitch faces talk.mp4 --max-frames 60 --debug check.mp4 > faces.json\n"
            "  facestitch faces talk.mp4 --center-sigma 0 --xy-sigma 0 --json unsmoothed.json\n");
}


int fs_cmd_faces(int argc, char **argv) {
    static const struct option base[] = {{"json", required_argument, 0, 'j'},
                                         {"debug", required_argument, 0, 'd'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct option opts[64];
    if (fs_cli_options_build(base, FS_PC_FACES, opts, 64)) return fs_cli_usage_error("faces", "too many options");
    const char *json = NULL, *debug = NULL;
    fs_params prm;
    fs_params_default(&prm);
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int t = fs_cli_param_option("faces", c, optarg, &prm);
        if (t == 2) return 2;
        if (t) continue;
        switch (c) {
        case 'j': json = optarg; break;
        case 'd': debug = optarg; break;
        case 'h': usage(stdout); return 0;
        default: return fs_cli_usage_error("faces", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) return fs_cli_usage_error("faces", "give exactly one VIDEO");
    const char *video = argv[optind];
    fs_project_settings s;
    fs_project_settings_default(&s);
    fs_params_to_settings(&prm, &s);
    fs_err err = {0};
    fs_aligned_tracks *t = NULL;
    if (fs_project_detect_tracks(video, &s, debug, &t, &err)) return fs_cli_fail(&err);
    int rc = fs_aligned_tracks_write_json(t, json, 0, &err);
    if (!rc && json) fs_info("%s: %d face track(s) in %d frames", json, t->count, t->frames);
    fs_aligned_tracks_destroy(t);
    return rc ? fs_cli_fail(&err) : 0;
}
