/* Checked path building: fits exactly, one byte too long is an error naming the path, joins. */
#include "check.h"
#include "core/path.h"

int main(void) {
    fs_err e = {0};
    char p[FS_PATH_MAX], small[8];
    CHECK(fs_path_join(p, sizeof p, "dir", "manifest.json", &e) == FS_OK && !strcmp(p, "dir/manifest.json"));
    CHECK(fs_path_join(p, sizeof p, "", "x", &e) == FS_OK && !strcmp(p, "x"));
    CHECK(fs_path_join(p, sizeof p, NULL, "x", &e) == FS_OK && !strcmp(p, "x"));
    CHECK(fs_path_fmt(p, sizeof p, &e, "%s/crops/%04d.png", "d", 7) == FS_OK && !strcmp(p, "d/crops/0007.png"));
    CHECK(fs_path_fmt(small, sizeof small, &e, "%s", "1234567") == FS_OK); /* 7 bytes + NUL fit */
    CHECK(fs_path_fmt(small, sizeof small, &e, "%s", "12345678") != FS_OK);
    CHECK_MSG(strstr(e.msg, "path too long") && strstr(e.msg, "1234567"), "%s", e.msg);
    /* a directory name of FS_PATH_MAX - 5 bytes: "/x" fits, "/xyz1" does not */
    char dir[FS_PATH_MAX];
    memset(dir, 'd', sizeof dir - 5);
    dir[sizeof dir - 5] = 0;
    CHECK(fs_path_join(p, sizeof p, dir, "xy", &e) == FS_OK && strlen(p) == FS_PATH_MAX - 2);
    e.msg[0] = 0;
    CHECK(fs_path_join(p, sizeof p, dir, "xyz1", &e) != FS_OK && strstr(e.msg, "path too long (4096 bytes") != NULL);
    printf("too long: %s\n", e.msg);
    return check_finish();
}
