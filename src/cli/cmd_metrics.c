/* cmd_metrics.c — `facestitch metrics ORIGINAL EDITED [--json]`: background PSNR, face flicker,
 * landmark stability (and TL-ID / TG-ID when a face-embedding model exists). See pipeline/metrics/metrics.h. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/pipeline_args.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/path.h"
#include "registry/registry.h"
#include "pipeline/metrics/faceapi.h"
#include "pipeline/metrics/metrics.h"

/* --csv: one line per frame, "inf" for identical pixels, empty for "not defined". */
static void csv_num(FILE *fp, double v) {
    if (isinf(v)) fputs(v > 0 ? "inf" : "-inf", fp);
    else if (!isnan(v)) fprintf(fp, "%.6g", v);
}

static int csv_frame(void *user, const fs_metrics_frame *f, fs_err *err) {
    fs_atomic_file *af = user;
    fprintf(af->fp, "%lld,%d,", (long long)f->frame, f->faces);
    const double v[6] = {f->bg_psnr_db, f->hull_psnr_db, f->face_psnr_db, f->frame_psnr_db, f->flicker_original,
                         f->flicker_edited};
    for (int i = 0; i < 6; i++) {
        csv_num(af->fp, v[i]);
        fputc(i < 5 ? ',' : '\n', af->fp);
    }
    if (ferror(af->fp)) return fs_errorf(err, "%s: write failed", af->path);
    return FS_OK;
}

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: facestitch metrics ORIGINAL EDITED [options]\n"
            "\n"
            "Measures how well EDITED (e.g. the output of 'facestitch edit') keeps what should not\n"
            "change of ORIGINAL: the background, the temporal stability of the face, its geometry.\n"
            "Both videos must have the same size and the same number of frames. The faces are\n"
            "tracked on ORIGINAL (68 landmarks, smoothed crop quads), and on EDITED the same way.\n"
            "Videos are streamed: memory does not grow with their length.\n"
            "\n"
            "Regions (from ORIGINAL's faces, per frame):\n"
            "  crop quads   the aligned face crops (FFHQ quads); facestitch never changes a pixel\n"
            "               outside them, so 'background' = outside the quads (+1.5 px)\n"
            "  face region  hull of the 68 landmarks + forehead, grown by 10%% of the crop side\n"
            "               (+1.5 px): covers what the paste changes with landmark masks (crops of\n"
            "               64 px or more); BiSeNet masks (hair, neck) may reach past it, never\n"
            "               past the quads\n"
            "\n"
            "Metrics (RGB, 0..255):\n"
            "  background PSNR   10 log10(255^2/MSE) over the pixels outside the quads, all frames;\n"
            "                    'inf' when identical (JSON: 999); also the worst frame, the largest\n"
            "                    |difference|, and the same outside the face region\n"
            "  flicker           mean over consecutive frames of the mean |change| (0..255 levels) of\n"
            "                    the pixels in the face region of both frames, original and edited;\n"
            "                    ratio = edited/original (about 1: the edit adds no flicker)\n"
            "  landmark jitter   mean frame-to-frame landmark motion / inter-ocular distance, for\n"
            "                    the original and the re-tracked edited faces (tracks matched by box\n"
            "                    overlap); ratio = edited/original\n"
            "  landmark shift    mean distance edited vs original landmarks / inter-ocular distance\n"
            "  TL-ID / TG-ID     identity consistency (STIT, reference in docs/models.md): cosine-similarity\n"
            "                    matrices of per-frame face embeddings, edited ⊘ original; TL = mean of\n"
            "                    adjacent frames, TG = mean of all pairs (1 = as consistent as the source).\n"
            "                    The embedding is face-api's 128-D descriptor standing in for STIT's ArcFace\n"
            "                    ('facestitch models fetch face-api'; n/a without it), on the first track\n"
            "  identity to source  mean cosine of each edited face to the same frame's original\n"
            "  edit effect       face-api's estimated age and happy probability, edited - original, mean\n"
            "                    over frames (age=+6 should raise the age, smile the happy probability)\n"
            "\n"
            "Options:\n"
            "  --json              print one JSON object instead of the table. Keys: original, edited,\n"
            "                      frames, width, height, fps, psnr_inf_value (999), background_psnr_db,\n"
            "                      background_psnr_min_db, background_psnr_min_frame,\n"
            "                      background_pixels_fraction, background_max_abs_diff,\n"
            "                      background_hull_psnr_db, background_hull_psnr_min_db,\n"
            "                      background_hull_pixels_fraction, background_hull_max_abs_diff,\n"
            "                      face_psnr_db, frame_psnr_db, flicker_original, flicker_edited,\n"
            "                      flicker_ratio, flicker_pairs, landmark_jitter_original,\n"
            "                      landmark_jitter_edited, landmark_jitter_ratio, landmark_shift,\n"
            "                      landmark_pairs, landmark_frames, tracks_original, tracks_edited,\n"
            "                      tracks_matched, faces_tracked_frames, tl_id, tg_id, identity_note,\n"
            "                      seconds, tracks (per ORIGINAL track: id, edited_id, match_iou, frames,\n"
            "                      common_frames, pairs, jitter_original, jitter_edited, jitter_ratio,\n"
            "                      shift). PSNRs of identical pixels are 999; null = not defined (no\n"
            "                      face, no background pixel, a zero denominator, no embedding model)\n"
            "  --max-frames N      compare only the first N frames of both (default: all); use it for\n"
            "                      the output of 'edit --max-frames N'\n"
            "  --csv FILE          also write per-frame figures (written atomically): frame, faces,\n"
            "                      background_psnr_db, background_hull_psnr_db, face_psnr_db,\n"
            "                      frame_psnr_db, flicker_original, flicker_edited ('inf' identical,\n"
            "                      empty = not defined); flicker of frame t is against frame t-1\n"
            "  --face-margin F     grow the face region by F x the crop side (default 0.10)\n"
            "  --plot FILE.png     plot age and happy probability per frame, original (blue) vs edited\n"
            "                      (red); needs the face-api networks\n");
    fs_cli_param_help(fp, FS_PC_METRICS, 0);
    fputs("  -h, --help          this help\n"
            "\n"
            "Exit status: 0 measured; 1 unreadable/broken video or videos that do not match\n"
            "(size, frame count); 2 bad usage.\n"
            "\n"
            "Examples:\n"
            "  facestitch edit talk.mp4 --edit age=-6 -o young.mp4 && facestitch metrics talk.mp4 young.mp4\n"
            "  facestitch metrics talk.mp4 young.mp4 --json > metrics.json\n"
            "  facestitch edit talk.mp4 --edit smile=2 -o s.mp4 --max-frames 50 --crf 0\n"
            "  facestitch metrics talk.mp4 s.mp4 --max-frames 50      # lossless: background 'inf'\n",
          fp);
}

