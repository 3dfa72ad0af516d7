/* params.h — every pipeline option, written once: its name, STIT's name, type, default, range,
 * the commands that take it and its help line (docs/stit.md maps STIT's flags to these).
 *
 * From this one table come the CLI options of faces/align/invert/edit and their --help lines
 * (src/cli/pipeline_args.c), the public API's facestitch_params_init (api.c), the option structs
 * of the stages (fs_params_to_invert / fs_params_to_edit, also used by their *_default functions)
 * and the text recorded in the manifest and in the edit cache key (fs_params_describe).
 *
 *   fs_params p;
 *   fs_params_default(&p);
 *   if (fs_params_set_text(&p, FS_P_CONTENT_LAMBDA, "0.02", &err)) ...  // "content_lambda: ..."
 *   fs_invert_opts io; fs_params_to_invert(&p, &io);
 *
 * Library messages name the parameter ("content_lambda"); the CLI names the flag (--content-lambda).
 */
#ifndef FS_PIPELINE_PARAMS_H
#define FS_PIPELINE_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "pipeline/project/project.h"

/* Commands that take a parameter, and what it is recorded in. */
enum {
    FS_PC_FACES = 1,       /* faces, align */
    FS_PC_INVERT = 2,      /* invert, and edit VIDEO (which inverts first) */
    FS_PC_EDIT = 4,        /* edit */
    FS_PC_KEY = 8,         /* changes the stitched crops: part of the edit cache key */
    FS_PC_RUN = 16,        /* how a run goes, not what it computes: never recorded in nor checked
                              against the manifest (a resume may change it) */
    FS_PC_METRICS = 32,    /* metrics (tracks both videos as the pipeline tracked the original) */
    FS_PC_TRACK = FS_PC_FACES | FS_PC_INVERT | FS_PC_EDIT
};

typedef enum { FS_PT_INT, FS_PT_REAL, FS_PT_FLAG, FS_PT_RANGE, FS_PT_FACE, FS_PT_TEXT } fs_param_type;

/* a TEXT value: a name of letters, digits, '-' and '_' (when the metavar lists choices "a|b|c", one of
 * them) */
typedef struct fs_param_text {
    char s[32];
} fs_param_text;

/* X(ID, key, type, default, lo, hi, metavar, commands, STIT's name, help)
 * key: the field of fs_params and the API's name; the CLI flag is the key with '-' for '_'.
 * INT/REAL take [lo, hi]; FLAG is 0 unless given; RANGE/FACE are parsed from text; TEXT is a name.
 * Not in the table: invert's --stop-after N, a testing aid that makes PTI fail after N updates (to
 * test resuming); it is no option of the method, so it stays out of --help, the API and the manifest. */
