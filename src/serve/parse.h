/* parse.h — the studio's parsers of untrusted bytes, free of the HTTP library so that the fuzz
 * target fuzz/fuzz_serve_input.c runs them alone: byte ranges, cookies, bounded JSON bodies,
 * relative file names, and the job files kept in project dirs. */
#ifndef FS_SERVE_PARSE_H
#define FS_SERVE_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "serve/jobs.h"

#define FS_SRV_MAX_JSON_DEPTH 16

/* "bytes=A-B" / "bytes=A-" / "bytes=-N" against a file of `size`: 1 when valid (*a..*b inclusive). */
int fs_srv_parse_range(const char *h, int64_t size, int64_t *a, int64_t *b);
/* The value of cookie `name` in a Cookie header, copied into buf; NULL when absent or too long. */
const char *fs_srv_cookie_value(const char *hdr, const char *name, char *buf, size_t n);
/* A JSON object nested at most FS_SRV_MAX_JSON_DEPTH deep (checked before cJSON recurses); NULL
 * otherwise, with the reason in *why. */
cJSON *fs_srv_json_object(const char *text, size_t len, const char **why);
/* 1 when `name` is a relative path with no ".." segment, no control bytes and no backslash. */
int fs_srv_name_ok(const char *name);
/* A job file (DIR/studio/jobs/ID.json) read back: its fields checked; NULL when it is not one. */
fs_job *fs_job_parse(const char *text, size_t len);

#endif
