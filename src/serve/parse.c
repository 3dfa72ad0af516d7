/* parse.c — see parse.h. */
#include "serve/parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fs_srv_parse_range(const char *h, int64_t size, int64_t *a, int64_t *b) {
    if (!h || strncmp(h, "bytes=", 6) != 0 || size <= 0) return 0;
    const char *p = h + 6;
    char *end;
    errno = 0;
    if (*p == '-') {
        long long n = strtoll(p + 1, &end, 10);
        if (errno || *end || n <= 0 || p[1] < '0' || p[1] > '9') return 0;
        *a = n >= size ? 0 : size - n, *b = size - 1;
        return 1;
    }
    if (*p < '0' || *p > '9') return 0;
    long long x = strtoll(p, &end, 10);
    if (errno || *end != '-' || x < 0 || x >= size) return 0;
    p = end + 1;
    long long y = size - 1;
    if (*p) {
        if (*p < '0' || *p > '9') return 0;
        y = strtoll(p, &end, 10);
        if (errno || *end || y < x) return 0;
        if (y >= size) y = size - 1;
    }
    *a = x, *b = y;
    return 1;
}

const char *fs_srv_cookie_value(const char *hdr, const char *name, char *buf, size_t n) {
    size_t nl = strlen(name);
    for (const char *p = hdr; p && *p;) {
        while (*p == ' ' || *p == ';') p++;
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t vl = len - nl - 1;
            if (vl >= n) return NULL;
            memcpy(buf, p + nl + 1, vl);
            buf[vl] = 0;
            return buf;
        }
        p = end;
    }
    return NULL;
}

cJSON *fs_srv_json_object(const char *text, size_t len, const char **why) {
    if (!text || len == 0) {
        *why = "expected a JSON object in the request body";
        return NULL;
    }
    int depth = 0; /* an upper bound of the nesting (brackets inside strings count too) */
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '[' || text[i] == '{') depth++;
        else if ((text[i] == ']' || text[i] == '}') && depth > 0) depth--;
        if (depth > FS_SRV_MAX_JSON_DEPTH) {
            *why = "JSON nested too deep";
            return NULL;
        }
    }
    cJSON *j = cJSON_ParseWithLength(text, len);
    if (!j || !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        *why = "the request body is not a JSON object";
        return NULL;
    }
    return j;
}

int fs_srv_name_ok(const char *name) {
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 1024 || name[0] == '/') return 0;
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == '\\') return 0;
    for (const char *seg = name; seg;) { /* no ".." segment */
        const char *slash = strchr(seg, '/');
        size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
        if (len == 2 && seg[0] == '.' && seg[1] == '.') return 0;
        seg = slash ? slash + 1 : NULL;
    }
    return 1;
}

static void copy_str(char *dst, size_t n, const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    snprintf(dst, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

static double get_num(const cJSON *o, const char *key, double def) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : def;
}

fs_job *fs_job_parse(const char *text, size_t len) {
    const char *why;
    cJSON *o = fs_srv_json_object(text, len, &why);
    if (!o) return NULL;
    fs_job *b = calloc(1, sizeof *b);
    if (!b) {
        cJSON_Delete(o);
        return NULL;
    }
    copy_str(b->id, sizeof b->id, o, "id");
    copy_str(b->kind, sizeof b->kind, o, "kind");
    copy_str(b->edit, sizeof b->edit, o, "edit");
    copy_str(b->face, sizeof b->face, o, "face");
    copy_str(b->state, sizeof b->state, o, "state");
    copy_str(b->stage, sizeof b->stage, o, "stage");
    copy_str(b->error, sizeof b->error, o, "error");
    copy_str(b->output, sizeof b->output, o, "output");
    copy_str(b->metrics, sizeof b->metrics, o, "metrics");
    b->percent = get_num(o, "percent", 0);
    b->percent = b->percent < 0 ? 0 : b->percent > 100 ? 100 : b->percent;
    b->created = get_num(o, "created", 0);
    b->eta = -1;
    cJSON_Delete(o);
    int ok = b->id[0] && !strchr(b->id, '/') && !strstr(b->id, "..") &&
             (!strcmp(b->kind, "render") || !strcmp(b->kind, "analyse")) &&
             (!b->output[0] || fs_srv_name_ok(b->output)) && (!b->metrics[0] || fs_srv_name_ok(b->metrics));
    if (!ok) {
        free(b);
        return NULL;
    }
    return b;
}
