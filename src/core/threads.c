#include "core/threads.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/err.h"

#define FS_MAX_THREADS 256

static struct {
    int n;                      /* total threads including the caller */
    pthread_t tid[FS_MAX_THREADS];
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    unsigned long generation;
    int pending;
    int quit;
    /* current job */
    fs_parallel_fn fn;
    void *ctx;
    int64_t n_items, chunk;
    int nchunks;
} pool = {.n = 1, .mu = PTHREAD_MUTEX_INITIALIZER, .cv_work = PTHREAD_COND_INITIALIZER,
          .cv_done = PTHREAD_COND_INITIALIZER};

static _Thread_local int tl_in_worker = 0;
static pthread_mutex_t submit_mu = PTHREAD_MUTEX_INITIALIZER;

static void run_chunk(int idx) {
    if (idx >= pool.nchunks) return;
    int64_t b = (int64_t)idx * pool.chunk;
    int64_t e = b + pool.chunk;
    if (e > pool.n_items) e = pool.n_items;
    if (b < e) pool.fn(pool.ctx, b, e, idx);
}

static void *worker(void *arg) {
    int idx = (int)(intptr_t)arg;
    tl_in_worker = 1;
    unsigned long seen = 0;
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        while (!pool.quit && pool.generation == seen) pthread_cond_wait(&pool.cv_work, &pool.mu);
        if (pool.quit) break;
        seen = pool.generation;
        pthread_mutex_unlock(&pool.mu);
        run_chunk(idx);
        pthread_mutex_lock(&pool.mu);
        if (--pool.pending == 0) pthread_cond_signal(&pool.cv_done);
    }
    pthread_mutex_unlock(&pool.mu);
    return NULL;
}

void fs_threads_shutdown(void) {
    pthread_mutex_lock(&pool.mu);
    pool.quit = 1;
    pthread_cond_broadcast(&pool.cv_work);
    pthread_mutex_unlock(&pool.mu);
    for (int i = 1; i < pool.n; i++) pthread_join(pool.tid[i], NULL);
    pool.quit = 0;
    pool.n = 1;
}

void fs_threads_init(int n) {
    if (n <= 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 0 ? (int)c : 1;
    }
    if (n > FS_MAX_THREADS) n = FS_MAX_THREADS;
    if (pool.n > 1) fs_threads_shutdown();
    pool.n = n;
    pool.generation = 0;
    for (int i = 1; i < n; i++) {
        if (pthread_create(&pool.tid[i], NULL, worker, (void *)(intptr_t)i) != 0) {
            pool.n = i; /* run with what we got */
            break;
        }
    }
}

int fs_threads_count(void) { return pool.n; }
int fs_threads_available(void) { return tl_in_worker ? 1 : pool.n; }

/* Chunks of fs_parallel_for(n, grain) from this thread and their size (*chunk); 1 = one serial call. */
static int chunking(int64_t n, int64_t grain, int64_t *chunk) {
    if (grain < 1) grain = 1;
    const int nt = fs_threads_available();
    const int64_t max_chunks = (n + grain - 1) / grain;
    *chunk = n;
    if (nt <= 1 || max_chunks <= 1) return 1;
    const int nchunks = (int)(max_chunks < nt ? max_chunks : nt);
    *chunk = (n + nchunks - 1) / nchunks;
    return (int)((n + *chunk - 1) / *chunk);
}

int fs_parallel_chunks(int64_t n, int64_t grain) {
    int64_t chunk;
    return n <= 0 ? 0 : chunking(n, grain, &chunk);
}

void fs_parallel_for(int64_t n, int64_t grain, fs_parallel_fn fn, void *ctx) {
    if (n <= 0) return;
    const int nt = pool.n;
    int64_t chunk;
    const int nchunks = chunking(n, grain, &chunk);
    if (nchunks <= 1) {
        fn(ctx, 0, n, 0);
        return;
    }
    pthread_mutex_lock(&submit_mu);
    pthread_mutex_lock(&pool.mu);
    pool.fn = fn;
    pool.ctx = ctx;
    pool.n_items = n;
    pool.chunk = chunk;
    pool.nchunks = nchunks;
    pool.pending = nt - 1;
    pool.generation++;
    pthread_cond_broadcast(&pool.cv_work);
    pthread_mutex_unlock(&pool.mu);
    tl_in_worker = 1;
    run_chunk(0);
    tl_in_worker = 0;
    pthread_mutex_lock(&pool.mu);
    while (pool.pending > 0) pthread_cond_wait(&pool.cv_done, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
    pthread_mutex_unlock(&submit_mu);
}

void fs_run_single_threaded(fs_parallel_fn fn, void *ctx, int64_t n) {
    int old = tl_in_worker;
    tl_in_worker = 1;
    fn(ctx, 0, n, 0);
    tl_in_worker = old;
}
