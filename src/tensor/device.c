/* device.c — device memory through the backend table, the --device / FS_DEVICE choice, precision. */
#include "tensor/device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/threads.h"
#include "tensor/backend.h"

void *fs_dev_alloc(size_t bytes, fs_err *err) {
    void *p = fs_backend_get()->alloc(bytes);
    if (!p)
        fs_errorf(err, "out of %s device memory (%.1f MiB requested)", fs_backend_get()->name,
                  bytes / (1024.0 * 1024.0));
    return p;
}

float *fs_dev_alloc_f32(long n, fs_err *err) {
    if (n < 0) {
        fs_errorf(err, "device allocation of %ld floats", n);
        return NULL;
    }
    return fs_dev_alloc(sizeof(float) * (size_t)n, err);
}

void fs_dev_free(void *p) {
    if (p) fs_backend_get()->free(p);
}
void fs_dev_upload(void *dst, const void *src, size_t bytes) { fs_backend_get()->upload(dst, src, bytes); }
void fs_dev_download(void *dst, const void *src, size_t bytes) { fs_backend_get()->download(dst, src, bytes); }
void fs_dev_copy(void *dst, const void *src, size_t bytes) { fs_backend_get()->copy(dst, src, bytes); }
void fs_dev_zero(void *p, size_t bytes) { fs_backend_get()->zero(p, bytes); }
int fs_dev_is_host(void) { return fs_backend_is_host(fs_backend_get()); }

float *fs_dev_to_host_f32(const float *dev, long n) {
    float *h = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    if (h && n > 0) fs_dev_download(h, dev, sizeof(float) * (size_t)n);
    return h;
}

int fs_device_select(const char *spec, fs_err *err) {
    if (!spec || !*spec) spec = "cpu";
    if (!strncmp(spec, "cuda", 4) && (spec[4] == 0 || spec[4] == ':')) {
        int index = 0;
        if (spec[4] == ':') {
            char *end = NULL;
            long v = strtol(spec + 5, &end, 10);
            if (end == spec + 5 || *end || v < 0 || v > 63)
                return fs_errorf(err, "--device %s: expected cuda or cuda:I with I a GPU index from 0", spec);
            index = (int)v;
        }
        if (!fs_backend_cuda())
            return fs_errorf(err, "--device %s: this build has no CUDA backend (rebuild with -DFS_CUDA=ON on a "
                                  "machine with the CUDA toolkit; see docs/gpu.md)", spec);
        if (fs_cuda_open(index, err)) return FS_ERR;
        fs_backend_set(fs_backend_cuda());
        return FS_OK;
    }
    const fs_backend *b = fs_backend_by_name(spec);
    if (!b) return fs_errorf(err, "--device %s: unknown device (expected cpu, cpu-ref, sim, cuda or cuda:I)", spec);
    fs_backend_set(b);
    return FS_OK;
}

int fs_device_from_env(fs_err *err) {
    const char *ps = getenv("FS_PRECISION");
    fs_precision p = FS_PRECISION_FP32;
    if (ps && *ps && fs_precision_parse(ps, &p, err)) return FS_ERR;
    fs_precision_set(p);
    return fs_device_select(getenv("FS_DEVICE"), err);
}

const char *fs_device_describe(char *buf, size_t n) {
    const fs_backend *b = fs_backend_get();
    if (!strcmp(b->name, "cuda")) return fs_cuda_describe(buf, n);
    if (!strcmp(b->name, "sim"))
        snprintf(buf, n, "sim (CPU kernels on protected device memory, %d threads)", fs_threads_count());
    else
        snprintf(buf, n, "%s (OpenBLAS, %d threads)", b->name, fs_threads_count());
    return buf;
}

static fs_precision precision = FS_PRECISION_FP32;

int fs_precision_parse(const char *s, fs_precision *out, fs_err *err) {
    static const char *names[] = {"fp32", "tf32", "bf16"};
    for (int i = 0; i < 3; i++)
        if (s && !strcmp(s, names[i])) {
            *out = (fs_precision)i;
            return FS_OK;
        }
    return fs_errorf(err, "--precision %s: expected fp32 (default, exact parity), tf32 or bf16 (tensor cores, cuda)",
                     s ? s : "(none)");
}
void fs_precision_set(fs_precision p) { precision = p; }
fs_precision fs_precision_get(void) { return precision; }
const char *fs_precision_name(fs_precision p) {
    return p == FS_PRECISION_TF32 ? "tf32" : p == FS_PRECISION_BF16 ? "bf16" : "fp32";
}

#ifndef FS_HAVE_CUDA
const fs_backend *fs_backend_cuda(void) { return NULL; }
int fs_cuda_open(int index, fs_err *err) {
    return fs_errorf(err, "cuda:%d: this build has no CUDA backend", index);
}
const char *fs_cuda_describe(char *buf, size_t n) {
    snprintf(buf, n, "cuda (not built)");
    return buf;
}
#endif
