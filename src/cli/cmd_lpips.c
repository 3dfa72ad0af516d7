/* cmd_lpips.c — `facestitch lpips`: LPIPS distance between two images (or image batches),
 * optionally with its gradient w.r.t. the first. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/image_input.h"
#include "core/log.h"
#include "core/threads.h"
#include "models/lpips.h"
#include "pipeline/model_set.h"
#include "registry/registry.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: facestitch lpips [--model L] A B [--grad OUT.safetensors] [--layers]\n"
            "\n"
            "Perceptual distance LPIPS v0.1 (Zhang et al. 2018) between A and B, as the official\n"
            "PyTorch package computes it (AlexNet or VGG16 trunk, learned linear heads, spatial mean).\n"
            "0 means identical; around 0.1 is a small visible change; PTI uses it as half of its loss.\n"
            "\n"
            "A, B   PNG/JPEG images of the same size (RGB, converted to [-1,1]), or .safetensors files\n"
            "       with one float32 tensor [N,3,H,W] in [-1,1] used as is (no resizing); pick a tensor\n"
            "       of a multi-tensor file with FILE.safetensors:NAME. Both must have the same shape.\n"
            "\n"
            "Options:\n"
            "  --model L       LPIPS weights: a facestitch .safetensors (kind lpips, from 'facestitch\n"
            "                  convert --kind lpips LIN.pth --backbone TRUNK.pth') or any file the\n"
            "                  weights loader reads. The trunk (alex / vgg) is read from the file.\n"
            "                  Default: the registry's lpips-alex with alexnet-trunk ('facestitch models').\n"
            "  --grad OUT      also write OUT.safetensors with tensor 'grad' [N,3,H,W] =\n"
            "                  d(sum of the N distances)/dA, w.r.t. A in [-1,1]\n"
            "  --layers        also print the 5 per-layer terms of each distance (to stderr)\n"
            "  -h, --help      this help\n"
            "\n"
            "Output (stdout): one distance per batch item, one per line; when N > 1 a last line with\n"
            "their mean (so the last line is always the mean).\n"
            "\n"
            "Examples:\n"
            "  facestitch lpips --model lpips_alex.safetensors a.png b.png\n"
            "  facestitch lpips --model lpips_alex.safetensors x.safetensors y.safetensors --grad g.safetensors\n");
}

int fs_cmd_lpips(int argc, char **argv) {
    static const struct option opts[] = {{"model", required_argument, 0, 'm'},
                                         {"grad", required_argument, 0, 'g'},
                                         {"layers", no_argument, 0, 'l'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *model = NULL, *grad_path = NULL;
    int layers = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hm:g:", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'g': grad_path = optarg; break;
        case 'l': layers = 1; break;
        case 'h': usage(stdout); return 0;
        default:
            return fs_cli_usage_error("lpips", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 2) return fs_cli_usage_error("lpips", "needs exactly two inputs A and B");
    const char *pa = argv[optind], *pb = argv[optind + 1];

    fs_err err = {0};
    fs_lpips *lp = NULL;
    fs_cli_batch a = {0}, b = {0};
    float *dist = NULL, *per = NULL, *grad = NULL;
    int rc = 1;
    if (model) {
        if (fs_lpips_load(model, &lp, &err)) goto fail;
    } else {
        /* the registry's lin layers + torchvision trunk, combined as the pipeline does */
        static fs_model_set set;
        memset(&set, 0, sizeof set);
        if (fs_registry_path("lpips-alex", set.lpips, sizeof set.lpips, &err) ||
            fs_registry_path("alexnet-trunk", set.lpips_backbone, sizeof set.lpips_backbone, &err) ||
            fs_model_set_load_lpips(&set, &lp, &err))
            goto fail;
        model = "lpips-alex";
    }
    if (fs_cli_batch_load(pa, &a, &err) || fs_cli_batch_load(pb, &b, &err)) goto fail;
    if (a.N != b.N || a.H != b.H || a.W != b.W) {
        fs_errorf(&err, "%s: shape [%d,3,%d,%d] differs from %s's [%d,3,%d,%d]; LPIPS compares equal shapes", pb,
                  b.N, b.H, b.W, pa, a.N, a.H, a.W);
        goto fail;
    }
    fs_verbose("lpips: %s, %s trunk; %d image pair(s) of %dx%d; %d thread(s)", model, fs_lpips_net_name(lp), a.N, a.W,
               a.H, fs_threads_count());
    dist = malloc(sizeof(float) * (size_t)a.N);
    per = malloc(sizeof(float) * (size_t)a.N * FS_LPIPS_TAPS);
    if (grad_path) grad = malloc(sizeof(float) * (size_t)a.N * 3 * (size_t)a.H * (size_t)a.W);
    if (!dist || !per || (grad_path && !grad)) {
        fs_errorf(&err, "out of memory");
        goto fail;
    }
    if (fs_lpips_distance(lp, a.data, b.data, a.N, a.H, a.W, dist, per, grad, 1.0f, &err)) {
        fs_err_prefix(&err, pa);
        goto fail;
    }
    if (grad_path) {
        int64_t shape[4] = {a.N, 3, a.H, a.W};
        if (fs_cli_save_tensor(grad_path, "grad", grad, 4, shape, "lpips_grad", &err)) goto fail;
    }
    double mean = 0;
    for (int n = 0; n < a.N; n++) {
        printf("%.9g\n", dist[n]);
        mean += dist[n];
        if (layers) {
            fprintf(stderr, "item %d:", n);
            for (int k = 0; k < FS_LPIPS_TAPS; k++) fprintf(stderr, " %.9g", per[(long)k * a.N + n]);
            fprintf(stderr, "\n");
        }
    }
    if (a.N > 1) printf("%.9g\n", mean / a.N);
    rc = 0;
    goto done;
fail:
    rc = fs_cli_fail(&err);
done:
    free(dist);
    free(per);
    free(grad);
    fs_cli_batch_free(&a);
    fs_cli_batch_free(&b);
    fs_lpips_destroy(lp);
    return rc;
}
