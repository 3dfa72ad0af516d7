/* image.c — RGB8 images: lifetime, PNG (libpng) and JPEG (libjpeg, EXIF orientation). */
#include "image/image.h"
#include "image/image_ops.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "core/checked.h"
#include "core/fileio.h"

#define FS_IMAGE_MAX_SIDE 65536

fs_image *fs_image_create(int w, int h, fs_err *err) {
    size_t row, total;
    if (w <= 0 || h <= 0 || w > FS_IMAGE_MAX_SIDE || h > FS_IMAGE_MAX_SIDE) {
        fs_errorf(err, "image size %dx%d out of range", w, h);
        return NULL;
    }
    if (!fs_mul_size((size_t)w, 3, &row) || !fs_mul_size(row, (size_t)h, &total)) {
        fs_errorf(err, "image size %dx%d too large", w, h);
        return NULL;
    }
    fs_image *im = calloc(1, sizeof *im);
    uint8_t *px = calloc(total, 1);
    if (!im || !px) {
        free(im);
        free(px);
        fs_errorf(err, "out of memory for a %dx%d image", w, h);
        return NULL;
    }
    im->w = w;
    im->h = h;
    im->stride = (int)row;
    im->rgb = px;
    im->owns = 1;
    return im;
}

void fs_image_destroy(fs_image *im) {
    if (!im) return;
    if (im->owns) free(im->rgb);
    free(im);
}

fs_image fs_image_view(uint8_t *rgb, int w, int h, int stride) {
    fs_image v = {w, h, stride, rgb, 0};
    return v;
}

fs_image *fs_image_clone(const fs_image *im, fs_err *err) {
    fs_image *c = fs_image_create(im->w, im->h, err);
    if (!c) return NULL;
    for (int y = 0; y < im->h; y++) memcpy(c->rgb + (size_t)y * c->stride, fs_image_px(im, 0, y), (size_t)im->w * 3);
    return c;
}

/* ---- orientation (EXIF values 1..8) ---- */

fs_image *fs_image_orient(const fs_image *src, int orientation, fs_err *err) {
    if (orientation < 1 || orientation > 8) orientation = 1;
    int W = src->w, H = src->h;
    int swap = orientation >= 5;
    fs_image *dst = fs_image_create(swap ? H : W, swap ? W : H, err);
    if (!dst) return NULL;
    for (int Y = 0; Y < dst->h; Y++) {
        uint8_t *o = fs_image_px(dst, 0, Y);
        for (int X = 0; X < dst->w; X++, o += 3) {
            int x, y;
            switch (orientation) {
            case 2: x = W - 1 - X; y = Y; break;
            case 3: x = W - 1 - X; y = H - 1 - Y; break;
            case 4: x = X; y = H - 1 - Y; break;
            case 5: x = Y; y = X; break;
            case 6: x = Y; y = H - 1 - X; break;
            case 7: x = W - 1 - Y; y = H - 1 - X; break;
            case 8: x = W - 1 - Y; y = X; break;
            default: x = X; y = Y; break;
            }
            const uint8_t *s = fs_image_px(src, x, y);
            o[0] = s[0];
            o[1] = s[1];
            o[2] = s[2];
        }
    }
    return dst;
}

/* ---- PNG ---- */

static int load_png(const char *path, fs_image **out, fs_err *err) {
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&pi, path))
        return fs_errorf(err, "%s: not a readable PNG (%s)", path, pi.message[0] ? pi.message : "unknown error");
    if (pi.width == 0 || pi.height == 0 || pi.width > FS_IMAGE_MAX_SIDE || pi.height > FS_IMAGE_MAX_SIDE) {
        png_image_free(&pi);
        return fs_errorf(err, "%s: PNG size %ux%u out of range", path, pi.width, pi.height);
    }
    pi.format = PNG_FORMAT_RGB;
    fs_image *im = fs_image_create((int)pi.width, (int)pi.height, err);
    if (!im) {
        png_image_free(&pi);
        return fs_err_prefix(err, path);
    }
    png_color black = {0, 0, 0};
    if (!png_image_finish_read(&pi, &black, im->rgb, im->stride, NULL)) {
        fs_image_destroy(im);
        int rc = fs_errorf(err, "%s: corrupt PNG (%s)", path, pi.message);
        png_image_free(&pi);
        return rc;
    }
    *out = im;
    return FS_OK;
}

int fs_image_save_png_level(const fs_image *im, const char *path, int fast, fs_err *err) {
    fs_atomic_file f;
    if (fs_atomic_open(&f, path, err)) return FS_ERR;
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    pi.width = (png_uint_32)im->w;
    pi.height = (png_uint_32)im->h;
    pi.format = PNG_FORMAT_RGB;
    pi.flags = fast ? PNG_IMAGE_FLAG_FAST : 0;
    if (!png_image_write_to_stdio(&pi, f.fp, 0, im->rgb, im->stride, NULL)) {
        fs_atomic_abort(&f);
        return fs_errorf(err, "%s: PNG write failed (%s)", path, pi.message);
    }
    png_image_free(&pi);
    return fs_atomic_commit(&f, err);
}

int fs_image_save_png(const fs_image *im, const char *path, fs_err *err) {
    return fs_image_save_png_level(im, path, 0, err);
}

/* ---- JPEG ---- */

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
    char msg[JMSG_LENGTH_MAX];
} jerr_mgr;

static void jerr_exit(j_common_ptr cinfo) {
    jerr_mgr *m = (jerr_mgr *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, m->msg);
    longjmp(m->jb, 1);
}
static void jerr_silent(j_common_ptr cinfo, int level) {
    (void)cinfo;
    (void)level;
}

