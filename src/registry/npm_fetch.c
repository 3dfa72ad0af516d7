/* npm_fetch.c — the face-api networks: `npm pack @vladmandic/face-api@<version>` into a scratch
 * dir (the npm client checks the package's integrity against the registry), `tar` extracts its
 * model/ folder, and every file facestitch uses is checked against the sha256 pinned in the
 * built-in table (manifest.c) before it is copied into the cache dir. See docs/models.md. */
#include "registry/registry.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fileio.h"
#include "core/log.h"
#include "core/path.h"
#include "core/sha256.h"

extern char **environ;

int fs_registry_is_face_api(const fs_model_entry *e) { return !strncmp(e->file, "face-api/", 9); }

/* Runs argv (PATH search) with stdout/stderr to `log`; returns the exit status, or -1 when it
 * could not start (errno kept). */
static int run_logged(char *const argv[], const char *log) {
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa)) return -1;
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc) {
        errno = rc;
        return -1;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* The last non-empty line of the log (npm's reason), for the error message. */
static void last_line(const char *log, char *buf, size_t n) {
    buf[0] = 0;
    FILE *fp = fopen(log, "r");
    if (!fp) return;
    char line[512];
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = 0;
        if (line[0]) snprintf(buf, n, "%s", line);
    }
    fclose(fp);
}

/* Gets and unpacks the package into tmp; model files end up in tmp/package/model. */
static int npm_pack(const char *tmp, fs_err *err) {
    char log[FS_PATH_MAX], tgz[FS_PATH_MAX], why[512];
    if (fs_path_join(log, sizeof log, tmp, "npm.log", err) ||
        fs_path_join(tgz, sizeof tgz, tmp, FS_FACE_API_TARBALL, err))
        return FS_ERR;
    const char *npm = getenv("FACESTITCH_NPM");
    if (!npm || !npm[0]) npm = "npm";
    fs_info("face-api: running '%s pack %s' (about 13 MB)...", npm, FS_FACE_API_PACKAGE);
    char *pack[] = {(char *)npm, "pack", "--silent", "--pack-destination", (char *)tmp, FS_FACE_API_PACKAGE, NULL};
    int rc = run_logged(pack, log);
    if (rc < 0)
        return fs_errorf(err, "face-api: cannot run '%s' (%s): install Node.js and npm ('sudo apt install npm'), "
                         "then run 'facestitch models fetch face-api' again", npm, strerror(errno));
    if (rc) {
        last_line(log, why, sizeof why);
        return fs_errorf(err, "face-api: 'npm pack %s' failed (exit %d%s%s): offline, or npm cannot reach its "
                         "registry; facestitch keeps working with the Haar detector and dlib landmarks",
                         FS_FACE_API_PACKAGE, rc, why[0] ? ": " : "", why);
    }
    if (!fs_file_exists(tgz))
        return fs_errorf(err, "face-api: npm pack did not write %s (see %s)", FS_FACE_API_TARBALL, log);
    char *untar[] = {"tar", "-xzf", tgz, "-C", (char *)tmp, "package/model", NULL};
    rc = run_logged(untar, log);
    if (rc) return fs_errorf(err, "face-api: cannot unpack %s with tar (exit %d)", tgz, rc);
    return FS_OK;
}

/* Checks one unpacked file against its pinned size and sha256 and copies it into the cache. */
static int install_one(const fs_model_entry *e, const char *tmp, fs_err *err) {
    char src[FS_PATH_MAX], dest[FS_PATH_MAX], hex[65];
    if (fs_path_fmt(src, sizeof src, err, "%s/package/model/%s", tmp, e->file + 9) ||
        fs_registry_cache_path(e, dest, sizeof dest, err))
        return FS_ERR;
    unsigned char *data = NULL;
    size_t len = 0;
    if (fs_read_file(src, &data, &len, err))
        return fs_errorf(err, "%s: the package has no model/%s (%s)", e->name, e->file + 9, FS_FACE_API_PACKAGE);
    uint8_t d[32];
    fs_sha256(data, len, d);
    fs_sha256_hex(d, hex);
    if ((int64_t)len != e->size || strcmp(hex, e->sha256)) {
        free(data);
        return fs_errorf(err, "%s: model/%s from %s has %zu bytes and sha256 %s, expected %lld bytes and %s: "
                         "not installed", e->name, e->file + 9, FS_FACE_API_PACKAGE, len, hex, (long long)e->size,
                         e->sha256);
    }
    char dir[FS_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", dest); /* same size: fits */
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    int rc = fs_mkdirs(dir, err) || fs_write_file_atomic(dest, data, len, err);
    free(data);
    if (rc) return FS_ERR;
    fs_info("%s: installed %s (sha256 OK)", e->name, dest);
    return FS_OK;
}

/* 1 when every face-api file is present with a good hash (nothing to do). */
static int all_present(fs_err *err) {
    for (int i = 0; i < fs_registry_count(); i++) {
        const fs_model_entry *e = fs_registry_at(i);
        if (!fs_registry_is_face_api(e)) continue;
        fs_model_status st;
        if (fs_registry_verify(e, &st, err) || st.state != FS_MODEL_OK) return 0;
    }
    return 1;
}

int fs_registry_fetch_face_api(const fs_fetch_opts *opts, fs_err *err) {
    if (fs_registry_load(err)) return FS_ERR;
    if (!(opts && opts->force) && all_present(err)) {
        char dir[FS_PATH_MAX];
        if (fs_registry_cache_dir(dir, sizeof dir, err)) return FS_ERR;
        fs_info("face-api: all networks present in %s/face-api (sha256 OK)", dir);
        return FS_OK;
    }
    char tmp[FS_PATH_MAX];
    if (fs_make_temp_dir("facestitch-npm-", tmp, sizeof tmp, err)) return FS_ERR;
    int rc = npm_pack(tmp, err);
    for (int i = 0; rc == FS_OK && i < fs_registry_count(); i++) {
        const fs_model_entry *e = fs_registry_at(i);
        if (fs_registry_is_face_api(e)) rc = install_one(e, tmp, err);
    }
    fs_err ignored;
    fs_remove_tree(tmp, &ignored);
    return rc;
}

int fs_registry_face_api_dir(char *buf, size_t n, fs_err *err) {
    if (fs_registry_load(err)) return FS_ERR;
    for (int i = 0; i < fs_registry_count(); i++) {
        const fs_model_entry *e = fs_registry_at(i);
        char p[FS_PATH_MAX];
        if (fs_registry_is_face_api(e) && fs_registry_locate(e, p, sizeof p, err) != 1)
            return fs_errorf(err, "face-api networks not installed (%s missing): run 'facestitch models fetch face-api' "
                             "(or scripts/fetch-face-api)", p);
    }
    char dir[FS_PATH_MAX];
    if (fs_registry_cache_dir(dir, sizeof dir, err)) return FS_ERR;
    return fs_path_join(buf, n, dir, "face-api", err);
}
