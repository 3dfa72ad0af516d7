/* dist_mpi.c — the distribution layer on MPI (built with -DFS_MPI=AUTO|ON when MPI is found).
 *
 * MPI is started only when a launcher started this process (mpirun sets OMPI_COMM_WORLD_SIZE,
 * PMI-based launchers PMI_SIZE / PMIX_RANK): a plain `facestitch ...` stays one process and does
 * not touch MPI at all. Only the main thread calls MPI (MPI_THREAD_FUNNELED).
 */
#include "dist/dist.h"

#if FS_HAVE_MPI

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int g_on, g_rank, g_size = 1, g_local, g_failed;

static int launched_by_mpi(void) {
    static const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i])) return 1;
    return 0;
}

static int mpi_fail(int code, const char *what, fs_err *err) {
    char s[MPI_MAX_ERROR_STRING];
    int n = 0;
    MPI_Error_string(code, s, &n);
    return fs_errorf(err, "rank %d of %d: %s failed: %s", g_rank, g_size, what, s);
}

int fs_dist_init(fs_err *err) {
    if (g_on || !launched_by_mpi()) return FS_OK;
    int provided = 0, rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS) return fs_errorf(err, "MPI_Init failed (started by mpirun?)");
    g_on = 1;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    MPI_Comm node;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, g_rank, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
        MPI_Comm_rank(node, &g_local);
        MPI_Comm_free(&node);
    }
    return FS_OK;
}

void fs_dist_finalize(void) {
    if (!g_on) return;
    MPI_Finalize();
    g_on = 0;
}

int fs_dist_rank(void) { return g_rank; }
int fs_dist_size(void) { return g_size; }
int fs_dist_local_rank(void) { return g_local; }
const char *fs_dist_backend(void) { return g_on ? "mpi" : "single"; }

