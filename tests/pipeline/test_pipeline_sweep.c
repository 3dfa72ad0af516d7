/* Strength sweeps NAME=FROM:TO:STEP (pipeline/edit/sweep.h): the strengths, TO included exactly when
 * it is a whole number of steps away, counting down, the file names, and the errors. */
#include <string.h>

#include "check.h"
#include "core/path.h"
#include "pipeline/edit/sweep.h"

static int parse(const char *s, fs_edit_sweep *sw, char *msg) {
    fs_err err = {0};
    int rc = fs_edit_sweep_parse(s, sw, &err);
    snprintf(msg, 1100, "%s", err.msg);
    if (rc < 0) printf("  '%s' -> %s\n", s, err.msg);
    return rc;
}

static int strengths_are(const fs_edit_sweep *sw, const double *want, int n) {
    if (sw->count != n) {
        printf("  %d strengths, want %d\n", sw->count, n);
        return 0;
    }
    for (int i = 0; i < n; i++)
        if (!(fs_edit_sweep_strength(sw, i) == want[i])) { /* exact: NaN fails too */
            printf("  strength %d = %.17g, want %.17g\n", i, fs_edit_sweep_strength(sw, i), want[i]);
            return 0;
        }
    return 1;
}

int main(void) {
    fs_edit_sweep sw;
    char msg[1100], path[512];
    CHECK(parse("age=-6", &sw, msg) == 0);          /* an ordinary edit */
    CHECK(parse("age=0@0s,-6@2s", &sw, msg) == 0);  /* keyframes: not a sweep */

    CHECK(parse("age=-6:6:3", &sw, msg) == 1);
    CHECK(!strcmp(sw.name, "age"));
    CHECK(strengths_are(&sw, (const double[]){-6, -3, 0, 3, 6}, 5));
    const char *names[] = {"out_age-6.mp4", "out_age-3.mp4", "out_age0.mp4", "out_age3.mp4", "out_age6.mp4"};
    for (int i = 0; i < 5; i++) {
        CHECK(fs_edit_sweep_output("out.mp4", &sw, i, path, sizeof path, NULL) == FS_OK);
        CHECK(!strcmp(path, names[i]));
    }
    CHECK(fs_edit_sweep_output("d.x/sbs", &sw, 0, path, sizeof path, NULL) == FS_OK);
    CHECK(!strcmp(path, "d.x/sbs_age-6"));
    CHECK(fs_edit_sweep_subdir("frames/", &sw, 4, path, sizeof path, NULL) == FS_OK);
    CHECK(!strcmp(path, "frames/age6"));

    CHECK(parse("age=-6:6:6", &sw, msg) == 1); /* 3 strengths */
    CHECK(strengths_are(&sw, (const double[]){-6, 0, 6}, 3));
    CHECK(parse("age=6:-6:6", &sw, msg) == 1); /* counts down */
    CHECK(strengths_are(&sw, (const double[]){6, 0, -6}, 3));
    CHECK(parse("smile=0:1:0.1", &sw, msg) == 1); /* 0.1 accumulates: 1 still comes out exactly */
    CHECK(sw.count == 11 && fs_edit_sweep_strength(&sw, 10) == 1.0 && fs_edit_sweep_strength(&sw, 0) == 0.0);
    CHECK_CLOSE(fs_edit_sweep_strength(&sw, 3), 0.3, 1e-12);
    CHECK(parse("smile=-0.3:0.3:0.1", &sw, msg) == 1);
    CHECK(sw.count == 7 && fs_edit_sweep_strength(&sw, 3) == 0.0 && fs_edit_sweep_strength(&sw, 6) == 0.3);
    CHECK(fs_edit_sweep_output("o.mp4", &sw, 3, path, sizeof path, NULL) == FS_OK);
    CHECK(!strcmp(path, "o_smile0.mp4")); /* not "-0" nor 5.55e-17 */
    CHECK(parse("age=0:5:2", &sw, msg) == 1); /* TO not a whole number of steps away: stops short */
    CHECK(strengths_are(&sw, (const double[]){0, 2, 4}, 3));
    CHECK(parse("age=2:2:1", &sw, msg) == 1); /* FROM == TO: one strength */
    CHECK(strengths_are(&sw, (const double[]){2}, 1));
    CHECK(parse("age=-50:50:1", &sw, msg) == 1 && sw.count == FS_SWEEP_MAX);

    CHECK(parse("age=-6:6:0", &sw, msg) < 0 && strstr(msg, "STEP must be > 0"));
    CHECK(parse("age=-6:6:-3", &sw, msg) < 0 && strstr(msg, "STEP must be > 0"));
    CHECK(parse("age=-6:6:x", &sw, msg) < 0 && strstr(msg, "FROM:TO:STEP"));
    CHECK(parse("age=a:6:3", &sw, msg) < 0 && strstr(msg, "FROM:TO:STEP"));
    CHECK(parse("age=-6:6", &sw, msg) < 0 && strstr(msg, "FROM:TO:STEP"));
    CHECK(parse("age=-6:6:3:1", &sw, msg) < 0);
    CHECK(parse("age=-6:6:nan", &sw, msg) < 0);
    CHECK(parse("age=-6:inf:3", &sw, msg) < 0);
    CHECK(parse("age=-6:6:0.01", &sw, msg) < 0 && strstr(msg, "at most 101"));
    CHECK(parse("age=-50:51:1", &sw, msg) < 0 && strstr(msg, "at most 101"));
    CHECK(parse("=-6:6:3", &sw, msg) < 0);
    CHECK(parse("age=-6:6:3@2s", &sw, msg) < 0 && strstr(msg, "keyframes"));

    /* an output name that no longer fits a path buffer is an error naming it, never a truncated name */
    CHECK(parse("age=-6:6:3", &sw, msg) == 1);
    static char long_out[FS_PATH_MAX], out[FS_PATH_MAX];
    memset(long_out, 'a', sizeof long_out - 5);
    memcpy(long_out + sizeof long_out - 5, ".mp4", 5); /* 4095 bytes: a path that fits, just */
    fs_err err = {0};
    CHECK(fs_edit_sweep_output(long_out, &sw, 0, out, sizeof out, &err) == FS_ERR);
    CHECK_MSG(strstr(err.msg, "path too long") && strstr(err.msg, "aaaa"), "message: %s", err.msg);
    err = (fs_err){0};
    CHECK(fs_edit_sweep_subdir(long_out, &sw, 0, out, sizeof out, &err) == FS_ERR);
    CHECK_MSG(strstr(err.msg, "path too long"), "message: %s", err.msg);
    return check_finish();
}
