/* cmd_models.c — `facestitch models list | fetch NAME... | verify [NAME...] | path NAME | init`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "core/path.h"
#include "core/log.h"
#include "models/tiny_models.h"
#include "registry/registry.h"

static void print_help(FILE *fp) {
    fprintf(fp,
            "Usage: facestitch models list [--json]\n"
            "       facestitch models fetch NAME... | --all  [--force] [--connect-timeout S] [--stall-timeout S]\n"
            "       facestitch models verify [NAME...] [--json] [--pin]\n"
            "       facestitch models path NAME\n"
            "       facestitch models init --tiny --out DIR [--seed N]\n"
            "\n"
            "The pretrained models facestitch uses (StyleGAN2 FFHQ, e4e, BiSeNet, LPIPS, dlib landmarks,\n"
            "STIT's edit directions): where each comes from, its licence, whether it is here.\n"
            "\n"
            "  list      every model: name, size, present/missing, how it is fetched, licence note\n"
            "  fetch     download models into the cache dir: resumable (a cut transfer leaves <file>.part;\n"
            "            run fetch again to resume), progress with rate and ETA, sha256 checked, then renamed\n"
            "            into place. A file that fails the check is kept as <file>.bad, never under its name.\n"
            "            Where upstream publishes no hash, the first download's sha256 is pinned in\n"
            "            <file>.sha256. Google Drive models cannot be fetched automatically: fetch says\n"
            "            where to get them and exactly where to put them.\n"
            "            'fetch face-api' gets the face-api networks (SSD face detector, 68 landmarks,\n"
            "            128-D descriptor, age/gender, expressions; MIT) with the npm client: npm pack\n"
            "            " FS_FACE_API_PACKAGE ", every file sha256-checked. Without them facestitch\n"
            "            uses the Haar detector and dlib landmarks.\n"
            "  verify    sha256 of every present model (or the NAMEs) against the manifest or the pin;\n"
            "            lists the missing ones with where to get them. Exit 1 when a file is bad or a\n"
            "            named model is missing.\n"
            "  path      print the absolute path of a present model (exit 1 and where to get it if missing)\n"
            "\n"
            "Options:\n"
            "  --json                 machine-readable output (list, verify)\n"
            "  --all                  fetch: every model that can be fetched automatically\n"
            "  --force                fetch: download again even when a good file is present\n"
            "  --connect-timeout S    fetch: give up connecting after S seconds (default 20)\n"
            "  --stall-timeout S      fetch: give up when no byte arrives for S seconds (default 60)\n"
            "  --pin                  verify: pin the sha256 of present models that have no known hash\n"
            "\n"
            "Environment:\n"
            "  FACESTITCH_MODELS      the cache dir (default $XDG_CACHE_HOME/facestitch, else ~/.cache/facestitch)\n"
            "  FACESTITCH_MIRROR      base URL replacing the official hosts: fetch gets <base>/<file>\n"
            "  FACESTITCH_REGISTRY_MANIFEST   a JSON file adding or replacing models (docs/models.md)\n"
            "\n"
            "Examples:\n"
            "  facestitch models list\n"
            "  facestitch models fetch stylegan2-ffhq lpips-alex alexnet-trunk\n"
            "  facestitch models fetch face-api\n"
            "  FACESTITCH_MIRROR=https://models.example.org/facestitch facestitch models fetch e4e-ffhq\n"
            "  facestitch models verify\n"
            "  facestitch generate --model \"$(facestitch models path stylegan2-ffhq)\" --seed 1 -o face.png\n"
            "\n"
            "Details, licences and the manifest format: docs/models.md\n");
}

static const char *state_word(fs_model_state s) {
    switch (s) {
    case FS_MODEL_MISSING: return "missing";
    case FS_MODEL_OK: return "ok";
    case FS_MODEL_UNPINNED: return "unpinned";
    case FS_MODEL_BAD_HASH: return "BAD-HASH";
    case FS_MODEL_BAD_SIZE: return "BAD-SIZE";
    }
    return "?";
}

static void size_text(const fs_model_entry *e, char *buf, size_t n) {
    if (e->size >= 0) {
        fs_registry_format_size(e->size, buf, n);
    } else if (e->size_est > 0) {
        char t[24];
        fs_registry_format_size(e->size_est, t, sizeof t);
        snprintf(buf, n, "~%s", t);
    } else {
        snprintf(buf, n, "?");
    }
}

/* Prints a cJSON tree to stdout; returns the exit code. */
static int print_json(cJSON *root) {
    char *s = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!s) {
        fprintf(stderr, "facestitch: models: out of memory\n");
        return 1;
    }
    printf("%s\n", s);
    free(s);
    return 0;
}

