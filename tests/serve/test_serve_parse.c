/* test_serve_parse.c — the studio's request parsers (src/serve/parse.h) and token comparison on
 * chosen cases: ranges, cookies, nesting bounds, relative names, job files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "serve/parse.h"
#include "serve/srv.h"

int fs_srv_token_equal(const char *want, const char *got);

static void ranges(void) {
    int64_t a, b;
    CHECK(fs_srv_parse_range("bytes=0-9", 100, &a, &b) && a == 0 && b == 9);
    CHECK(fs_srv_parse_range("bytes=90-", 100, &a, &b) && a == 90 && b == 99);
    CHECK(fs_srv_parse_range("bytes=-10", 100, &a, &b) && a == 90 && b == 99);
    CHECK(fs_srv_parse_range("bytes=-1000", 100, &a, &b) && a == 0 && b == 99);
    CHECK(fs_srv_parse_range("bytes=50-5000", 100, &a, &b) && a == 50 && b == 99);
    CHECK(!fs_srv_parse_range("bytes=100-", 100, &a, &b));
    CHECK(!fs_srv_parse_range("bytes=9-3", 100, &a, &b));
    CHECK(!fs_srv_parse_range("bytes=0-1,5-6", 100, &a, &b));
    CHECK(!fs_srv_parse_range("bytes= -1", 100, &a, &b));
    CHECK(!fs_srv_parse_range("bytes=--1", 100, &a, &b));
    CHECK(!fs_srv_parse_range("items=0-1", 100, &a, &b));
    CHECK(!fs_srv_parse_range("bytes=99999999999999999999-", 100, &a, &b));
}

static void cookies_and_tokens(void) {
    char buf[16];
    CHECK(fs_srv_cookie_value("a=1; fs_token=xyz; b=2", "fs_token", buf, sizeof buf) && !strcmp(buf, "xyz"));
    CHECK(!fs_srv_cookie_value("xfs_token=1", "fs_token", buf, sizeof buf));
    CHECK(!fs_srv_cookie_value("fs_token=0123456789abcdefgh", "fs_token", buf, sizeof buf)); /* too long */
    CHECK(fs_srv_token_equal("abcd", "abcd"));
    CHECK(!fs_srv_token_equal("abcd", "abc"));
    CHECK(!fs_srv_token_equal("abcd", "abcde"));
    CHECK(!fs_srv_token_equal("abcd", "abce"));
    CHECK(!fs_srv_token_equal("abcd", ""));
    CHECK(!fs_srv_token_equal("abcd", NULL));
}

static void json_and_names(void) {
    const char *why = NULL;
    char deep[64];
    memset(deep, '[', 20), memset(deep + 20, ']', 20), deep[40] = 0;
    char body[80];
    snprintf(body, sizeof body, "{\"a\":%s}", deep);
    CHECK(!fs_srv_json_object(body, strlen(body), &why) && why);
    cJSON *j = fs_srv_json_object("{\"a\":[[1],[2],[3],[4],[5],[6],[7],[8],[9],[10],[11],[12],[13],[14],[15],[16],[17]]}", 83, &why);
    CHECK(j != NULL); /* many siblings are not depth */
    cJSON_Delete(j);
    CHECK(!fs_srv_json_object("[1]", 3, &why));
    CHECK(!fs_srv_json_object("{", 1, &why));
    CHECK(fs_srv_name_ok("studio/out/1.mp4") && fs_srv_name_ok("a..b/c") && fs_srv_name_ok("..a"));
    CHECK(!fs_srv_name_ok("..") && !fs_srv_name_ok("../x") && !fs_srv_name_ok("a/../b") && !fs_srv_name_ok("a/.."));
    CHECK(!fs_srv_name_ok("/etc/passwd") && !fs_srv_name_ok("") && !fs_srv_name_ok("a\\..\\b") && !fs_srv_name_ok("a\nb"));
    const char *job = "{\"id\":\"1-1-render\",\"kind\":\"render\",\"state\":\"done\",\"percent\":250,\"output\":\"studio/out/1.mp4\"}";
    fs_job *b = fs_job_parse(job, strlen(job));
    CHECK(b && !strcmp(b->state, "done") && b->percent == 100 && !strcmp(b->output, "studio/out/1.mp4"));
    free(b);
    const char *evil = "{\"id\":\"x\",\"kind\":\"render\",\"output\":\"../../etc/passwd\"}";
    CHECK(fs_job_parse(evil, strlen(evil)) == NULL);
    const char *odd = "{\"id\":\"x\",\"kind\":\"shell\"}";
    CHECK(fs_job_parse(odd, strlen(odd)) == NULL);
}

/* an --edit text from the page fills the spec alone, whatever the caller's (stack) spec held before */
static void edit_text(void) {
    fs_edit_spec spec;
    fs_err err = {0};
    memset(&spec, 0x7f, sizeof spec);
    spec.count = FS_EDIT_MAX;
    CHECK(fs_studio_edit_check("age=-6,smile=2", &spec, &err) == FS_OK && spec.count == 2);
    CHECK(!strcmp(spec.edits[0].name, "age") && spec.edits[0].nkeys == 1 && spec.edits[0].keys[0].strength == -6);
    CHECK(fs_studio_edit_check("../x=2", &spec, &err) == FS_ERR && strstr(err.msg, "plain names"));
}

int main(void) {
    ranges();
    cookies_and_tokens();
    json_and_names();
    edit_text();
    return check_finish();
}
