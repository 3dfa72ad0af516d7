/* alloc.h — allocation of kernel scratch buffers, with a test hook that makes them fail.
 *
 *   float *tmp = fs_scratch_malloc(bytes);   // malloc; NULL when out of memory -> the caller falls back
 *   ...                                      // (to a kernel that needs less) or returns a status
 *   free(tmp);
 *
 * Kernels whose scratch is an optimisation (conv column buffers, resize tables, upfirdn2d planes)
 * allocate through these so tests can force their out-of-memory paths:
 *
 *   fs_scratch_fail_set(0, -1);   // every scratch allocation fails from now on
 *   fs_scratch_fail_set(3, 1);    // the 4th one from now fails, the others succeed
 *   fs_scratch_fail_set(0, 0);    // off (the default)
 *
 * The counters are atomic, so the hook also works for allocations made on pool threads.
 */
#ifndef FS_CORE_ALLOC_H
#define FS_CORE_ALLOC_H

#include <stddef.h>

void *fs_scratch_malloc(size_t bytes);
void *fs_scratch_calloc(size_t n, size_t size);

/* Tests: after `skip` more scratch allocations succeed, the next `count` fail (count < 0: all of them);
 * (0, 0) turns the hook off. Returns nothing; fs_scratch_failures() counts the allocations it failed. */
void fs_scratch_fail_set(long skip, long count);
long fs_scratch_failures(void);

#endif