static cJSON *entry_json(const fs_model_entry *e) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    char path[FS_PATH_MAX], url[4096];
    fs_err err;
    int r = fs_registry_locate(e, path, sizeof path, &err);
    fs_registry_fetch_url(e, url, sizeof url);
    cJSON_AddStringToObject(o, "name", e->name);
    cJSON_AddStringToObject(o, "file", e->file);
    if (e->url) cJSON_AddStringToObject(o, "url", e->url);
    else cJSON_AddNullToObject(o, "url");
    cJSON_AddStringToObject(o, "page", e->page);
    if (e->size >= 0) cJSON_AddNumberToObject(o, "size", (double)e->size);
    else cJSON_AddNullToObject(o, "size");
    if (e->size_est > 0) cJSON_AddNumberToObject(o, "size_est", (double)e->size_est);
    if (e->sha256) cJSON_AddStringToObject(o, "sha256", e->sha256);
    else cJSON_AddNullToObject(o, "sha256");
    cJSON_AddStringToObject(o, "licence", e->licence);
    cJSON_AddStringToObject(o, "purpose", e->purpose);
    cJSON_AddBoolToObject(o, "auto_fetch", e->auto_fetch);
    cJSON_AddStringToObject(o, "fetch_url", url);
    cJSON_AddBoolToObject(o, "present", r == 1);
    cJSON_AddStringToObject(o, "path", r >= 0 ? path : "");
    if (r == 0) {
        char how[2048];
        fs_registry_where_to_get(e, how, sizeof how);
        cJSON_AddStringToObject(o, "where_to_get", how);
    }
    return o;
}

static int cmd_list(int argc, char **argv) {
    int json = 0;
    static const struct option lo[] = {{"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == 'j') json = 1;
        else if (c == 'h') {
            print_help(stdout);
            return 0;
        } else return fs_cli_usage_error("models list", "unknown option");
    }
    if (optind < argc) return fs_cli_usage_error("models list", "unexpected argument '%s'", argv[optind]);
    fs_err err;
    char cache[FS_PATH_MAX];
    if (fs_registry_load(&err) || fs_registry_cache_dir(cache, sizeof cache, &err)) return fs_cli_fail(&err);
    int n = fs_registry_count();
    if (json) {
        cJSON *root = cJSON_CreateObject();
        cJSON *arr = cJSON_CreateArray();
        if (!root || !arr) {
            cJSON_Delete(root);
            cJSON_Delete(arr);
            return print_json(NULL);
        }
        cJSON_AddStringToObject(root, "cache_dir", cache);
        cJSON_AddItemToObject(root, "models", arr);
        for (int i = 0; i < n; i++) {
            cJSON *o = entry_json(fs_registry_at(i));
            if (o) cJSON_AddItemToArray(arr, o);
        }
        return print_json(root);
    }
    int w = 4;
    for (int i = 0; i < n; i++) {
        int l = (int)strlen(fs_registry_at(i)->name);
        if (l > w) w = l;
    }
    printf("Models (cache dir: %s)\n\n", cache);
    printf("%-*s  %-10s %-8s %-7s %s\n", w, "NAME", "SIZE", "STATUS", "FETCH", "LICENCE");
    int missing = 0, manual_missing = 0;
    for (int i = 0; i < n; i++) {
        const fs_model_entry *e = fs_registry_at(i);
        char path[FS_PATH_MAX], sz[40];
        int r = fs_registry_locate(e, path, sizeof path, &err);
        size_text(e, sz, sizeof sz);
        const char *status = r == 1 ? (e->system_path && !strcmp(path, e->system_path) ? "system" : "present")
                                    : r == 0 ? "missing" : "error";
        if (r != 1) {
            missing++;
            if (!e->auto_fetch) manual_missing++;
        }
        printf("%-*s  %-10s %-8s %-7s %s\n", w, e->name, sz, status, e->auto_fetch ? "auto" : fs_registry_is_face_api(e) ? "npm" : "manual", e->licence);
    }
    printf("\n%d models, %d missing.", n, missing);
    if (missing) printf(" 'facestitch models fetch NAME' downloads the 'auto' ones;");
    if (manual_missing) printf(" 'facestitch models path NAME' says where to get a 'manual' one and where to put it;");
    printf(" sizes with ~ are estimates.\nLicences and use limits: docs/models.md\n");
    return 0;
}

static int parse_seconds(const char *s, long *out) {
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!s[0] || *end || v < 1 || v > 86400) return 0;
    *out = v;
    return 1;
}

