/* backend.c — the backend tables and the current selection. */
#include "tensor/backend.h"

#include <string.h>

#include "tensor/gemm.h"
#include "tensor/linear.h"

static const fs_backend backend_cpu_ref = {
    .name = "cpu-ref",
    .conv2d_forward = fs_conv2d_forward_ref,
    .conv2d_backward = fs_conv2d_backward_ref,
    .conv_transpose2d_forward = fs_conv_transpose2d_forward_ref,
    .conv_transpose2d_backward = fs_conv_transpose2d_backward_ref,
    .sgemm = fs_sgemm_ref,
    .linear_forward = fs_linear_forward_ref,
    .linear_backward = fs_linear_backward_ref,
};

static const fs_backend backend_cpu = {
    .name = "cpu",
    .conv2d_forward = fs_conv2d_forward_cpu,
    .conv2d_backward = fs_conv2d_backward_cpu,
    .conv_transpose2d_forward = fs_conv_transpose2d_forward_cpu,
    .conv_transpose2d_backward = fs_conv_transpose2d_backward_cpu,
    .sgemm = fs_sgemm_cpu,
    .linear_forward = fs_linear_forward_cpu,
    .linear_backward = fs_linear_backward_cpu,
};

static const fs_backend *current = &backend_cpu;

const fs_backend *fs_backend_cpu_ref(void) { return &backend_cpu_ref; }
const fs_backend *fs_backend_cpu(void) { return &backend_cpu; }
void fs_backend_set(const fs_backend *b) {
    if (b) /* every entry must be filled (point at a CPU function where a device has no kernel yet) */
        FS_ASSERT(b->name && b->conv2d_forward && b->conv2d_backward && b->conv_transpose2d_forward &&
                  b->conv_transpose2d_backward && b->sgemm && b->linear_forward && b->linear_backward);
    current = b ? b : &backend_cpu;
}
const fs_backend *fs_backend_get(void) { return current; }

const fs_backend *fs_backend_by_name(const char *name) {
    if (!name) return NULL;
    if (!strcmp(name, "cpu")) return &backend_cpu;
    if (!strcmp(name, "cpu-ref")) return &backend_cpu_ref;
    return NULL;
}