int fs_dist_barrier(fs_err *err) {
    if (g_size == 1) return FS_OK;
    int rc = MPI_Barrier(MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? FS_OK : mpi_fail(rc, "MPI_Barrier", err);
}

/* MPI counts are int: large buffers go in chunks. */
#define CHUNK (1 << 24)

int fs_dist_broadcast(void *buf, size_t bytes, int root, fs_err *err) {
    if (g_size == 1) return FS_OK;
    for (size_t off = 0; off < bytes; off += CHUNK) {
        int n = (int)(bytes - off < CHUNK ? bytes - off : CHUNK);
        int rc = MPI_Bcast((char *)buf + off, n, MPI_BYTE, root, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return mpi_fail(rc, "MPI_Bcast", err);
    }
    return FS_OK;
}

/* Rank 0 folds in ranks 1..N-1 in that order, chunk by chunk (fixed order: reproducible bits). */
static int reduce_to_root(void *buf, size_t n, size_t elem, MPI_Datatype type, fs_dist_op op, fs_err *err) {
    size_t step = CHUNK / elem;
    void *tmp = g_rank == 0 ? malloc(step * elem) : NULL;
    if (g_rank == 0 && !tmp) return fs_errorf(err, "out of memory");
    int rc = MPI_SUCCESS;
    for (size_t off = 0; off < n && rc == MPI_SUCCESS; off += step) {
        int m = (int)(n - off < step ? n - off : step);
        char *p = (char *)buf + off * elem;
        if (g_rank != 0) {
            rc = MPI_Send(p, m, type, 0, 7, MPI_COMM_WORLD);
            continue;
        }
        for (int r = 1; r < g_size && rc == MPI_SUCCESS; r++) {
            rc = MPI_Recv(tmp, m, type, r, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (rc != MPI_SUCCESS) break;
            if (type == MPI_FLOAT) {
                float *a = (float *)p;
                const float *b = tmp;
                for (int i = 0; i < m; i++) a[i] += b[i];
            } else {
                double *a = (double *)p;
                const double *b = tmp;
                for (int i = 0; i < m; i++) a[i] = op == FS_DIST_MAX ? (b[i] > a[i] || b[i] != b[i] ? b[i] : a[i]) : a[i] + b[i];
            }
        }
    }
    free(tmp);
    return rc == MPI_SUCCESS ? FS_OK : mpi_fail(rc, "reduce (MPI_Send/MPI_Recv)", err);
}

int fs_dist_allreduce_sum_f32(float *buf, size_t n, fs_err *err) {
    if (g_size == 1) return FS_OK;
    if (reduce_to_root(buf, n, sizeof *buf, MPI_FLOAT, FS_DIST_SUM, err)) return FS_ERR;
    return fs_dist_broadcast(buf, n * sizeof *buf, 0, err);
}

int fs_dist_allreduce_f64(double *buf, size_t n, fs_dist_op op, fs_err *err) {
    if (g_size == 1) return FS_OK;
    if (reduce_to_root(buf, n, sizeof *buf, MPI_DOUBLE, op, err)) return FS_ERR;
    return fs_dist_broadcast(buf, n * sizeof *buf, 0, err);
}

/* Waits for req without spinning: a rank waiting long (for rank 0 aligning, or writing) leaves its
 * core to the others. Polls at once, then sleeps 50 us doubling up to 2 ms between polls. */
static int wait_gently(MPI_Request *req) {
    long ns = 50000;
    for (int polls = 0;; polls++) {
        int done = 0, rc = MPI_Test(req, &done, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS || done) return rc;
        if (polls < 100) continue;
        struct timespec ts = {0, ns};
        nanosleep(&ts, NULL);
        if (ns < 2000000) ns *= 2;
    }
}

int fs_dist_agree(int rc, fs_err *err) {
    if (g_size == 1) return rc ? FS_ERR : FS_OK;
    /* the lowest failed rank (g_size when none) speaks for the job */
    int mine = rc ? g_rank : g_size, first = g_size;
    MPI_Request req;
    int mrc = MPI_Iallreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD, &req);
    if (mrc == MPI_SUCCESS) mrc = wait_gently(&req);
    if (mrc != MPI_SUCCESS) return mpi_fail(mrc, "MPI_Allreduce", err);
    if (first == g_size) return FS_OK;
    char msg[sizeof err->msg];
    memset(msg, 0, sizeof msg);
    if (g_rank == first) snprintf(msg, sizeof msg, "%s", err && err->msg[0] ? err->msg : "failed");
    fs_err e2 = {0};
    if (fs_dist_broadcast(msg, sizeof msg, first, &e2)) {
        if (err) *err = e2;
        return FS_ERR;
    }
    msg[sizeof msg - 1] = 0;
    g_failed = 1;
    if (g_rank == first) return FS_ERR; /* its own message, as one process would print it */
    return fs_errorf(err, "rank %d failed: %s", first, msg);
}

int fs_dist_failure_shared(void) { return g_failed; }

struct fs_dist_counter {
    int64_t local; /* one process (no MPI started): counts here */
    MPI_Win win;
    int64_t *base; /* rank 0: the counter */
};

int fs_dist_counter_create(fs_dist_counter **out, fs_err *err) {
    fs_dist_counter *c = calloc(1, sizeof *c);
    if (!c) return fs_errorf(err, "out of memory");
    if (g_size > 1) {
        MPI_Aint bytes = g_rank == 0 ? (MPI_Aint)sizeof(int64_t) : 0;
        int rc = MPI_Win_allocate(bytes, sizeof(int64_t), MPI_INFO_NULL, MPI_COMM_WORLD, &c->base, &c->win);
        if (rc != MPI_SUCCESS) {
            free(c);
            return mpi_fail(rc, "MPI_Win_allocate", err);
        }
        MPI_Win_set_errhandler(c->win, MPI_ERRORS_RETURN);
        if (g_rank == 0) {
            MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, c->win);
            *c->base = 0;
            MPI_Win_unlock(0, c->win);
        }
        rc = MPI_Barrier(MPI_COMM_WORLD); /* nobody counts before rank 0 has set it */
        if (rc != MPI_SUCCESS) {
            MPI_Win_free(&c->win);
            free(c);
            return mpi_fail(rc, "MPI_Barrier", err);
        }
    }
    *out = c;
    return FS_OK;
}

static int counter_add(fs_dist_counter *c, int64_t add, int64_t *value) {
    int rc = MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, c->win);
    if (rc == MPI_SUCCESS) rc = MPI_Fetch_and_op(&add, value, MPI_INT64_T, 0, 0, MPI_SUM, c->win);
    if (rc == MPI_SUCCESS) rc = MPI_Win_unlock(0, c->win);
    return rc;
}

int fs_dist_counter_next(fs_dist_counter *c, int64_t *value, fs_err *err) {
    if (g_size == 1) {
        *value = c->local++;
        return FS_OK;
    }
    int rc = counter_add(c, 1, value);
    return rc == MPI_SUCCESS ? FS_OK : mpi_fail(rc, "MPI_Fetch_and_op", err);
}

void fs_dist_counter_stop(fs_dist_counter *c) {
    int64_t old;
    if (g_size == 1) c->local = FS_DIST_COUNTER_STOP;
    else counter_add(c, FS_DIST_COUNTER_STOP, &old);
}

void fs_dist_counter_destroy(fs_dist_counter *c) {
    if (!c) return;
    if (g_size > 1) {
        /* MPI_Win_free synchronises, spinning: ranks done early wait here without taking a core */
        MPI_Request req;
        if (MPI_Ibarrier(MPI_COMM_WORLD, &req) == MPI_SUCCESS) wait_gently(&req);
        MPI_Win_free(&c->win);
    }
    free(c);
}

void fs_dist_abort(const char *msg, int code) {
    fprintf(stderr, "facestitch: rank %d of %d: %s\n", g_rank, g_size, msg);
    fflush(stderr);
    if (g_on && g_size > 1) MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}

#endif
