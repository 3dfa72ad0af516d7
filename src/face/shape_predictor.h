/* shape_predictor.h — dlib's shape_predictor (Kazemi & Sullivan 2014, ensemble of regression
 * trees), read from dlib's .dat serialization (Debian libdlib-data:
 * /usr/share/dlib/shape_predictor_68_face_landmarks.dat) and evaluated as dlib does.
 *
 *   fs_shape_predictor *sp = NULL;
 *   if (fs_shape_predictor_load(FS_SHAPE_PREDICTOR_68, &sp, &err)) ...;
 *   float lm[2 * 68];
 *   fs_shape_predict(sp, img, box, lm);    // box: x0,y0,x1,y1 (x1,y1 exclusive) as dlib's detector gives
 *   fs_shape_predictor_destroy(sp);
 *
 * The algorithm (dlib shape_predictor::operator()): start from the mean shape in the unit box;
 * for each of the cascade's levels, find the similarity transform (rotation+scale) from the mean
 * shape to the current shape, place every feature pixel at  current[anchor] + R * delta  (unit-box
 * coordinates), map it to the image through the box, read its intensity ((r+g+b)/3, 0 outside
 * the image), and add to the shape the leaf of every tree, each tree comparing
 * pixel[idx1] - pixel[idx2] > thresh (true: left child 2i+1, false: right 2i+2).
 * Differences from dlib: landmarks are returned as floats (dlib rounds to integer pixels), and
 * the box may have fractional corners.
 */
#ifndef FS_FACE_SHAPE_PREDICTOR_H
#define FS_FACE_SHAPE_PREDICTOR_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "image/image.h"

#define FS_SHAPE_PREDICTOR_68 "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"

typedef struct fs_sp_split {
    uint32_t idx1, idx2; /* feature pixel indices within the level */
    float thresh;
} fs_sp_split;

typedef struct fs_sp_tree {
    uint32_t first_split, nsplits; /* into splits */
    uint32_t first_leaf;           /* into leaves, in units of 2*num_parts floats; nsplits+1 leaves */
} fs_sp_tree;

typedef struct fs_sp_level {
    uint32_t first_tree, ntrees;   /* into trees */
    uint32_t first_feat, nfeat;    /* into anchor / deltas */
} fs_sp_level;

typedef struct fs_shape_predictor {
    int num_parts;                 /* 68 */
    float *initial_shape;          /* (num_parts, 2): mean shape in the unit box */
    int num_levels;                /* cascade depth (15 for the 68-point model) */
    fs_sp_level *levels;
    uint32_t ntrees, nsplits, nleaves, nfeat;
    fs_sp_tree *trees;
    fs_sp_split *splits;
    float *leaves;                 /* (nleaves, num_parts, 2) */
    uint32_t *anchor;              /* (nfeat): landmark each feature pixel hangs from */
    float *deltas;                 /* (nfeat, 2): offset from the anchor in mean-shape coordinates */
    uint32_t max_level_feat;       /* largest nfeat of a level (scratch size) */
} fs_shape_predictor;

/* Parses a serialized shape_predictor. `name` is used in messages. */
int fs_shape_predictor_parse(const void *buf, size_t len, const char *name, fs_shape_predictor **out, fs_err *err);
int fs_shape_predictor_load(const char *path, fs_shape_predictor **out, fs_err *err);
void fs_shape_predictor_destroy(fs_shape_predictor *sp);

/* Runs the cascade on `im` for the face box (x0,y0,x1,y1, x1/y1 exclusive, as dlib's
 * rectangle(left, top, right=x1-1, bottom=y1-1)). out: (num_parts, 2) pixel coordinates. */
void fs_shape_predict(const fs_shape_predictor *sp, const fs_image *im, const float box[4], float *out);

/* The same with the unit box placed by any affine map T: pixel = (T0 u + T1 v + T2, T3 u + T4 v + T5).
 * With a rotation in T the cascade runs in the face's own upright frame (as if the image were
 * rotated), which keeps it accurate on rolled heads. */
void fs_shape_predict_affine(const fs_shape_predictor *sp, const fs_image *im, const double T[6], float *out);

/* The similarity T (as above) placing the mean shape on the landmarks lm (num_parts, 2): scale and
 * centre of the least-squares fit, rotation of the eye line (robust to turned heads). */
void fs_shape_fit_mean(const fs_shape_predictor *sp, const float *lm, double T[6]);

/* Least-squares similarity (scale+rotation+translation, no reflection) mapping `from` to `to`,
 * n points each (n,2). Result: to ~= [a -b; b a] * from + (tx, ty); m = {a, b, tx, ty}. */
void fs_similarity_fit(const float *from, const float *to, int n, double m[4]);

/* The box (x0,y0,x1,y1) for which the mean shape best explains the landmarks `lm` (num_parts, 2):
 * fits the mean shape by a similarity and takes the unit box's centre and the fit's scale,
 * axis-aligned (dlib's training boxes are never rotated). */
void fs_shape_box_from_landmarks(const fs_shape_predictor *sp, const float *lm, float box[4]);

#endif
