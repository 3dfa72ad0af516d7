/* metrics_json.h — the metrics of a studio render (`facestitch metrics` figures + per-frame series
 * for the page's plot) as one JSON file. */
#ifndef FS_SERVE_METRICS_JSON_H
#define FS_SERVE_METRICS_JSON_H

#include "core/err.h"

/* {"summary": <metrics --json object>, "frames": {"frame":[..], "bg_psnr_db":[..], "face_psnr_db":[..],
 *  "flicker_original":[..], "flicker_edited":[..]}} written atomically to out_path. Infinite PSNRs
 * are written as 999 (as metrics --json), undefined values as null. */
int fs_studio_metrics(const char *original, const char *edited, long max_frames, const char *out_path, fs_err *err);

#endif
