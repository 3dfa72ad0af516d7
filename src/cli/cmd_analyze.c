/* cmd_analyze.c — `facestitch analyze IMAGE|VIDEO [--json OUT] [--detector ssd|haar] [--every N]`:
 * face-api's networks on every (N-th) frame: box, score, 68 landmarks, 128-D descriptor, age,
 * gender, expressions per face (models/faceapi_analyze.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/path.h"
#include "face/cascade.h"
#include "face/detect.h"
#include "models/faceapi_analyze.h"
#include "registry/registry.h"
#include "video/video.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: facestitch analyze IMAGE|VIDEO [options]\n"
            "\n"
            "Runs the face-api networks (npm @vladmandic/face-api, MIT; 'facestitch models fetch\n"
            "face-api') on an image or on the frames of a video, as face-api's\n"
            "detectAllFaces().withFaceLandmarks().withFaceDescriptors().withAgeAndGender()\n"
            ".withFaceExpressions(): per face its box [x, y, w, h] and 68 landmarks in input pixels, the\n"
            "detector's score, a 128-D descriptor (faces of one person: cosine near 1), the estimated age,\n"
            "gender with its probability, and the probabilities of 7 expressions. Prints one line per\n"
            "face; --json writes everything.\n"
            "\n"
            "Options:\n"
            "  --json OUT           write {\"frames\": [{\"frame\", \"faces\": [{\"box\", \"score\",\n"
            "                       \"landmarks\", \"descriptor\", \"age\", \"gender\", \"gender_probability\",\n"
            "                       \"expressions\": {neutral, happy, sad, angry, fearful, disgusted,\n"
            "                       surprised}}]}]} to OUT (atomically; '-' = stdout). An image is frame 0.\n"
            "  --detector ssd|haar  face detector: face-api's SSD MobileNet-V1 (default) or the Haar\n"
            "                       cascade (OpenCV's frontalface_alt2; its faces get score null)\n"
            "  --min-confidence P   SSD score threshold, 0 < P < 1 (default 0.5, face-api's)\n"
            "  --every N            analyze frames 0, N, 2N, ... (default 1: all)\n"
            "  --max-frames N       stop after N frames of the input (default: all)\n"
            "  -h, --help           this help\n"
            "\n"
            "Exit status: 0 done; 1 unreadable input or missing face-api networks; 2 bad usage.\n"
            "\n"
            "Examples:\n"
            "  facestitch models fetch face-api\n"
            "  facestitch analyze photo.jpg\n"
            "  facestitch analyze talk.mp4 --every 5 --json talk_faces.json\n");
}

typedef struct {
    int haar, every;
    float min_conf;
    int64_t max_frames;
    const char *json;
} analyze_opts;

static void json_floats(FILE *fp, const float *v, int n) {
    for (int i = 0; i < n; i++) fprintf(fp, "%s%.7g", i ? "," : "", (double)v[i]);
}

static void json_face(FILE *fp, const fs_fa_face *f, int haar, int first) {
    fprintf(fp, "%s{\"box\":[%.4f,%.4f,%.4f,%.4f],\"score\":", first ? "" : ",", f->box.x, f->box.y, f->box.w,
            f->box.h);
    if (haar) fputs("null", fp);
    else fprintf(fp, "%.7g", (double)f->box.score);
    fputs(",\"landmarks\":[", fp);
    for (int i = 0; i < 68; i++)
        fprintf(fp, "%s[%.4f,%.4f]", i ? "," : "", (double)f->landmarks[2 * i], (double)f->landmarks[2 * i + 1]);
    fputs("],\"descriptor\":[", fp);
    json_floats(fp, f->descriptor, FS_FA_DESCRIPTOR);
    fprintf(fp, "],\"age\":%.5g,\"gender\":\"%s\",\"gender_probability\":%.7g,\"expressions\":{", (double)f->age_gender.age,
            f->age_gender.male ? "male" : "female", (double)f->age_gender.probability);
    for (int i = 0; i < FS_FA_N_EXPRESSIONS; i++)
        fprintf(fp, "%s\"%s\":%.7g", i ? "," : "", fs_fa_expression_names[i], (double)f->expressions[i]);
    fputs("}}", fp);
}

/* Haar boxes as face-api boxes (score 1: not a probability). */
static int haar_boxes(const fs_haar_cascade *c, const fs_image *im, fs_fa_box *out, int *n, fs_err *err) {
    fs_gray g;
    fs_detect_opts o;
    fs_detect_opts_default(&o);
    fs_detection *d = NULL;
    int nd = 0;
    if (fs_gray_from_image(im, &g, err)) return FS_ERR;
    int rc = fs_haar_detect(c, &g, &o, &d, &nd, err);
    fs_gray_free(&g);
    *n = 0;
    for (int i = 0; rc == FS_OK && i < nd && *n < FS_FA_SSD_MAX_RESULTS; i++)
        out[(*n)++] = (fs_fa_box){d[i].x0, d[i].y0, d[i].x1 - d[i].x0, d[i].y1 - d[i].y0, 1.0f};
    free(d);
    return rc;
}

