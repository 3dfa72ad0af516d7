/* fuzz_cascade_xml.c — the OpenCV cascade XML reader on arbitrary bytes; a cascade that parses
 * is also run over a small synthetic image (every feature/tree index the reader accepted). */
#include <stdint.h>
#include <stdlib.h>

#include "face/detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fs_haar_cascade *c = NULL;
    fs_err err;
    if (fs_haar_cascade_parse((const char *)data, size, "fuzz.xml", &c, &err) != FS_OK) return 0;
    if (c->win_w <= 40 && c->win_h <= 40) {
        uint8_t px[48 * 44];
        for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)((i * 7919u) >> 3);
        fs_gray g = {48, 44, px};
        fs_detect_opts o;
        fs_detect_opts_default(&o);
        o.threads = 1;
        o.scale_factor = 1.5f;
        fs_detection *d = NULL;
        int n = 0;
        if (fs_haar_detect(c, &g, &o, &d, &n, &err) == FS_OK) free(d);
    }
    fs_haar_cascade_destroy(c);
    return 0;
}
