/* api_jobs.c — the studio's job API: list, create (render), cancel, retry, metrics of a render, and
 * the server-sent events that carry every change of the job list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/edit/edit_spec.h"
#include "serve/jobs.h"
#include "serve/srv.h"

MHD_Result fs_api_jobs_list(fs_req *r) { return fs_http_json(r->c, 200, fs_jobs_json(r->s->jobs, NULL)); }

/* "face": all | largest | a track id (number or digits). */
static int face_arg(const cJSON *v, char *out, size_t n) {
    if (!v) return snprintf(out, n, "all"), FS_OK;
    if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1e6 && v->valuedouble == (int)v->valuedouble)
        return snprintf(out, n, "%d", (int)v->valuedouble), FS_OK;
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= n) return FS_ERR;
    const char *s = v->valuestring;
    int digits = s[0] != 0 && strspn(s, "0123456789") == strlen(s) && strlen(s) <= 7;
    if (strcmp(s, "all") && strcmp(s, "largest") && !digits) return FS_ERR;
    snprintf(out, n, "%s", s);
    return FS_OK;
}

MHD_Result fs_api_jobs_create(fs_req *r) {
    MHD_Result reply;
    cJSON *j = fs_http_body_json(r, &reply);
    if (!j) return reply;
    fs_job spec;
    memset(&spec, 0, sizeof spec);
    const cJSON *pid = cJSON_GetObjectItemCaseSensitive(j, "project");
    const cJSON *edit = cJSON_GetObjectItemCaseSensitive(j, "edit");
    fs_srv_project p;
    const char *bad = NULL;
    if (!cJSON_IsNumber(pid) || fs_srv_project_get(r->s, (long)pid->valuedouble, &p)) bad = "\"project\": an open project's id";
    else if (!cJSON_IsString(edit) || strlen(edit->valuestring) >= sizeof spec.edit) bad = "\"edit\": e.g. \"age=-3,smile=2\"";
    else if (face_arg(cJSON_GetObjectItemCaseSensitive(j, "face"), spec.face, sizeof spec.face)) bad = "\"face\": all, largest or a track id";
    if (bad) {
        cJSON_Delete(j);
        return fs_http_error(r->c, 400, "expected %s", bad);
    }
    fs_edit_spec es;
    fs_err e = {0};
    if (fs_studio_edit_check(edit->valuestring, &es, &e)) {
        cJSON_Delete(j);
        return fs_http_error(r->c, 400, "%s", e.msg);
    }
    snprintf(spec.edit, sizeof spec.edit, "%s", edit->valuestring);
    cJSON_Delete(j);
    spec.project = p.id;
    snprintf(spec.dir, sizeof spec.dir, "%s", p.dir);
    snprintf(spec.kind, sizeof spec.kind, "render");
    char id[64];
    if (fs_jobs_submit(r->s->jobs, &spec, id, sizeof id, &e)) return fs_http_error(r->c, 503, "%s", e.msg);
    fs_job b;
    fs_jobs_find(r->s->jobs, id, &b);
    return fs_http_json(r->c, 202, fs_job_to_json(&b));
}

/* {"job": ID} of a cancel / retry body: the id or NULL (reply sent). */
static cJSON *job_body(fs_req *r, const char **id, MHD_Result *reply) {
    cJSON *j = fs_http_body_json(r, reply);
    if (!j) return NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "job");
    if (!cJSON_IsString(v)) {
        cJSON_Delete(j);
        *reply = fs_http_error(r->c, 400, "expected {\"job\": \"ID\"}");
        return NULL;
    }
    *id = v->valuestring;
    return j;
}

static MHD_Result job_action(fs_req *r, int (*fn)(fs_jobs *, const char *), const char *what) {
    MHD_Result reply;
    const char *id;
    cJSON *j = job_body(r, &id, &reply);
    if (!j) return reply;
    int st = fn(r->s->jobs, id);
    fs_job b;
    int found = fs_jobs_find(r->s->jobs, id, &b) == 0;
    cJSON_Delete(j);
    if (st == 404) return fs_http_error(r->c, 404, "no such job");
    if (st == 409) return fs_http_error(r->c, 409, "this job cannot be %s in its state (%s)", what, found ? b.state : "?");
    return fs_http_json(r->c, 200, fs_job_to_json(&b));
}

MHD_Result fs_api_jobs_cancel(fs_req *r) { return job_action(r, fs_jobs_cancel, "cancelled"); }
MHD_Result fs_api_jobs_retry(fs_req *r) { return job_action(r, fs_jobs_retry, "retried"); }

MHD_Result fs_api_metrics(fs_req *r) {
    const char *id = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "job");
    fs_job b;
    if (!id || fs_jobs_find(r->s->jobs, id, &b)) return fs_http_error(r->c, 404, "no such job");
    if (!b.metrics[0]) return fs_http_error(r->c, 404, "no metrics for this job (yet)");
    char real[FS_PATH_MAX];
    int st = fs_srv_path_inside(b.dir, b.metrics, real, sizeof real);
    if (st) return fs_http_error(r->c, (unsigned)st, "metrics file missing");
    return fs_http_file(r->c, real, "application/json");
}

/* ---- server-sent events: "data: {jobs}" on every change, a comment every 10 s to keep alive ---- */

typedef struct sse {
    fs_srv *s;
    uint64_t version;
    int sent_first;
    char *pending;
    size_t off, len;
} sse;

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max) {
    (void)pos;
    sse *e = cls;
    if (e->off >= e->len) {
        free(e->pending);
        e->pending = NULL, e->off = e->len = 0;
        if (e->s->stopping) return MHD_CONTENT_READER_END_OF_STREAM;
        uint64_t v = e->sent_first ? fs_jobs_wait(e->s->jobs, e->version, 10.0) : e->version;
        if (e->s->stopping) return MHD_CONTENT_READER_END_OF_STREAM;
        if (e->sent_first && v == e->version) {
            e->pending = strdup(": keep-alive\n\n");
        } else {
            cJSON *o = fs_jobs_json(e->s->jobs, &e->version);
            char *text = cJSON_PrintUnformatted(o);
            cJSON_Delete(o);
            size_t n = text ? strlen(text) + 10 : 0;
            e->pending = text ? malloc(n) : NULL;
            if (e->pending) snprintf(e->pending, n, "data: %s\n\n", text);
            free(text);
            e->sent_first = 1;
        }
        if (!e->pending) return MHD_CONTENT_READER_END_WITH_ERROR;
        e->len = strlen(e->pending);
    }
    size_t n = e->len - e->off < max ? e->len - e->off : max;
    memcpy(buf, e->pending + e->off, n);
    e->off += n;
    return (ssize_t)n;
}

static void sse_free(void *cls) {
    sse *e = cls;
    free(e->pending);
    free(e);
}

MHD_Result fs_api_events(fs_req *r) {
    sse *e = calloc(1, sizeof *e);
    if (!e) return MHD_NO;
    e->s = r->s;
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, sse_read, e, sse_free);
    if (!resp) {
        free(e);
        return MHD_NO;
    }
    fs_http_common_headers(resp);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_Result ret = MHD_queue_response(r->c, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}
