/* dist_common.c — the parts of the distribution layer that do not talk to other ranks. */
#include "dist/dist.h"

#include <stdio.h>
#include <string.h>

int fs_dist_fail_alone(int rc, const fs_err *err) {
    if (rc && fs_dist_size() > 1 && !fs_dist_failure_shared())
        fs_dist_abort(err && err->msg[0] ? err->msg : "failed", rc == FS_ERR_USAGE ? 2 : 1);
    return rc;
}

const char *fs_dist_device(const char *requested, char *buf, size_t n) {
    if (!requested) return NULL; /* the device comes from FS_DEVICE or the default */
    if (!strcmp(requested, "cuda")) snprintf(buf, n, "cuda:%d", fs_dist_local_rank());
    else snprintf(buf, n, "%s", requested);
    return buf;
}

void fs_dist_share(int64_t n, int rank, int size, int64_t *begin, int64_t *end) {
    FS_ASSERT(size > 0 && rank >= 0 && rank < size && n >= 0);
    /* rounded up: the lower ranks take the extra items, so rank 0 has one whenever n > 0 */
    *begin = (n * rank + size - 1) / size;
    *end = (n * (rank + 1) + size - 1) / size;
}
