/* dist_common.c — the parts of the distribution layer that do not talk to other ranks. */
#include "dist/dist.h"

void fs_dist_share(int64_t n, int rank, int size, int64_t *begin, int64_t *end) {
    FS_ASSERT(size > 0 && rank >= 0 && rank < size && n >= 0);
    *begin = n * rank / size;
    *end = n * (rank + 1) / size;
}
