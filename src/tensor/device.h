/* device.h — device memory and the device choice (--device cpu|cpu-ref|sim|cuda[:i], env FS_DEVICE).
 *
 *   if (fs_device_select(getenv("FS_DEVICE"), &err)) ...;   // NULL/"" keeps "cpu"; once, at start
 *   float *w = fs_dev_alloc_f32(n, &err);                    // zeroed device floats
 *   fs_dev_upload(w, host_w, n * sizeof(float));
 *   ... ops on w (tensor/backend.h) ...
 *   fs_dev_download(host_out, out, bytes);
 *   fs_dev_free(w);
 *
 * On "cpu" and "cpu-ref" device memory IS host memory (the copies are memcpy), so code written against this
 * API costs nothing there; on "sim" and "cuda" it is not, and only these calls may move data across. Model
 * structs keep device pointers in their usual fields (fs_sg2.p, fs_sg2_acts, fs_sg2_grads, fs_adam.m/v).
 */
#ifndef FS_TENSOR_DEVICE_H
#define FS_TENSOR_DEVICE_H

#include <stddef.h>

#include "core/err.h"

typedef enum { FS_PRECISION_FP32 = 0, FS_PRECISION_TF32 = 1, FS_PRECISION_BF16 = 2 } fs_precision;

void *fs_dev_alloc(size_t bytes, fs_err *err); /* zeroed; NULL + err ("out of device memory ...") */
float *fs_dev_alloc_f32(long n, fs_err *err);
void fs_dev_free(void *p);                    /* NULL ok */
void fs_dev_upload(void *dst_dev, const void *src_host, size_t bytes);
void fs_dev_download(void *dst_host, const void *src_dev, size_t bytes);
void fs_dev_copy(void *dst_dev, const void *src_dev, size_t bytes);
void fs_dev_zero(void *dev, size_t bytes);
/* Host copy of n device floats (malloc'ed; NULL when out of memory): for tests and edges. */
float *fs_dev_to_host_f32(const float *dev, long n);
/* 1 when device memory is host memory (the cpu backends): host code may then read it directly. */
int fs_dev_is_host(void);

/* Parses and selects "cpu" | "cpu-ref" | "sim" | "cuda" | "cuda:I" (NULL or "" = "cpu"). Fails with a clear
 * message on an unknown name, a build without CUDA, or no usable GPU. Call once, before any buffer exists. */
int fs_device_select(const char *spec, fs_err *err);
/* fs_device_select(getenv("FS_DEVICE")) and the precision of getenv("FS_PRECISION") — what tests call at start. */
int fs_device_from_env(fs_err *err);
/* One line naming the device ("cpu (OpenBLAS, 2 threads)", "cuda:0 NVIDIA H100 80GB, driver 13.0, ..."). */
const char *fs_device_describe(char *buf, size_t n);

/* Math precision for the heavy ops on devices that have a choice (cuda); fp32 (default) everywhere else. */
int fs_precision_parse(const char *s, fs_precision *out, fs_err *err); /* "fp32" | "tf32" | "bf16" */
void fs_precision_set(fs_precision p);
fs_precision fs_precision_get(void);
const char *fs_precision_name(fs_precision p);

/* sim device introspection (tensor/backend_sim.c): op calls so far, and whether p is sim device memory. */
long fs_sim_calls(void);
int fs_sim_is_device(const void *p);

/* cuda backend hooks (tensor/cuda/; stubs when built without CUDA) */
int fs_cuda_open(int index, fs_err *err); /* picks the GPU, creates the cuBLAS handle */
const char *fs_cuda_describe(char *buf, size_t n);

#endif