#define FS_PARAMS(X)                                                                                              \
    X(MAX_FRAMES, max_frames, INT, "0", 0, 1e9, "N", FS_PC_TRACK, "--end_frame",                                  \
      "only the first N frames of the video (0 = all)")                                                          \
    X(RANGE, range, RANGE, "", 0, 0, "FROM:TO", FS_PC_TRACK, "--start_frame/--end_frame",                         \
      "find and edit faces only in this window, copy the rest: times (2.5s:7s) or frames (f75:f210), TO "        \
      "exclusive, either may be empty")                                                                          \
    X(CENTER_SIGMA, center_sigma, REAL, "1.0", 0, 1000, "S", FS_PC_TRACK, "--center_sigma",                       \
      "Gaussian smoothing of the crop quad's centre over time, in frames (0 = off, e.g. for animation)")         \
    X(XY_SIGMA, xy_sigma, REAL, "3.0", 0, 1000, "S", FS_PC_TRACK, "--xy_sigma",                                   \
      "Gaussian smoothing of the crop quad's axes (size, rotation) over time (0 = off)")                         \
    X(DETECTOR, detector, TEXT, "auto", 0, 0, "auto|ssd|haar", FS_PC_TRACK, "(none: dlib's HOG detector)",     \
      "face detector: face-api's SSD (finds faces Haar misses: profiles, small and turned faces) or OpenCV's "  \
      "Haar cascades; auto = ssd when installed (facestitch models fetch face-api), else haar")                \
    X(LANDMARKS, landmarks, TEXT, "dlib", 0, 0, "dlib|cnn", FS_PC_TRACK, "--use_fa",                             \
      "68 landmarks the crops are aligned on: dlib's shape predictor (STIT) or face-api's CNN on the detected box") \
    X(TRACK_CHUNK, track_chunk, INT, "100", 0, 1e9, "N", FS_PC_TRACK | FS_PC_METRICS, "(none: one sequential pass)",           \
      "track faces in chunks of N frames, each from a fresh detection, joined afterwards (MPI ranks share the "    \
      "chunks; results do not depend on the number of ranks); 0 = the whole video as one chunk")                  \
    X(FACE, face, FACE, "all", 0, 0, "all|largest|ID", FS_PC_INVERT | FS_PC_EDIT, "(none: STIT takes one face)", \
      "faces PTI tunes on and edit changes")                                                                     \
    X(PTI_STEPS, pti_steps, INT, "80", 0, 100000, "N", FS_PC_INVERT, "--num_pti_steps",                           \
      "passes of pivotal tuning over all frames (STIT's talking-head setting; 240 for animation)")               \
    X(BATCH, batch, INT, "1", 1, 256, "N", FS_PC_INVERT, "(1, fixed)", "frames per PTI step")                    \
    X(LR, lr, REAL, "3e-5", 0, 1, "X", FS_PC_INVERT, "--pti_learning_rate", "PTI learning rate (Adam)")            \
    X(L2_LAMBDA, l2_lambda, REAL, "10", 0, 1e6, "X", FS_PC_INVERT, "--l2_lambda",                                 \
      "weight of the MSE term of the PTI loss (LPIPS has weight 1)")                                             \
    X(ADAM_BETA1, adam_beta1, REAL, "0.9", 0, 0.999999, "X", FS_PC_INVERT, "--pti_adam_beta1",                    \
      "Adam's beta1 in PTI")                                                                                     \
    X(LOCALITY, locality, FLAG, "0", 0, 1, NULL, FS_PC_INVERT, "--use_locality_reg",                              \
      "STIT's locality regulariser in PTI")                                                                      \
    X(E4E_ANTIALIAS, e4e_antialias, FLAG, "0", 0, 1, NULL, FS_PC_INVERT, "(none: plain bilinear)",                \
      "antialiased 1024->256 resize before e4e")                                                                 \
    X(PROJECTION_STEPS, projection_steps, INT, "100", 0, 100000, "N", FS_PC_INVERT, "(none: e4e only)",           \
      "optimisation steps per frame when there is no encoder")                                                   \
    X(FREEZE_FINE_LAYERS, freeze_fine_layers, INT, "0", 0, 64, "N", FS_PC_EDIT | FS_PC_KEY,                       \
      "--freeze_fine_layers", "latent layers >= N take their mean over the track's frames (0 = off)")            \
    X(NO_STITCH, no_stitch, FLAG, "0", 0, 1, NULL, FS_PC_EDIT, "(edit_video.py)",                                 \
      "no stitching tuning: paste the edited render as it is")                                                   \
    X(STITCH_STEPS, stitch_steps, INT, "100", 0, 100000, "N", FS_PC_EDIT | FS_PC_KEY, "--num_steps",              \
      "stitching-tuning steps per frame")                                                                        \
    X(STITCH_LR, stitch_lr, REAL, "3e-4", 0, 1, "X", FS_PC_EDIT | FS_PC_KEY, "(stitching_tuning_lr, fixed)",      \
      "stitching-tuning learning rate (Adam)")                                                                   \
    X(CONTENT_LAMBDA, content_lambda, REAL, "0.01", 0, 1e6, "X", FS_PC_EDIT | FS_PC_KEY, "--content_loss_lambda", \
      "weight of the content term (keep the edit inside the face) of stitching tuning")                          \
    X(BORDER_THRESHOLD, border_threshold, REAL, "0", 0, 1e9, "X", FS_PC_EDIT | FS_PC_KEY,                         \
      "--border_loss_threshold", "stop tuning a frame once its border loss is below X (0 = never)")              \
    X(L1, l1, FLAG, "0", 0, 1, NULL, FS_PC_EDIT | FS_PC_KEY, "--l1", "L1 instead of MSE in the stitching losses")  \
    X(OUTER_DILATION, outer_dilation, INT, "50", 1, 1000, "PX", FS_PC_EDIT | FS_PC_KEY, "--outer_mask_dilation",  \
      "width of the border ring around the face, in pixels of a 1024 crop (scaled for others)")                  \
    X(INNER_DILATION, inner_dilation, INT, "0", 0, 1000, "PX", FS_PC_EDIT | FS_PC_KEY, "--inner_mask_dilation",   \
      "grow the face mask by PX (1024-crop pixels) before the ring")                                             \
    X(WHOLE_IMAGE_BORDER, whole_image_border, FLAG, "0", 0, 1, NULL, FS_PC_EDIT | FS_PC_KEY,                      \
      "--whole_image_border", "the border region is everything outside the face, not a ring")                    \
    X(NO_MASK, no_mask, FLAG, "0", 0, 1, NULL, FS_PC_EDIT, "--no_mask", "paste the whole crop (naive paste)")       \
    X(FEATHER_RADIUS, feather_radius, INT, "25", 0, 500, "PX", FS_PC_EDIT, "--feathering_radius",                 \
      "erode + blur of the paste mask, in 1024-crop pixels (0 = hard edge; STIT: outer dilation / 2)")           \
    X(KEEP_OCCLUDERS, keep_occluders, INT, "1", 0, 1, "0|1", FS_PC_EDIT, "(none: STIT issue #47)",              \
      "with the face parser: pixels of the face hull it labels background/cloth/hat (a hand in front of "        \
      "the face) keep the original frame")                                                                       \
    X(FADE, fade, INT, "5", 0, 10000, "N", FS_PC_EDIT | FS_PC_KEY, "(none)",                                      \
      "ramp the edit in/out over N frames where a face appears or leaves")                                       \
    X(STITCH_BATCH, stitch_batch, INT, "0", 0, 256, "N", FS_PC_EDIT, "(none)",                                    \
      "frames tuned at once, one thread each (0 = auto)")                                                        \
    X(CRF, crf, INT, "18", 0, 51, "N", FS_PC_EDIT, "(none: imageio's quality 5)",                                 \
      "H.264 quality of the output (0 = lossless)")                                                              \
    X(PRESET, preset, TEXT, "medium", 0, 0, "ultrafast|superfast|veryfast|faster|fast|medium|slow|slower|veryslow|placebo", \
      FS_PC_EDIT, "(none: imageio's default)", "x264 speed preset of the output (slower = smaller file)")         \
    X(CODEC, codec, TEXT, "h264", 0, 0, "C", FS_PC_EDIT, "(none: imageio's libx264)",                              \
      "video encoder of the output: h264 (libx264), hevc, vp9, ffv1, ... (checked before any work)")             \
    X(CHECKPOINT_EVERY, checkpoint_every, INT, "0", 0, 1e8, "N", FS_PC_INVERT | FS_PC_RUN, "(none)",               \
      "save a resume checkpoint every N PTI steps (0 = every 3 minutes)")

