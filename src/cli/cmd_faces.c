/* cmd_faces.c — `facestitch faces VIDEO [--json OUT.json]`: detect, landmark and track every face. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "pipeline/project.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: facestitch faces VIDEO [options]\n"
            "\n"
            "Finds every face of VIDEO (Haar cascade + dlib 68 landmarks), follows each one through the\n"
            "frames, and prints the tracks as JSON with the smoothed FFHQ alignment quad of every frame:\n"
            "  {\"frames\":N,\"fps\":F,\"width\":W,\"height\":H,\"tracks\":[{\"id\":0,\"frames\":[{\"frame\":i,\n"
            "    \"box\":[x0,y0,x1,y1],\"landmarks\":[[x,y] x68],\"quad\":[[x,y] x4]}, ...]}, ...]}\n"
            "Frame indices are 0-based in decode order; coordinates are pixels of the displayed frame\n"
            "(rotation metadata applied); quad corners are top-left, bottom-left, bottom-right, top-right.\n"
            "A video without any face gives \"tracks\": [] (not an error).\n"
            "\n"
            "Options:\n"
            "  --json OUT.json     write the JSON to a file (atomically) instead of stdout\n"
            "  --max-frames N      only the first N frames (default: all)\n"
            "  --debug OUT.mp4     also write the video with boxes, landmarks and quads drawn on it\n"
            "  -h, --help          this help\n"
            "\n"
            "Examples:\n"
            "  facestitch faces talk.mp4 --json talk_faces.json\n"
            "  facestitch faces talk.mp4 --max-frames 60 --debug check.mp4 > faces.json\n");
}


int fs_cmd_faces(int argc, char **argv) {
    static const struct option opts[] = {{"json", required_argument, 0, 'j'},
                                         {"max-frames", required_argument, 0, 'm'},
                                         {"debug", required_argument, 0, 'd'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *json = NULL, *debug = NULL;
    fs_align_settings s;
    fs_align_settings_default(&s);
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = optarg; break;
        case 'd': debug = optarg; break;
        case 'm': {
            char *end;
            long long v = strtoll(optarg, &end, 10);
            if (*end || v < 1) return fs_cli_usage_error("faces", "--max-frames needs a positive number");
            s.max_frames = v;
            break;
        }
        case 'h': usage(stdout); return 0;
        default: return fs_cli_usage_error("faces", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) return fs_cli_usage_error("faces", "give exactly one VIDEO");
    const char *video = argv[optind];
    fs_err err = {0};
    fs_proj_tracks *t = NULL;
    if (fs_detect_tracks(video, &s, debug, &t, &err)) return fs_cli_fail(&err);
    int rc = fs_proj_tracks_write_json(t, json, 0, &err);
    if (!rc && json) fs_info("%s: %d face track(s) in %d frames", json, t->count, t->frames);
    fs_proj_tracks_destroy(t);
    return rc ? fs_cli_fail(&err) : 0;
}
