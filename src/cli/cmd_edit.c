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
#include "pipeline/edit/sweep.h"
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
            "Several processes or machines: 'mpirun -np N facestitch edit --project DIR ...' (DIR on a\n"
            "shared filesystem) deals the frames to stitch to the ranks; rank 0 prints the whole job's\n"
            "progress and composites. A killed job resumes with any N. See docs/mpi.md.\n"
            "\n"
            "Edits (STIT's convention: the latent moves by STRENGTH/2 × direction, so STIT recipes\n"
            "mean the same: age=-8 young, age=8 old, gender=-6, smile=2, smile=-3 removes a smile):\n"
            "  --edit age=-6                    one direction\n"
            "  --edit age=-6,smile=2            several at once (or repeat --edit)\n"
            "  --edit \"age=0@0s,-6@2s\"          keyframes in seconds, linear in between\n"
            "  --edit \"smile=0@f0,2@f120\"       keyframes at frame numbers\n"
            "  --edit age=-6:6:3                strength sweep FROM:TO:STEP: -6, -3, 0, 3, 6, one video each\n"
            "                                   (OUT_age-6.mp4, OUT_age-3.mp4, ... OUT_age6.mp4) from one\n"
            "                                   inversion. STEP > 0; FROM > TO counts down; TO is included\n"
            "                                   when it is a whole number of steps away; at most 101 strengths.\n"
            "                                   STIT's --edit_range S E N is NAME=S:E:(E-S)/(N-1).\n"
            "                                   --side-by-side, --hard-mask, --preview are written per strength\n"
            "                                   (SBS_age-6.mp4 ...), --output-frames into DIR/age-6/ ...\n"
            "  --sweep-grid GRID.mp4            with a sweep: all strengths side by side, labelled (<= 32)\n"
            "  NAME is a direction of the models dir / registry (age, smile, gender, pitch, yaw, ...)\n"
            "  or a direction file (.npy/.pt/.safetensors of shape (512), (1,512) or (num_ws,512)).\n"
            "\n"
            "Options:\n"
            "  -o, --output OUT       output video (.mp4 .mkv .mov), or a directory for PNG frames\n"
            "  --project DIR          project dir (kept; later edits reuse it)\n"
            "  --preview SHEET.png    contact sheet: original | inversion | edit | stitched\n"
            "  --side-by-side SBS.mp4 one face's aligned crops: original | inversion | naive edit |\n"
            "                         stitched, labelled, at the source's fps with its audio (STIT's\n"
            "                         side-by-side out.mp4). Its face is the one --face picks, else (with\n"
            "                         several faces) the largest: box area summed over its frames\n"
            "  --output-frames DIR    per-stage frames DIR/{inversion,naive,stitched,final}/NNNNNN.png of the\n"
            "                         same face (final: whole frames)\n"
            "                         (STIT's --output_frames; NNNNNN = source frame)\n"
            "  --hard-mask HARD.mp4   also the video pasted with the hard (unfeathered) mask (STIT writes\n"
            "                         both; the stitched crops are reused)\n"
            "\nEdit, stitching and paste (a changed value never reuses stitched crops of another):\n");
    fs_cli_param_help(fp, FS_PC_EDIT, 0);
    fprintf(fp, "\nInversion (edit VIDEO runs it first; see 'facestitch invert --help'):\n");
    fs_cli_param_help(fp, FS_PC_INVERT, FS_PC_EDIT);
    fprintf(fp,
            FS_PIPELINE_MODEL_HELP
            "  -h, --help             this help\n"
            "\n"
            "Examples:\n"
            "  facestitch edit talk.mp4 --edit age=-6 -o young.mp4\n"
            "  facestitch invert talk.mp4 --project talk.fs\n"
            "  facestitch edit --project talk.fs --edit smile=2 -o smile.mp4 --preview sheet.png\n"
            "  facestitch edit --project talk.fs --edit \"age=0@0s,-6@2s\" -o ramp.mp4\n"
            "  facestitch edit --project talk.fs --edit age=-6:6:6 -o out.mp4 --sweep-grid grid.mp4\n"
            "  facestitch edit long.mp4 --range 60s:70s --edit smile=2 -o long_smile.mp4\n");
}

