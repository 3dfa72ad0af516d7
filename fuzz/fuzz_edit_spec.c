/* fuzz_edit_spec.c — the --edit argument parser ("age=0@0s,-6@2s,smile=2") on arbitrary text,
 * then the strength lookup and formatting of whatever it accepted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/edit/edit_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    fs_edit_spec *spec = calloc(1, sizeof *spec);
    fs_err err;
    if (spec && fs_edit_spec_parse(text, spec, &err) == FS_OK) {
        char buf[256];
        for (int i = 0; i < spec->count; i++) {
            volatile double v = 0;
            for (int f = -1; f < 300; f += 37) v += fs_edit_strength_at(&spec->edits[i], f, 29.97);
            (void)v;
            fs_edit_format(&spec->edits[i], buf, (int)sizeof buf);
        }
    }
    free(spec);
    free(text);
    return 0;
}
