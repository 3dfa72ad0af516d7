/* backend_sim.c — the "sim" device: the "cpu" kernels, but device memory lives in its own mappings that are
 * PROT_NONE outside backend calls. Every entry opens the mappings (PROT_READ|PROT_WRITE), runs the CPU kernel and
 * closes them again, so host code that reads or writes device memory directly (a model loop that forgot the
 * seam) dies with SIGSEGV in tests instead of silently working until it meets a real GPU.
 * Calls may nest and may come from several threads: the mappings stay open while any call is running. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tensor/backend.h"
#include "tensor/device.h"

typedef struct sim_block {
    void *p;
    size_t len;
    struct sim_block *next;
} sim_block;

static pthread_mutex_t sim_mu = PTHREAD_MUTEX_INITIALIZER;
static sim_block *sim_blocks;
static int sim_depth;
static long sim_calls;

static void protect_all(int prot) {
    for (sim_block *b = sim_blocks; b; b = b->next) FS_ASSERT(mprotect(b->p, b->len, prot) == 0);
}

static void sim_enter(void) {
    pthread_mutex_lock(&sim_mu);
    sim_calls++;
    if (sim_depth++ == 0) protect_all(PROT_READ | PROT_WRITE);
    pthread_mutex_unlock(&sim_mu);
}

static void sim_exit(void) {
    pthread_mutex_lock(&sim_mu);
    FS_ASSERT(sim_depth > 0);
    if (--sim_depth == 0) protect_all(PROT_NONE);
    pthread_mutex_unlock(&sim_mu);
}

static size_t page_round(size_t n) {
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    return (n + pg - 1) / pg * pg;
}

static void *sim_alloc(size_t bytes) {
    sim_block *b = malloc(sizeof *b);
    if (!b) return NULL;
    b->len = page_round(bytes ? bytes : 1);
    pthread_mutex_lock(&sim_mu);
    int prot = sim_depth > 0 ? PROT_READ | PROT_WRITE : PROT_NONE;
    b->p = mmap(NULL, b->len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0); /* zero-filled */
    if (b->p == MAP_FAILED) {
        pthread_mutex_unlock(&sim_mu);
        free(b);
        return NULL;
    }
    b->next = sim_blocks;
    sim_blocks = b;
    pthread_mutex_unlock(&sim_mu);
    return b->p;
}

static void sim_free(void *p) {
    if (!p) return;
    pthread_mutex_lock(&sim_mu);
    sim_block **pp = &sim_blocks;
    while (*pp && (*pp)->p != p) pp = &(*pp)->next;
    FS_ASSERT(*pp && "fs_dev_free: not a sim device buffer");
    sim_block *b = *pp;
    *pp = b->next;
    munmap(b->p, b->len);
    pthread_mutex_unlock(&sim_mu);
    free(b);
}

static void sim_memcpy(void *dst, const void *src, size_t bytes) {
    sim_enter();
    fs_backend_cpu()->copy(dst, src, bytes);
    sim_exit();
}

static void sim_zero(void *p, size_t bytes) {
    sim_enter();
    fs_backend_cpu()->zero(p, bytes);
    sim_exit();
}

#define FS__SIM_WRAP(name, params, args) \
    static void sim_##name params {      \
        sim_enter();                     \
        fs_backend_cpu()->name args;     \
        sim_exit();                      \
    }
FS_BACKEND_OPS(FS__SIM_WRAP)

#define FS__SIM_ENTRY(name, params, args) .name = sim_##name,
static const fs_backend backend_sim = {
    .name = "sim",
    .alloc = sim_alloc,
    .free = sim_free,
    .upload = sim_memcpy,
    .download = sim_memcpy,
    .copy = sim_memcpy,
    .zero = sim_zero,
    FS_BACKEND_OPS(FS__SIM_ENTRY)
};

const fs_backend *fs_backend_sim(void) { return &backend_sim; }

long fs_sim_calls(void) {
    pthread_mutex_lock(&sim_mu);
    long n = sim_calls;
    pthread_mutex_unlock(&sim_mu);
    return n;
}

int fs_sim_is_device(const void *p) {
    pthread_mutex_lock(&sim_mu);
    int found = 0;
    for (sim_block *b = sim_blocks; b && !found; b = b->next)
        found = (const char *)p >= (const char *)b->p && (const char *)p < (const char *)b->p + b->len;
    pthread_mutex_unlock(&sim_mu);
    return found;
}
