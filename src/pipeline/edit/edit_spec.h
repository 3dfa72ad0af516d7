/* edit_spec.h — the `--edit` argument: which directions, how strong, and when.
 *
 *   --edit age=-6                    one direction, constant strength
 *   --edit age=-6,smile=2            several directions at once
 *   --edit "age=0@0s,-6@2s"          strength keyframes: 0 at 0 s, -6 at 2 s, linear between,
 *                                    held constant before the first and after the last key
 *   --edit "smile=0@f0,2@f120"       keyframes at frame numbers
 *
 * A comma followed by a token without '=' continues the previous direction's keyframes.
 * NAME is a built-in direction name (resolved by the caller: models dir or registry) or a
 * path to a direction file. Strength follows STIT's convention: the latent moves by
 * strength/2 × direction (so STIT recipes like age=-8 mean the same here).
 */
#ifndef FS_PIPELINE_EDIT_SPEC_H
#define FS_PIPELINE_EDIT_SPEC_H

#include "core/err.h"

#define FS_EDIT_MAX 16
#define FS_EDIT_MAX_KEYS 64

typedef struct fs_keyframe {
    double strength;
    double at;       /* seconds, or a frame number when is_frame */
    int is_frame;
} fs_keyframe;

typedef struct fs_edit {
    char name[512];
    int nkeys;       /* >= 1; one key without '@' means a constant strength */
    fs_keyframe keys[FS_EDIT_MAX_KEYS];
} fs_edit;

typedef struct fs_edit_spec {
    int count;
    fs_edit edits[FS_EDIT_MAX];
} fs_edit_spec;

/* Parses one --edit value and appends its directions to *spec (so --edit may repeat).
 * Errors (exit 2 material) name the offending token. */
int fs_edit_spec_parse(const char *text, fs_edit_spec *spec, fs_err *err);

/* Strength of edit e at frame index `frame` of a video at `fps` frames per second. */
double fs_edit_strength_at(const fs_edit *e, int frame, double fps);

/* Writes "age=-6" or "age=0@0s,-6@2s" (for manifests and messages). */
void fs_edit_format(const fs_edit *e, char *buf, int n);

#endif