int fs_cmd_edit(int argc, char **argv) {
    enum { O_EDIT = 256, O_PROJECT, O_PREVIEW, O_HARD, O_GRID, O_SBS, O_FRAMES };
    static const struct option base[] = {{"edit", required_argument, 0, O_EDIT},
                                         {"output", required_argument, 0, 'o'},
                                         {"project", required_argument, 0, O_PROJECT},
                                         {"preview", required_argument, 0, O_PREVIEW},
                                         {"hard-mask", required_argument, 0, O_HARD},
                                         {"sweep-grid", required_argument, 0, O_GRID},
                                         {"side-by-side", required_argument, 0, O_SBS},
                                         {"output-frames", required_argument, 0, O_FRAMES},
                                         FS_PIPELINE_MODEL_OPTIONS,
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct option opts[128];
    if (fs_cli_options_build(base, FS_PC_EDIT | FS_PC_INVERT, opts, 128))
        return fs_cli_usage_error("edit", "too many options");
    fs_edit_opts eo;
    fs_edit_opts_default(&eo);
    fs_params prm;
    fs_params_default(&prm);
    fs_model_args ma;
    memset(&ma, 0, sizeof ma);
    const char *dir = NULL, *out = NULL, *grid = NULL;
    fs_edit_sweep sweep;
    int sweeps = 0;
    fs_err err = {0};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        if (fs_pipeline_model_option(c, optarg, &ma)) continue;
        int t = fs_cli_param_option("edit", c, optarg, &prm);
        if (t == 2) return 2;
        if (t) continue;
        switch (c) {
        case O_EDIT: {
            int is_sweep = fs_edit_sweep_parse(optarg, &sweep, &err);
            if (is_sweep < 0) return fs_cli_usage_error("edit", "--edit %s", err.msg);
            if (is_sweep) {
                if (sweeps++) return fs_cli_usage_error("edit", "one strength sweep per run");
                break;
            }
            if (fs_edit_spec_parse(optarg, &eo.spec, &err)) return fs_cli_usage_error("edit", "--%s", err.msg);
            break;
        }
        case O_GRID: grid = optarg; break;
        case 'o': out = optarg; break;
        case O_PROJECT: dir = optarg; break;
        case O_PREVIEW: eo.preview_path = optarg; break;
        case O_HARD: eo.hard_mask_path = optarg; break;
        case O_SBS: eo.side_by_side = optarg; break;
        case O_FRAMES: eo.frames_dir = optarg; break;
        case 'h': usage(stdout); return 0;
        default: return fs_cli_usage_error("edit", "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
    fs_params_to_edit(&prm, &eo);
    fs_invert_opts io;
    fs_invert_opts_default(&io);
    fs_params_to_invert(&prm, &io);
    const char *video = optind < argc ? argv[optind] : NULL;
    if (optind + 1 < argc) return fs_cli_usage_error("edit", "one VIDEO only");
    if (!video && !dir) return fs_cli_usage_error("edit", "give a VIDEO or --project DIR");
    if (!out) return fs_cli_usage_error("edit", "-o OUT is required");
    if (sweeps && eo.spec.count)
        return fs_cli_usage_error("edit", "a strength sweep cannot be combined with other edits or keyframes");
    if (grid && !sweeps) return fs_cli_usage_error("edit", "--sweep-grid needs a sweep, e.g. --edit age=-6:6:3");
    if (eo.spec.count == 0 && !sweeps)
        return fs_cli_usage_error("edit", "--edit NAME=STRENGTH is required (e.g. --edit age=-6)");

    fs_model_set ms;
    if (fs_model_set_resolve(&ma, &ms, &err)) return fs_cli_fail(&err);
    if (sweeps) {
        if (fs_edit_sweep_run(video, dir, &ms, &io, &eo, &sweep, out, grid, &err)) return fs_cli_fail(&err);
        fs_info("edit: wrote %d strengths of %s%s%s", sweep.count, sweep.name, grid ? " and the grid " : "",
                grid ? grid : "");
        return 0;
    }
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
