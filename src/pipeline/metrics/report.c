/* report.c — fs_metrics as one JSON object or as a readable table. */
#include "pipeline/metrics/metrics.h"

#include <math.h>
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

#define KEY(name) fprintf(fp, ",\n  \"%s\": ", name)

void fs_metrics_write_json(const fs_metrics *m, FILE *fp) {
    fputs("{\n  \"original\": ", fp);
    json_str(fp, m->original);
    KEY("edited");
    json_str(fp, m->edited);
    KEY("frames");
    fprintf(fp, "%lld", (long long)m->frames);
    KEY("width");
    fprintf(fp, "%d", m->width);
    KEY("height");
    fprintf(fp, "%d", m->height);
    KEY("fps");
    json_num(fp, m->fps, 0);
    KEY("psnr_inf_value");
    json_num(fp, FS_METRICS_PSNR_INF_JSON, 0);
    KEY("background_psnr_db");
    json_num(fp, m->bg_psnr_db, 1);
    KEY("background_psnr_min_db");
    json_num(fp, m->bg_psnr_min_db, 1);
    KEY("background_psnr_min_frame");
    if (m->bg_psnr_min_frame >= 0) fprintf(fp, "%lld", (long long)m->bg_psnr_min_frame);
    else fputs("null", fp);
    KEY("background_pixels_fraction");
    json_num(fp, m->bg_fraction, 0);
    KEY("background_max_abs_diff");
    fprintf(fp, "%d", m->bg_max_abs_diff);
    KEY("background_hull_psnr_db");
    json_num(fp, m->hull_psnr_db, 1);
    KEY("background_hull_psnr_min_db");
    json_num(fp, m->hull_psnr_min_db, 1);
    KEY("background_hull_pixels_fraction");
    json_num(fp, m->hull_fraction, 0);
    KEY("background_hull_max_abs_diff");
    fprintf(fp, "%d", m->hull_max_abs_diff);
    KEY("face_psnr_db");
    json_num(fp, m->face_psnr_db, 1);
    KEY("frame_psnr_db");
    json_num(fp, m->frame_psnr_db, 1);
    KEY("flicker_original");
    json_num(fp, m->flicker_original, 0);
    KEY("flicker_edited");
    json_num(fp, m->flicker_edited, 0);
    KEY("flicker_ratio");
    json_num(fp, m->flicker_ratio, 0);
    KEY("flicker_pairs");
    fprintf(fp, "%lld", (long long)m->flicker_pairs);
    KEY("landmark_jitter_original");
    json_num(fp, m->lm_jitter_original, 0);
    KEY("landmark_jitter_edited");
    json_num(fp, m->lm_jitter_edited, 0);
    KEY("landmark_jitter_ratio");
    json_num(fp, m->lm_jitter_ratio, 0);
    KEY("landmark_shift");
    json_num(fp, m->lm_shift, 0);
    KEY("landmark_pairs");
    fprintf(fp, "%lld", (long long)m->lm_pairs);
    KEY("landmark_frames");
    fprintf(fp, "%lld", (long long)m->lm_frames);
    KEY("tracks_original");
    fprintf(fp, "%d", m->tracks_original);
    KEY("tracks_edited");
    fprintf(fp, "%d", m->tracks_edited);
    KEY("tracks_matched");
    fprintf(fp, "%d", m->tracks_matched);
    KEY("faces_tracked_frames");
    fprintf(fp, "%lld", (long long)m->faces_tracked_frames);
    KEY("tl_id");
    json_num(fp, m->tl_id, 0);
    KEY("tg_id");
    json_num(fp, m->tg_id, 0);
    KEY("identity_note");
    json_str(fp, m->id_note);
    KEY("seconds");
    fprintf(fp, "%.3f", m->seconds);
    KEY("tracks");
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
