/* cascade.h — OpenCV Haar cascades (the XML files of Debian `opencv-data`,
 * /usr/share/opencv4/haarcascades/ *.xml), read by a small XML parser of our own.
 *
 *   fs_haar_cascade *c = NULL;
 *   if (fs_haar_cascade_load("/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml", &c, &err)) ...;
 *   ... fs_haar_detect(c, ...) (detect.h) ...
 *   fs_haar_cascade_destroy(c);
 *
 * Supported: the "new" format written by opencv_traincascade and shipped since OpenCV 2.4
 * (<cascade type_id="opencv-cascade-classifier">, stageType BOOST, featureType HAAR):
 * stages of boosted stumps or small trees, features of 2-3 weighted rectangles, upright or
 * tilted by 45 degrees. The old "opencv-haar-classifier" format and LBP/HOG cascades are
 * refused with a clear message.
 *
 * A weak classifier is a tree of nodes. Node n compares feature value f (the weighted
 * rectangle sum divided by the window's standard deviation times its area) with
 * `threshold`: f < threshold goes `left`, else `right`. A child > 0 is a node index in
 * the same tree; a child <= 0 is the leaf -child of the tree. The stage sum of leaf
 * values must reach `threshold` (OpenCV subtracts 1e-5 when reading; so do we).
 * Every index is validated on load, so evaluation needs no bounds checks.
 */
#ifndef FS_FACE_CASCADE_H
#define FS_FACE_CASCADE_H

#include <stddef.h>

#include "core/err.h"

typedef struct fs_haar_rect {
    int x, y, w, h;       /* in window pixels; tilted: (x,y) is the top corner, w/h along the diagonals */
    float weight;
} fs_haar_rect;

typedef struct fs_haar_feature {
    int nrects;            /* 2 or 3 (1 allowed) */
    int tilted;            /* 0 upright, 1 rotated by 45 degrees */
    fs_haar_rect r[3];
} fs_haar_feature;

typedef struct fs_haar_node {
    int feature;           /* index into features */
    float threshold;
    int left, right;       /* > 0: node index within the tree; <= 0: leaf -left / -right */
} fs_haar_node;

typedef struct fs_haar_tree {
    int first_node, nnodes; /* into nodes */
    int first_leaf, nleaves; /* into leaves */
} fs_haar_tree;

typedef struct fs_haar_stage {
    int first_tree, ntrees; /* into trees */
    float threshold;       /* already lowered by 1e-5 as OpenCV does */
} fs_haar_stage;

typedef struct fs_haar_cascade {
    int win_w, win_h;      /* training window (24x24 frontal default, 20x20 alt/profile) */
    int nstages, ntrees, nnodes, nleaves, nfeatures;
    int has_tilted;        /* any tilted feature (needs the rotated integral image) */
    int max_depth;         /* deepest tree (nodes on the longest path) */
    fs_haar_stage *stages;
    fs_haar_tree *trees;
    fs_haar_node *nodes;
    float *leaves;
    fs_haar_feature *features;
} fs_haar_cascade;

/* Parses cascade XML held in memory. `name` is used in messages (file name). */
int fs_haar_cascade_parse(const char *xml, size_t len, const char *name, fs_haar_cascade **out, fs_err *err);
int fs_haar_cascade_load(const char *path, fs_haar_cascade **out, fs_err *err);
void fs_haar_cascade_destroy(fs_haar_cascade *c);

/* Where Debian's opencv-data puts the cascades; `file` like "haarcascade_frontalface_default.xml". */
#define FS_HAAR_DIR "/usr/share/opencv4/haarcascades"

#endif
