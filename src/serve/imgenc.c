/* imgenc.c — JPEG encoding into memory (frames and previews for the page). */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include <jpeglib.h>

#include "serve/srv.h"

typedef struct jerr {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
} jerr;

static void on_error(j_common_ptr c) { longjmp(((jerr *)c->err)->jb, 1); }

int fs_jpeg_encode(const fs_image *im, int quality, unsigned char **out, size_t *len, fs_err *err) {
    struct jpeg_compress_struct c;
    jerr je;
    unsigned char *buf = NULL;
    unsigned long n = 0;
    c.err = jpeg_std_error(&je.pub);
    je.pub.error_exit = on_error;
    if (setjmp(je.jb)) {
        jpeg_destroy_compress(&c);
        free(buf);
        return fs_errorf(err, "JPEG encoding failed");
    }
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &buf, &n);
    c.image_width = (JDIMENSION)im->w;
    c.image_height = (JDIMENSION)im->h;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(im->rgb + (size_t)c.next_scanline * im->stride);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *out = buf, *len = n;
    return FS_OK;
}
