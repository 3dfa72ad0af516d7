/* jobs.c — the job queue and its runner thread (see jobs.h). */
#include "serve/jobs.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/fileio.h"
#include "core/log.h"
#include "core/path.h"
#include "serve/parse.h"
#include "serve/srv.h"

#define MAX_JOBS 4096

struct fs_jobs {
    fs_srv *s;
    pthread_mutex_t mu;
    pthread_cond_t work;     /* a job was queued, or stop */
    pthread_cond_t changed;  /* version moved */
    uint64_t version;
    fs_job **v;
    int n, cap;
    fs_job *running;         /* in v, or NULL */
    double last_save;
    int stop;
    pthread_t th;
    int started;
};

static double wall_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int active(const fs_job *b) { return !strcmp(b->state, "queued") || !strcmp(b->state, "running"); }

cJSON *fs_job_to_json(const fs_job *b) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", b->id);
    cJSON_AddNumberToObject(o, "project", b->project);
    cJSON_AddStringToObject(o, "kind", b->kind);
    cJSON_AddStringToObject(o, "edit", b->edit);
    cJSON_AddStringToObject(o, "face", b->face);
    cJSON_AddStringToObject(o, "state", b->state);
    cJSON_AddStringToObject(o, "stage", b->stage);
    cJSON_AddNumberToObject(o, "percent", b->percent);
    if (b->eta >= 0 && isfinite(b->eta)) cJSON_AddNumberToObject(o, "eta", b->eta);
    else cJSON_AddNullToObject(o, "eta");
    cJSON_AddStringToObject(o, "error", b->error);
    cJSON_AddStringToObject(o, "output", b->output);
    cJSON_AddStringToObject(o, "metrics", b->metrics);
    cJSON_AddNumberToObject(o, "created", b->created);
    return o;
}

static int job_path(const fs_job *b, const char *ext, char *buf, size_t n, fs_err *err) {
    return fs_path_fmt(buf, n, err, "%s/studio/jobs/%s%s", b->dir, b->id, ext);
}

/* Writes DIR/studio/jobs/ID.json atomically (lock held). */
static void save(fs_jobs *j, fs_job *b) {
    char path[FS_PATH_MAX];
    fs_err e = {0};
    if (fs_path_join(path, sizeof path, b->dir, "studio/jobs", &e) || fs_mkdirs(path, &e) ||
        job_path(b, ".json", path, sizeof path, &e)) {
        fs_warn("studio: %s", e.msg);
        return;
    }
    cJSON *o = fs_job_to_json(b);
    cJSON_DeleteItemFromObject(o, "project");
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    if (text && fs_write_file_atomic(path, text, strlen(text), &e)) fs_warn("studio: %s", e.msg);
    free(text);
    j->last_save = fs_now_seconds();
}

static void bump(fs_jobs *j) {
    j->version++;
    pthread_cond_broadcast(&j->changed);
}

static void log_line(const fs_job *b, const char *line) {
    char path[FS_PATH_MAX];
    fs_err e = {0};
    if (job_path(b, ".log", path, sizeof path, &e)) {
        fs_warn("studio: %s", e.msg);
        return;
    }
    FILE *fp = fopen(path, "a");
    if (!fp) return;
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    fprintf(fp, "%04d-%02d-%02dT%02d:%02d:%02dZ %s\n", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
            tm.tm_min, tm.tm_sec, line);
    fclose(fp);
}

static int add(fs_jobs *j, fs_job *b) {
    if (j->n >= MAX_JOBS) return FS_ERR;
    if (j->n == j->cap) {
        int cap = j->cap ? 2 * j->cap : 32;
        fs_job **nv = realloc(j->v, sizeof *nv * (size_t)cap);
        if (!nv) return FS_ERR;
        j->v = nv, j->cap = cap;
    }
    j->v[j->n++] = b;
    return FS_OK;
}

static fs_job *find(fs_jobs *j, const char *id) {
    for (int i = 0; i < j->n; i++)
        if (!strcmp(j->v[i]->id, id)) return j->v[i];
    return NULL;
}

