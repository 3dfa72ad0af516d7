/* report.c — fs_metrics as one JSON object or as a readable table. */
#include "pipeline/metrics/metrics.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

static void json_str(FILE *fp, const char *s) {
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(fp, "\\%c", *p);
        else if (*p == '\n') fputs("\\n", fp);
        else if (*p == '\t') fputs("\\t", fp);
        else if (*p < 0x20) fprintf(fp, "\\u%04x", *p);
        else fputc(*p, fp);
    }
    fputc('"', fp);
}

/* A number; NAN -> null; ±inf -> null (ratios) or the documented PSNR sentinel (is_db). */
static void json_num(FILE *fp, double v, int is_db) {
    if (isnan(v)) fputs("null", fp);
    else if (isinf(v)) {
        if (is_db && v > 0) fprintf(fp, "%.1f", FS_METRICS_PSNR_INF_JSON);
        else fputs("null", fp);
    } else fprintf(fp, "%.9g", v);
}

/* The scalar fields of the JSON object, in output order. */
typedef enum { J_PATH, J_NOTE, J_INT, J_I64, J_FRAME, J_NUM, J_DB, J_SECONDS, J_PSNR_INF } json_kind;
#define F(key, kind, field) {key, kind, offsetof(fs_metrics, field)}
static const struct {
    const char *key;
    json_kind kind;
    size_t off;
} json_fields[] = {
    F("original", J_PATH, original),
    F("edited", J_PATH, edited),
    F("frames", J_I64, frames),
    F("width", J_INT, width),
    F("height", J_INT, height),
    F("fps", J_NUM, fps),
    F("psnr_inf_value", J_PSNR_INF, fps),
    F("background_psnr_db", J_DB, bg_psnr_db),
    F("background_psnr_min_db", J_DB, bg_psnr_min_db),
    F("background_psnr_min_frame", J_FRAME, bg_psnr_min_frame),
    F("background_pixels_fraction", J_NUM, bg_fraction),
    F("background_max_abs_diff", J_INT, bg_max_abs_diff),
    F("background_hull_psnr_db", J_DB, hull_psnr_db),
    F("background_hull_psnr_min_db", J_DB, hull_psnr_min_db),
    F("background_hull_pixels_fraction", J_NUM, hull_fraction),
    F("background_hull_max_abs_diff", J_INT, hull_max_abs_diff),
    F("face_psnr_db", J_DB, face_psnr_db),
    F("frame_psnr_db", J_DB, frame_psnr_db),
    F("flicker_original", J_NUM, flicker_original),
    F("flicker_edited", J_NUM, flicker_edited),
    F("flicker_ratio", J_NUM, flicker_ratio),
    F("flicker_pairs", J_I64, flicker_pairs),
    F("landmark_jitter_original", J_NUM, lm_jitter_original),
    F("landmark_jitter_edited", J_NUM, lm_jitter_edited),
    F("landmark_jitter_ratio", J_NUM, lm_jitter_ratio),
    F("landmark_shift", J_NUM, lm_shift),
    F("landmark_pairs", J_I64, lm_pairs),
    F("landmark_frames", J_I64, lm_frames),
    F("tracks_original", J_INT, tracks_original),
    F("tracks_edited", J_INT, tracks_edited),
    F("tracks_matched", J_INT, tracks_matched),
    F("faces_tracked_frames", J_I64, faces_tracked_frames),
    F("tl_id", J_NUM, tl_id),
    F("tg_id", J_NUM, tg_id),
    F("identity_note", J_NOTE, id_note),
    F("seconds", J_SECONDS, seconds),
};
#undef F

static void json_field(FILE *fp, const fs_metrics *m, json_kind kind, size_t off) {
    const char *p = (const char *)m + off;
    switch (kind) {
    case J_PATH: json_str(fp, *(char *const *)p); break;
    case J_NOTE: json_str(fp, p); break;
    case J_INT: fprintf(fp, "%d", *(const int *)p); break;
    case J_I64: fprintf(fp, "%lld", (long long)*(const int64_t *)p); break;
    case J_FRAME:
        if (*(const int64_t *)p >= 0) fprintf(fp, "%lld", (long long)*(const int64_t *)p);
        else fputs("null", fp);
        break;
    case J_NUM: json_num(fp, *(const double *)p, 0); break;
    case J_DB: json_num(fp, *(const double *)p, 1); break;
    case J_SECONDS: fprintf(fp, "%.3f", *(const double *)p); break;
    case J_PSNR_INF: json_num(fp, FS_METRICS_PSNR_INF_JSON, 0); break;
    }
}

