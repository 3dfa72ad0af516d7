/* im2col.h — the column buffers behind the fast conv2d (private to src/tensor conv kernels).
 *
 * For one image and one group: col has (Cig*KH*KW) rows and (p1-p0) columns; row (ci, kh, kw),
 * column p - p0 holds x[ci, oh*stride_h - pad_top + kh*dil_h, ow*stride_w - pad_left + kw*dil_w]
 * (0 outside the image) with (oh, ow) = (p / W_out, p % W_out). col2im adds a column buffer back
 * onto the image (the adjoint). Both only read pad_top / pad_left, never pad_bottom / pad_right.
 */
#ifndef FS_TENSOR_IM2COL_H
#define FS_TENSOR_IM2COL_H

#include "tensor/conv2d.h"

/* x: (Cig, H, W) of one image and group. Channels [c0, c1) fill the (c1-c0)*KH*KW rows of `col`
 * (row 0 is channel c0, tap (0, 0)); columns are output pixels p0..p1-1. */
void fs__im2col(float *col, const float *x, const fs_conv2d_dims *d, int c0, int c1, long p0, long p1);
/* dx[c0..c1) += col2im(col): the adjoint of fs__im2col with the same arguments. */
void fs__col2im_add(float *dx, const float *col, const fs_conv2d_dims *d, int c0, int c1, long p0, long p1);

/* Per-thread scratch buffers of the fast conv kernels, grown on demand and kept between calls.
 * Callers hold fs__conv_scratch_lock() for the whole op (the slots are shared by every conv). */
void fs__conv_scratch_lock(void);
void fs__conv_scratch_unlock(void);
/* Buffer `kind` (0..5) of thread slot `tid`, at least n floats; aborts on out of memory. */
float *fs__conv_scratch(int tid, int kind, long n);
/* Test hook: 0 = choose (default), 1 = always im2col (conv_transpose2d: col2im), 2 = implicit GEMM
 * (conv_transpose2d: output phases) wherever it applies (strides <= 4; 1x1 stride-1 convs skip both). */
extern int fs__conv2d_cpu_path;

/* Frees every scratch buffer (e.g. before exit, or to give memory back after a big run). */
void fs_conv_cpu_scratch_free(void);

#endif
