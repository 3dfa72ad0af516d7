/* cmd_parse.c — `facestitch parse`: BiSeNet face parsing of an image (or a raw tensor batch). */
#include <getopt.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/image_input.h"
#include "core/path.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/threads.h"
#include "image/image.h"
#include "models/bisenet.h"
#include "registry/registry.h"
#include "tensor/resize.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: facestitch parse [--model B] IMAGE -o LABELS.png [--raw OUT.safetensors] [options]\n"
            "\n"
            "Face parsing with BiSeNet (face-parsing.PyTorch, the 79999_iter.pth model STIT uses for its\n"
            "stitching masks): a class for every pixel.\n"
            "\n"
            "IMAGE  a PNG/JPEG face crop (FFHQ-aligned, like STIT's), resized to --size with nearest\n"
            "       neighbour as STIT does (1024 -> 512 takes every other pixel); or a .safetensors file\n"
            "       with one float32 tensor [N,3,H,W] in [-1,1] used as is (no resizing; pick a tensor of\n"
            "       a multi-tensor file with FILE.safetensors:NAME). Either way the network's own input\n"
            "       transform applies: clip to [-1,1], (x+1)/2, ImageNet mean/std.\n"
            "\n"
            "Options:\n"
            "  --model B         BiSeNet weights (79999_iter.pth, or its facestitch .safetensors;\n"
            "                    default: the registry's bisenet-face, see 'facestitch models')\n"
            "  -o LABELS.png     class ids as an 8-bit greyscale PNG (pixel value = class, 0..18) at the\n"
            "                    network's resolution; a batch of N is stacked vertically (N*H rows)\n"
            "  --raw OUT         write tensor 'logits' [N,19,H,W] float32 (before the argmax)\n"
            "  --size S          PNG/JPEG inputs are resized to SxS first (default 512; 0 = keep size)\n"
            "  --color           write a colour palette instead of grey class ids (for looking at)\n"
            "  -h, --help        this help\n"
            "\n"
            "Classes: 0 background, 1 skin, 2 l_brow, 3 r_brow, 4 l_eye, 5 r_eye, 6 eyeglasses, 7 l_ear,\n"
            "8 r_ear, 9 earring, 10 nose, 11 mouth, 12 u_lip, 13 l_lip, 14 neck, 15 necklace, 16 cloth,\n"
            "17 hair, 18 hat. STIT's face mask is every class except 0, 16 and 18.\n"
            "\n"
            "Examples:\n"
            "  facestitch parse --model bisenet.safetensors face.png -o labels.png\n"
            "  facestitch parse --model 79999_iter.pth crops.safetensors --raw logits.safetensors -o l.png\n");
}

static const uint8_t palette[19][3] = {
    {0, 0, 0},       {204, 153, 102}, {102, 51, 0},   {153, 76, 0},    {0, 102, 255},  {0, 51, 204},
    {255, 255, 0},   {255, 153, 153}, {204, 102, 102}, {255, 0, 255},  {255, 102, 0},  {102, 0, 51},
    {255, 0, 0},     {153, 0, 0},     {255, 204, 153}, {0, 255, 255},  {0, 153, 0},    {102, 51, 153},
    {153, 153, 153}};

/* One-channel 8-bit PNG (PIL mode "L": reading it gives the class ids directly), atomic. */
static int save_gray_png(const char *path, const uint8_t *px, int w, int h, fs_err *err) {
    fs_atomic_file f;
    if (fs_atomic_open(&f, path, err)) return FS_ERR;
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    pi.width = (png_uint_32)w;
    pi.height = (png_uint_32)h;
    pi.format = PNG_FORMAT_GRAY;
    if (!png_image_write_to_stdio(&pi, f.fp, 0, px, w, NULL)) {
        fs_atomic_abort(&f);
        return fs_errorf(err, "%s: PNG write failed (%s)", path, pi.message);
    }
    png_image_free(&pi);
    return fs_atomic_commit(&f, err);
}

