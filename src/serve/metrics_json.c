/* metrics_json.c — see metrics_json.h. */
#include "serve/metrics_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/fileio.h"
#include "pipeline/metrics/metrics.h"

typedef struct series {
    cJSON *frame, *bg, *face, *fo, *fe;
} series;

static cJSON *num(double v) {
    if (isnan(v)) return cJSON_CreateNull();
    if (isinf(v)) return cJSON_CreateNumber(v > 0 ? FS_METRICS_PSNR_INF_JSON : -FS_METRICS_PSNR_INF_JSON);
    return cJSON_CreateNumber(v);
}

static int on_frame(void *user, const fs_metrics_frame *f, fs_err *err) {
    (void)err;
    series *s = user;
    cJSON_AddItemToArray(s->frame, cJSON_CreateNumber((double)f->frame));
    cJSON_AddItemToArray(s->bg, num(f->bg_psnr_db));
    cJSON_AddItemToArray(s->face, num(f->face_psnr_db));
    cJSON_AddItemToArray(s->fo, num(f->flicker_original));
    cJSON_AddItemToArray(s->fe, num(f->flicker_edited));
    return FS_OK;
}

int fs_studio_metrics(const char *original, const char *edited, long max_frames, const char *out_path, fs_err *err) {
    cJSON *root = cJSON_CreateObject(), *frames = cJSON_AddObjectToObject(root, "frames");
    series s = {cJSON_AddArrayToObject(frames, "frame"), cJSON_AddArrayToObject(frames, "bg_psnr_db"),
                cJSON_AddArrayToObject(frames, "face_psnr_db"), cJSON_AddArrayToObject(frames, "flicker_original"),
                cJSON_AddArrayToObject(frames, "flicker_edited")};
    fs_metrics_opts o;
    fs_metrics_opts_default(&o);
    o.max_frames = max_frames;
    o.frame_fn = on_frame;
    o.frame_user = &s;
    fs_metrics m;
    if (fs_metrics_compute(original, edited, &o, &m, err)) {
        cJSON_Delete(root);
        return FS_ERR;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    if (fp) {
        fs_metrics_write_json(&m, fp);
        fclose(fp);
    }
    fs_metrics_free(&m);
    cJSON *summary = text ? cJSON_ParseWithLength(text, len) : NULL;
    free(text);
    cJSON_AddItemToObject(root, "summary", summary ? summary : cJSON_CreateNull());
    char *out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    int rc = out ? fs_write_file_atomic(out_path, out, strlen(out), err) : fs_errorf(err, "out of memory");
    free(out);
    return rc;
}
