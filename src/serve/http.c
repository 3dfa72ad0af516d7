/* http.c — replies of the studio: JSON, errors, bytes and files (with one byte range, for <video>). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve/parse.h"
#include "serve/srv.h"

void fs_http_common_headers(struct MHD_Response *r) {
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
}

static MHD_Result queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r, const char *type) {
    if (!r) return MHD_NO;
    fs_http_common_headers(r);
    if (type) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

MHD_Result fs_http_bytes(struct MHD_Connection *c, unsigned status, const char *type, void *data, size_t len,
                         int take) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, data, take ? MHD_RESPMEM_MUST_FREE
                                                                              : MHD_RESPMEM_MUST_COPY);
    return queue(c, status, r, type);
}

MHD_Result fs_http_json(struct MHD_Connection *c, unsigned status, cJSON *obj) {
    char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
    cJSON_Delete(obj);
    if (!text) return fs_http_bytes(c, 500, "application/json", "{\"error\":\"out of memory\"}", 25, 0);
    return fs_http_bytes(c, status, "application/json", text, strlen(text), 1);
}

MHD_Result fs_http_error(struct MHD_Connection *c, unsigned status, const char *fmt, ...) {
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", msg);
    return fs_http_json(c, status, o);
}

const char *fs_http_mime(const char *path) {
    static const struct { const char *ext, *type; } t[] = {
        {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".json", "application/json"}, {".png", "image/png"}, {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"},
        {".mp4", "video/mp4"}, {".mkv", "video/x-matroska"}, {".webm", "video/webm"}, {".log", "text/plain; charset=utf-8"},
        {".svg", "image/svg+xml"}};
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof t / sizeof t[0]; i++)
        if (strcasecmp(dot, t[i].ext) == 0) return t[i].type;
    return "application/octet-stream";
}

MHD_Result fs_http_file(struct MHD_Connection *c, const char *path, const char *type) {
    /* O_NONBLOCK: a FIFO or device must not block the thread; only regular files are served */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        return fs_http_error(c, 404, "not found");
    }
    int64_t a = 0, b = st.st_size - 1;
    const char *rh = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_RANGE);
    int ranged = rh && fs_srv_parse_range(rh, st.st_size, &a, &b);
    if (rh && !ranged) {
        close(fd);
        return fs_http_error(c, 416, "bad range");
    }
    struct MHD_Response *r = MHD_create_response_from_fd_at_offset64((uint64_t)(b - a + 1), fd, (uint64_t)a);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
    if (ranged) {
        char cr[96];
        snprintf(cr, sizeof cr, "bytes %" PRId64 "-%" PRId64 "/%" PRId64, a, b, (int64_t)st.st_size);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
    }
    return queue(c, ranged ? 206 : 200, r, type ? type : fs_http_mime(path));
}

int fs_http_arg_long(struct MHD_Connection *c, const char *key, long lo, long hi, long *out) {
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
    if (!v || !*v || strlen(v) > 20) return FS_ERR;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || *end || x < lo || x > hi) return FS_ERR;
    *out = x;
    return FS_OK;
}

cJSON *fs_http_body_json(fs_req *r, MHD_Result *reply) {
    const char *why = NULL;
    cJSON *j = fs_srv_json_object(r->body, r->len, &why);
    if (!j) *reply = fs_http_error(r->c, 400, "%s", why);
    return j;
}
