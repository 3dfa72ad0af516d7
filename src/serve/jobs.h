/* jobs.h — the studio's job queue: one job runs at a time in a runner thread, the others wait in
 * order. Each job is kept in its project as DIR/studio/jobs/ID.json (rewritten atomically when its
 * state changes) with its log beside it (ID.log), so the list survives a restart; a job that was
 * queued or running when the server stopped comes back as "interrupted" and Retry resumes it from
 * the project (align, pivots, PTI checkpoints and stitched crops are kept there). */
#ifndef FS_SERVE_JOBS_H
#define FS_SERVE_JOBS_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/err.h"
#include "core/path.h"

struct fs_srv;

typedef struct fs_job {
    char id[48];
    int project;              /* server project id (not persisted) */
    char dir[FS_PATH_MAX];    /* project dir */
    char kind[16];            /* "analyse" (find faces, cut crops) or "render" (the whole edit) */
    char edit[512];           /* render: "age=-3,smile=2" with optional @keyframes */
    char face[32];            /* render: "all", "largest" or a track id */
    char state[16];           /* queued, running, done, failed, cancelled, interrupted */
    char stage[64];
    double percent;           /* 0..100 over the whole job */
    double eta;               /* seconds left in the current stage, < 0 unknown */
    char error[1024];
    char output[128];         /* render: file under DIR ("studio/out/ID.mp4") */
    char metrics[128];        /* render: "studio/jobs/ID.metrics.json" once measured */
    double created;           /* unix seconds */
    int cancel;
} fs_job;

typedef struct fs_jobs fs_jobs;

int fs_jobs_create(struct fs_srv *s, fs_jobs **out, fs_err *err);
/* Stops the runner (a running job is aborted and becomes "interrupted") and wakes every waiter. */
void fs_jobs_stop(fs_jobs *j);
void fs_jobs_destroy(fs_jobs *j);
/* Loads the jobs kept in DIR/studio/jobs (at project open). */
void fs_jobs_load_dir(fs_jobs *j, int project, const char *dir);
/* Queues a copy of spec (kind, project, dir, edit, face); its id into id. */
int fs_jobs_submit(fs_jobs *j, const fs_job *spec, char *id, size_t n, fs_err *err);
/* 0 when done, 404 unknown id, 409 when the job is not in a state that allows it. */
int fs_jobs_cancel(fs_jobs *j, const char *id);
int fs_jobs_retry(fs_jobs *j, const char *id);
/* A copy of job id: 0 when found. */
int fs_jobs_find(fs_jobs *j, const char *id, fs_job *out);
cJSON *fs_job_to_json(const fs_job *b);
/* {"version":V,"jobs":[...]} (newest first). */
cJSON *fs_jobs_json(fs_jobs *j, uint64_t *version);
/* Waits until the list changes after `since` or timeout; returns the current version. */
uint64_t fs_jobs_wait(fs_jobs *j, uint64_t since, double timeout_s);
/* 1 when any job is queued or running for project (or any project when project < 0). */
int fs_jobs_busy(fs_jobs *j, int project, const char *kind);

/* For the engine, from the runner thread: the running job's progress; 1 when it should stop. */
void fs_jobs_progress(fs_jobs *j, const char *stage, double percent, double eta);
int fs_jobs_should_stop(fs_jobs *j);
/* Appends a line to the running job's log. */
void fs_jobs_log(fs_jobs *j, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* engine.c: runs one job (called by the runner, no lock held); fills job->output/metrics. */
int fs_engine_run(struct fs_srv *s, fs_jobs *j, fs_job *job, fs_err *err);

#endif