static int cmd_fetch(int argc, char **argv) {
    fs_fetch_opts o = fs_fetch_opts_default();
    int all = 0;
    static const struct option lo[] = {{"force", no_argument, 0, 'f'},
                                       {"all", no_argument, 0, 'a'},
                                       {"connect-timeout", required_argument, 0, 'c'},
                                       {"stall-timeout", required_argument, 0, 's'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'f': o.force = 1; break;
        case 'a': all = 1; break;
        case 'c':
            if (!parse_seconds(optarg, &o.connect_timeout_s))
                return fs_cli_usage_error("models fetch", "--connect-timeout needs seconds from 1 to 86400");
            break;
        case 's':
            if (!parse_seconds(optarg, &o.stall_timeout_s))
                return fs_cli_usage_error("models fetch", "--stall-timeout needs seconds from 1 to 86400");
            break;
        case 'h': print_help(stdout); return 0;
        default: return fs_cli_usage_error("models fetch", "unknown option");
        }
    }
    if (!all && optind >= argc) return fs_cli_usage_error("models fetch", "name at least one model (or --all)");
    if (all && optind < argc) return fs_cli_usage_error("models fetch", "give model names or --all, not both");
    fs_err err;
    if (fs_registry_load(&err)) return fs_cli_fail(&err);
    for (int i = optind; i < argc; i++)
        if (!fs_registry_find(argv[i]) && strcmp(argv[i], "face-api"))
            return fs_cli_usage_error("models fetch", "unknown model '%s' ('facestitch models list' shows them)",
                                      argv[i]);
    int failed = 0;
    int n = all ? fs_registry_count() : argc - optind;
    const char *mirror = getenv("FACESTITCH_MIRROR");
    int face_api_done = 0;
    for (int i = 0; i < n; i++) {
        const fs_model_entry *e = all ? fs_registry_at(i) : fs_registry_find(argv[optind + i]);
        if (!e || fs_registry_is_face_api(e)) { /* "face-api" or one of its files: all at once, by npm */
            if (!face_api_done++ && fs_registry_fetch_face_api(&o, &err)) {
                fs_cli_fail(&err);
                failed++;
            }
            continue;
        }
        if (all && !e->auto_fetch && !(mirror && mirror[0])) {
            char path[FS_PATH_MAX];
            if (fs_registry_locate(e, path, sizeof path, &err) != 1) {
                char how[2048];
                fs_registry_where_to_get(e, how, sizeof how);
                fs_info("%s: skipped (manual download). %s", e->name, how);
            }
            continue;
        }
        if (fs_registry_fetch(e->name, &o, NULL, 0, &err)) {
            fs_cli_fail(&err);
            failed++;
        }
    }
    if (failed && n > 1) fprintf(stderr, "facestitch: models fetch: %d of %d failed\n", failed, n);
    return failed ? 1 : 0;
}

