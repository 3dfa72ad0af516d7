/* im2col.c — im2col / col2im for the fast conv2d, and the scratch sets of the fast conv kernels
 * (one per calling thread, see im2col.h). */
#include "tensor/im2col.h"

#include <cblas.h>
#include <pthread.h>
#include <stdatomic.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "core/threads.h"

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

/* One run of output pixels [ow0, ow1) of output row oh for input channel ci and kernel row ih: columns
 * [a, b) read inside the input, the rest are padding. dst[ow - ow0] = x[ci, ih, ow*sw + off]. */
static void im2col_segment(float *dst, const float *x, const fs_conv2d_dims *d, int ci, int ih, int off, int ow0,
                           int ow1, int a, int b) {
    const int sw = d->stride_w;
    if (ih < 0 || ih >= d->H) {
        memset(dst, 0, sizeof(float) * (size_t)(ow1 - ow0));
        return;
    }
    const float *src = x + ci * ((long)d->H * d->W) + (long)ih * d->W; /* src[ow*sw + off] */
    for (int ow = ow0; ow < a; ow++) dst[ow - ow0] = 0.0f;
    if (sw == 1 && b > a)
        memcpy(dst + (a - ow0), src + a + off, sizeof(float) * (size_t)(b - a));
    else if (b > a)
        copy_strided(dst + (a - ow0), src + (long)a * sw + off, b - a, sw);
    for (int ow = b; ow < ow1; ow++) dst[ow - ow0] = 0.0f;
}

/* The adjoint of im2col_segment: dx[ci, ih, ow*sw + off] += src[ow - ow0] for ow in [a, b). */
static void col2im_segment(float *dx, const float *src, const fs_conv2d_dims *d, int ci, int ih, int off, int ow0,
                           int a, int b) {
    const int sw = d->stride_w;
    if (ih < 0 || ih >= d->H || b <= a) return;
    float *dst = dx + ci * ((long)d->H * d->W) + (long)ih * d->W + (long)a * sw + off; /* dst[i*sw] += src[i] */
    if (sw == 1)
        cblas_saxpy(b - a, 1.0f, src + (a - ow0), 1, dst, 1);
    else
        add_strided(dst, src + (a - ow0), b - a, sw);
}

/* Walks the rows (ci, kh, kw) of a column buffer (rows of p1 - p0 pixels) in runs that stay in one
 * output row: fills col_out from x (im2col), or adds col_in into dx (col2im) when dx is set. */
static void im2col_walk(float *col_out, const float *col_in, float *dx, const float *x, const fs_conv2d_dims *d,
                        int c0, int c1, long p0, long p1) {
    const long Pt = p1 - p0;
    const int Wo = d->W_out, sw = d->stride_w;
    long row = 0;
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
                    const int ih = oh * d->stride_h - d->pad_top + kh * d->dil_h;
                    int a = lo < ow0 ? ow0 : lo, b = hi > ow1 ? ow1 : hi;
                    if (a > ow1) a = ow1;
                    if (b < a) b = a;
                    if (dx)
                        col2im_segment(dx, col_in + row + (p - p0), d, ci, ih, off, ow0, a, b);
                    else
                        im2col_segment(col_out + row + (p - p0), x, d, ci, ih, off, ow0, ow1, a, b);
                    p += ow1 - ow0;
                }
            }
}

void fs__im2col(float *col, const float *x, const fs_conv2d_dims *d, int c0, int c1, long p0, long p1) {
    im2col_walk(col, NULL, NULL, x, d, c0, c1, p0, p1);
}

void fs__col2im_add(float *dx, const float *col, const fs_conv2d_dims *d, int c0, int c1, long p0, long p1) {
    im2col_walk(NULL, col, dx, NULL, d, c0, c1, p0, p1);
}

#define SCRATCH_SLOTS 256
#define SCRATCH_KINDS 6
struct fs__conv_scratch_set {
    /* `busy` is set (under `mu`) by the owning thread for the length of an op; fs_conv_cpu_scratch_free
     * frees a set's buffers under `mu` and skips busy sets. No lock is held during the op itself (so an
     * op's fs_parallel_for calls add no lock-order edges) and nothing ever waits for an op to end. */
    pthread_mutex_t mu;
    int busy;
    fs__conv_scratch_set *prev, *next; /* every live set, so fs_conv_cpu_scratch_free reaches them all */
    struct {
        float *p;
        long n;
    } buf[SCRATCH_SLOTS][SCRATCH_KINDS];
};

static _Thread_local fs__conv_scratch_set *tl_set; /* the calling thread's set (fast path) */
static pthread_key_t set_key;                      /* its destructor frees the set at thread exit */
static pthread_once_t set_key_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static fs__conv_scratch_set *registry; /* head of the list of live sets */

