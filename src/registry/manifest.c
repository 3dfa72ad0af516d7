/* manifest.c — the built-in model table (docs/models.md) and the optional JSON manifest
 * named by FACESTITCH_REGISTRY_MANIFEST that extends or replaces it. */
#include "registry/registry.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/fileio.h"

#define STIT_DIR_URL "https://raw.githubusercontent.com/rotemtzaban/STIT/main/editings/w_directions/"
#define STIT_DIR_PAGE "https://github.com/rotemtzaban/STIT/tree/main/editings/w_directions"
#define DIR_LICENCE "Creative Commons NonCommercial (stylegan2-distillation, Yandex)"
#define DIRECTION(n)                                                                                 \
    {"direction-" #n, "directions/" #n ".npy", STIT_DIR_URL #n ".npy", STIT_DIR_PAGE, -1, 74000, NULL, \
     DIR_LICENCE, "W-space edit direction '" #n "' (18x512 npy, STIT editings/w_directions)", NULL, 1, NULL}

/* The LPIPS v0.1 linear heads of backbone net (alex, vgg): one small file each in the LPIPS repository. */
#define LPIPS_REPO "https://github.com/richzhang/PerceptualSimilarity"
#define LPIPS_RAW "https://raw.githubusercontent.com/richzhang/PerceptualSimilarity/master/"
#define LPIPS_HEADS(net, bytes, sha, what)                                                                           \
    {"lpips-" #net, "lpips/" #net ".pth", LPIPS_RAW "lpips/weights/v0.1/" #net ".pth",                                \
     LPIPS_REPO " (lpips/weights/v0.1/" #net ".pth; also in the lpips pip package)", bytes, 0, sha, "BSD-2-Clause",   \
     what, NULL, 1, NULL}

static const fs_model_entry builtin[] = {
    {"stylegan2-ffhq", "ffhq.pkl", "https://nvlabs-fi-cdn.nvidia.com/stylegan2-ada-pytorch/pretrained/ffhq.pkl",
     "https://github.com/NVlabs/stylegan2-ada-pytorch (README, 'Pretrained networks': ffhq.pkl)", -1, 370000000,
     NULL, "NVIDIA Source Code License-NC: research/evaluation only",
     "StyleGAN2 FFHQ 1024 generator (G_ema): inversion, PTI, editing", NULL, 1, NULL},
    {"e4e-ffhq", "e4e_ffhq_encode.pt", NULL,
     "https://drive.google.com/file/d/1cUv_reLE6k3604or78EranS7XzuVMWeO/view (linked from the README of "
     "https://github.com/omertov/encoder4editing)",
     -1, 1150000000, NULL, "MIT code; NVIDIA-derived FFHQ decoder: treat as non-commercial",
     "e4e encoder: aligned face -> W+ latents (18x512), the start of each frame's pivot",
     "Google Drive rate-limits automated downloads, so facestitch does not fetch it: open the page in a browser "
     "and download e4e_ffhq_encode.pt (it is also inside STIT's pretrained_models.zip, "
     "https://drive.google.com/file/d/1cDvUHPTZQAEWvfiK9C0nDuI9C3Qdgbbp/view)",
     0, NULL},
    {"bisenet-face", "79999_iter.pth", NULL,
     "https://drive.google.com/file/d/154JgKpzCPW82qINcVieuPH3fZ2e0P812/view (linked from the README of "
     "https://github.com/zllrunning/face-parsing.PyTorch)",
     -1, 53000000, NULL, "MIT code; trained on CelebAMask-HQ (research-only terms)",
     "BiSeNet face parsing: the face mask used for stitching and pasting",
     "Google Drive rate-limits automated downloads, so facestitch does not fetch it: open the page in a browser "
     "and download 79999_iter.pth (it is also inside STIT's pretrained_models.zip, "
     "https://drive.google.com/file/d/1cDvUHPTZQAEWvfiK9C0nDuI9C3Qdgbbp/view); without it facestitch uses a "
     "landmark-hull mask",
     0, NULL},
    LPIPS_HEADS(alex, 6009, "df73285e35b22355a2df87cdb6b70b343713b667eddbda73e1977e0c860835c0",
                "LPIPS v0.1 linear heads for AlexNet: the perceptual loss of PTI"),
    LPIPS_HEADS(vgg, 7289, "a78928a0af1e5f0fcb1f3b9e8f8c3a2a5a3de244d830ad5c1feddc79b8432868",
                "LPIPS v0.1 linear heads for VGG16 (optional perceptual loss)"),
    {"alexnet-trunk", "alexnet-owt-7be5be79.pth", "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
     "https://pytorch.org/vision/stable/models.html (torchvision AlexNet_Weights.IMAGENET1K_V1)", 244408911, 0,
     "7be5be791159472b1fbf3c69796f7cb30dca7ad8466c2df70058c37116cdee02", "BSD-3-Clause (torchvision); ImageNet-trained",
     "AlexNet features: the backbone of LPIPS-alex", NULL, 1, NULL},
    {"vgg16-trunk", "vgg16-397923af.pth", "https://download.pytorch.org/models/vgg16-397923af.pth",
     "https://pytorch.org/vision/stable/models.html (torchvision VGG16_Weights.IMAGENET1K_V1)", 553433881, 0,
     "397923af8e79cdbb6a7127f12361acd7a2f83e06b05044ddf496e83de57a5bf0", "BSD-3-Clause (torchvision); ImageNet-trained",
     "VGG16 features: the backbone of LPIPS-vgg (optional)", NULL, 1, NULL},
    {"dlib-68", "shape_predictor_68_face_landmarks.dat", NULL,
     "Debian package libdlib-data, or http://dlib.net/files/shape_predictor_68_face_landmarks.dat.bz2 (also "
     "https://github.com/davisking/dlib-models)",
     99693937, 0, "fbdc2cb80eb9aa7a758672cbfdda32ba6300efe9b6e6c7a299ff7e736b11b92f",
     "CC0; trained on iBUG 300-W: no commercial use", "dlib 68-landmark predictor: face landmarks and alignment",
     "install it with 'sudo apt install libdlib-data' (facestitch then finds it in /usr/share/dlib), or download "
     "the .bz2 from dlib.net and decompress it with bunzip2",
     0, "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"},
    DIRECTION(age),
    DIRECTION(smile),
    DIRECTION(gender),
    DIRECTION(yaw),
    DIRECTION(pitch),
    DIRECTION(roll),
    DIRECTION(eyes_open),
    DIRECTION(mouth_open),
    DIRECTION(eye_distance),
    DIRECTION(eye_eyebrow_distance),
    DIRECTION(eye_ratio),
    DIRECTION(lip_ratio),
    DIRECTION(mouth_ratio),
    DIRECTION(nose_mouth_distance),
    DIRECTION(nose_ratio),
    DIRECTION(nose_tip),
};
enum { N_BUILTIN = (int)(sizeof builtin / sizeof builtin[0]) };

/* The loaded registry: pointers to built-in entries or to entries owned by `owned`. */
static struct {
    int loaded;
    int n;
    const fs_model_entry **list;
    fs_model_entry *owned; /* injected entries, their strings owned by `strings` */
    int n_owned;
    char **strings;
    int n_strings;
} g;

void fs_registry_unload(void) {
    for (int i = 0; i < g.n_strings; i++) free(g.strings[i]);
    free(g.strings);
    free(g.owned);
    free(g.list);
    memset(&g, 0, sizeof g);
}

static const char *keep_string(const char *s) {
    char *d = strdup(s);
    if (!d) return NULL;
    char **ns = realloc(g.strings, (size_t)(g.n_strings + 1) * sizeof *ns);
    if (!ns) {
        free(d);
        return NULL;
    }
    g.strings = ns;
    g.strings[g.n_strings++] = d;
    return d;
}

static int valid_name(const char *s) {
    if (!s[0] || strlen(s) > 64) return 0;
    for (const char *p = s; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.'))
            return 0;
    return s[0] != '-' && s[0] != '.';
}

/* A relative path with at most a few components, none empty, "." or "..", no backslash. */
static int valid_file(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 255 || s[0] == '/' || s[n - 1] == '/') return 0;
    const char *p = s;
    while (*p) {
        const char *q = strchr(p, '/');
        size_t len = q ? (size_t)(q - p) : strlen(p);
        if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.')) return 0;
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)p[i];
            if (c < 0x20 || c == '\\' || c == 0x7f) return 0;
        }
        p += len;
        if (*p == '/') p++;
    }
    return 1;
}

