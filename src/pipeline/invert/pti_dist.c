#include "pipeline/invert/pti_dist.h"

#include <stdint.h>

#include "core/log.h"
#include "dist/dist.h"

static int g_solo; /* rank 0 tunes alone: the calls below act as one process */

static int ranks(void) { return g_solo ? 1 : fs_dist_size(); }

int fs_pti_dist_solo_begin(int B) {
    if (g_solo || fs_dist_size() == 1 || B > 1) return 0;
    g_solo = 1;
    return 1;
}

int fs_pti_dist_solo_end(int rc, fs_sg2 *g, void *report, size_t report_size, fs_err *err) {
    g_solo = 0;
    if (fs_dist_agree(rc, err)) return FS_ERR;
    if (fs_dist_broadcast(g->data, sizeof(float) * (size_t)g->cfg.n_floats, 0, err)) return FS_ERR;
    return fs_dist_broadcast(report, report_size, 0, err);
}

int fs_pti_dist_local_batch(int B) {
    int N = ranks();
    return (B + N - 1) / N;
}

void fs_pti_dist_share(int first, int b, int *lfirst, int *lb) {
    int64_t begin, end;
    fs_dist_share(b, g_solo ? 0 : fs_dist_rank(), ranks(), &begin, &end);
    *lfirst = first + (int)begin;
    *lb = (int)(end - begin);
}

int fs_pti_dist_reduce(fs_sg2_grads *gr, double *loss, fs_err *err) {
    if (ranks() == 1) return FS_OK;
    if (fs_dist_allreduce_sum_f32(gr->data, (size_t)gr->n_floats, err)) return FS_ERR;
    return fs_dist_allreduce_f64(loss, 1, FS_DIST_SUM, err);
}

int fs_pti_dist_should_stop(void) {
    int stop = fs_should_abort();
    return ranks() > 1 ? fs_dist_agree(stop ? FS_ERR : FS_OK, NULL) != FS_OK : stop;
}