static int cmd_verify(int argc, char **argv) {
    int json = 0, pin = 0;
    static const struct option lo[] = {{"json", no_argument, 0, 'j'},
                                       {"pin", no_argument, 0, 'p'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == 'j') json = 1;
        else if (c == 'p') pin = 1;
        else if (c == 'h') {
            print_help(stdout);
            return 0;
        } else return fs_cli_usage_error("models verify", "unknown option");
    }
    fs_err err;
    if (fs_registry_load(&err)) return fs_cli_fail(&err);
    for (int i = optind; i < argc; i++)
        if (!fs_registry_find(argv[i]))
            return fs_cli_usage_error("models verify", "unknown model '%s' ('facestitch models list' shows them)",
                                      argv[i]);
    int named = optind < argc;
    int n = named ? argc - optind : fs_registry_count();
    int counts[5] = {0};
    int rc = 0;
    cJSON *arr = json ? cJSON_CreateArray() : NULL;
    for (int i = 0; i < n; i++) {
        const fs_model_entry *e = named ? fs_registry_find(argv[optind + i]) : fs_registry_at(i);
        fs_model_status st;
        if (e->size >= 100000000 && !json) {
            char sz[32];
            fs_registry_format_size(e->size, sz, sizeof sz);
            fs_verbose("%s: hashing (%s)...", e->name, sz);
        }
        if (fs_registry_verify(e, &st, &err)) {
            fs_cli_fail(&err);
            rc = 1;
            continue;
        }
        int pinned_now = 0;
        if (pin && st.state == FS_MODEL_UNPINNED) {
            if (fs_registry_pin(e, st.path, st.hex, &err) == FS_OK) pinned_now = 1;
            else {
                fs_cli_fail(&err);
                rc = 1;
            }
        }
        counts[st.state]++;
        if (st.state == FS_MODEL_BAD_HASH || st.state == FS_MODEL_BAD_SIZE) rc = 1;
        if (st.state == FS_MODEL_MISSING && named) rc = 1;
        char how[2048] = "";
        if (st.state == FS_MODEL_MISSING) fs_registry_where_to_get(e, how, sizeof how);
        if (json) {
            cJSON *o = cJSON_CreateObject();
            if (!o) continue;
            cJSON_AddStringToObject(o, "name", e->name);
            cJSON_AddStringToObject(o, "state", state_word(st.state));
            cJSON_AddStringToObject(o, "path", st.path);
            if (st.hex[0]) cJSON_AddStringToObject(o, "sha256", st.hex);
            if (st.expected) cJSON_AddStringToObject(o, "expected_sha256", st.expected);
            if (st.size >= 0) cJSON_AddNumberToObject(o, "size", (double)st.size);
            if (how[0]) cJSON_AddStringToObject(o, "where_to_get", how);
            cJSON_AddItemToArray(arr, o);
            continue;
        }
        switch (st.state) {
        case FS_MODEL_OK:
            printf("ok        %-28s %s%s\n", e->name, st.path, st.from_pin ? " (sha256 pinned by first download)" : "");
            break;
        case FS_MODEL_UNPINNED:
            printf("unpinned  %-28s %s sha256 %s%s\n", e->name, st.path, st.hex,
                   pinned_now ? " (pinned now)" : " (no published hash; --pin records it)");
            break;
        case FS_MODEL_BAD_HASH:
            printf("BAD-HASH  %-28s %s sha256 %s, expected %s%s\n", e->name, st.path, st.hex, st.expected,
                   st.from_pin ? " (pinned)" : "");
            break;
        case FS_MODEL_BAD_SIZE:
            printf("BAD-SIZE  %-28s %s has %lld bytes, expected %lld\n", e->name, st.path, (long long)st.size,
                   (long long)e->size);
            break;
        case FS_MODEL_MISSING:
            printf("missing   %-28s %s\n", e->name, how);
            break;
        }
    }
    if (json) return print_json(arr) ? 1 : rc;
    printf("\n%d ok, %d unpinned, %d missing, %d bad.", counts[FS_MODEL_OK], counts[FS_MODEL_UNPINNED],
           counts[FS_MODEL_MISSING], counts[FS_MODEL_BAD_HASH] + counts[FS_MODEL_BAD_SIZE]);
    if (counts[FS_MODEL_BAD_HASH] + counts[FS_MODEL_BAD_SIZE])
        printf(" Replace a bad file with 'facestitch models fetch --force NAME' (or a fresh manual download).");
    printf("\n");
    return rc;
}