#define FS_PARAM_ID(ID, key, type, def, lo, hi, mv, cmds, stit, help) FS_P_##ID,
typedef enum { FS_PARAMS(FS_PARAM_ID) FS_P_COUNT } fs_param_id;
#undef FS_PARAM_ID

#define FS_PARAM_CTYPE_INT long
#define FS_PARAM_CTYPE_REAL double
#define FS_PARAM_CTYPE_FLAG int
#define FS_PARAM_CTYPE_RANGE fs_frame_range
#define FS_PARAM_CTYPE_FACE fs_face_pick
#define FS_PARAM_CTYPE_TEXT fs_param_text
#define FS_PARAM_FIELD(ID, key, type, def, lo, hi, mv, cmds, stit, help) FS_PARAM_CTYPE_##type key;
typedef struct fs_params {
    FS_PARAMS(FS_PARAM_FIELD)
    unsigned char given[FS_P_COUNT]; /* 1: set by the caller (not the default) */
} fs_params;
#undef FS_PARAM_FIELD

typedef struct fs_param_desc {
    fs_param_id id;
    const char *key;       /* "content_lambda" */
    const char *flag;      /* "content-lambda" */
    fs_param_type type;
    const char *def;       /* default, as text */
    double lo, hi;         /* INT, REAL */
    const char *metavar;   /* NULL for flags */
    unsigned cmds;         /* FS_PC_* */
    const char *stit;      /* STIT's name, or "(…)" why there is none */
    const char *help;
    size_t offset;         /* into fs_params */
} fs_param_desc;

const fs_param_desc *fs_param_table(void); /* FS_P_COUNT entries, in table order */
const fs_param_desc *fs_param_find(const char *key_or_flag);

void fs_params_default(fs_params *p);
/* Parses text into parameter id (FLAG: "1"/"0"/""), checking type and range; err speaks of the key. */
int fs_params_set_text(fs_params *p, fs_param_id id, const char *text, fs_err *err);
/* INT/REAL/FLAG from a number, range-checked. */
int fs_params_set_number(fs_params *p, fs_param_id id, double v, fs_err *err);
double fs_params_get_number(const fs_params *p, fs_param_id id);
/* The value as text (as the default is written). */
void fs_params_format(const fs_params *p, fs_param_id id, char *buf, size_t n);
/* "key value\n" for every parameter with (cmds & mask) != 0, into buf; returns the length. */
int fs_params_describe(const fs_params *p, unsigned mask, char *buf, size_t n);
/* Sets the manifest's "params" object to the parameters with (cmds & mask), merged into what is there. */
int fs_params_record(const fs_params *p, const char *dir, unsigned mask, fs_err *err);

/* Fails, naming the parameter, when one given (p->given) with (cmds & mask) differs from the value
 * recorded in dir's manifest by an earlier run (whose results would otherwise be reused). */
int fs_params_check_recorded(const fs_params *p, const char *dir, unsigned mask, fs_err *err);

/* The stage options these parameters drive (everything else in them keeps its value). */
struct fs_invert_opts;
struct fs_edit_opts;
struct fs_pti_opts;
struct fs_stitch_opts;
void fs_params_to_settings(const fs_params *p, fs_project_settings *s);
void fs_params_to_pti(const fs_params *p, struct fs_pti_opts *o);
void fs_params_to_stitch(const fs_params *p, struct fs_stitch_opts *o);
void fs_params_to_invert(const fs_params *p, struct fs_invert_opts *o);
void fs_params_to_edit(const fs_params *p, struct fs_edit_opts *o);

#endif