static void run_one(fs_jobs *j, fs_job *b) {
    fs_job work = *b; /* the engine works on a copy; results are copied back under the lock */
    pthread_mutex_unlock(&j->mu);
    fs_err e = {0};
    log_line(&work, "started");
    int rc = fs_engine_run(j->s, j, &work, &e);
    pthread_mutex_lock(&j->mu);
    snprintf(b->output, sizeof b->output, "%s", work.output);
    snprintf(b->metrics, sizeof b->metrics, "%s", work.metrics);
    if (rc == 0) {
        snprintf(b->state, sizeof b->state, "done");
        b->percent = 100, b->eta = 0;
        snprintf(b->stage, sizeof b->stage, "done");
    } else if (b->cancel || j->stop) {
        snprintf(b->state, sizeof b->state, j->stop && !b->cancel ? "interrupted" : "cancelled");
        snprintf(b->error, sizeof b->error, "stopped; Retry resumes from the project");
    } else {
        snprintf(b->state, sizeof b->state, "failed");
        snprintf(b->error, sizeof b->error, "%s", e.msg);
    }
    char line[1200];
    snprintf(line, sizeof line, "%s%s%s", b->state, b->error[0] ? ": " : "", b->error);
    log_line(b, line);
    j->running = NULL;
    save(j, b);
    bump(j);
}

static void *runner(void *arg) {
    fs_jobs *j = arg;
    pthread_mutex_lock(&j->mu);
    while (!j->stop) {
        fs_job *next = NULL;
        for (int i = 0; i < j->n && !next; i++)
            if (!strcmp(j->v[i]->state, "queued")) next = j->v[i];
        if (!next) {
            pthread_cond_wait(&j->work, &j->mu);
            continue;
        }
        snprintf(next->state, sizeof next->state, "running");
        next->percent = 0, next->eta = -1, next->error[0] = 0;
        j->running = next;
        save(j, next);
        bump(j);
        run_one(j, next);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

int fs_jobs_create(fs_srv *s, fs_jobs **out, fs_err *err) {
    fs_jobs *j = calloc(1, sizeof *j);
    if (!j) return fs_errorf(err, "out of memory");
    j->s = s;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->work, NULL);
    pthread_cond_init(&j->changed, NULL);
    if (pthread_create(&j->th, NULL, runner, j) != 0) {
        free(j);
        return fs_errorf(err, "cannot start the studio's job thread");
    }
    j->started = 1;
    *out = j;
    return FS_OK;
}

void fs_jobs_stop(fs_jobs *j) {
    pthread_mutex_lock(&j->mu);
    j->stop = 1;
    pthread_cond_broadcast(&j->work);
    bump(j);
    pthread_mutex_unlock(&j->mu);
    if (j->started) pthread_join(j->th, NULL);
    j->started = 0;
    pthread_mutex_lock(&j->mu);
    for (int i = 0; i < j->n; i++)
        if (!strcmp(j->v[i]->state, "queued")) {
            snprintf(j->v[i]->state, sizeof j->v[i]->state, "interrupted");
            save(j, j->v[i]);
        }
    pthread_mutex_unlock(&j->mu);
}

void fs_jobs_destroy(fs_jobs *j) {
    if (!j) return;
    for (int i = 0; i < j->n; i++) free(j->v[i]);
    free(j->v);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->work);
    pthread_cond_destroy(&j->changed);
    free(j);
}

void fs_jobs_load_dir(fs_jobs *j, int project, const char *dir) {
    char path[FS_PATH_MAX];
    fs_err e = {0};
    if (fs_path_join(path, sizeof path, dir, "studio/jobs", &e)) {
        fs_warn("studio: %s", e.msg);
        return;
    }
    DIR *d = opendir(path);
    if (!d) return;
    struct dirent *de;
    pthread_mutex_lock(&j->mu);
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") || strstr(de->d_name, ".metrics.")) continue;
        char file[FS_PATH_MAX];
        unsigned char *text = NULL;
        size_t n = 0;
        if (fs_path_join(file, sizeof file, path, de->d_name, &e)) {
            fs_warn("studio: %s", e.msg);
            continue;
        }
        if (fs_read_file(file, &text, &n, NULL) || n > FS_SRV_MAX_BODY) {
            free(text);
            continue;
        }
        fs_job *b = fs_job_parse((const char *)text, n);
        free(text);
        if (!b || find(j, b->id)) {
            free(b);
            continue;
        }
        b->project = project;
        snprintf(b->dir, sizeof b->dir, "%s", dir);
        if (active(b)) snprintf(b->state, sizeof b->state, "interrupted"); /* the server stopped under it */
        if (add(j, b)) free(b);
    }
    closedir(d);
    bump(j);
    pthread_mutex_unlock(&j->mu);
}

