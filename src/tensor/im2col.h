/* im2col.h — the column buffers behind the fast conv2d (private to src/tensor conv kernels).
 *
 * For one image and one group: col has (Cig*KH*KW) rows and (p1-p0) columns; row (ci, kh, kw),
 * column p - p0 holds x[ci, oh*stride_h - pad_top + kh*dil_h, ow*stride_w - pad_left + kw*dil_w]
 * (0 outside the image) with (oh, ow) = (p / W_out, p % W_out). col2im adds a column buffer back
 * onto the image (the adjoint). Both only read pad_top / pad_left, never pad_bottom / pad_right.
 */
#ifndef FS_TENSOR_IM2COL_H
#define FS_TENSOR_IM2COL_H

#include <stdint.h>

#include "tensor/conv2d.h"

/* x: (Cig, H, W) of one image and group. Channels [c0, c1) fill the (c1-c0)*KH*KW rows of `col`
 * (row 0 is channel c0, tap (0, 0)); columns are output pixels p0..p1-1. */
void fs__im2col(float *col, const float *x, const fs_conv2d_dims *d, int c0, int c1, long p0, long p1);
/* dx[c0..c1) += col2im(col): the adjoint of fs__im2col with the same arguments. */
void fs__col2im_add(float *dx, const float *col, const fs_conv2d_dims *d, int c0, int c1, long p0, long p1);

/* Scratch buffers of the fast conv kernels, grown on demand and kept between calls (no malloc per
 * call once warm). Each calling thread owns one scratch set (created on its first conv, freed when
 * the thread exits or by fs_conv_cpu_scratch_free), so ops called at the same time from different
 * threads -- e.g. from the workers of an outer fs_parallel_for -- never share a buffer or a lock:
 *
 *   fs__conv_scratch_set *s = fs__conv_scratch_acquire();        // this thread's set; NULL: out of memory
 *   long miss = s ? fs__conv_scratch_reserve(s, units, kind, n) : -1; // 0, or the bytes it could not get
 *   if (!miss) fs_parallel_for(units, 1, fn, &job);                 // fn: fs__conv_scratch(s, tid, kind, n)
 *   if (fs__conv_scratch_end(s, "op", miss)) op_ref(...);           // releases s; out of memory: the reference
 *
 * A set has one row of buffers per pool thread index `tid`: an op that spreads its units over the
 * pool (top-level call) gives row tid to the worker running chunk tid; a nested call runs serially
 * and uses row 0 only. Every buffer is reserved at its largest size on the calling thread before the
 * parallel loop, so an allocation never fails inside a worker (where a partial result, e.g. a weight
 * gradient half accumulated, could not be undone) and the op can fall back while nothing is written.
 * Acquire and end mark the set busy and idle (briefly taking the set's own, uncontended mutex; none is held
 * during the op); fs_conv_cpu_scratch_free skips a busy set, so buffers are never freed under a
 * running op. Not recursive: end before calling another op's public entry point (asserted).
 * Allocations go through core/alloc.h, whose test hook forces the out-of-memory paths. */
typedef struct fs__conv_scratch_set fs__conv_scratch_set;
fs__conv_scratch_set *fs__conv_scratch_acquire(void);
/* Grows buffer `kind` (0..5) of every row that fs_parallel_for(units, 1, ...) called now would use
 * (units = 1: row 0, for the calling thread) to at least n floats. 0, or the bytes it could not get
 * (a buffer that had to grow and could not is left empty; the op must not run). */
long fs__conv_scratch_reserve(fs__conv_scratch_set *s, int64_t units, int kind, long n);
/* Buffer `kind` of row `tid` of set `s`, reserved beforehand with at least n floats (asserted); never allocates. */
float *fs__conv_scratch(fs__conv_scratch_set *s, int tid, int kind, long n);
/* Ends an op on set s (NULL: the set could not be allocated) that returned `miss`: 0, or the bytes of scratch
 * it could not reserve (it wrote nothing then). Releases s; 0 when the op ran, 1 when it did not (out of
 * memory, said naming `op`: a warning the first time in the process, verbose after): the caller runs the
 * reference kernel instead. */
int fs__conv_scratch_end(fs__conv_scratch_set *s, const char *op, long miss);
/* Number of live scratch sets (one per thread that has run a fast conv and not exited); for tests. */
int fs__conv_scratch_live_sets(void);
/* Threads an op started here may use: fs_threads_available() (1 when nested inside a pool worker,
 * so a nested op gives the same results as one run with fs_threads_init(1)), at most the rows of a set. */
int fs__conv_threads(void);
/* Test hook: 0 = choose (default), 1 = always im2col (conv_transpose2d: col2im; conv2d backward-weights:
 * the split by output channels wherever it applies, i.e. with 2+ threads and one column buffer per
 * image), 2 = implicit GEMM (conv_transpose2d: output phases) wherever it applies (strides <= 4;
 * 1x1 stride-1 convs skip both). */
extern int fs__conv2d_cpu_path;

/* Frees the scratch buffers of every thread (e.g. before exit, or to give memory back after a big
 * run), except those of an op running at that moment on another thread (never waits for it).
 * Buffers come back on the next call. A thread's set is also freed when the thread exits (pool
 * workers: at fs_threads_shutdown / fs_threads_init). */
void fs_conv_cpu_scratch_free(void);

#endif
