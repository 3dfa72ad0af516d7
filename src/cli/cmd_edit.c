/* cmd_edit.c — `facestitch edit (VIDEO | --project DIR) --edit NAME=STRENGTH -o OUT`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/pipeline_args.h"
#include "core/log.h"
#include "pipeline/edit/edit.h"
#include "pipeline/invert/invert.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: facestitch edit VIDEO --edit NAME=STRENGTH[,...] -o OUT.mp4 [options]\n"
            "       facestitch edit --project DIR --edit NAME=STRENGTH[,...] -o OUT.mp4 [options]\n"
            "\n"
            "Edits the faces of a video and writes the whole video back: same size, frame count, fps,\n"
            "timestamps, audio copied; only the edited faces change. With VIDEO it runs everything\n"
            "(align, inversion, PTI — see 'facestitch invert --help') in DIR if --project is given, else\n"
            "in a temporary project; with --project DIR alone it reuses a finished inversion, so many\n"
            "edits of one video are cheap. Stitched face crops are kept in DIR/edits/ (a few MB per\n"
            "frame at 1024²): an interrupted edit run again with the same options only computes the\n"
            "frames still missing. Delete DIR/edits to free the space.\n"
            "\n"
            "Edits (STIT's convention: the latent moves by STRENGTH/2 × direction, so STIT recipes\n"
            "mean the same: age=-8 young, age=8 old, gender=-6, smile=2, smile=-3 removes a smile):\n"
            "  --edit age=-6                    one direction\n"
            "  --edit age=-6,smile=2            several at once (or repeat --edit)\n"
            "  --edit \"age=0@0s,-6@2s\"          keyframes in seconds, linear in between\n"
            "  --edit \"smile=0@f0,2@f120\"       keyframes at frame numbers\n"
            "  NAME is a direction of the models dir / registry (age, smile, gender, pitch, yaw, ...)\n"
            "  or a direction file (.npy/.pt/.safetensors of shape (512), (1,512) or (num_ws,512)).\n"
            "\n"
            "Options:\n"
            "  -o, --output OUT       output video (.mp4 .mkv .mov), or a directory for PNG frames\n"
            "  --project DIR          project dir (kept; later edits reuse it)\n"
            "  --no-stitch            skip stitching tuning (STIT's naive edit: faster, visible seams)\n"
            "  --stitch-steps N       stitching tuning steps per frame (default 100)\n"
            "  --stitch-lr X          Adam learning rate of the stitching tuning (default 3e-4, as STIT)\n"
            "  --stitch-batch N       frames tuned side by side, each on one thread (default: the thread\n"
            "                         count for generators up to 256², else 1 = multithreaded kernels)\n"
            "  --border-threshold X   stop a frame's tuning once its border loss < X (default 0: never;\n"
            "                         STIT used 0.005 for simple backgrounds, 0.002 for detailed ones)\n"
            "  --face all|largest|ID  which face tracks to edit (default all)\n"
            "  --fade N               fade the edit in/out over N frames where a face enters/leaves (5)\n"
            "  --preview SHEET.png    contact sheet: original | inversion | edit | stitched\n"
            "  --crf N, --preset P, --codec C   encoder settings (see 'facestitch composite --help')\n"
            "  --pti-steps N, --batch N, --max-frames N, --e4e-antialias   inversion settings\n"
            FS_RANGE_HELP
            FS_PIPELINE_MODEL_HELP
            "  -h, --help             this help\n"
            "\n"
            "Examples:\n"
            "  facestitch edit talk.mp4 --edit age=-6 -o young.mp4\n"
            "  facestitch invert talk.mp4 --project talk.fs\n"
            "  facestitch edit --project talk.fs --edit smile=2 -o smile.mp4 --preview sheet.png\n"
            "  facestitch edit --project talk.fs --edit \"age=0@0s,-6@2s\" -o ramp.mp4\n"
            "  facestitch edit long.mp4 --range 60s:70s --edit smile=2 -o long_smile.mp4\n");
}

int fs_cmd_edit(int argc, char **argv) {
    enum { O_EDIT = 256, O_PROJECT, O_NOSTITCH, O_SSTEPS, O_THRESH, O_FACE, O_FADE, O_PREVIEW, O_CRF, O_PRESET,
           O_CODEC, O_PTI, O_BATCH, O_MAXF, O_AA, O_LR, O_SBATCH, O_SLR };
    static const struct option opts[] = {{"edit", required_argument, 0, O_EDIT},
                                         {"output", required_argument, 0, 'o'},
                                         {"project", required_argument, 0, O_PROJECT},
                                         {"no-stitch", no_argument, 0, O_NOSTITCH},
                                         {"stitch-steps", required_argument, 0, O_SSTEPS},
                                         {"stitch-batch", required_argument, 0, O_SBATCH},
                                         {"stitch-lr", required_argument, 0, O_SLR},
                                         {"border-threshold", required_argument, 0, O_THRESH},
                                         {"face", required_argument, 0, O_FACE},
                                         {"fade", required_argument, 0, O_FADE},
                                         {"preview", required_argument, 0, O_PREVIEW},
                                         {"crf", required_argument, 0, O_CRF},
                                         {"preset", required_argument, 0, O_PRESET},
                                         {"codec", required_argument, 0, O_CODEC},
                                         {"pti-steps", required_argument, 0, O_PTI},
                                         {"batch", required_argument, 0, O_BATCH},
                                         {"lr", required_argument, 0, O_LR},
                                         {"max-frames", required_argument, 0, O_MAXF},
                                         FS_RANGE_OPTION,
                                         {"e4e-antialias", no_argument, 0, O_AA},
                                         FS_PIPELINE_MODEL_OPTIONS,
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    fs_edit_opts eo;
    fs_edit_opts_default(&eo);
    fs_invert_opts io;
    fs_invert_opts_default(&io);
    fs_model_args ma;
    memset(&ma, 0, sizeof ma);
    const char *dir = NULL, *out = NULL;
    fs_err err = {0};
    optind = 1;
    opterr = 0;
    int c;
    long v;
    double d;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        if (fs_pipeline_model_option(c, optarg, &ma)) continue;
        if (c == FS_OPT_RANGE) {
            if (fs_cli_tracking_option("edit", c, optarg, &io.align.settings) == 2) return 2;
            continue;
        }
        switch (c) {
        case O_EDIT:
            if (fs_edit_spec_parse(optarg, &eo.spec, &err)) return fs_cli_usage_error("edit", "%s", err.msg);
            break;
        case 'o': out = optarg; break;
        case O_PROJECT: dir = optarg; break;
        case O_NOSTITCH: eo.no_stitch = 1; break;
        case O_SSTEPS:
            if (fs_cli_parse_long(optarg, 0, 100000, &v)) return fs_cli_usage_error("edit", "--stitch-steps needs 0..100000");
            eo.stitch.steps = (int)v;
            break;
        case O_SBATCH:
            if (fs_cli_parse_long(optarg, 1, 256, &v)) return fs_cli_usage_error("edit", "--stitch-batch needs 1..256");
            eo.stitch_batch = (int)v;
            break;
        case O_SLR:
            if (fs_cli_parse_double(optarg, 0, 1, &d)) return fs_cli_usage_error("edit", "--stitch-lr needs a number in [0, 1]");
            eo.stitch.lr = (float)d;
            break;
        case O_THRESH:
            if (fs_cli_parse_double(optarg, 0, 1e9, &d)) return fs_cli_usage_error("edit", "--border-threshold needs X >= 0");
            eo.stitch.border_threshold = (float)d;
            break;
        case O_FACE:
            if (fs_cli_check_face("edit", optarg)) return 2;
            eo.face = optarg;
            break;
        case O_FADE:
            if (fs_cli_parse_long(optarg, 0, 10000, &v)) return fs_cli_usage_error("edit", "--fade needs 0..10000");
            eo.fade_frames = (int)v;
            break;
        case O_PREVIEW: eo.preview_path = optarg; break;
        case O_CRF:
            if (fs_cli_parse_long(optarg, 0, 51, &v)) return fs_cli_usage_error("edit", "--crf needs 0..51");
            eo.comp.writer.crf = (int)v;
            break;
        case O_PRESET: eo.comp.writer.preset = optarg; break;
        case O_CODEC: eo.comp.writer.codec = optarg; break;
        case O_PTI:
            if (fs_cli_parse_long(optarg, 0, 100000, &v)) return fs_cli_usage_error("edit", "--pti-steps needs 0..100000");
            io.pti.passes = (int)v;
            break;
        case O_BATCH:
            if (fs_cli_parse_long(optarg, 1, 256, &v)) return fs_cli_usage_error("edit", "--batch needs 1..256");
            io.pti.batch = (int)v;
            break;
        case O_LR:
            if (fs_cli_parse_double(optarg, 0, 1, &d)) return fs_cli_usage_error("edit", "--lr needs a number in [0, 1]");
            io.pti.lr = (float)d;
            break;
        case O_MAXF:
            if (fs_cli_parse_long(optarg, 1, 100000000, &v)) return fs_cli_usage_error("edit", "--max-frames needs N >= 1");
            io.align.settings.max_frames = v;
            break;
        case O_AA: io.e4e_antialias = 1; break;
        case 'h': usage(stdout); return 0;
        default: return fs_cli_usage_error("edit", "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
    const char *video = optind < argc ? argv[optind] : NULL;
    if (optind + 1 < argc) return fs_cli_usage_error("edit", "one VIDEO only");
    if (!video && !dir) return fs_cli_usage_error("edit", "give a VIDEO or --project DIR");
    if (!out) return fs_cli_usage_error("edit", "-o OUT is required");
    if (eo.spec.count == 0) return fs_cli_usage_error("edit", "--edit NAME=STRENGTH is required (e.g. --edit age=-6)");

    fs_model_set ms;
    if (fs_model_set_resolve(&ma, &ms, &err)) return fs_cli_fail(&err);
    fs_invert_report ir;
    fs_edit_report er;
    memset(&ir, 0, sizeof ir);
    if (fs_edit_video(video, dir, &ms, &io, &eo, out, &ir, &er, &err)) return fs_cli_fail(&err);
    if (ir.crops && !ir.pti_skipped)
        fs_info("edit: PTI mean reconstruction loss %.5f -> %.5f over %d face crops", ir.pti_loss_before,
                ir.pti_loss_after, ir.pti_crops);
    int tuned = er.faces_edited - er.stitch_reused;
    if (tuned > 0 && !eo.no_stitch)
        fs_info("edit: %d faces edited; stitching lowered the mean border loss %.5f -> %.5f (lower on %d of %d "
                "frames)", er.faces_edited, er.border_before_mean, er.border_after_mean, er.border_improved, tuned);
    else
        fs_info("edit: %d faces edited", er.faces_edited);
    if (er.stitch_kept_earlier)
        fs_info("edit: on %d frame(s) stitching ended worse than the untuned edit; its best step was kept%s",
                er.stitch_kept_earlier, er.stitch_diverged ? " (some diverged: try a lower --stitch-lr)" : "");
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    fs_info("edit: wrote %s (peak memory %.1f MB)", out, ru.ru_maxrss / 1024.0);
    return 0;
}