static int valid_hex64(const char *s) {
    if (strlen(s) != 64) return 0;
    for (int i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)s[i])) return 0;
    return 1;
}

static int valid_url(const char *s) {
    return (!strncmp(s, "http://", 7) || !strncmp(s, "https://", 8)) && strlen(s) < 2048 &&
           !strpbrk(s, " \t\r\n");
}

/* Reads optional string field `key` of `o` into *out (kept); NULL when absent. */
static int get_str(const cJSON *o, const char *key, const char **out, const char *where, int idx, fs_err *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v)) return FS_OK;
    if (!cJSON_IsString(v) || !v->valuestring)
        return fs_errorf(err, "%s: model #%d: \"%s\" must be a string", where, idx, key);
    if (strlen(v->valuestring) > 4000)
        return fs_errorf(err, "%s: model #%d: \"%s\" is too long", where, idx, key);
    *out = keep_string(v->valuestring);
    if (!*out) return fs_errorf(err, "%s: out of memory", where);
    return FS_OK;
}

static int get_int(const cJSON *o, const char *key, int64_t *out, int64_t dflt, const char *where, int idx,
                   fs_err *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = dflt;
    if (!v || cJSON_IsNull(v)) return FS_OK;
    double d = cJSON_IsNumber(v) ? v->valuedouble : -2;
    if (!(d >= 0 && d <= 9.0e15) || d != (double)(int64_t)d)
        return fs_errorf(err, "%s: model #%d: \"%s\" must be a whole number of bytes >= 0", where, idx, key);
    *out = (int64_t)d;
    return FS_OK;
}

