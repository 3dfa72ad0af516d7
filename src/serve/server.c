/* server.c — the studio's HTTP daemon: bounded request bodies, the Host and token checks, routing,
 * and fs_serve_run (start, print the address, wait for Ctrl-C, stop). */
#include <arpa/inet.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fileio.h"
#include "core/log.h"
#include "core/threads.h"
#include "serve/jobs.h"
#include "serve/srv.h"

void fs_serve_opts_default(fs_serve_opts *o) {
    memset(o, 0, sizeof *o);
    o->bind = "127.0.0.1";
    o->port = 8470;
    facestitch_params_init(&o->job);
}

typedef struct route {
    const char *method, *path;
    fs_api_fn fn;
} route;

static const route routes[] = {
    {"GET", "/api/state", fs_api_state},         {"POST", "/api/open", fs_api_open},
    {"GET", "/api/faces", fs_api_faces},         {"GET", "/api/frame", fs_api_frame},
    {"GET", "/api/directions", fs_api_directions}, {"POST", "/api/preview", fs_api_preview},
    {"GET", "/api/file", fs_api_file},           {"GET", "/api/jobs", fs_api_jobs_list},
    {"POST", "/api/jobs", fs_api_jobs_create},   {"POST", "/api/jobs/cancel", fs_api_jobs_cancel},
    {"POST", "/api/jobs/retry", fs_api_jobs_retry}, {"GET", "/api/metrics", fs_api_metrics},
    {"GET", "/api/events", fs_api_events},
};

static MHD_Result api(fs_req *r) {
    if (!fs_srv_authorized(r->s, r->c))
        return fs_http_error(r->c, 403, "missing or wrong token: open the address `facestitch serve` printed");
    if (r->too_big) return fs_http_error(r->c, 413, "request body over %d bytes", FS_SRV_MAX_BODY);
    int path_found = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strcmp(r->url, routes[i].path) != 0) continue;
        path_found = 1;
        if (strcmp(r->method, routes[i].method) == 0) return routes[i].fn(r);
    }
    return path_found ? fs_http_error(r->c, 405, "method %s not allowed here", r->method)
                      : fs_http_error(r->c, 404, "no such API route");
}

static MHD_Result page(fs_req *r) {
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
        return fs_http_error(r->c, 405, "method not allowed");
    if (strncmp(r->url, "/vendor/", 8) == 0) return fs_srv_vendor(r);
    const unsigned char *data;
    size_t len;
    const char *type;
    if (fs_srv_asset(r->url, &data, &len, &type)) return fs_http_error(r->c, 404, "not found");
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT);
    if (!resp) return MHD_NO;
    fs_http_common_headers(resp);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
                            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    const char *tok = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "token");
    if (tok && fs_srv_token_equal(r->s->token, tok)) {
        char cookie[160];
        snprintf(cookie, sizeof cookie, "fs_token=%s; Path=/; HttpOnly; SameSite=Strict", r->s->token);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, cookie);
    }
    MHD_Result ret = MHD_queue_response(r->c, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

static MHD_Result dispatch(fs_req *r) {
    if (!fs_srv_host_ok(r->s, r->c))
        return fs_http_error(r->c, 403, "Host header not allowed (use http://127.0.0.1:%d/)", r->s->port);
    if (strcmp(r->url, "/api") == 0 || strncmp(r->url, "/api/", 5) == 0) return api(r);
    return page(r);
}

static MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                             const char *version, const char *upload, size_t *upload_size, void **con_cls) {
    (void)version;
    fs_req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r) return MHD_NO;
        r->s = cls, r->c = c, r->method = method, r->url = url;
        *con_cls = r;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > FS_SRV_MAX_BODY) r->too_big = 1; /* refused before reading it */
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->too_big && r->len + *upload_size <= FS_SRV_MAX_BODY) {
            char *nb = realloc(r->body, r->len + *upload_size + 1);
            if (!nb) return MHD_NO;
            memcpy(nb + r->len, upload, *upload_size);
            r->body = nb, r->len += *upload_size;
            r->body[r->len] = 0;
        } else {
            r->too_big = 1;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    return dispatch(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t) {
    (void)cls, (void)c, (void)t;
    fs_req *r = *con_cls;
    if (r) free(r->body), free(r);
    *con_cls = NULL;
}

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) {
    (void)sig;
    g_stop = 1;
}

