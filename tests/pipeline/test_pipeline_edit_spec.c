/* --edit parsing and keyframe interpolation. */
#include "check.h"
#include "pipeline/edit/edit_spec.h"

static int parses(const char *s, fs_edit_spec *sp) {
    fs_err err = {0};
    memset(sp, 0, sizeof *sp);
    int rc = fs_edit_spec_parse(s, sp, &err);
    if (rc) printf("  '%s' -> %s\n", s, err.msg);
    return rc == FS_OK;
}

int main(void) {
    fs_edit_spec sp;
    CHECK(parses("age=-6", &sp));
    CHECK(sp.count == 1 && !strcmp(sp.edits[0].name, "age") && sp.edits[0].nkeys == 1);
    CHECK_CLOSE(fs_edit_strength_at(&sp.edits[0], 100, 25), -6, 0);

    CHECK(parses("age=-6,smile=2", &sp));
    CHECK(sp.count == 2 && !strcmp(sp.edits[1].name, "smile"));
    CHECK_CLOSE(fs_edit_strength_at(&sp.edits[1], 0, 25), 2, 0);

    CHECK(parses("age=0@0s,-6@2s", &sp));
    CHECK(sp.count == 1 && sp.edits[0].nkeys == 2);
    CHECK_CLOSE(fs_edit_strength_at(&sp.edits[0], 0, 25), 0, 1e-12);
    CHECK_CLOSE(fs_edit_strength_at(&sp.edits[0], 25, 25), -3, 1e-12);   /* 1 s: halfway */
    CHECK_CLOSE(fs_edit_strength_at(&sp.edits[0], 50, 25), -6, 1e-12);
    CHECK_CLOSE(fs_edit_strength_at(&sp.edits[0], 500, 25), -6, 1e-12);  /* held after */

    CHECK(parses("smile=0@f10,2@f20,age=-4", &sp));
    CHECK(sp.count == 2 && sp.edits[0].nkeys == 2 && sp.edits[0].keys[0].is_frame);
    CHECK_CLOSE(fs_edit_strength_at(&sp.edits[0], 0, 30), 0, 1e-12);     /* held before */
    CHECK_CLOSE(fs_edit_strength_at(&sp.edits[0], 15, 30), 1, 1e-12);
    CHECK_CLOSE(fs_edit_strength_at(&sp.edits[1], 15, 30), -4, 0);

    CHECK(parses("/some/dir/my_dir.npy=1.5", &sp));
    CHECK(!strcmp(sp.edits[0].name, "/some/dir/my_dir.npy"));

    /* appending: --edit may repeat */
    fs_err err = {0};
    memset(&sp, 0, sizeof sp);
    CHECK(fs_edit_spec_parse("age=1", &sp, &err) == FS_OK);
    CHECK(fs_edit_spec_parse("smile=2", &sp, &err) == FS_OK);
    CHECK(sp.count == 2);

    char buf[128];
    CHECK(parses("age=0@0s,-6@2.5s", &sp));
    fs_edit_format(&sp.edits[0], buf, sizeof buf);
    CHECK(!strcmp(buf, "age=0@0s,-6@2.5s"));

    const char *bad[] = {"", "age", "=3", "age=", "age=x", "age=1,", "age=1,2", "age=0@2s,1@1s",
                         "age=0@0s,1@f3", "3,age=1", "age=1@-2s", "age=1@f2.5", ",age=1", "age=1,,smile=2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&sp, 0, sizeof sp);
        fs_err e2 = {0};
        CHECK_MSG(fs_edit_spec_parse(bad[i], &sp, &e2) == FS_ERR, "'%s' should be refused", bad[i]);
        CHECK_MSG(e2.msg[0] != 0, "'%s' needs a message", bad[i]);
        CHECK(sp.count == 0); /* untouched on failure */
    }
    return check_finish();
}
