/* im2col.c — im2col / col2im for the fast conv2d, and its per-thread scratch buffers. */
#include "tensor/im2col.h"

#include <cblas.h>
#include <pthread.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

/* Range [lo, hi) of output columns ow whose input column ow*sw + off lies in [0, W); clamped to [0, Wo]. */
static void valid_range(int W, int Wo, int sw, int off, int *lo, int *hi) {
    int l = off >= 0 ? 0 : (-off + sw - 1) / sw;
    int h = W - off > 0 ? (W - off + sw - 1) / sw : 0;
    if (h > Wo) h = Wo;
    if (l > h) l = h;
    *lo = l;
    *hi = h;
}

/* dst[i] = src[i*s] and dst[i*s] += src[i] for i < n (unrolled by 4; strided access does not vectorise) */
static void copy_strided(float *restrict dst, const float *restrict src, int n, int s) {
    int i = 0;
#ifdef __SSE2__
    if (s == 2) /* even elements of two vectors; src[2i+7] must exist, so stop one short */
        for (; i + 4 < n; i += 4)
            _mm_storeu_ps(dst + i, _mm_shuffle_ps(_mm_loadu_ps(src + 2L * i), _mm_loadu_ps(src + 2L * i + 4),
                                                  _MM_SHUFFLE(2, 0, 2, 0)));
#endif
    for (; i + 4 <= n; i += 4) {
        float a = src[(long)i * s], b = src[(long)(i + 1) * s], c = src[(long)(i + 2) * s], e = src[(long)(i + 3) * s];
        dst[i] = a, dst[i + 1] = b, dst[i + 2] = c, dst[i + 3] = e;
    }
    for (; i < n; i++) dst[i] = src[(long)i * s];
}

static void add_strided(float *restrict dst, const float *restrict src, int n, int s) {
    int i = 0;
#ifdef __SSE2__
    if (s == 2) { /* src interleaved with zeros, added to two vectors of dst */
        const __m128 z = _mm_setzero_ps();
        for (; i + 4 <= n; i += 4) {
            __m128 v = _mm_loadu_ps(src + i);
            float *p = dst + 2L * i;
            /* the last dst element touched is dst[2*(i+3)]; p[7] is only read-and-rewritten when in range */
            if (i + 4 < n) {
                _mm_storeu_ps(p, _mm_add_ps(_mm_loadu_ps(p), _mm_unpacklo_ps(v, z)));
                _mm_storeu_ps(p + 4, _mm_add_ps(_mm_loadu_ps(p + 4), _mm_unpackhi_ps(v, z)));
            } else {
                for (int k = 0; k < 4; k++) p[2 * k] += src[i + k];
            }
        }
    }
#endif
    for (; i + 4 <= n; i += 4) {
        dst[(long)i * s] += src[i];
        dst[(long)(i + 1) * s] += src[i + 1];
        dst[(long)(i + 2) * s] += src[i + 2];
        dst[(long)(i + 3) * s] += src[i + 3];
    }
    for (; i < n; i++) dst[(long)i * s] += src[i];
}

void fs__im2col(float *col, const float *x, const fs_conv2d_dims *d, int c0, int c1, long p0, long p1) {
    const long Pt = p1 - p0, HW = (long)d->H * d->W;
    const int Wo = d->W_out, sw = d->stride_w;
    float *row = col;
    for (int ci = c0; ci < c1; ci++)
        for (int kh = 0; kh < d->KH; kh++)
            for (int kw = 0; kw < d->KW; kw++, row += Pt) {
                const int off = kw * d->dil_w - d->pad_left;
                int lo, hi;
                valid_range(d->W, Wo, sw, off, &lo, &hi);
                long p = p0;
                while (p < p1) {
                    const int oh = (int)(p / Wo), ow0 = (int)(p % Wo);
                    const int ow1 = (long)Wo - ow0 < p1 - p ? Wo : (int)(ow0 + (p1 - p));
                    float *dst = row + (p - p0); /* dst[ow - ow0] */
                    const int ih = oh * d->stride_h - d->pad_top + kh * d->dil_h;
                    if (ih < 0 || ih >= d->H) {
                        memset(dst, 0, sizeof(float) * (size_t)(ow1 - ow0));
                    } else {
                        const float *src = x + ci * HW + (long)ih * d->W; /* src[ow*sw + off] */
                        int a = lo < ow0 ? ow0 : lo, b = hi > ow1 ? ow1 : hi;
                        if (a > ow1) a = ow1;
                        if (b < a) b = a;
                        for (int ow = ow0; ow < a; ow++) dst[ow - ow0] = 0.0f;
                        if (sw == 1 && b > a)
                            memcpy(dst + (a - ow0), src + a + off, sizeof(float) * (size_t)(b - a));
                        else if (b > a)
                            copy_strided(dst + (a - ow0), src + (long)a * sw + off, b - a, sw);
                        for (int ow = b; ow < ow1; ow++) dst[ow - ow0] = 0.0f;
                    }
                    p += ow1 - ow0;
                }
            }
}

