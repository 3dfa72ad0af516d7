/* threads.h — a process-wide thread pool with a deterministic parallel_for.
 *
 *   fs_threads_init(0);                      // 0 = number of cores; call once at start
 *   fs_parallel_for(n, 1, my_fn, &ctx);      // my_fn(ctx, begin, end, thread_index)
 *
 * [0, n) is split into at most fs_threads_count() contiguous chunks whose
 * boundaries depend only on n, grain and the thread count, so a kernel that
 * reduces within its chunk gives identical results for a given thread count.
 * Nested calls (from inside a worker) run serially in the calling thread.
 */
#ifndef FS_CORE_THREADS_H
#define FS_CORE_THREADS_H

#include <stdint.h>

typedef void (*fs_parallel_fn)(void *ctx, int64_t begin, int64_t end, int thread_index);

/* n <= 0 means "number of online CPUs". Safe to call again to resize. */
void fs_threads_init(int n);
int fs_threads_count(void);
/* Threads a fs_parallel_for called from this thread would use: 1 inside a worker (or inside the
 * caller's own chunk of a running fs_parallel_for), where nested calls run serially; otherwise
 * fs_threads_count(). Kernels that size their work split by the thread count use this, so a call
 * nested in a worker gives the same results as a call with fs_threads_init(1). */
int fs_threads_available(void);
void fs_threads_shutdown(void);

/* Runs fn over [0, n) in chunks of at least `grain` items. Blocks until done. */
void fs_parallel_for(int64_t n, int64_t grain, fs_parallel_fn fn, void *ctx);
/* Chunks that fs_parallel_for(n, grain, ...) called now from this thread would run: fn sees the
 * thread indices [0, this) (0 when n <= 0). For scratch sized per thread before the loop. */
int fs_parallel_chunks(int64_t n, int64_t grain);

/* Runs fn(ctx, 0, n, 0) in the calling thread as if inside a pool worker: every nested
 * fs_parallel_for (and every kernel) runs single-threaded, giving the bits of fs_threads_init(1). */
void fs_run_single_threaded(fs_parallel_fn fn, void *ctx, int64_t n);

#endif