int fs_cmd_parse(int argc, char **argv) {
    static const struct option opts[] = {{"model", required_argument, 0, 'm'}, {"output", required_argument, 0, 'o'},
                                         {"raw", required_argument, 0, 'r'},   {"size", required_argument, 0, 's'},
                                         {"color", no_argument, 0, 'c'},       {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *model = NULL, *outp = NULL, *rawp = NULL;
    int size = 512, color = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hm:o:", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'o': outp = optarg; break;
        case 'r': rawp = optarg; break;
        case 'c': color = 1; break;
        case 's': {
            char *end = NULL;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 0 || v > 8192)
                return fs_cli_usage_error("parse", "--size needs a number from 0 to 8192, got '%s'", optarg);
            size = (int)v;
            break;
        }
        case 'h': usage(stdout); return 0;
        default: return fs_cli_usage_error("parse", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1) return fs_cli_usage_error("parse", "needs exactly one IMAGE");
    if (!outp && !rawp) return fs_cli_usage_error("parse", "give -o LABELS.png and/or --raw OUT.safetensors");
    const char *inp = argv[optind];

    fs_err err = {0};
    char regpath[FS_PATH_MAX];
    if (!model) {
        if (fs_registry_path("bisenet-face", regpath, sizeof regpath, &err)) return fs_cli_fail(&err);
        model = regpath;
    }
    fs_bisenet *bs = NULL;
    fs_cli_batch b = {0};
    float *logits = NULL;
    uint8_t *lab = NULL;
    fs_image *im = NULL;
    int rc = 1;
    if (fs_bisenet_load(model, &bs, &err)) goto fail;
    if (fs_cli_batch_load(inp, &b, &err)) goto fail;
    if (!b.from_tensor && size > 0 && (b.H != size || b.W != size)) {
        float *r = malloc(sizeof(float) * 3 * (size_t)size * (size_t)size);
        if (!r) {
            fs_errorf(&err, "out of memory");
            goto fail;
        }
        if (fs_resize_nearest_forward(r, b.data, 1, 3, b.H, b.W, size, size, &err)) {
            free(r);
            goto fail;
        }
        free(b.data);
        b.data = r;
        b.H = b.W = size;
    }
    const int K = fs_bisenet_num_classes(bs);
    const long HW = (long)b.H * b.W;
    fs_verbose("parse: BiSeNet %s, %d classes; %d image(s) of %dx%d; %d thread(s)", model, K, b.N, b.W, b.H,
               fs_threads_count());
    logits = malloc(sizeof(float) * (size_t)b.N * (size_t)K * (size_t)HW);
    lab = malloc((size_t)b.N * (size_t)HW);
    if (!logits || !lab) {
        fs_errorf(&err, "out of memory");
        goto fail;
    }
    if (fs_bisenet_parse(bs, b.data, b.N, b.H, b.W, logits, &err)) {
        fs_err_prefix(&err, inp);
        goto fail;
    }
    fs_bisenet_argmax(lab, logits, b.N, K, HW);
    if (rawp) {
        int64_t shape[4] = {b.N, K, b.H, b.W};
        if (fs_cli_save_tensor(rawp, "logits", logits, 4, shape, "bisenet_logits", &err)) goto fail;
    }
    if (outp) {
        if ((long)b.N * b.H > 65535 * 16) {
            fs_errorf(&err, "%s: a batch of %d is too tall for one PNG", outp, b.N);
            goto fail;
        }
        if (!color) {
            /* labels are (N, H, W) row-major: the batch stacks vertically as it is */
            if (save_gray_png(outp, lab, b.W, b.N * b.H, &err)) goto fail;
        } else {
            im = fs_image_create(b.W, b.N * b.H, &err);
            if (!im) goto fail;
            for (int n = 0; n < b.N; n++)
                for (int y = 0; y < b.H; y++)
                    for (int x = 0; x < b.W; x++) {
                        uint8_t l = lab[(long)n * HW + (long)y * b.W + x];
                        uint8_t *px = fs_image_px(im, x, n * b.H + y);
                        if (l < 19) memcpy(px, palette[l], 3);
                        else px[0] = px[1] = px[2] = l;
                    }
            if (fs_image_save_png(im, outp, &err)) goto fail;
        }
    }
    rc = 0;
    goto done;
fail:
    rc = fs_cli_fail(&err);
done:
    fs_image_destroy(im);
    free(logits);
    free(lab);
    fs_cli_batch_free(&b);
    fs_bisenet_destroy(bs);
    return rc;
}