void fs__col2im_add(float *dx, const float *col, const fs_conv2d_dims *d, int c0, int c1, long p0, long p1) {
    const long Pt = p1 - p0, HW = (long)d->H * d->W;
    const int Wo = d->W_out, sw = d->stride_w;
    const float *row = col;
    for (int ci = c0; ci < c1; ci++)
        for (int kh = 0; kh < d->KH; kh++)
            for (int kw = 0; kw < d->KW; kw++, row += Pt) {
                const int off = kw * d->dil_w - d->pad_left;
                int lo, hi;
                valid_range(d->W, Wo, sw, off, &lo, &hi);
                long p = p0;
                while (p < p1) {
                    const int oh = (int)(p / Wo), ow0 = (int)(p % Wo);
                    const int ow1 = (long)Wo - ow0 < p1 - p ? Wo : (int)(ow0 + (p1 - p));
                    const float *src = row + (p - p0); /* src[ow - ow0] */
                    const int ih = oh * d->stride_h - d->pad_top + kh * d->dil_h;
                    if (ih >= 0 && ih < d->H) {
                        int a = lo < ow0 ? ow0 : lo, b = hi > ow1 ? ow1 : hi;
                        if (b > a) { /* dst[i*sw] += src[i] */
                            float *dst = dx + ci * HW + (long)ih * d->W + (long)a * sw + off;
                            if (sw == 1)
                                cblas_saxpy(b - a, 1.0f, src + (a - ow0), 1, dst, 1);
                            else
                                add_strided(dst, src + (a - ow0), b - a, sw);
                        }
                    }
                    p += ow1 - ow0;
                }
            }
}

#define SCRATCH_SLOTS 256
#define SCRATCH_KINDS 6
static struct {
    float *p;
    long n;
} scratch[SCRATCH_SLOTS][SCRATCH_KINDS];
static pthread_mutex_t scratch_mu = PTHREAD_MUTEX_INITIALIZER;

void fs__conv_scratch_lock(void) { pthread_mutex_lock(&scratch_mu); }
void fs__conv_scratch_unlock(void) { pthread_mutex_unlock(&scratch_mu); }

float *fs__conv_scratch(int tid, int kind, long n) {
    FS_ASSERT(tid >= 0 && tid < SCRATCH_SLOTS && kind >= 0 && kind < SCRATCH_KINDS);
    if (n < 1) n = 1;
    if (scratch[tid][kind].n < n) {
        free(scratch[tid][kind].p);
        scratch[tid][kind].p = malloc(sizeof(float) * (size_t)n);
        if (!scratch[tid][kind].p) {
            fprintf(stderr, "facestitch: out of memory allocating %ld MB of conv scratch\n", (n * 4L) >> 20);
            abort();
        }
        scratch[tid][kind].n = n;
    }
    return scratch[tid][kind].p;
}

void fs_conv_cpu_scratch_free(void) {
    pthread_mutex_lock(&scratch_mu);
    for (int t = 0; t < SCRATCH_SLOTS; t++)
        for (int k = 0; k < SCRATCH_KINDS; k++) {
            free(scratch[t][k].p);
            scratch[t][k].p = NULL;
            scratch[t][k].n = 0;
        }
    pthread_mutex_unlock(&scratch_mu);
}
