/* dist_single.c — one process: the build without MPI (-DFS_MPI=OFF, or MPI not found). */
#include "dist/dist.h"

#if !FS_HAVE_MPI

#include <stdio.h>
#include <stdlib.h>

/* Several copies started by a launcher would each run the whole job in the same project. */
int fs_dist_init(fs_err *err) {
    static const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && atoi(v) > 1)
            return fs_errorf(err, "started as one of %s processes (%s), but this build has no MPI: rebuild with "
                                  "-DFS_MPI=ON (libopenmpi-dev) or run one process", v, vars[i]);
    }
    return FS_OK;
}
void fs_dist_finalize(void) {}
int fs_dist_rank(void) { return 0; }
int fs_dist_size(void) { return 1; }
int fs_dist_local_rank(void) { return 0; }
const char *fs_dist_backend(void) { return "single"; }
int fs_dist_barrier(fs_err *err) {
    (void)err;
    return FS_OK;
}
int fs_dist_allreduce_sum_f32(float *buf, size_t n, fs_err *err) {
    (void)buf, (void)n, (void)err;
    return FS_OK;
}
int fs_dist_allreduce_f64(double *buf, size_t n, fs_dist_op op, fs_err *err) {
    (void)buf, (void)n, (void)op, (void)err;
    return FS_OK;
}
int fs_dist_broadcast(void *buf, size_t bytes, int root, fs_err *err) {
    (void)buf, (void)bytes, (void)root, (void)err;
    return FS_OK;
}
int fs_dist_agree(int rc, fs_err *err) {
    (void)err;
    return rc ? FS_ERR : FS_OK;
}
int fs_dist_failure_shared(void) { return 0; }
void fs_dist_abort(const char *msg, int code) {
    fprintf(stderr, "facestitch: %s\n", msg);
    exit(code);
}

struct fs_dist_counter {
    int64_t next;
};
int fs_dist_counter_create(fs_dist_counter **out, fs_err *err) {
    *out = calloc(1, sizeof **out);
    return *out ? FS_OK : fs_errorf(err, "out of memory");
}
int fs_dist_counter_next(fs_dist_counter *c, int64_t *value, fs_err *err) {
    (void)err;
    *value = c->next++;
    return FS_OK;
}
void fs_dist_counter_stop(fs_dist_counter *c) { c->next = FS_DIST_COUNTER_STOP; }
void fs_dist_counter_destroy(fs_dist_counter *c) { free(c); }

#endif