static unsigned rd16(const uint8_t *p, int le) { return le ? (unsigned)(p[0] | p[1] << 8) : (unsigned)(p[0] << 8 | p[1]); }
static uint32_t rd32(const uint8_t *p, int le) {
    return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
              : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int fs_exif_orientation(const uint8_t *d, size_t n) {
    if (n < 14 || memcmp(d, "Exif\0\0", 6) != 0) return 1;
    d += 6;
    n -= 6;
    int le;
    if (d[0] == 'I' && d[1] == 'I') le = 1;
    else if (d[0] == 'M' && d[1] == 'M') le = 0;
    else return 1;
    if (rd16(d + 2, le) != 42) return 1;
    uint32_t ifd = rd32(d + 4, le);
    if (ifd > n || n - ifd < 2) return 1;
    unsigned count = rd16(d + ifd, le);
    for (unsigned i = 0; i < count; i++) {
        uint64_t off = (uint64_t)ifd + 2 + 12ull * i;
        if (off + 12 > n) return 1;
        const uint8_t *e = d + off;
        if (rd16(e, le) == 0x0112) {
            unsigned type = rd16(e + 2, le);
            unsigned v = type == 3 ? rd16(e + 8, le) : (type == 4 ? rd32(e + 8, le) : 1);
            return v >= 1 && v <= 8 ? (int)v : 1;
        }
    }
    return 1;
}

static int load_jpeg(const char *path, fs_image **out, fs_err *err) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return fs_errorf(err, "%s: %s", path, strerror(errno));
    struct jpeg_decompress_struct ci;
    jerr_mgr jm;
    fs_image *volatile im = NULL;
    memset(&ci, 0, sizeof ci);
    ci.err = jpeg_std_error(&jm.pub);
    jm.pub.error_exit = jerr_exit;
    jm.pub.emit_message = jerr_silent;
    if (setjmp(jm.jb)) {
        jpeg_destroy_decompress(&ci);
        fclose(fp);
        fs_image_destroy(im);
        return fs_errorf(err, "%s: corrupt JPEG (%s)", path, jm.msg);
    }
    jpeg_create_decompress(&ci);
    jpeg_stdio_src(&ci, fp);
    jpeg_save_markers(&ci, JPEG_APP0 + 1, 0xffff);
    jpeg_read_header(&ci, TRUE);
    int orient = 1;
    for (jpeg_saved_marker_ptr m = ci.marker_list; m; m = m->next)
        if (m->marker == JPEG_APP0 + 1) {
            int o = fs_exif_orientation(m->data, m->data_length);
            if (o != 1) orient = o;
        }
    if (ci.jpeg_color_space == JCS_CMYK || ci.jpeg_color_space == JCS_YCCK) {
        jpeg_destroy_decompress(&ci);
        fclose(fp);
        return fs_errorf(err, "%s: CMYK JPEG is not supported; convert it to RGB", path);
    }
    ci.out_color_space = JCS_RGB;
    jpeg_start_decompress(&ci);
    if (ci.output_components != 3 || ci.output_width > FS_IMAGE_MAX_SIDE || ci.output_height > FS_IMAGE_MAX_SIDE) {
        jpeg_destroy_decompress(&ci);
        fclose(fp);
        return fs_errorf(err, "%s: unsupported JPEG layout", path);
    }
    im = fs_image_create((int)ci.output_width, (int)ci.output_height, err);
    if (!im) {
        jpeg_destroy_decompress(&ci);
        fclose(fp);
        return fs_err_prefix(err, path);
    }
    while (ci.output_scanline < ci.output_height) {
        JSAMPROW row = fs_image_px(im, 0, (int)ci.output_scanline);
        jpeg_read_scanlines(&ci, &row, 1);
    }
    jpeg_finish_decompress(&ci);
    jpeg_destroy_decompress(&ci);
    fclose(fp);
    fs_image *res = im;
    if (orient != 1) {
        res = fs_image_orient(im, orient, err);
        fs_image_destroy(im);
        if (!res) return fs_err_prefix(err, path);
    }
    *out = res;
    return FS_OK;
}

static const char *kind_of(const uint8_t *sig, size_t n) {
    if (n >= 8 && !memcmp(sig, "\x89PNG\r\n\x1a\n", 8)) return "png";
    if (n >= 3 && sig[0] == 0xff && sig[1] == 0xd8 && sig[2] == 0xff) return "jpeg";
    return NULL;
}

/* the first bytes of path: n read, or -1 with errno when it cannot be opened */
static long head_of(const char *path, uint8_t sig[8]) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    memset(sig, 0, 8);
    size_t n = fread(sig, 1, 8, fp);
    fclose(fp);
    return (long)n;
}

const char *fs_image_sniff(const char *path) {
    uint8_t sig[8];
    long n = head_of(path, sig);
    return n < 0 ? NULL : kind_of(sig, (size_t)n);
}

int fs_image_load(const char *path, fs_image **out, fs_err *err) {
    uint8_t sig[8];
    long n = head_of(path, sig);
    if (n < 0) return fs_errorf(err, "%s: %s", path, strerror(errno));
    const char *kind = kind_of(sig, (size_t)n);
    if (kind && !strcmp(kind, "png")) return load_png(path, out, err);
    if (kind) return load_jpeg(path, out, err);
    if (n == 0) return fs_errorf(err, "%s: empty file", path);
    return fs_errorf(err, "%s: not a PNG or JPEG image", path);
}
