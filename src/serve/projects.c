/* projects.c — the videos and projects open in the studio. A video gets a project dir (where its
 * faces, inversion, jobs and renders live): PROJECTS/NAME.fs with --projects, else NAME.fs beside the
 * video. Opening adds the video's and the project's folders to the roots files may be read from;
 * a project dir's manifest is no grant: the source it names must already lie under a root. */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fileio.h"
#include "core/path.h"
#include "serve/jobs.h"
#include "serve/srv.h"

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int parent_of(const char *path, char *out, size_t n, fs_err *err) {
    char tmp[FS_PATH_MAX];
    if (fs_path_fmt(tmp, sizeof tmp, err, "%s", path)) return FS_ERR;
    return fs_path_fmt(out, n, err, "%s", dirname(tmp));
}

/* The project dir for a video: PROJECTS/STEM.fs or DIR/STEM.fs. */
static int project_dir_for(const fs_srv *s, const char *video, char *out, size_t n, fs_err *err) {
    char tmp[FS_PATH_MAX], stem[FS_PATH_MAX], dir[FS_PATH_MAX];
    if (fs_path_fmt(tmp, sizeof tmp, err, "%s", video) || fs_path_fmt(stem, sizeof stem, err, "%s", basename(tmp)) ||
        parent_of(video, dir, sizeof dir, err))
        return FS_ERR;
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem) *dot = 0;
    return fs_path_fmt(out, n, err, "%s/%s.fs", s->o.projects_dir ? s->o.projects_dir : dir, stem);
}

/* Registers (video, dir): the existing id when already open. */
static int add_project(fs_srv *s, const char *video, const char *dir, const fs_video_info *vi, int *id, int *fresh,
                       fs_err *err) {
    pthread_mutex_lock(&s->mu);
    *fresh = 0;
    for (int i = 0; i < s->n_projects; i++)
        if (!strcmp(s->projects[i].dir, dir)) {
            *id = i;
            pthread_mutex_unlock(&s->mu);
            return FS_OK;
        }
    if (s->n_projects >= FS_SRV_MAX_PROJECTS) {
        pthread_mutex_unlock(&s->mu);
        return fs_errorf(err, "%s: too many projects open (at most %d)", video, FS_SRV_MAX_PROJECTS);
    }
    fs_srv_project *p = &s->projects[s->n_projects];
    memset(p, 0, sizeof *p);
    p->id = *id = s->n_projects++;
    snprintf(p->dir, sizeof p->dir, "%s", dir);
    snprintf(p->video, sizeof p->video, "%s", video);
    p->info = *vi;
    *fresh = 1;
    pthread_mutex_unlock(&s->mu);
    return FS_OK;
}

/* A project dir: its manifest names the video. */
static int video_of_project(const char *dir, char *video, size_t n, fs_err *err) {
    fs_project *p = NULL;
    if (fs_project_open(dir, &p, err)) return FS_ERR;
    int rc = fs_path_fmt(video, n, err, "%s", p->source);
    fs_project_close(p);
    return rc;
}

int fs_srv_project_open(fs_srv *s, const char *path, int *id, fs_err *err) {
    char real[FS_PATH_MAX], video[FS_PATH_MAX], dir[FS_PATH_MAX], tmp[FS_PATH_MAX];
    if (!realpath(path, real)) return fs_errorf(err, "%s: no such file or folder", path);
    if (is_dir(real)) {
        if (fs_path_join(tmp, sizeof tmp, real, "manifest.json", err)) return FS_ERR;
        if (!fs_file_exists(tmp))
            return fs_errorf(err, "%s: a folder without manifest.json is not a facestitch project", path);
        if (video_of_project(real, tmp, sizeof tmp, err)) return FS_ERR;
        if (!realpath(tmp, video)) return fs_errorf(err, "%s: its source video %s is gone", path, tmp);
        /* the manifest is data, not a grant: its source must already lie under a root */
        if (fs_srv_path_allowed(s, video, video, sizeof video))
            return fs_errorf(err,
                             "%s: its source video %s lies outside the folders this studio may read (start "
                             "serve with --root FOLDER to allow it)",
                             path, video);
        snprintf(dir, sizeof dir, "%s", real);
    } else {
        struct stat st;
        if (stat(real, &st) != 0 || !S_ISREG(st.st_mode)) /* a FIFO or device would block the probe */
            return fs_errorf(err, "%s: not a regular file", path);
        snprintf(video, sizeof video, "%s", real);
        if (project_dir_for(s, real, tmp, sizeof tmp, err)) return FS_ERR;
        if (fs_mkdirs(tmp, err)) {
            fs_err_prefix(err, "cannot make the video's project folder (serve --projects DIR puts projects elsewhere)");
            return FS_ERR;
        }
        if (!realpath(tmp, dir)) return fs_errorf(err, "%s: cannot create the project folder", tmp);
    }
    struct stat vs;
    if (stat(video, &vs) != 0 || !S_ISREG(vs.st_mode)) /* a FIFO or device would block the probe */
        return fs_errorf(err, "%s: not a regular file", video);
    fs_video_info vi;
    if (fs_video_probe(video, &vi, err)) return FS_ERR;
    char parent[FS_PATH_MAX];
    if (parent_of(video, parent, sizeof parent, err) || fs_srv_root_add(s, parent, err) || fs_srv_root_add(s, dir, err)) return FS_ERR;
    int fresh;
    if (add_project(s, video, dir, &vi, id, &fresh, err)) return FS_ERR;
    if (!fresh) return FS_OK;
    fs_jobs_load_dir(s->jobs, *id, dir);
    char st[64];
    if (strcmp(fs_project_get_stage(dir, "align", st, sizeof st), "done") != 0 &&
        !fs_jobs_busy(s->jobs, *id, "analyse")) {
        fs_job spec;
        memset(&spec, 0, sizeof spec);
        spec.project = *id;
        snprintf(spec.dir, sizeof spec.dir, "%s", dir);
        snprintf(spec.kind, sizeof spec.kind, "analyse");
        char jid[64];
        if (fs_jobs_submit(s->jobs, &spec, jid, sizeof jid, err)) return FS_ERR;
    }
    return FS_OK;
}

int fs_srv_project_get(fs_srv *s, long id, fs_srv_project *out) {
    pthread_mutex_lock(&s->mu);
    int ok = id >= 0 && id < s->n_projects;
    if (ok) *out = s->projects[id];
    pthread_mutex_unlock(&s->mu);
    return ok ? 0 : 404;
}

int fs_srv_project_tracks(const fs_srv_project *p, fs_aligned_tracks **out, fs_err *err) {
    *out = NULL;
    char st[64];
    fs_project_get_stage(p->dir, "align", st, sizeof st);
    if (strcmp(st, "done") != 0 && strcmp(st, "tracked") != 0) return FS_OK; /* faces not found yet */
    fs_project *q = NULL;
    if (fs_project_open(p->dir, &q, err)) return FS_ERR;
    *out = q->tracks;
    q->tracks = NULL;
    fs_project_close(q);
    return FS_OK;
}

int fs_srv_studio_dir(const fs_srv_project *p, const char *sub, char *out, size_t n, fs_err *err) {
    if (fs_path_fmt(out, n, err, "%s/studio/%s", p->dir, sub)) return FS_ERR;
    return fs_mkdirs(out, err);
}
