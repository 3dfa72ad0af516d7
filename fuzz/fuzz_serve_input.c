/* fuzz_serve_input.c — the studio's parsers of request bytes and job files (src/serve/parse.h):
 * the first byte picks one (byte ranges, cookies, JSON bodies, file names, job files), the rest is
 * its input. Needs only src/serve/parse.c and cJSON, not the HTTP library. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    char *text = malloc(size);
    if (!text) return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    size_t len = size - 1;
    switch (data[0] % 5) {
    case 0: {
        int64_t a = -1, b = -1;
        int64_t sizes[] = {1, 10, 1000, INT64_MAX / 2};
        for (int i = 0; i < 4; i++)
            if (fs_srv_parse_range(text, sizes[i], &a, &b) && (a < 0 || b < a || b >= sizes[i])) abort();
        break;
    }
    case 1: {
        char buf[80];
        const char *v = fs_srv_cookie_value(text, "fs_token", buf, sizeof buf);
        if (v && strlen(v) >= sizeof buf) abort();
        break;
    }
    case 2: {
        const char *why = NULL;
        cJSON *j = fs_srv_json_object(text, len, &why);
        if (!j && !why) abort();
        cJSON_Delete(j);
        break;
    }
    case 3:
        if (fs_srv_name_ok(text) && (text[0] == '/' || strstr(text, "/../") || !strncmp(text, "../", 3))) abort();
        break;
    default: free(fs_job_parse(text, len)); break;
    }
    free(text);
    return 0;
}
