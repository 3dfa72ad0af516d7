#include "pipeline/invert/pti_dist.h"

#include <stdint.h>

#include "core/log.h"
#include "dist/dist.h"

int fs_pti_dist_local_batch(int B) {
    int N = fs_dist_size();
    return (B + N - 1) / N;
}

void fs_pti_dist_share(int first, int b, int *lfirst, int *lb) {
    int64_t begin, end;
    fs_dist_share(b, fs_dist_rank(), fs_dist_size(), &begin, &end);
    *lfirst = first + (int)begin;
    *lb = (int)(end - begin);
}

int fs_pti_dist_reduce(fs_sg2_grads *gr, double *loss, fs_err *err) {
    if (fs_dist_size() == 1) return FS_OK;
    if (fs_dist_allreduce_sum_f32(gr->data, (size_t)gr->n_floats, err)) return FS_ERR;
    return fs_dist_allreduce_f64(loss, 1, FS_DIST_SUM, err);
}

int fs_pti_dist_should_stop(void) {
    int stop = fs_should_abort();
    return fs_dist_size() > 1 ? fs_dist_agree(stop ? FS_ERR : FS_OK, NULL) != FS_OK : stop;
}
