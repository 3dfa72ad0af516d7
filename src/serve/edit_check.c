/* edit_check.c — an --edit text from the page: parsed, and every direction must be a plain name
 * (letters, digits, '_' or '-'): a direction may otherwise name a file path (pipeline/model_set.h),
 * and the studio reads no file a request names outside its folders. */
#include <string.h>

#include "serve/srv.h"

int fs_studio_edit_check(const char *text, fs_edit_spec *spec, fs_err *err) {
    memset(spec, 0, sizeof *spec); /* fs_edit_spec_parse adds to what *spec holds: the page's text alone */
    if (fs_edit_spec_parse(text, spec, err)) return FS_ERR;
    if (spec->count == 0) return fs_errorf(err, "no edit given (e.g. age=-3)");
    for (int e = 0; e < spec->count; e++) {
        const char *n = spec->edits[e].name;
        size_t len = strlen(n);
        if (len == 0 || len > 64 ||
            strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != len)
            return fs_errorf(err, "direction '%s': only plain names (letters, digits, _ -) are allowed here", n);
    }
    return FS_OK;
}