int fs_cmd_metrics(int argc, char **argv) {
    static const struct option base[] = {{"json", no_argument, 0, 'j'},
                                         {"max-frames", required_argument, 0, 'm'},
                                         {"face-margin", required_argument, 0, 'f'},
                                         {"csv", required_argument, 0, 'c'},
                                         {"plot", required_argument, 0, 'p'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct option opts[16];
    if (fs_cli_options_build(base, FS_PC_METRICS, opts, 16)) return fs_cli_usage_error("metrics", "too many options");
    fs_params params;
    fs_params_default(&params);
    fs_metrics_opts o;
    fs_metrics_opts_default(&o);
    int json = 0;
    const char *csv = NULL;
    const char *plot = NULL;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'c': csv = optarg; break;
        case 'p': plot = optarg; break;
        case 'm': {
            char *end;
            long long v = strtoll(optarg, &end, 10);
            if (end == optarg || *end || v < 1) return fs_cli_usage_error("metrics", "--max-frames needs a positive number");
            o.max_frames = v;
            break;
        }
        case 'f': {
            char *end;
            double v = strtod(optarg, &end);
            if (end == optarg || *end || !(v >= 0 && v <= 2))
                return fs_cli_usage_error("metrics", "--face-margin needs a number from 0 to 2 (fraction of the crop side)");
            o.face_margin = v;
            break;
        }
        case 'h': usage(stdout); return 0;
        default: {
            int r = fs_cli_param_option("metrics", c, optarg, &params);
            if (r == 2) return 2;
            if (r == 0) return fs_cli_usage_error("metrics", "unknown option or missing value: '%s'", argv[optind - 1]);
            o.track_chunk = params.track_chunk;
        }
        }
    }
    if (argc - optind != 2)
        return fs_cli_usage_error("metrics", argc - optind < 2 ? "give ORIGINAL and EDITED videos" : "give exactly two videos, ORIGINAL and EDITED");
    fs_err err = {0};
    fs_atomic_file af;
    if (csv) {
        if (fs_atomic_open(&af, csv, &err)) return fs_cli_fail(&err);
        fprintf(af.fp, "frame,faces,background_psnr_db,background_hull_psnr_db,face_psnr_db,frame_psnr_db,"
                       "flicker_original,flicker_edited\n");
        o.frame_fn = csv_frame;
        o.frame_user = &af;
    }
    fs_metrics_faceapi fa = {0};
    char fa_dir[FS_PATH_MAX];
    fs_err fa_err;
    if (fs_registry_face_api_dir(fa_dir, sizeof fa_dir, &fa_err) == FS_OK || plot) {
        if (fs_metrics_faceapi_init(&fa, &o, &err)) {
            if (csv) fs_atomic_abort(&af);
            return fs_cli_fail(&err);
        }
    } else {
        fs_info("metrics: TL-ID / TG-ID and the edit effect need the face-api networks ('facestitch models fetch face-api')");
    }
    fs_metrics m;
    int rc = fs_metrics_compute(argv[optind], argv[optind + 1], &o, &m, &err);
    if (rc == FS_OK && plot) rc = fs_metrics_faceapi_plot(&fa, plot, &err);
    if (rc == FS_OK) fs_metrics_faceapi_finish(&fa, &m);
    fs_metrics_faceapi_free(&fa);
    if (rc || (csv && fs_atomic_commit(&af, &err))) {
        if (rc && csv) fs_atomic_abort(&af);
        fs_metrics_free(&m); /* zeroed when compute failed */
        return fs_cli_fail(&err);
    }
    if (json) fs_metrics_write_json(&m, stdout);
    else fs_metrics_print_text(&m, stdout);
    fflush(stdout);
    fs_verbose("metrics: %lld frames in %.1f s", (long long)m.frames, m.seconds);
    fs_metrics_free(&m);
    if (ferror(stdout)) {
        fprintf(stderr, "facestitch: metrics: cannot write the report to stdout\n");
        return 1;
    }
    return 0;
}