static void free_buffers(fs__conv_scratch_set *s) {
    for (int t = 0; t < SCRATCH_SLOTS; t++)
        for (int k = 0; k < SCRATCH_KINDS; k++) {
            free(s->buf[t][k].p);
            s->buf[t][k].p = NULL;
            s->buf[t][k].n = 0;
        }
}

static void set_destroy(void *v) { /* thread exit */
    fs__conv_scratch_set *s = v;
    pthread_mutex_lock(&registry_mu);
    if (s->prev) s->prev->next = s->next;
    else registry = s->next;
    if (s->next) s->next->prev = s->prev;
    pthread_mutex_unlock(&registry_mu);
    free_buffers(s);
    pthread_mutex_destroy(&s->mu);
    free(s);
    tl_set = NULL; /* a later conv in this thread's exit path would make a new one */
}

static int key_made; /* pthread_key_create succeeded */
static void make_key(void) { key_made = pthread_key_create(&set_key, set_destroy) == 0; }

fs__conv_scratch_set *fs__conv_scratch_acquire(void) {
    fs__conv_scratch_set *s = tl_set;
    if (!s) {
        pthread_once(&set_key_once, make_key);
        if (!key_made || !(s = fs_scratch_calloc(1, sizeof *s))) return NULL;
        if (pthread_setspecific(set_key, s) != 0) {
            free(s);
            return NULL;
        }
        pthread_mutex_init(&s->mu, NULL);
        pthread_mutex_lock(&registry_mu);
        s->next = registry;
        if (registry) registry->prev = s;
        registry = s;
        pthread_mutex_unlock(&registry_mu);
        tl_set = s;
    }
    pthread_mutex_lock(&s->mu); /* waits while fs_conv_cpu_scratch_free frees this set */
    FS_ASSERT(!s->busy && "fast conv op re-entered on the same thread");
    s->busy = 1;
    pthread_mutex_unlock(&s->mu);
    return s;
}

static void scratch_release(fs__conv_scratch_set *s) {
    pthread_mutex_lock(&s->mu);
    s->busy = 0;
    pthread_mutex_unlock(&s->mu);
}

int fs__conv_scratch_live_sets(void) {
    int n = 0;
    pthread_mutex_lock(&registry_mu);
    for (const fs__conv_scratch_set *s = registry; s; s = s->next) n++;
    pthread_mutex_unlock(&registry_mu);
    return n;
}

int fs__conv_threads(void) {
    int nt = fs_threads_available();
    return nt < 1 ? 1 : nt > SCRATCH_SLOTS ? SCRATCH_SLOTS : nt;
}

long fs__conv_scratch_reserve(fs__conv_scratch_set *s, int64_t units, int kind, long n) {
    const int rows = fs_parallel_chunks(units, 1);
    FS_ASSERT(rows <= SCRATCH_SLOTS && kind >= 0 && kind < SCRATCH_KINDS);
    if (n < 1) n = 1;
    for (int t = 0; t < rows; t++) {
        if (s->buf[t][kind].n >= n) continue;
        free(s->buf[t][kind].p);
        s->buf[t][kind].p = fs_scratch_malloc(sizeof(float) * (size_t)n);
        s->buf[t][kind].n = s->buf[t][kind].p ? n : 0;
        if (!s->buf[t][kind].p) return n * (long)sizeof(float);
    }
    return 0;
}

float *fs__conv_scratch(fs__conv_scratch_set *s, int tid, int kind, long n) {
    FS_ASSERT(tid >= 0 && tid < SCRATCH_SLOTS && kind >= 0 && kind < SCRATCH_KINDS);
    FS_ASSERT(s->buf[tid][kind].n >= n && "conv scratch used without fs__conv_scratch_reserve");
    return s->buf[tid][kind].p;
}

int fs__conv_scratch_end(fs__conv_scratch_set *s, const char *op, long miss) {
    static atomic_int warned; /* the first fallback is a warning (the op runs much slower), later ones verbose */
    if (s) scratch_release(s);
    if (!miss) return 0;
    void (*say)(const char *, ...) = atomic_exchange(&warned, 1) ? fs_verbose : fs_warn;
    const long bytes = miss > 0 ? miss : (long)sizeof *s;
    say("out of memory: %s scratch%s (%ld bytes); running the slower reference kernel", op, miss > 0 ? "" : " set",
        bytes);
    return 1;
}

void fs_conv_cpu_scratch_free(void) {
    pthread_mutex_lock(&registry_mu);
    for (fs__conv_scratch_set *s = registry; s; s = s->next) {
        pthread_mutex_lock(&s->mu);
        if (!s->busy) free_buffers(s); /* a set an op is using right now keeps its buffers */
        pthread_mutex_unlock(&s->mu);
    }
    pthread_mutex_unlock(&registry_mu);
}