static int parse_entry(const cJSON *o, fs_model_entry *e, const char *where, int idx, fs_err *err) {
    memset(e, 0, sizeof *e);
    if (!cJSON_IsObject(o)) return fs_errorf(err, "%s: model #%d is not an object", where, idx);
    if (get_str(o, "name", &e->name, where, idx, err) || get_str(o, "file", &e->file, where, idx, err) ||
        get_str(o, "url", &e->url, where, idx, err) || get_str(o, "page", &e->page, where, idx, err) ||
        get_str(o, "sha256", &e->sha256, where, idx, err) || get_str(o, "licence", &e->licence, where, idx, err) ||
        get_str(o, "purpose", &e->purpose, where, idx, err) || get_str(o, "how", &e->how, where, idx, err) ||
        get_str(o, "system_path", &e->system_path, where, idx, err) ||
        get_int(o, "size", &e->size, -1, where, idx, err) || get_int(o, "size_est", &e->size_est, 0, where, idx, err))
        return FS_ERR;
    if (!e->name || !valid_name(e->name))
        return fs_errorf(err, "%s: model #%d: \"name\" must be 1-64 characters of a-z 0-9 - _ .", where, idx);
    if (!e->file || !valid_file(e->file))
        return fs_errorf(err, "%s: model '%s': \"file\" must be a relative path without '..' components", where,
                         e->name);
    if (e->url && !valid_url(e->url))
        return fs_errorf(err, "%s: model '%s': \"url\" must be an http:// or https:// URL", where, e->name);
    if (e->sha256) {
        if (!valid_hex64(e->sha256))
            return fs_errorf(err, "%s: model '%s': \"sha256\" must be 64 hex digits", where, e->name);
        for (char *p = (char *)e->sha256; *p; p++) *p = (char)tolower((unsigned char)*p); /* owned copy */
    }
    if (e->system_path && e->system_path[0] != '/')
        return fs_errorf(err, "%s: model '%s': \"system_path\" must be absolute", where, e->name);
    const cJSON *af = cJSON_GetObjectItemCaseSensitive(o, "auto_fetch");
    if (af && !cJSON_IsBool(af))
        return fs_errorf(err, "%s: model '%s': \"auto_fetch\" must be true or false", where, e->name);
    e->auto_fetch = af ? cJSON_IsTrue(af) : (e->url != NULL);
    if (e->auto_fetch && !e->url)
        return fs_errorf(err, "%s: model '%s': \"auto_fetch\" needs a \"url\"", where, e->name);
    if (!e->page) e->page = e->url ? e->url : "(no source given in the manifest)";
    if (!e->licence) e->licence = "unknown";
    if (!e->purpose) e->purpose = "";
    return FS_OK;
}

