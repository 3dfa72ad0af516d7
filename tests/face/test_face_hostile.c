/* test_face_hostile.c — every file in tests/face/hostile/ (dat_*.dat: dlib models, xml_*.xml:
 * cascades) must be refused with a message naming the file, without crashing; the seed files
 * of fuzz/corpus/{dlib_dat,cascade_xml}/ that are meant to be valid must load. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/fileio.h"
#include "face/cascade.h"
#include "face/shape_predictor.h"

static int load_any(const char *path, fs_err *err) {
    size_t n = strlen(path);
    if (n > 4 && strcmp(path + n - 4, ".dat") == 0) {
        fs_shape_predictor *sp = NULL;
        int rc = fs_shape_predictor_load(path, &sp, err);
        fs_shape_predictor_destroy(sp);
        return rc;
    }
    fs_haar_cascade *c = NULL;
    int rc = fs_haar_cascade_load(path, &c, err);
    fs_haar_cascade_destroy(c);
    return rc;
}

int main(void) {
    const char *src = getenv("FS_SRC");
    if (!src) src = ".";
    char dir[4096], path[4600];
    snprintf(dir, sizeof dir, "%s/tests/face/hostile", src);
    DIR *d = opendir(dir);
    if (!d) test_skip("tests/face/hostile not found (set FS_SRC)");
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        fs_err err = {0};
        int rc = load_any(path, &err);
        CHECK_MSG(rc != FS_OK, "%s accepted", e->d_name);
        CHECK_MSG(strstr(err.msg, e->d_name) != NULL, "%s: message '%s' does not name the file", e->d_name, err.msg);
        printf("  %-36s %s\n", e->d_name, strstr(err.msg, ": ") ? strstr(err.msg, ": ") + 2 : err.msg);
        n++;
    }
    closedir(d);
    CHECK(n >= 20);
    const char *valid[] = {"fuzz/corpus/dlib_dat/tiny_valid.dat", "fuzz/corpus/cascade_xml/tiny_stump.xml",
                           "fuzz/corpus/cascade_xml/tiny_tree_tilted.xml"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", src, valid[i]);
        fs_err err = {0};
        CHECK_MSG(load_any(path, &err) == FS_OK, "%s: %s", valid[i], err.msg);
    }
    printf("%d hostile files refused\n", n);
    return check_finish();
}
