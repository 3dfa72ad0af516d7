/* paths.c — which files the studio may read: only those under its roots (the folders of the videos
 * and projects it opened, and --root folders). Every path from a request is canonicalised with
 * realpath (which resolves "..", symlinks and repeated slashes) before the prefix check, and nothing
 * is opened before the check passes. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "serve/parse.h"
#include "serve/srv.h"

static int under(const char *root, const char *path) {
    size_t n = strlen(root);
    if (n == 1 && root[0] == '/') return 1;
    return strncmp(path, root, n) == 0 && (path[n] == 0 || path[n] == '/');
}

int fs_srv_root_add(fs_srv *s, const char *dir, fs_err *err) {
    char real[FS_PATH_MAX];
    if (!realpath(dir, real)) return fs_errorf(err, "%s: %s", dir, strerror(errno));
    pthread_mutex_lock(&s->mu);
    int rc = FS_OK;
    for (int i = 0; i < s->n_roots; i++)
        if (under(s->roots[i], real)) goto done; /* already covered */
    if (s->n_roots >= FS_SRV_MAX_ROOTS) {
        rc = fs_errorf(err, "%s: too many folders open in the studio (at most %d)", dir, FS_SRV_MAX_ROOTS);
        goto done;
    }
    snprintf(s->roots[s->n_roots++], sizeof s->roots[0], "%s", real);
done:
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int fs_srv_path_allowed(fs_srv *s, const char *path, char *out, size_t n) {
    char real[FS_PATH_MAX];
    if (!path || !path[0] || strlen(path) >= FS_PATH_MAX) return 404;
    if (!realpath(path, real)) return errno == EACCES ? 403 : 404;
    int ok = 0;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->n_roots && !ok; i++) ok = under(s->roots[i], real);
    pthread_mutex_unlock(&s->mu);
    if (!ok) return 403;
    if (strlen(real) >= n) return 404;
    memcpy(out, real, strlen(real) + 1);
    return 0;
}

int fs_srv_path_inside(const char *dir, const char *name, char *out, size_t n) {
    if (!fs_srv_name_ok(name)) return 403;
    char joined[FS_PATH_MAX], real[FS_PATH_MAX];
    if (fs_path_join(joined, sizeof joined, dir, name, NULL)) return 414; /* too long to be a file here */
    if (!realpath(joined, real)) return 404;
    if (!under(dir, real)) return 403; /* a symlink out of the folder */
    if (strlen(real) >= n) return 404;
    memcpy(out, real, strlen(real) + 1);
    return 0;
}

int fs_srv_parent_of(const char *path, char *out, size_t n, fs_err *err) {
    char real[FS_PATH_MAX];
    if (!realpath(path, real)) return fs_errorf(err, "%s: %s", path, strerror(errno));
    char *slash = strrchr(real, '/');
    if (slash == real) slash[1] = 0; /* "/x": its parent is "/" */
    else if (slash) *slash = 0;
    if (strlen(real) >= n) return fs_errorf(err, "%s: path too long", path);
    memcpy(out, real, strlen(real) + 1);
    return FS_OK;
}
