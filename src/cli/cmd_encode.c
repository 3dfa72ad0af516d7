/* cmd_encode.c — `facestitch encode`: images (or raw tensor batches) to W+ latents with e4e. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/image_input.h"
#include "core/path.h"
#include "core/log.h"
#include "core/threads.h"
#include "models/e4e.h"
#include "registry/registry.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: facestitch encode [--encoder E] IMAGE... [--raw OUT.safetensors] [options]\n"
            "\n"
            "Invert face crops to StyleGAN2 W+ latents with the e4e encoder (Encoder4Editing, IR-SE-50),\n"
            "as STIT does for every frame's starting pivot: W+ = encoder(x) + latent_avg.\n"
            "\n"
            "IMAGE  FFHQ-aligned face crops (PNG/JPEG, any size; converted to [-1,1] and resized to\n"
            "       256x256), or .safetensors files with one float32 tensor [N,3,H,W] in [-1,1] used as is\n"
            "       (no resizing; at most 256x256; FILE.safetensors:NAME picks one tensor).\n"
            "\n"
            "Options:\n"
            "  --encoder E     e4e weights: e4e_ffhq_encode.pt or its facestitch .safetensors\n"
            "                  (default: the registry's e4e-ffhq, see 'facestitch models')\n"
            "  --raw OUT       write tensor 'ws' [N, num_ws, w_dim] float32 (num_ws 18, w_dim 512 for\n"
            "                  FFHQ 1024), all inputs in command-line order\n"
            "  --antialias     resize PNG/JPEG inputs with an antialiasing (triangle) filter, like the\n"
            "                  PIL resize e4e was trained with. Default: plain bilinear without prefilter,\n"
            "                  exactly STIT's torchvision Resize on a tensor (a 1024->256 minification then\n"
            "                  reads 2x2 of every 4x4 block, so fine detail aliases; pivots differ slightly)\n"
            "  --no-latent-avg write the raw encoder codes (without latent_avg)\n"
            "  -h, --help      this help\n"
            "\n"
            "Without --raw a one-line summary per image is printed.\n"
            "\n"
            "Examples:\n"
            "  facestitch encode --encoder e4e_ffhq_encode.pt crop.png --raw ws.safetensors\n"
            "  facestitch encode --encoder e4e.safetensors frames.safetensors --raw pivots.safetensors\n");
}

int fs_cmd_encode(int argc, char **argv) {
    static const struct option opts[] = {{"encoder", required_argument, 0, 'e'},
                                         {"raw", required_argument, 0, 'r'},
                                         {"antialias", no_argument, 0, 'a'},
                                         {"no-latent-avg", no_argument, 0, 'n'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *enc = NULL, *rawp = NULL;
    int antialias = 0, add_avg = 1, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "he:", opts, NULL)) != -1) {
        switch (c) {
        case 'e': enc = optarg; break;
        case 'r': rawp = optarg; break;
        case 'a': antialias = 1; break;
        case 'n': add_avg = 0; break;
        case 'h': usage(stdout); return 0;
        default: return fs_cli_usage_error("encode", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) return fs_cli_usage_error("encode", "needs at least one IMAGE");

    fs_err err = {0};
    char regpath[FS_PATH_MAX];
    if (!enc) {
        if (fs_registry_path("e4e-ffhq", regpath, sizeof regpath, &err)) return fs_cli_fail(&err);
        enc = regpath;
    }
    fs_e4e *e = NULL;
    fs_cli_batch b = {0};
    float *all = NULL, *x256 = NULL;
    long total = 0, cap = 0;
    int rc = 1;
    if (fs_e4e_load(enc, &e, &err)) goto fail;
    if (add_avg && !fs_e4e_has_latent_avg(e)) {
        fs_errorf(&err, "%s: no latent_avg in the checkpoint (use --no-latent-avg for raw codes)", enc);
        goto fail;
    }
    const int S = fs_e4e_num_ws(e), D = fs_e4e_w_dim(e);
    const long per = (long)S * D;
    fs_verbose("encode: e4e %s: %d styles x %d, latent_avg %s; %d thread(s); resize %s", enc, S, D,
               fs_e4e_has_latent_avg(e) ? "yes" : "no", fs_threads_count(), antialias ? "antialiased" : "plain bilinear (STIT)");
    fs_progress prog;
    fs_progress_begin(&prog, "encode", argc - optind);
    for (int i = optind; i < argc; i++) {
        const char *p = argv[i];
        if (fs_cli_batch_load(p, &b, &err)) goto fail;
        if (!b.from_tensor && (b.H != 256 || b.W != 256)) {
            if (!(x256 = malloc(sizeof(float) * 3 * 256 * 256))) {
                fs_errorf(&err, "out of memory");
                goto fail;
            }
            if (fs_e4e_resize_input(x256, b.data, b.H, b.W, 256, antialias, &err)) goto fail;
            free(b.data);
            b.data = x256;
            x256 = NULL;
            b.H = b.W = 256;
        }
        if (total + b.N > cap) {
            long ncap = (total + b.N) * 2;
            float *na = realloc(all, sizeof(float) * (size_t)ncap * (size_t)per);
            if (!na) {
                fs_errorf(&err, "out of memory");
                goto fail;
            }
            all = na;
            cap = ncap;
        }
        float *out = all + total * per;
        if (fs_e4e_encode(e, b.data, b.N, b.H, b.W, out, add_avg, NULL, NULL, &err)) {
            fs_err_prefix(&err, p);
            goto fail;
        }
        if (!rawp || fs_log_verbosity() >= 2)
            for (int n = 0; n < b.N; n++) {
                double s = 0, s2 = 0;
                for (long j = 0; j < per; j++) s += out[n * per + j], s2 += (double)out[n * per + j] * out[n * per + j];
                double mean = s / per, sd = sqrt(fmax(0.0, s2 / per - mean * mean));
                if (b.N > 1) printf("%s[%d]: ws [%d, %d] mean %.6f std %.6f\n", p, n, S, D, mean, sd);
                else printf("%s: ws [%d, %d] mean %.6f std %.6f\n", p, S, D, mean, sd);
            }
        total += b.N;
        fs_cli_batch_free(&b);
        fs_progress_step(&prog, 1, "%ld latents", total);
    }
    fs_progress_end(&prog);
    if (rawp) {
        int64_t shape[3] = {total, S, D};
        if (fs_cli_save_tensor(rawp, "ws", all, 3, shape, "ws", &err)) goto fail;
        fs_verbose("encode: wrote %ld latent(s) to %s", total, rawp);
    }
    rc = 0;
    goto done;
fail:
    rc = fs_cli_fail(&err);
done:
    free(all);
    free(x256);
    fs_cli_batch_free(&b);
    fs_e4e_destroy(e);
    return rc;
}