void fs_metrics_write_json(const fs_metrics *m, FILE *fp) {
    for (size_t i = 0; i < sizeof json_fields / sizeof json_fields[0]; i++) {
        fprintf(fp, "%s\"%s\": ", i ? ",\n  " : "{\n  ", json_fields[i].key);
        json_field(fp, m, json_fields[i].kind, json_fields[i].off);
    }
    fputs(",\n  \"tracks\": ", fp);
    fputc('[', fp);
    for (int i = 0; i < m->track_count; i++) {
        const fs_metrics_track *t = &m->tracks[i];
        fprintf(fp, "%s\n    {\"id\": %d, \"edited_id\": ", i ? "," : "", t->id);
        if (t->edited_id >= 0) fprintf(fp, "%d", t->edited_id);
        else fputs("null", fp);
        fputs(", \"match_iou\": ", fp);
        json_num(fp, t->match_iou, 0);
        fprintf(fp, ", \"frames\": %d, \"common_frames\": %d, \"pairs\": %d, \"jitter_original\": ", t->frames,
                t->common_frames, t->pairs);
        json_num(fp, t->jitter_original, 0);
        fputs(", \"jitter_edited\": ", fp);
        json_num(fp, t->jitter_edited, 0);
        fputs(", \"jitter_ratio\": ", fp);
        json_num(fp, t->jitter_ratio, 0);
        fputs(", \"shift\": ", fp);
        json_num(fp, t->shift, 0);
        fputc('}', fp);
    }
    fputs(m->track_count ? "\n  ]\n}\n" : "]\n}\n", fp);
}

/* "%.*f" of v, "inf" / "n/a" for the special values. */
static const char *fmt(char *buf, size_t n, double v, int prec) {
    if (isnan(v)) snprintf(buf, n, "n/a");
    else if (isinf(v)) snprintf(buf, n, v > 0 ? "inf" : "-inf");
    else snprintf(buf, n, "%.*f", prec, v);
    return buf;
}

void fs_metrics_print_text(const fs_metrics *m, FILE *fp) {
    char a[32], b[32], c[32], d[32];
    fprintf(fp, "original  %s\nedited    %s\n", m->original ? m->original : "", m->edited ? m->edited : "");
    fprintf(fp, "frames    %lld, %dx%d, %.3f fps; faces in %lld frames (%d track%s)\n\n", (long long)m->frames,
            m->width, m->height, m->fps, (long long)m->faces_tracked_frames, m->tracks_original,
            m->tracks_original == 1 ? "" : "s");
    fprintf(fp, "%-34s %10s %12s %10s %9s\n", "PSNR (dB; inf = identical)", "all frames", "worst frame", "pixels",
            "max |d|");
    fprintf(fp, "%-34s %10s %12s %9.1f%% %9d\n", "  background (outside crop quads)", fmt(a, sizeof a, m->bg_psnr_db, 2),
            fmt(b, sizeof b, m->bg_psnr_min_db, 2), 100 * m->bg_fraction, m->bg_max_abs_diff);
    fprintf(fp, "%-34s %10s %12s %9.1f%% %9d\n", "  background (outside face region)",
            fmt(a, sizeof a, m->hull_psnr_db, 2), fmt(b, sizeof b, m->hull_psnr_min_db, 2), 100 * m->hull_fraction,
            m->hull_max_abs_diff);
    fprintf(fp, "%-34s %10s\n", "  face region", fmt(a, sizeof a, m->face_psnr_db, 2));
    fprintf(fp, "%-34s %10s\n\n", "  whole frame", fmt(a, sizeof a, m->frame_psnr_db, 2));
    fprintf(fp, "%-34s %10s %12s %10s\n", "temporal stability", "original", "edited", "ratio");
    fprintf(fp, "%-34s %10s %12s %10s   (%lld frame pairs)\n", "  flicker (face, mean |change|)",
            fmt(a, sizeof a, m->flicker_original, 3), fmt(b, sizeof b, m->flicker_edited, 3),
            fmt(c, sizeof c, m->flicker_ratio, 3), (long long)m->flicker_pairs);
    fprintf(fp, "%-34s %10s %12s %10s   (%lld frame pairs)\n", "  landmark jitter (/eye distance)",
            fmt(a, sizeof a, m->lm_jitter_original, 4), fmt(b, sizeof b, m->lm_jitter_edited, 4),
            fmt(c, sizeof c, m->lm_jitter_ratio, 3), (long long)m->lm_pairs);
    fprintf(fp, "%-34s %10s %12s   (%lld frames, %d of %d tracks matched)\n", "  landmark shift (/eye distance)", "",
            fmt(a, sizeof a, m->lm_shift, 4), (long long)m->lm_frames, m->tracks_matched, m->tracks_original);
    if (m->track_count > 1) {
        for (int i = 0; i < m->track_count; i++) {
            const fs_metrics_track *t = &m->tracks[i];
            char name[48];
            if (t->edited_id >= 0) snprintf(name, sizeof name, "    track %d (edited %d)", t->id, t->edited_id);
            else snprintf(name, sizeof name, "    track %d (not found)", t->id);
            fprintf(fp, "%-34s %10s %12s %10s   shift %s\n", name, fmt(a, sizeof a, t->jitter_original, 4),
                    fmt(b, sizeof b, t->jitter_edited, 4), fmt(c, sizeof c, t->jitter_ratio, 3),
                    fmt(d, sizeof d, t->shift, 4));
        }
    }
    if (isnan(m->tl_id) && isnan(m->tg_id))
        fprintf(fp, "\n%-34s %s\n", "identity TL-ID / TG-ID", m->id_note);
    else
        fprintf(fp, "\n%-34s %s / %s   (%s)\n", "identity TL-ID / TG-ID", fmt(a, sizeof a, m->tl_id, 4),
                fmt(b, sizeof b, m->tg_id, 4), m->id_note);
}
