/* backend.c — the CPU backend tables (device memory = host memory) and the current selection. */
#include "tensor/backend.h"

#include <stdlib.h>
#include <string.h>

#include "tensor/devops.h"
#include "tensor/gemm.h"
#include "tensor/linear.h"

static void *host_alloc(size_t bytes) { return calloc(1, bytes ? bytes : 1); }
static void host_free(void *p) { free(p); }
static void host_copy(void *dst, const void *src, size_t bytes) {
    if (bytes) memcpy(dst, src, bytes);
}
static void host_zero(void *p, size_t bytes) {
    if (bytes) memset(p, 0, bytes);
}

#define FS__REF_KERNEL(name, params, args) .name = fs_##name##_ref,
#define FS__CPU_OP(name, params, args) .name = fs_##name##_cpu,
#define FS__HOST_MEMORY                                                                                           \
    .alloc = host_alloc, .free = host_free, .upload = host_copy, .download = host_copy, .copy = host_copy,        \
    .zero = host_zero

/* the reference kernels; the device ops have one (plain) version */
static const fs_backend backend_cpu_ref = {
    .name = "cpu-ref",
    FS__HOST_MEMORY,
    FS_BACKEND_KERNELS(FS__REF_KERNEL)
    FS_BACKEND_DEVOPS(FS__CPU_OP)
};

static const fs_backend backend_cpu = {
    .name = "cpu",
    FS__HOST_MEMORY,
    FS_BACKEND_OPS(FS__CPU_OP)
};

static const fs_backend *current = &backend_cpu;

const fs_backend *fs_backend_cpu_ref(void) { return &backend_cpu_ref; }
const fs_backend *fs_backend_cpu(void) { return &backend_cpu; }

#define FS__CHECK_ENTRY(name, params, args) FS_ASSERT(b->name && #name);
void fs_backend_set(const fs_backend *b) {
    if (b) { /* every entry must be filled */
        FS_ASSERT(b->name && b->alloc && b->free && b->upload && b->download && b->copy && b->zero);
        FS_BACKEND_OPS(FS__CHECK_ENTRY)
    }
    current = b ? b : &backend_cpu;
}
const fs_backend *fs_backend_get(void) { return current; }

const fs_backend *fs_backend_by_name(const char *name) {
    if (!name) return NULL;
    if (!strcmp(name, "cpu")) return &backend_cpu;
    if (!strcmp(name, "cpu-ref")) return &backend_cpu_ref;
    if (!strcmp(name, "sim")) return fs_backend_sim();
    if (!strcmp(name, "cuda")) return fs_backend_cuda();
    return NULL;
}

int fs_backend_is_host(const fs_backend *b) { return b == &backend_cpu || b == &backend_cpu_ref; }