static int cmd_path(int argc, char **argv) {
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        print_help(stdout);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-') return fs_cli_usage_error("models path", "give exactly one model name");
    char path[FS_PATH_MAX];
    fs_err err;
    if (fs_registry_path(argv[1], path, sizeof path, &err)) return fs_cli_fail(&err);
    printf("%s\n", path);
    return 0;
}

/* models init --tiny --out DIR: the random stand-in set of models/tiny_models.h */
static int cmd_init(int argc, char **argv) {
    int tiny = 0;
    const char *out = NULL;
    long seed = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("Usage: facestitch models init --tiny --out DIR [--seed N]\n\n"
                   "Writes a tiny random-weight model set in facestitch's canonical layouts, so the whole\n"
                   "pipeline runs end to end in seconds (tests, CI, trying the tool without the real weights):\n"
                   "  DIR/generator.safetensors  StyleGAN2 64x64 (10 ws x 64)\n"
                   "  DIR/encoder.safetensors    e4e (IR-SE units)\n"
                   "  DIR/lpips.safetensors      LPIPS (alex-shaped)\n"
                   "  DIR/parser.safetensors     BiSeNet face parsing\n"
                   "  DIR/directions/age.npy, smile.npy\n"
                   "Use it with: facestitch edit VIDEO --models DIR --edit age=-6 -o OUT.mp4\n"
                   "The weights are random: renders are not faces.\n");
            return 0;
        } else if (!strcmp(argv[i], "--tiny")) {
            tiny = 1;
        } else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            char *end;
            seed = strtol(argv[++i], &end, 10);
            if (*end || seed < 0 || seed > 0x7fffffffL) return fs_cli_usage_error("models init", "--seed needs a number");
        } else {
            return fs_cli_usage_error("models init", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!tiny) return fs_cli_usage_error("models init", "only --tiny is available (the real models: 'models fetch')");
    if (!out) return fs_cli_usage_error("models init", "--out DIR is required");
    fs_err err = {0};
    if (fs_tiny_models_write(out, (uint32_t)seed, &err)) return fs_cli_fail(&err);
    fs_info("wrote the tiny model set to %s", out);
    return 0;
}

int fs_cmd_models(int argc, char **argv) {
    if (argc < 2) {
        print_help(stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        print_help(stdout);
        return 0;
    }
    if (!strcmp(sub, "list")) return cmd_list(argc - 1, argv + 1);
    if (!strcmp(sub, "fetch")) return cmd_fetch(argc - 1, argv + 1);
    if (!strcmp(sub, "verify")) return cmd_verify(argc - 1, argv + 1);
    if (!strcmp(sub, "path")) return cmd_path(argc - 1, argv + 1);
    if (!strcmp(sub, "init")) return cmd_init(argc - 1, argv + 1);
    return fs_cli_usage_error("models", "unknown subcommand '%s' (list, fetch, verify, path, init)", sub);
}