static struct MHD_Daemon *start_daemon(fs_srv *s, fs_err *err) {
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    char port[16];
    snprintf(port, sizeof port, "%d", s->o.port);
    if (getaddrinfo(s->o.bind, port, &hints, &ai) != 0 || !ai) {
        fs_errorf(err, "--bind %s: not a numeric IPv4 or IPv6 address", s->o.bind);
        return NULL;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    if (ai->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)s->o.port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_CONNECTION_LIMIT, (unsigned)512,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
        MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!d) fs_errorf(err, "%s:%d: cannot listen there (port in use? try --port 0)", s->o.bind, s->o.port);
    return d;
}

static int open_inputs(fs_srv *s, fs_err *err) {
    for (int i = 0; i < s->o.n_roots; i++)
        if (fs_srv_root_add(s, s->o.roots[i], err)) return FS_ERR;
    if (s->o.n_roots == 0 && s->o.n_inputs == 0 && fs_srv_root_add(s, ".", err)) return FS_ERR;
    if (s->o.projects_dir && fs_mkdirs(s->o.projects_dir, err)) return FS_ERR;
    if (s->o.projects_dir && fs_srv_root_add(s, s->o.projects_dir, err)) return FS_ERR;
    /* the folders of the arguments (a project's source video must lie under one of the roots) */
    for (int i = 0; i < s->o.n_inputs; i++) {
        char parent[FS_PATH_MAX];
        if (fs_srv_parent_of(s->o.inputs[i], parent, sizeof parent, err) || fs_srv_root_add(s, parent, err))
            return FS_ERR;
    }
    for (int i = 0; i < s->o.n_inputs; i++) {
        int id;
        if (fs_srv_project_open(s, s->o.inputs[i], &id, err)) return FS_ERR;
    }
    return FS_OK;
}

int fs_serve_run(const fs_serve_opts *o, fs_err *err) {
    fs_srv *s = calloc(1, sizeof *s);
    if (!s) return fs_errorf(err, "out of memory");
    s->o = *o;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->preview_mu, NULL);
    pthread_mutex_init(&s->pool_mu, NULL);
    struct MHD_Daemon *d = NULL;
    int rc = FS_ERR;
    if (fs_model_set_resolve(&o->models, &s->ms, err)) goto done;
    if (fs_srv_token_create(s->token, err)) goto done;
    if (fs_jobs_create(s, &s->jobs, err)) goto done;
    if (open_inputs(s, err)) goto done;
    if (strcmp(o->bind, "127.0.0.1") != 0 && strcmp(o->bind, "::1") != 0)
        fs_warn("--bind %s: the studio is reachable from other machines; anyone with the token can read the "
                "opened folders and run jobs", o->bind);
    if (!(d = start_daemon(s, err))) goto done;
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : o->port;
    fs_srv_hosts_init(s);
    int v6 = strchr(o->bind, ':') != NULL;
    const char *shown = !strcmp(o->bind, "0.0.0.0") ? "127.0.0.1" : !strcmp(o->bind, "::") ? "[::1]" : o->bind;
    printf("open http://%s%s%s:%d/?token=%s\n", v6 && shown[0] != '[' ? "[" : "", shown,
           v6 && shown[0] != '[' ? "]" : "", s->port, s->token);
    fflush(stdout);
    fs_info("studio: %d project(s) open; Ctrl-C stops (a running job stops and resumes later)", s->n_projects);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    while (!g_stop) usleep(100 * 1000);
    fs_info("studio: stopping");
    rc = FS_OK;
done:
    s->stopping = 1;
    if (s->jobs) fs_jobs_stop(s->jobs);
    if (d) MHD_stop_daemon(d);
    if (s->jobs) fs_jobs_destroy(s->jobs);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->preview_mu);
    pthread_mutex_destroy(&s->pool_mu);
    free(s);
    return rc;
}
