/* serve.h — `facestitch serve`: the local web studio (an HTTP server on libmicrohttpd).
 *
 *   fs_serve_opts o;
 *   fs_serve_opts_default(&o);
 *   o.inputs = argv + optind; o.n_inputs = argc - optind;   // videos or project dirs
 *   fs_serve_run(&o, &err);                                 // until SIGINT/SIGTERM
 *
 * Files: server.c (daemon, request bodies, routing), auth.c (token, Host check), paths.c (what may be
 * read), http.c (responses), api_*.c (the JSON API), jobs.c (queue + runner), engine.c (the calls
 * into the pipeline a job makes), preview.c, imgenc.c (JPEG in memory), assets.c (the page, embedded).
 * Security model: docs/studio.md.
 */
#ifndef FS_SERVE_SERVE_H
#define FS_SERVE_SERVE_H

#include "core/err.h"
#include "facestitch.h"
#include "pipeline/model_set.h"

typedef struct fs_serve_opts {
    const char *bind;            /* "127.0.0.1" (default) */
    int port;                    /* 8470; 0 = any free port */
    char *const *inputs;         /* videos or project dirs opened at start */
    int n_inputs;
    const char *const *roots;    /* more folders whose videos may be opened (--root DIR); the
                                    current directory when none and no inputs */
    int n_roots;
    const char *projects_dir;    /* where projects of opened videos go (NULL: beside each video) */
    const char *node_dir;        /* a node_modules folder holding uplot (NULL: FS_NODE_DIR or none) */
    fs_model_args models;        /* edit's model options: the defaults of every job */
    facestitch_params job;       /* edit's pipeline options (pti_steps, stitch_steps, crf, ...) */
    int max_jobs_per_minute;     /* not used yet: 0 */
} fs_serve_opts;

void fs_serve_opts_default(fs_serve_opts *o);
/* Runs until SIGINT/SIGTERM (or fs_serve_stop). Prints "open http://HOST:PORT/?token=..." on stdout. */
int fs_serve_run(const fs_serve_opts *o, fs_err *err);

#endif