static int add_to_list(const fs_model_entry *e) {
    for (int i = 0; i < g.n; i++)
        if (!strcmp(g.list[i]->name, e->name)) {
            g.list[i] = e; /* replaces the built-in (or an earlier) entry of that name */
            return FS_OK;
        }
    const fs_model_entry **nl = realloc(g.list, (size_t)(g.n + 1) * sizeof *nl);
    if (!nl) return FS_ERR;
    g.list = nl;
    g.list[g.n++] = e;
    return FS_OK;
}

static int load_injected(const char *path, fs_err *err) {
    unsigned char *data = NULL;
    size_t len = 0;
    if (fs_read_file(path, &data, &len, err)) return fs_err_prefix(err, "FACESTITCH_REGISTRY_MANIFEST");
    if (len > (16u << 20)) {
        free(data);
        return fs_errorf(err, "%s: manifest larger than 16 MB", path);
    }
    cJSON *root = cJSON_ParseWithLength((const char *)data, len);
    free(data);
    if (!root) return fs_errorf(err, "%s: not valid JSON (see docs/models.md for the manifest form)", path);
    const cJSON *models = root;
    int replace = 0;
    if (cJSON_IsObject(root)) {
        models = cJSON_GetObjectItemCaseSensitive(root, "models");
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(root, "replace");
        replace = r && cJSON_IsTrue(r);
    }
    if (!cJSON_IsArray(models)) {
        cJSON_Delete(root);
        return fs_errorf(err, "%s: expected a JSON array of models or {\"models\": [...]}", path);
    }
    int n = cJSON_GetArraySize(models);
    if (n > 10000) {
        cJSON_Delete(root);
        return fs_errorf(err, "%s: too many models (%d)", path, n);
    }
    g.owned = calloc((size_t)(n ? n : 1), sizeof *g.owned);
    if (!g.owned) {
        cJSON_Delete(root);
        return fs_errorf(err, "%s: out of memory", path);
    }
    if (replace) g.n = 0;
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, models) {
        if (parse_entry(it, &g.owned[i], path, i, err)) {
            cJSON_Delete(root);
            return FS_ERR;
        }
        for (int j = 0; j < i; j++)
            if (!strcmp(g.owned[j].name, g.owned[i].name)) {
                cJSON_Delete(root);
                return fs_errorf(err, "%s: model '%s' is listed twice", path, g.owned[i].name);
            }
        g.n_owned = ++i;
    }
    cJSON_Delete(root);
    for (int k = 0; k < g.n_owned; k++)
        if (add_to_list(&g.owned[k])) return fs_errorf(err, "%s: out of memory", path);
    return FS_OK;
}

int fs_registry_load(fs_err *err) {
    if (g.loaded) return FS_OK;
    fs_registry_unload();
    g.list = malloc(sizeof *g.list * N_BUILTIN);
    if (!g.list) return fs_errorf(err, "out of memory");
    for (int i = 0; i < N_BUILTIN; i++) g.list[i] = &builtin[i];
    g.n = N_BUILTIN;
    const char *path = getenv("FACESTITCH_REGISTRY_MANIFEST");
    if (path && path[0] && load_injected(path, err)) {
        fs_registry_unload();
        return FS_ERR;
    }
    g.loaded = 1;
    return FS_OK;
}

int fs_registry_count(void) {
    if (fs_registry_load(NULL)) return 0;
    return g.n;
}

const fs_model_entry *fs_registry_at(int i) {
    if (fs_registry_load(NULL) || i < 0 || i >= g.n) return NULL;
    return g.list[i];
}

const fs_model_entry *fs_registry_find(const char *name) {
    if (!name || fs_registry_load(NULL)) return NULL;
    for (int i = 0; i < g.n; i++)
        if (!strcmp(g.list[i]->name, name)) return g.list[i];
    return NULL;
}
