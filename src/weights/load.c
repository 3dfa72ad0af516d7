/* load.c — fs_weights_load: sniff the container and read it (see load.h). */
#include "weights/load.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/fileio.h"
#include "weights/safetensors.h"
#include "weights/torch.h"
#include "weights/wutil.h"

const char *fs_weights_format_name(const unsigned char *buf, size_t len) {
    if (len >= 4 && buf[0] == 'P' && buf[1] == 'K' && buf[2] == 3 && buf[3] == 4) return "pytorch-zip";
    if (fs_npy_is_npy(buf, len)) return "npy";
    if (fs_torch_is_legacy(buf, len)) return "pytorch-legacy";
    if (len >= 2 && buf[0] == 0x80) return "pickle";
    /* safetensors: u64 header length, then '{' (length bounds are checked by the reader) */
    if (len >= 9 && fs__le64(buf) >= 2 && buf[8] == '{') return "safetensors";
    if (fs_torch_is_pickle(buf, len)) return "pickle";
    return NULL;
}

static void stem(const char *path, char *buf, size_t n) {
    const char *s = strrchr(path, '/');
    s = s ? s + 1 : path;
    snprintf(buf, n, "%s", s);
    char *dot = strrchr(buf, '.');
    if (dot && dot != buf) *dot = 0;
    if (!buf[0]) snprintf(buf, n, "array");
}

int fs_weights_load_mem(const unsigned char *buf, size_t len, const char *name_hint, fs_tensor_map **out, fs_err *err) {
    const char *fmt = fs_weights_format_name(buf, len);
    if (!fmt) {
        if (len == 0) return fs_errorf(err, "empty file");
        return fs_errorf(err, "unknown weights format (not safetensors, PyTorch zip or legacy, pickle or npy)");
    }
    if (!strcmp(fmt, "safetensors")) return fs_safetensors_load_mem(buf, len, FS_ST_TO_F32, out, err);
    if (!strcmp(fmt, "npy")) return fs_npy_load_mem(buf, len, name_hint ? name_hint : "array", FS_TORCH_TO_F32, out, err);
    return fs_torch_load_mem(buf, len, FS_TORCH_TO_F32, out, err);
}

int fs_weights_load(const char *path, fs_tensor_map **out, fs_err *err) {
    int fd;
    size_t len;
    if (fs_open_regular(path, &fd, &len, err)) return FS_ERR;
    unsigned char head[16] = {0};
    ssize_t hn = pread(fd, head, sizeof head, 0);
    if (hn < 0) hn = 0;
    const char *fmt = fs_weights_format_name(head, (size_t)hn);
    if (fmt && !strcmp(fmt, "safetensors")) { /* mmap-backed reader: tensors may point into the mapping */
        close(fd);
        return fs_safetensors_load(path, FS_ST_TO_F32, out, err);
    }
    if (len == 0) {
        close(fd);
        return fs_errorf(err, "%s: empty file", path);
    }
    void *base = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (base == MAP_FAILED) return fs_errorf(err, "%s: cannot map file: %s", path, strerror(errno));
    char nm[128];
    stem(path, nm, sizeof nm);
    int rc = fs_weights_load_mem(base, len, nm, out, err);
    munmap(base, len);
    if (rc) return fs_err_prefix(err, path);
    return FS_OK;
}
