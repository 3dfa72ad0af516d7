/* Atomic writes: the target appears whole or not at all; an aborted write leaves
 * the previous content and no temporary behind; unwritable paths give a message. */
#include "check.h"
#include "core/fileio.h"

#include <dirent.h>

static int count_entries(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

int main(void) {
    char dir[] = "/tmp/fs_test_fileio_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[512];
    snprintf(path, sizeof path, "%s/a.bin", dir);
    fs_err err = {0};
    CHECK(fs_write_file_atomic(path, "hello", 5, &err) == FS_OK);
    unsigned char *data = NULL;
    size_t len = 0;
    CHECK(fs_read_file(path, &data, &len, &err) == FS_OK);
    CHECK(len == 5 && memcmp(data, "hello", 5) == 0);
    free(data);

    fs_atomic_file f;
    CHECK(fs_atomic_open(&f, path, &err) == FS_OK);
    fputs("partial", f.fp);
    fs_atomic_abort(&f);
    CHECK(fs_read_file(path, &data, &len, &err) == FS_OK);
    CHECK(len == 5 && memcmp(data, "hello", 5) == 0);
    free(data);
    CHECK(count_entries(dir) == 1);

    CHECK(fs_write_file_atomic("/nonexistent_dir_fs/x.bin", "x", 1, &err) == FS_ERR);
    CHECK(strstr(err.msg, "/nonexistent_dir_fs/x.bin") != NULL);
    CHECK(fs_read_file("/nonexistent_dir_fs/y", &data, &len, &err) == FS_ERR);
    CHECK(strstr(err.msg, "No such file") != NULL);

    char sub[600];
    snprintf(sub, sizeof sub, "%s/x/y/z", dir);
    CHECK(fs_mkdirs(sub, &err) == FS_OK);
    char ext[16];
    CHECK(strcmp(fs_path_ext("a/b.c/D.PNG", ext, sizeof ext), "png") == 0);
    CHECK(strcmp(fs_path_ext("a/b.c/noext", ext, sizeof ext), "") == 0);
    /* remove_tree: a whole tree goes; a link inside is removed, not followed */
    char tdir[600], keep[600], lnk[700], f2[700];
    CHECK(fs_make_temp_dir("fs_test_tree_", tdir, sizeof tdir, &err) == FS_OK);
    snprintf(keep, sizeof keep, "%s/outside.txt", dir);
    CHECK(fs_write_file_atomic(keep, "keep", 4, &err) == FS_OK);
    snprintf(f2, sizeof f2, "%s/a/b", tdir);
    CHECK(fs_mkdirs(f2, &err) == FS_OK);
    snprintf(f2, sizeof f2, "%s/a/b/f.txt", tdir);
    CHECK(fs_write_file_atomic(f2, "x", 1, &err) == FS_OK);
    snprintf(lnk, sizeof lnk, "%s/a/link", tdir);
    CHECK(symlink(dir, lnk) == 0);
    CHECK(fs_remove_tree(tdir, &err) == FS_OK);
    CHECK(!fs_file_exists(tdir));
    CHECK(fs_file_exists(keep) && fs_file_exists(path));
    CHECK(fs_remove_tree(tdir, &err) == FS_OK); /* already gone: fine */
    CHECK(fs_remove_tree(dir, &err) == FS_OK && !fs_file_exists(dir));
    return check_finish();
}
