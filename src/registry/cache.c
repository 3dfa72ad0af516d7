/* cache.c — where models live (cache dir, system copies), "where to get it" messages, verify, pins. */
#include "registry/registry.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fileio.h"
#include "core/path.h"
#include "core/sha256.h"

static int is_regular(const char *path, int64_t *size) {
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    if (size) *size = (int64_t)st.st_size;
    return 1;
}


int fs_registry_cache_dir(char *buf, size_t n, fs_err *err) {
    const char *m = getenv("FACESTITCH_MODELS");
    if (m && m[0]) {
        if (m[0] == '/') return fs_path_fmt(buf, n, err, "%s", m);
        char cwd[FS_PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) return fs_errorf(err, "FACESTITCH_MODELS=%s: cannot get the current dir", m);
        return fs_path_fmt(buf, n, err, "%s/%s", cwd, m);
    }
    const char *x = getenv("XDG_CACHE_HOME");
    if (x && x[0] == '/') return fs_path_fmt(buf, n, err, "%s/%s", x, "facestitch"); /* the spec ignores relative values */
    const char *h = getenv("HOME");
    if (!h || !h[0]) {
        struct passwd *pw = getpwuid(getuid());
        h = pw ? pw->pw_dir : NULL;
    }
    if (!h || !h[0])
        return fs_errorf(err, "no cache dir: set FACESTITCH_MODELS to a folder for the models (HOME is not set)");
    return fs_path_fmt(buf, n, err, "%s/%s", h, ".cache/facestitch");
}

int fs_registry_cache_path(const fs_model_entry *e, char *buf, size_t n, fs_err *err) {
    char dir[FS_PATH_MAX];
    if (fs_registry_cache_dir(dir, sizeof dir, err)) return FS_ERR;
    size_t l = strlen(dir);
    while (l > 1 && dir[l - 1] == '/') dir[--l] = 0;
    return fs_path_fmt(buf, n, err, "%s/%s", dir, e->file);
}

int fs_registry_locate(const fs_model_entry *e, char *buf, size_t n, fs_err *err) {
    if (fs_registry_cache_path(e, buf, n, err)) return -1;
    if (is_regular(buf, NULL)) return 1;
    if (e->system_path && is_regular(e->system_path, NULL)) {
        return fs_path_fmt(buf, n, err, "%s", e->system_path) ? -1 : 1;
    }
    return 0;
}

void fs_registry_fetch_url(const fs_model_entry *e, char *buf, size_t n) {
    const char *mirror = getenv("FACESTITCH_MIRROR");
    if (mirror && mirror[0]) {
        size_t l = strlen(mirror);
        while (l > 0 && mirror[l - 1] == '/') l--;
        snprintf(buf, n, "%.*s/%s", (int)l, mirror, e->file);
    } else {
        snprintf(buf, n, "%s", e->url ? e->url : "");
    }
}

void fs_registry_where_to_get(const fs_model_entry *e, char *buf, size_t n) {
    char dest[FS_PATH_MAX];
    fs_err err;
    if (fs_registry_cache_path(e, dest, sizeof dest, &err)) snprintf(dest, sizeof dest, "(%s)", err.msg);
    if (e->auto_fetch)
        snprintf(buf, n, "Get it with 'facestitch models fetch %s' (from %s), or download it yourself and put it at %s",
                 e->name, e->url, dest);
    else if (e->how)
        snprintf(buf, n, "Get it from %s: %s. Put it at %s", e->page, e->how, dest);
    else
        snprintf(buf, n, "Get it from %s and put it at %s", e->page, dest);
}

int fs_registry_path(const char *name, char *buf, size_t n, fs_err *err) {
    if (fs_registry_load(err)) return FS_ERR;
    const fs_model_entry *e = fs_registry_find(name);
    if (!e)
        return fs_errorf(err, "%s: unknown model name; 'facestitch models list' shows the known ones", name);
    char path[FS_PATH_MAX];
    int r = fs_registry_locate(e, path, sizeof path, err);
    if (r < 0) return FS_ERR;
    if (r == 0) {
        char how[2048];
        fs_registry_where_to_get(e, how, sizeof how);
        return fs_errorf(err, "%s: model not found (%s). %s", e->name, e->file, how);
    }
    return fs_path_fmt(buf, n, err, "%s", path);
}

/* Reads the pin "<path>.sha256": first 64 hex digits of the first line. */
static int read_pin(const char *path, char out[65]) {
    char pin[FS_PATH_MAX];
    if (fs_path_fmt(pin, sizeof pin, NULL, "%s.sha256", path)) return 0;
    FILE *fp = fopen(pin, "r");
    if (!fp) return 0;
    char line[256];
    int ok = fgets(line, sizeof line, fp) != NULL;
    fclose(fp);
    if (!ok) return 0;
    for (int i = 0; i < 64; i++) {
        char c = line[i];
        if (c >= 'A' && c <= 'F') c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return 0;
        out[i] = c;
    }
    out[64] = 0;
    return 1;
}

int fs_registry_pin(const fs_model_entry *e, const char *path, const char hex[65], fs_err *err) {
    char pin[FS_PATH_MAX];
    if (fs_path_fmt(pin, sizeof pin, err, "%s.sha256", path)) return FS_ERR;
    const char *base = strrchr(e->file, '/');
    base = base ? base + 1 : e->file;
    char line[512];
    int k = snprintf(line, sizeof line, "%s  %s\n", hex, base);
    if (k < 0 || (size_t)k >= sizeof line) return fs_errorf(err, "%s: name too long", e->file);
    return fs_write_file_atomic(pin, line, (size_t)k, err);
}

int fs_registry_verify(const fs_model_entry *e, fs_model_status *st, fs_err *err) {
    memset(st, 0, sizeof *st);
    st->size = -1;
    int r = fs_registry_locate(e, st->path, sizeof st->path, err);
    if (r < 0) return FS_ERR;
    if (r == 0) {
        st->state = FS_MODEL_MISSING;
        return FS_OK;
    }
    is_regular(st->path, &st->size);
    st->expected = e->sha256;
    if (!st->expected && read_pin(st->path, st->pinned)) {
        st->expected = st->pinned;
        st->from_pin = 1;
    }
    if (e->size >= 0 && st->size != e->size) {
        st->state = FS_MODEL_BAD_SIZE;
        return FS_OK;
    }
    if (fs_sha256_file(st->path, 0, st->hex, err)) return FS_ERR;
    if (!st->expected) st->state = FS_MODEL_UNPINNED;
    else st->state = strcmp(st->hex, st->expected) ? FS_MODEL_BAD_HASH : FS_MODEL_OK;
    return FS_OK;
}

void fs_registry_format_size(int64_t b, char *buf, size_t n) {
    if (b < 0) snprintf(buf, n, "?");
    else if (b < 1000) snprintf(buf, n, "%d B", (int)b);
    else if (b < 1000000) snprintf(buf, n, "%.1f KB", (double)b / 1e3);
    else if (b < 1000000000) snprintf(buf, n, "%.1f MB", (double)b / 1e6);
    else snprintf(buf, n, "%.2f GB", (double)b / 1e9);
}
