/* cmd_inspect.c — `facestitch inspect FILE [--json]`: list the tensors of any weights file. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "weights/load.h"
#include "weights/wutil.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: facestitch inspect FILE [--json]\n"
            "\n"
            "Lists every tensor of a weights file: name, dtype, shape, plus the file's metadata.\n"
            "Reads safetensors, PyTorch .pt/.pth (zip and legacy torch.save), NVIDIA stylegan2-ada\n"
            ".pkl, NumPy .npy and TF.js weights manifests (*-weights_manifest.json: its shards are read\n"
            "from beside it). Nothing in the file is executed: pickles are read by an inert VM.\n"
            "Names are full key paths: 'g_ema/convs.0.conv.weight', 'G_ema/synthesis.b4.conv1.weight'.\n"
            "Floating-point tensors are shown as F32 (half/bfloat16/double are widened on load).\n"
            "\n"
            "Options:\n"
            "  --json       machine-readable output: {\"file\", \"format\", \"tensors\": [{\"name\",\n"
            "               \"dtype\", \"shape\"}], \"parameters\", \"metadata\": {...}}\n"
            "  -h, --help   this help\n"
            "\n"
            "Examples:\n"
            "  facestitch inspect ffhq.pkl\n"
            "  facestitch inspect e4e_ffhq_encode.pt --json > e4e.json\n"
            "\n"
            "Exit status: 0 success, 1 unreadable or invalid file (one line on stderr), 2 bad usage.\n");
}

int fs_cmd_inspect(int argc, char **argv) {
    static const struct option opts[] = {{"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int json = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'j') json = 1;
        else if (c == 'h') {
            usage(stdout);
            return 0;
        } else {
            return fs_cli_usage_error("inspect", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) return fs_cli_usage_error("inspect", "expects exactly one FILE");
    const char *path = argv[optind];
    fs_err err = {0};
    fs_tensor_map *m = NULL;
    unsigned char head[16] = {0};
    size_t hn = 0;
    FILE *fp = fopen(path, "rb");
    if (fp) {
        hn = fread(head, 1, sizeof head, fp);
        fclose(fp);
    }
    if (fs_weights_load(path, &m, &err)) return fs_cli_fail(&err);
    const char *fmt = fs_weights_format_name(head, hn);
    if (!fmt) fmt = "unknown";
    char shp[256];
    if (json) {
        fs__str b = {0};
        fs__str_add(&b, "{\"file\":", 8);
        fs__str_json(&b, path);
        fs__str_addf(&b, ",\"format\":\"%s\",\"tensors\":[", fmt);
        for (int i = 0; i < m->count; i++) {
            const fs_tensor *t = m->items[i];
            fs__str_add(&b, i ? ",{\"name\":" : "{\"name\":", i ? 9 : 8);
            fs__str_json(&b, t->name);
            fs__str_addf(&b, ",\"dtype\":\"%s\",\"shape\":[", fs_dtype_name(t->dtype));
            for (int d = 0; d < t->ndim; d++) fs__str_addf(&b, "%s%lld", d ? "," : "", (long long)t->shape[d]);
            fs__str_add(&b, "]}", 2);
        }
        fs__str_addf(&b, "],\"parameters\":%lld,\"metadata\":{", (long long)fs_tensor_map_param_count(m));
        for (int i = 0; i < m->meta_count; i++) {
            if (i) fs__str_add(&b, ",", 1);
            fs__str_json(&b, m->meta_keys[i]);
            fs__str_add(&b, ":", 1);
            fs__str_json(&b, m->meta_values[i]);
        }
        fs__str_add(&b, "}}\n", 3);
        if (b.oom) {
            fs__str_free(&b);
            fs_tensor_map_destroy(m);
            fs_errorf(&err, "%s: out of memory", path);
            return fs_cli_fail(&err);
        }
        fputs(b.s, stdout);
        fs__str_free(&b);
    } else {
        printf("%s: %s, %d tensors, %lld parameters\n", path, fmt, m->count, (long long)fs_tensor_map_param_count(m));
        for (int i = 0; i < m->count; i++) {
            const fs_tensor *t = m->items[i];
            printf("  %-60s %-4s %s\n", t->name, fs_dtype_name(t->dtype), fs_tensor_shape_str(t, shp, sizeof shp));
        }
        for (int i = 0; i < m->meta_count; i++) {
            const char *v = m->meta_values[i];
            if (strlen(v) > 200) printf("  metadata %s = %.200s... (%zu bytes)\n", m->meta_keys[i], v, strlen(v));
            else printf("  metadata %s = %s\n", m->meta_keys[i], v);
        }
    }
    fs_tensor_map_destroy(m);
    return 0;
}
