#include "core/fileio.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_open_regular(const char *path, int *fd, size_t *len, fs_err *err) {
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0) return fs_errorf(err, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(f);
        return fs_errorf(err, "%s: not a regular file", path);
    }
    *fd = f;
    *len = (size_t)st.st_size;
    return FS_OK;
}

int fs_read_file(const char *path, unsigned char **data, size_t *len, fs_err *err) {
    int fd;
    size_t n;
    if (fs_open_regular(path, &fd, &n, err)) return FS_ERR;
    FILE *fp = fdopen(fd, "rb");
    if (!fp) {
        close(fd);
        return fs_errorf(err, "%s: %s", path, strerror(errno));
    }
    unsigned char *buf = malloc(n + 1);
    if (!buf) {
        fclose(fp);
        return fs_errorf(err, "%s: out of memory reading %zu bytes", path, n);
    }
    if (n && fread(buf, 1, n, fp) != n) {
        free(buf);
        fclose(fp);
        return fs_errorf(err, "%s: read error", path);
    }
    fclose(fp);
    buf[n] = 0;
    *data = buf;
    *len = n;
    return FS_OK;
}

int fs_atomic_open(fs_atomic_file *f, const char *path, fs_err *err) {
    memset(f, 0, sizeof *f);
    if (fs_path_fmt(f->path, sizeof f->path, err, "%s", path) ||
        fs_path_fmt(f->tmp, sizeof f->tmp, err, "%s.tmp.%ld", path, (long)getpid())) {
        f->tmp[0] = 0;
        return FS_ERR;
    }
    f->fp = fopen(f->tmp, "wb");
    if (!f->fp) return fs_errorf(err, "%s: cannot write: %s", path, strerror(errno));
    return FS_OK;
}

void fs_atomic_abort(fs_atomic_file *f) {
    if (f->fp) fclose(f->fp);
    f->fp = NULL;
    if (f->tmp[0]) unlink(f->tmp);
    f->tmp[0] = 0;
}

int fs_atomic_commit(fs_atomic_file *f, fs_err *err) {
    if (!f->fp) return fs_errorf(err, "%s: not open", f->path);
    int bad = ferror(f->fp);
    if (fflush(f->fp) != 0) bad = 1;
    if (!bad && fsync(fileno(f->fp)) != 0 && errno != EINVAL) bad = 1;
    if (fclose(f->fp) != 0) bad = 1;
    f->fp = NULL;
    if (bad) {
        int e = errno;
        unlink(f->tmp);
        return fs_errorf(err, "%s: write failed: %s", f->path, strerror(e ? e : EIO));
    }
    if (rename(f->tmp, f->path) != 0) {
        int e = errno;
        unlink(f->tmp);
        return fs_errorf(err, "%s: cannot rename into place: %s", f->path, strerror(e));
    }
    return FS_OK;
}

int fs_write_file_atomic(const char *path, const void *data, size_t len, fs_err *err) {
    fs_atomic_file f;
    if (fs_atomic_open(&f, path, err)) return FS_ERR;
    if (len && fwrite(data, 1, len, f.fp) != len) {
        fs_atomic_abort(&f);
        return fs_errorf(err, "%s: write failed: %s", path, strerror(errno));
    }
    return fs_atomic_commit(&f, err);
}

int fs_mkdirs(const char *path, fs_err *err) {
    char buf[FS_PATH_MAX];
    if (fs_path_fmt(buf, sizeof buf, err, "%s", path)) return FS_ERR;
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) return fs_errorf(err, "%s: cannot create: %s", buf, strerror(errno));
            *p = '/';
        }
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return fs_errorf(err, "%s: cannot create: %s", buf, strerror(errno));
    struct stat st;
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) return fs_errorf(err, "%s: not a directory", buf);
    return FS_OK;
}

int fs_file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

const char *fs_path_ext(const char *path, char *buf, size_t n) {
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    if (!dot || (slash && dot < slash) || n == 0) {
        if (n) buf[0] = 0;
        return buf;
    }
    size_t i = 0;
    for (const char *p = dot + 1; *p && i + 1 < n; p++) buf[i++] = (char)tolower((unsigned char)*p);
    buf[i] = 0;
    return buf;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st, (void)type, (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int fs_remove_tree(const char *path, fs_err *err) {
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? FS_OK : fs_errorf(err, "%s: %s", path, strerror(errno));
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return fs_errorf(err, "%s: cannot remove: %s", path, strerror(errno));
    return FS_OK;
}

int fs_make_temp_dir(const char *prefix, char *buf, size_t n, fs_err *err) {
    const char *t = getenv("TMPDIR");
    if ((size_t)snprintf(buf, n, "%s/%sXXXXXX", t && *t ? t : "/tmp", prefix) >= n)
        return fs_errorf(err, "temporary directory path too long");
    if (!mkdtemp(buf)) return fs_errorf(err, "%s: cannot create a temporary directory: %s", buf, strerror(errno));
    return FS_OK;
}
