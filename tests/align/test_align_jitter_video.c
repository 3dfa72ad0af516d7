/* On real talking-head clips the face is tracked in >= 98 % of the frames, and the temporally
 * smoothed quads (STIT §1.4: sigma 1 for c, 3 for x, y) jitter less than the per-frame quads made
 * from the same landmarks. Printed: the frame-to-frame motion of the quad centre (% of the quad
 * size) and its second difference (acceleration: the smooth head motion cancels, what is left is
 * jitter). The tracker's raw landmarks are already temporally coherent (each frame starts from the
 * previous frame's shape), so most of the raw frame-to-frame motion is the head's own motion and
 * sigma = 1 cannot remove it; the assertion is on the acceleration. Per-frame-independent landmarks
 * (a fresh detection box every frame, even rounded to integers as STIT stores them) move the same
 * 0.2-0.7 % per frame on these clips: the motion is real, not landmark noise. The smoothing's
 * effect on the noise itself is measured against ground truth in test_align_jitter_truth.c. */
#include "check.h"
#include "core/threads.h"
#include "face/align.h"
#include "pipeline/project.h"

#include <math.h>

static double side(const double q[4][2]) { return hypot(q[3][0] - q[0][0], q[3][1] - q[0][1]); }

/* mean |centre_t - centre_{t-1}| / side, in %, over consecutive frames of one track; second == 1
 * uses second differences (acceleration: the smooth head motion cancels) */
static double jitter(double (*q)[4][2], int n, int second) {
    double s = 0;
    int m = 0;
    for (int t = 2; t < n; t++) {
        double c[3][2];
        for (int j = 0; j < 3; j++)
            for (int a = 0; a < 2; a++)
                c[j][a] = 0.25 * (q[t - j][0][a] + q[t - j][1][a] + q[t - j][2][a] + q[t - j][3][a]);
        double dx = second ? c[0][0] - 2 * c[1][0] + c[2][0] : c[0][0] - c[1][0];
        double dy = second ? c[0][1] - 2 * c[1][1] + c[2][1] : c[0][1] - c[1][1];
        s += 100.0 * hypot(dx, dy) / side(q[t]);
        m++;
    }
    return m ? s / m : 0;
}

int main(void) {
    const char *clips[] = {"media/th_obama_weekly_address_a_720p_aac.mp4", "media/th_intel_headpose_male_480x270.mp4",
                           "media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4"};
    fs_threads_init(2);
    for (size_t ci = 0; ci < sizeof clips / sizeof clips[0]; ci++) {
        const char *path = test_shared_path(clips[ci]);
        fs_align_settings s;
        fs_align_settings_default(&s);
        s.size = 256;
        s.max_frames = getenv("JITTER_ALL") ? 0 : 90;
        fs_proj_tracks *tr = NULL;
        fs_err err = {0};
        CHECK_MSG(fs_detect_tracks(path, &s, NULL, &tr, &err) == FS_OK, "%s", err.msg);
        if (!tr) continue;
        CHECK(tr->count >= 1);
        if (tr->count < 1) continue;
        int best = 0;
        for (int k = 1; k < tr->count; k++)
            if (tr->t[k].n > tr->t[best].n) best = k;
        fs_proj_track *t = &tr->t[best];
        double cover = 100.0 * t->n / tr->frames;
        double(*raw)[4][2] = malloc(sizeof *raw * (size_t)t->n);
        for (int i = 0; i < t->n; i++) {
            fs_align_params p;
            fs_align_from_landmarks(t->lm[i], 1.0, &p);
            fs_align_quad(&p, raw[i]);
        }
        double jr = jitter(raw, t->n, 0), js = jitter(t->quad, t->n, 0);
        double ar = jitter(raw, t->n, 1), as = jitter(t->quad, t->n, 1);
        printf("%s: tracked %.1f%% of %d frames; centre jitter raw %.3f%% smoothed %.3f%% (x%.1f); "
               "acceleration raw %.3f%% smoothed %.3f%% (x%.1f)\n",
               clips[ci], cover, tr->frames, jr, js, jr / js, ar, as, ar / as);
        CHECK_MSG(cover >= 98.0, "%s: tracked in %.1f%% of frames", clips[ci], cover);
        CHECK_MSG(js < jr, "%s: smoothed centre motion %.3f%% not below raw %.3f%%", clips[ci], js, jr);
        CHECK_MSG(ar >= 1.3 * as, "%s: smoothed acceleration %.3f%% not 1.3x below raw %.3f%%", clips[ci], as, ar);
        free(raw);
        fs_proj_tracks_destroy(tr);
    }
    fs_threads_shutdown();
    return check_finish();
}
