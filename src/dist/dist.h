/* dist.h — one job over several processes (MPI ranks), or one process when built or run without MPI.
 *
 * The pipeline calls only this header. Launched by `mpirun -np N facestitch ...` in a build with
 * MPI (-DFS_MPI=AUTO|ON), every function below talks to the other ranks; otherwise (no MPI in the
 * build, or a plain `facestitch ...` without a launcher) there is one rank and they are no-ops.
 *
 *   fs_dist_init(&err);                          // once, in main()
 *   if (fs_dist_rank() == 0) write_the_file();   // files are written by one rank
 *   rc = fs_dist_agree(rc, &err);                // collective: fails on every rank if one failed
 *   fs_dist_allreduce_sum_f32(grad, n, &err);    // rank order: identical bits on every rank
 *   fs_dist_finalize();
 *
 * Collectives (agree, barrier, allreduce, broadcast) must be reached by every rank in the same
 * order. A rank that fails where the others cannot learn it (between collectives) ends the job
 * with fs_dist_abort(): its one line, then MPI_Abort.
 */
#ifndef FS_DIST_DIST_H
#define FS_DIST_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Joins the job when started by an MPI launcher (mpirun, srun with PMI); alone otherwise. */
int fs_dist_init(fs_err *err);
void fs_dist_finalize(void);
int fs_dist_rank(void);       /* 0 .. size-1 */
int fs_dist_size(void);       /* 1 without MPI */
int fs_dist_local_rank(void); /* rank among the processes of this machine: the device index (cuda:local_rank) */
const char *fs_dist_backend(void); /* "mpi" or "single" */

int fs_dist_barrier(fs_err *err);

/* Element-wise sum over ranks, in place, in a fixed order: rank 0 adds the buffers of ranks
 * 1, 2, ... N-1 one after the other to its own, then broadcasts. Every rank ends with the same
 * bits; for a given N the result does not depend on timing or the network. */
int fs_dist_allreduce_sum_f32(float *buf, size_t n, fs_err *err);
typedef enum { FS_DIST_SUM, FS_DIST_MAX } fs_dist_op;
int fs_dist_allreduce_f64(double *buf, size_t n, fs_dist_op op, fs_err *err);
int fs_dist_broadcast(void *buf, size_t bytes, int root, fs_err *err);

/* Collective status: returns FS_OK when rc == FS_OK on every rank; else FS_ERR on every rank: the
 * lowest failed rank R keeps its message, the others get "rank R failed: <its message>". */
int fs_dist_agree(int rc, fs_err *err);
/* Non-zero once fs_dist_agree has reported a failure: every rank knows, so each may just exit. */
int fs_dist_failure_shared(void);

/* Returns rc. In a job of several ranks, a failure that the other ranks do not know of (not agreed
 * with fs_dist_agree) ends the job with its message (fs_dist_abort): they may be waiting for this
 * rank in a collective. Call it where a stage that talks to other ranks returns. */
int fs_dist_fail_alone(int rc, const fs_err *err);

/* Prints "facestitch: rank R of N: MSG" and ends every rank of the job (exit status `code`). */
void fs_dist_abort(const char *msg, int code)
#if defined(__GNUC__)
    __attribute__((noreturn))
#endif
    ;

/* The device this rank computes on: "cuda" becomes "cuda:<local rank>" (one GPU per rank on each
 * machine); "cpu" and an explicit "cuda:i" stay. Writes into buf and returns it. The hook for the
 * CUDA backend: main() passes --device through it before selecting the device. NULL (no --device) stays NULL. */
const char *fs_dist_device(const char *requested, char *buf, size_t n);

/* A job-wide counter for dealing work as it goes (work stealing from one queue): every rank calls
 * next() and gets the next value of 0, 1, 2, ... (each value goes to exactly one rank), so a rank that
 * finishes early takes more items. On MPI the counter lives in a window of rank 0, advanced with
 * MPI_Fetch_and_op (one-sided: rank 0 need not answer); one process just counts. create and destroy
 * are collective.
 *
 *   fs_dist_counter *c; fs_dist_counter_create(&c, &err);
 *   for (int64_t i; !fs_dist_counter_next(c, &i, &err) && i < n_items;) run(i);
 *   fs_dist_counter_destroy(c); */
typedef struct fs_dist_counter fs_dist_counter;
int fs_dist_counter_create(fs_dist_counter **out, fs_err *err);
int fs_dist_counter_next(fs_dist_counter *c, int64_t *value, fs_err *err);
/* After a failure on this rank: every later next() on any rank returns a value >= FS_DIST_COUNTER_STOP, so
 * the others stop claiming items (and meet the failure in the next collective). */
#define FS_DIST_COUNTER_STOP ((int64_t)1 << 62)
void fs_dist_counter_stop(fs_dist_counter *c);
void fs_dist_counter_destroy(fs_dist_counter *c);

/* Static deal of n items over the ranks: rank r gets [*begin, *end) (contiguous, sizes differ by
 * at most one, lower ranks take the extra ones: rank 0 gets an item whenever n > 0). */
void fs_dist_share(int64_t n, int rank, int size, int64_t *begin, int64_t *end);

#endif
