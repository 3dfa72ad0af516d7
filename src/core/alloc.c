/* alloc.c — scratch allocation with a test hook (see alloc.h). */
#include "core/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>

static atomic_long skip_left;  /* allocations that still succeed before the failing ones */
static atomic_long fail_left;  /* failing allocations still to come (< 0: unlimited) */
static atomic_long failures;   /* allocations failed by the hook */

static int forced_failure(void) {
    if (atomic_load(&fail_left) == 0) return 0; /* the hook is off: one load on the normal path */
    if (atomic_fetch_sub(&skip_left, 1) > 0) return 0;
    atomic_store(&skip_left, 0);
    long f = atomic_load(&fail_left);
    while (f != 0) {
        if (f < 0 || atomic_compare_exchange_weak(&fail_left, &f, f - 1)) {
            atomic_fetch_add(&failures, 1);
            return 1;
        }
    }
    return 0;
}

void *fs_scratch_malloc(size_t bytes) { return forced_failure() ? NULL : malloc(bytes); }

void *fs_scratch_calloc(size_t n, size_t size) { return forced_failure() ? NULL : calloc(n, size); }

void fs_scratch_fail_set(long skip, long count) {
    atomic_store(&fail_left, 0);
    atomic_store(&skip_left, skip < 0 ? 0 : skip);
    atomic_store(&failures, 0);
    atomic_store(&fail_left, count);
}

long fs_scratch_failures(void) { return atomic_load(&failures); }
