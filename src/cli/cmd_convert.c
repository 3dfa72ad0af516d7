/* cmd_convert.c — `facestitch convert IN OUT.safetensors [--kind K] [--backbone TRUNK.pth]`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "core/sha256.h"
#include "weights/load.h"
#include "weights/safetensors.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: facestitch convert IN OUT.safetensors [--kind KIND] [--backbone TRUNK.pth]\n"
            "\n"
            "Converts an official checkpoint to a facestitch safetensors file with ONE canonical\n"
            "naming per model kind (docs/canonical-names.md) and the architecture facts in\n"
            "__metadata__. Reads NVIDIA stylegan2-ada .pkl (its G_ema network), rosinality .pt,\n"
            "e4e .pt, LPIPS .pth, BiSeNet .pth (zip or legacy torch.save), safetensors, .npy and\n"
            "TF.js weights manifests (*-weights_manifest.json + shards, e.g. the face-api networks).\n"
            "Nothing in the input is executed. The output is written atomically.\n"
            "\n"
            "Options:\n"
            "  --kind KIND      auto (default: detected from the tensor names; a file of no known\n"
            "                   kind is written as raw), stylegan2, e4e, lpips, bisenet, or raw\n"
            "                   (every tensor unchanged under its full original key path, e.g.\n"
            "                   'g_ema/convs.0.conv.weight')\n"
            "  --backbone FILE  LPIPS only: the torchvision alexnet/vgg16 .pth whose 'features.*'\n"
            "                   trunk goes beside the lin layers of IN\n"
            "  -h, --help       this help\n"
            "\n"
            "Prints: kind, tensor count, parameters, architecture facts and the sha256 of OUT.\n"
            "\n"
            "Examples:\n"
            "  facestitch convert ffhq.pkl stylegan2-ffhq.safetensors\n"
            "  facestitch convert stylegan2-ffhq-config-f.pt g.safetensors --kind stylegan2\n"
            "  facestitch convert alex.pth lpips-alex.safetensors --backbone alexnet-owt-7be5be79.pth\n"
            "  facestitch convert e4e_ffhq_encode.pt e4e.safetensors\n"
            "  facestitch convert checkpoint.pt everything.safetensors --kind raw\n"
            "\n"
            "Exit status: 0 success, 1 unreadable input or unwritable output (one line on stderr),\n"
            "2 bad usage.\n");
}

int fs_cmd_convert(int argc, char **argv) {
    static const struct option opts[] = {{"kind", required_argument, 0, 'k'},
                                         {"backbone", required_argument, 0, 'b'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *kind = "auto", *backbone = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'k') kind = optarg;
        else if (c == 'b') backbone = optarg;
        else if (c == 'h') {
            usage(stdout);
            return 0;
        } else if (c == ':' || (c == '?' && optopt)) {
            return fs_cli_usage_error("convert", "option '%s' needs a value", argv[optind - 1]);
        } else {
            return fs_cli_usage_error("convert", "unknown option '%s'", argv[optind - 1]);
        }
    }
    static const char *kinds[] = {"auto", "stylegan2", "e4e", "lpips", "bisenet", "raw"};
    int ok = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) ok |= !strcmp(kind, kinds[i]);
    if (!ok) return fs_cli_usage_error("convert", "unknown --kind '%s' (auto, stylegan2, e4e, lpips, bisenet, raw)", kind);
    if (optind != argc - 2) return fs_cli_usage_error("convert", "expects IN and OUT.safetensors");
    const char *in = argv[optind], *out = argv[optind + 1];
    size_t ol = strlen(out);
    if (ol < 12 || strcmp(out + ol - 12, ".safetensors"))
        return fs_cli_usage_error("convert", "OUT must end in .safetensors (got '%s')", out);
    if (backbone && strcmp(kind, "lpips") && strcmp(kind, "auto"))
        return fs_cli_usage_error("convert", "--backbone only applies to --kind lpips");
    fs_err err = {0};
    fs_tensor_map *raw = NULL, *bb = NULL, *res = NULL;
    if (fs_weights_load(in, &raw, &err)) return fs_cli_fail(&err);
    if (backbone && fs_weights_load(backbone, &bb, &err)) {
        fs_tensor_map_destroy(raw);
        return fs_cli_fail(&err);
    }
    if (backbone && strcmp(kind, "lpips")) {
        const char *k = fs_weights_detect_kind(raw);
        if (!k || strcmp(k, "lpips")) {
            fs_tensor_map_destroy(raw);
            fs_tensor_map_destroy(bb);
            fs_errorf(&err, "%s: --backbone given but this is not an LPIPS file", in);
            return fs_cli_fail(&err);
        }
    }
    int fallback = 0;
    if (!strcmp(kind, "auto") && !fs_weights_detect_kind(raw) && raw->count > 0) {
        kind = "raw"; /* not a model facestitch knows: keep every tensor under its original name */
        fallback = 1;
    }
    int rc = fs_weights_canonicalize(raw, kind, bb, &res, &err);
    fs_tensor_map_destroy(bb);
    if (rc) {
        fs_tensor_map_destroy(raw);
        fs_err_prefix(&err, in);
        return fs_cli_fail(&err);
    }
    fs_tensor_map *m = res ? res : raw;
    if (res) fs_tensor_map_destroy(raw);
    if (m->count == 0) {
        fs_tensor_map_destroy(m);
        fs_errorf(&err, "%s: no tensors to write", in);
        return fs_cli_fail(&err);
    }
    if (fs_safetensors_save(out, m, &err)) {
        fs_tensor_map_destroy(m);
        return fs_cli_fail(&err);
    }
    const char *k = fs_tensor_map_meta(m, "kind");
    printf("%s -> %s\n", in, out);
    printf("  kind        %s\n", k ? k : "?");
    if (fallback) printf("  note        not a model kind facestitch maps (stylegan2, e4e, lpips, bisenet): tensors kept\n"
                         "              under their original names (as --kind raw)\n");
    printf("  tensors     %d\n", m->count);
    printf("  parameters  %lld\n", (long long)fs_tensor_map_param_count(m));
    static const char *facts[] = {"layout", "resolution", "z_dim", "w_dim", "num_ws", "mapping_layers", "channels",
                                  "conv_clamp", "n_styles", "decoder_resolution", "net", "trunk", "n_classes"};
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        const char *v = fs_tensor_map_meta(m, facts[i]);
        if (v) printf("  %-11s %s\n", facts[i], v);
    }
    fs_tensor_map_destroy(m);
    char hex[65];
    if (fs_sha256_file(out, 0, hex, &err)) return fs_cli_fail(&err);
    printf("  sha256      %s\n", hex);
    return 0;
}