static int analyze_frame(const fs_fa_nets *nets, const fs_haar_cascade *cas, const analyze_opts *o,
                         const fs_video_frame *f, FILE *js, int first, fs_err *err) {
    static fs_fa_face faces[FS_FA_SSD_MAX_RESULTS];
    fs_fa_box boxes[FS_FA_SSD_MAX_RESULTS];
    const fs_image *im = f->image;
    int n = 0, nb = 0;
    int rc = o->haar ? haar_boxes(cas, im, boxes, &nb, err) ||
                           fs_fa_analyze_boxes(nets, im->rgb, im->stride, im->w, im->h, boxes, nb, faces, &n, err)
                     : fs_fa_analyze(nets, im->rgb, im->stride, im->w, im->h, o->min_conf, faces, &n, err);
    if (rc) return FS_ERR;
    if (js) fprintf(js, "%s{\"frame\":%lld,\"faces\":[", first ? "" : ",\n", (long long)f->index);
    for (int i = 0; i < n; i++) {
        const fs_fa_face *fa = &faces[i];
        int best = 0;
        for (int k = 1; k < FS_FA_N_EXPRESSIONS; k++)
            if (fa->expressions[k] > fa->expressions[best]) best = k;
        fs_info("frame %lld face %d: box [%.0f %.0f %.0f %.0f] score %.3f age %.1f %s (%.2f) %s (%.2f)",
                (long long)f->index, i, fa->box.x, fa->box.y, fa->box.w, fa->box.h, o->haar ? 0.0 : fa->box.score,
                fa->age_gender.age, fa->age_gender.male ? "male" : "female", fa->age_gender.probability,
                fs_fa_expression_names[best], fa->expressions[best]);
        if (js) json_face(js, fa, o->haar, i == 0);
    }
    if (js) fputs("]}", js);
    return FS_OK;
}

static int parse_opts(int argc, char **argv, analyze_opts *o, const char **input) {
    static const struct option lo[] = {{"json", required_argument, 0, 'j'},     {"detector", required_argument, 0, 'd'},
                                       {"min-confidence", required_argument, 0, 'c'},
                                       {"every", required_argument, 0, 'e'},    {"max-frames", required_argument, 0, 'm'},
                                       {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    *o = (analyze_opts){0, 1, 0.5f, 0, NULL};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 'j': o->json = optarg; break;
        case 'd':
            if (strcmp(optarg, "ssd") && strcmp(optarg, "haar"))
                return fs_cli_usage_error("analyze", "--detector is ssd or haar, not '%s'", optarg);
            o->haar = !strcmp(optarg, "haar");
            break;
        case 'c':
            o->min_conf = strtof(optarg, &end);
            if (end == optarg || *end || !(o->min_conf > 0 && o->min_conf < 1))
                return fs_cli_usage_error("analyze", "--min-confidence needs a number between 0 and 1");
            break;
        case 'e':
        case 'm': {
            long long v = strtoll(optarg, &end, 10);
            if (end == optarg || *end || v < 1 || v > 1000000000)
                return fs_cli_usage_error("analyze", "--%s needs a whole number >= 1", c == 'e' ? "every" : "max-frames");
            if (c == 'e') o->every = (int)v;
            else o->max_frames = v;
        } break;
        case 'h': usage(stdout); return -1;
        default: return fs_cli_usage_error("analyze", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) return fs_cli_usage_error("analyze", "give exactly one IMAGE or VIDEO");
    *input = argv[optind];
    return 0;
}

static int run(const char *input, const analyze_opts *o, fs_video_reader *r, fs_err *err) {
    fs_fa_nets nets;
    fs_haar_cascade *cas = NULL;
    char dir[FS_PATH_MAX];
    if (fs_registry_face_api_dir(dir, sizeof dir, err) || fs_fa_nets_load(&nets, dir, err)) return FS_ERR;
    if (o->haar && fs_haar_cascade_load(FS_HAAR_DIR "/haarcascade_frontalface_alt2.xml", &cas, err)) {
        fs_fa_nets_free(&nets);
        return FS_ERR;
    }
    const fs_video_info *vi = fs_video_reader_info(r);
    fs_info("analyze: %s (%dx%d, %lld frames), detector %s, every %d frame(s)", input, vi->width, vi->height,
            (long long)vi->frames, o->haar ? "haar (OpenCV frontalface_alt2)" : "ssd (face-api SSD MobileNet-V1)",
            o->every);
    fs_atomic_file af = {0};
    FILE *js = NULL;
    int to_stdout = o->json && !strcmp(o->json, "-"), rc = FS_OK;
    if (o->json && !to_stdout && fs_atomic_open(&af, o->json, err)) rc = FS_ERR;
    js = to_stdout ? stdout : af.fp;
    if (js) fputs("{\"frames\":[\n", js);
    int64_t total = o->max_frames && o->max_frames < vi->frames ? o->max_frames : vi->frames;
    fs_progress p;
    fs_progress_begin(&p, "analyze", total);
    int first = 1;
    for (fs_video_frame f; rc == FS_OK;) {
        if ((rc = fs_video_next(r, &f, err)) || !f.image) break;
        if (f.index % o->every == 0) {
            rc = analyze_frame(&nets, cas, o, &f, js, first, err);
            first = 0;
        }
        fs_progress_step(&p, 1, NULL);
        if (fs_should_abort()) rc = fs_errorf(err, "analyze: aborted");
    }
    fs_progress_end(&p);
    if (js) fputs("\n]}\n", js);
    if (af.fp) rc = rc ? (fs_atomic_abort(&af), FS_ERR) : fs_atomic_commit(&af, err);
    fs_haar_cascade_destroy(cas);
    fs_fa_nets_free(&nets);
    return rc;
}

int fs_cmd_analyze(int argc, char **argv) {
    analyze_opts o;
    const char *input = NULL;
    int u = parse_opts(argc, argv, &o, &input);
    if (u) return u < 0 ? 0 : u;
    fs_err err;
    fs_video_open_opts vo;
    fs_video_open_opts_default(&vo);
    vo.max_frames = o.max_frames;
    fs_video_reader *r = NULL;
    if (fs_video_open(input, &vo, &r, &err)) return fs_cli_fail(&err);
    int rc = run(input, &o, r, &err);
    fs_video_close(r);
    return rc ? fs_cli_fail(&err) : 0;
}