int fs_jobs_submit(fs_jobs *j, const fs_job *spec, char *id, size_t n, fs_err *err) {
    static unsigned counter;
    fs_job *b = calloc(1, sizeof *b);
    if (!b) return fs_errorf(err, "out of memory");
    *b = *spec;
    b->created = wall_now();
    snprintf(b->state, sizeof b->state, "queued");
    snprintf(b->stage, sizeof b->stage, "waiting");
    b->eta = -1, b->percent = 0, b->cancel = 0, b->error[0] = b->output[0] = b->metrics[0] = 0;
    pthread_mutex_lock(&j->mu);
    snprintf(b->id, sizeof b->id, "%.0f-%u-%s", b->created * 1000, ++counter, b->kind);
    int rc = add(j, b);
    if (rc == FS_OK) {
        save(j, b);
        snprintf(id, n, "%s", b->id);
        pthread_cond_signal(&j->work);
        bump(j);
    }
    pthread_mutex_unlock(&j->mu);
    if (rc) {
        free(b);
        return fs_errorf(err, "too many jobs (%d)", MAX_JOBS);
    }
    return FS_OK;
}

int fs_jobs_cancel(fs_jobs *j, const char *id) {
    pthread_mutex_lock(&j->mu);
    fs_job *b = find(j, id);
    int rc = !b ? 404 : !active(b) ? 409 : 0;
    if (rc == 0) {
        b->cancel = 1;
        if (!strcmp(b->state, "queued")) {
            snprintf(b->state, sizeof b->state, "cancelled");
            save(j, b);
        }
        bump(j);
    }
    pthread_mutex_unlock(&j->mu);
    return rc;
}

int fs_jobs_retry(fs_jobs *j, const char *id) {
    pthread_mutex_lock(&j->mu);
    fs_job *b = find(j, id);
    int rc = !b ? 404 : active(b) || !strcmp(b->state, "done") ? 409 : 0;
    if (rc == 0) {
        snprintf(b->state, sizeof b->state, "queued");
        snprintf(b->stage, sizeof b->stage, "waiting");
        b->cancel = 0, b->error[0] = 0, b->percent = 0;
        save(j, b);
        pthread_cond_signal(&j->work);
        bump(j);
    }
    pthread_mutex_unlock(&j->mu);
    return rc;
}

int fs_jobs_find(fs_jobs *j, const char *id, fs_job *out) {
    pthread_mutex_lock(&j->mu);
    fs_job *b = find(j, id);
    if (b) *out = *b;
    pthread_mutex_unlock(&j->mu);
    return b ? 0 : 404;
}

cJSON *fs_jobs_json(fs_jobs *j, uint64_t *version) {
    cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "jobs");
    pthread_mutex_lock(&j->mu);
    for (int i = j->n - 1; i >= 0; i--) cJSON_AddItemToArray(a, fs_job_to_json(j->v[i]));
    cJSON_AddNumberToObject(o, "version", (double)j->version);
    if (version) *version = j->version;
    pthread_mutex_unlock(&j->mu);
    return o;
}

uint64_t fs_jobs_wait(fs_jobs *j, uint64_t since, double timeout_s) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long ns = ts.tv_nsec + (long long)(timeout_s * 1e9);
    ts.tv_sec += ns / 1000000000LL, ts.tv_nsec = ns % 1000000000LL;
    pthread_mutex_lock(&j->mu);
    while (j->version == since && !j->stop)
        if (pthread_cond_timedwait(&j->changed, &j->mu, &ts) == ETIMEDOUT) break;
    uint64_t v = j->version;
    pthread_mutex_unlock(&j->mu);
    return v;
}

int fs_jobs_busy(fs_jobs *j, int project, const char *kind) {
    int busy = 0;
    pthread_mutex_lock(&j->mu);
    for (int i = 0; i < j->n && !busy; i++)
        busy = active(j->v[i]) && (project < 0 || j->v[i]->project == project) &&
               (!kind || !strcmp(j->v[i]->kind, kind));
    pthread_mutex_unlock(&j->mu);
    return busy;
}

void fs_jobs_progress(fs_jobs *j, const char *stage, double percent, double eta) {
    pthread_mutex_lock(&j->mu);
    fs_job *b = j->running;
    if (b) {
        int new_stage = strcmp(b->stage, stage) != 0;
        snprintf(b->stage, sizeof b->stage, "%s", stage);
        if (percent > b->percent) b->percent = fmin(percent, 99.9); /* 100 means done */
        b->eta = eta;
        if (new_stage || fs_now_seconds() - j->last_save > 2.0) save(j, b);
        bump(j);
    }
    pthread_mutex_unlock(&j->mu);
}

int fs_jobs_should_stop(fs_jobs *j) {
    pthread_mutex_lock(&j->mu);
    int stop = j->stop || (j->running && j->running->cancel);
    pthread_mutex_unlock(&j->mu);
    return stop;
}

void fs_jobs_log(fs_jobs *j, const char *fmt, ...) {
    char line[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&j->mu);
    if (j->running) log_line(j->running, line);
    pthread_mutex_unlock(&j->mu);
}
