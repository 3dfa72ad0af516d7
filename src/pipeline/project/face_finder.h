/* face_finder.h — the face detector and landmarks the tracker (face/track.h) uses, chosen by the
 * `detector` and `landmarks` parameters: Haar + dlib (face/ alone) or face-api's SSD detector
 * and/or its 68-point CNN (models/faceapi_*.h, weights from scripts/fetch-face-api).
 *
 *   const char *det = fs_face_finder_resolve_detector("auto");  // "ssd" when installed, else "haar"
 *   fs_face_finder *ff = NULL;
 *   if (fs_face_finder_create(det, "dlib", &ff, &err)) ...;
 *   tracker_opts.detector = fs_face_finder_hook(ff);             // NULL for haar + dlib
 *   ...
 *   fs_face_finder_destroy(ff);                                 // after the tracker
 */
#ifndef FS_PIPELINE_PROJECT_FACE_FINDER_H
#define FS_PIPELINE_PROJECT_FACE_FINDER_H

#include "core/err.h"
#include "face/track.h"

/* SSD box -> the box dlib's predictor expects (side = scale * sqrt(w h), centre + (dx, dy) *
 * sqrt(w h)); fitted with tests/face/face_calibrate.c --ssd, see docs/faces.md. */
#define FS_SSD_BOX_SCALE 1.0f
#define FS_SSD_BOX_DX 0.0f
#define FS_SSD_BOX_DY 0.04f

typedef struct fs_face_finder fs_face_finder;

/* "auto" (or NULL/"") -> "ssd" when face-api's SSD weights are installed, else "haar"; other
 * names are returned as they are. */
const char *fs_face_finder_resolve_detector(const char *name);
/* detector: "haar" | "ssd"; landmarks: "dlib" | "cnn". Fails (naming the file) when a face-api
 * network is asked for and not installed. */
int fs_face_finder_create(const char *detector, const char *landmarks, fs_face_finder **out, fs_err *err);
const fs_face_detector *fs_face_finder_hook(const fs_face_finder *ff);
void fs_face_finder_destroy(fs_face_finder *ff);

#endif
