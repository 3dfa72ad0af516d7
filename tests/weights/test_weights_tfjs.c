/* test_weights_tfjs.c — the TF.js manifest reader on hand-made manifests and shards: float32,
 * uint8/uint16 affine quantisation (TF.js's v * scale + min), int32 with Math.round, float16,
 * a group over two shards; then damaged ones, each refused with one line naming the reason. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "core/fileio.h"
#include "weights/load.h"
#include "weights/tfjs.h"

static char dir[4096];

static void put(const char *name, const void *data, size_t n) {
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    fs_err err;
    CHECK(fs_write_file_atomic(p, data, n, &err) == FS_OK);
}

static fs_tensor_map *load(const char *json, fs_err *err) {
    put("m-weights_manifest.json", json, strlen(json));
    char p[4200];
    snprintf(p, sizeof p, "%s/m-weights_manifest.json", dir);
    fs_tensor_map *m = NULL;
    err->msg[0] = 0;
    if (fs_weights_load(p, &m, err)) return NULL; /* through the sniffing loader, as inspect does */
    return m;
}

static void refused(const char *json, const char *want) {
    fs_err err;
    fs_tensor_map *m = load(json, &err);
    CHECK_MSG(!m, "accepted: %s", json);
    if (m) fs_tensor_map_destroy(m);
    CHECK_MSG(strstr(err.msg, want) && strstr(err.msg, "m-weights_manifest.json") && !strchr(err.msg, '\n'),
              "message '%s' lacks '%s'", err.msg, want);
    if (!m) printf("refused: %s\n", err.msg);
}

static float val(const fs_tensor_map *m, const char *name, int i) {
    const fs_tensor *t = fs_tensor_map_get(m, name);
    CHECK_MSG(t != NULL, "missing %s", name);
    return t ? ((const float *)t->data)[i] : NAN;
}

int main(void) {
    fs_err err;
    CHECK(fs_make_temp_dir("fs_tfjs_", dir, sizeof dir, &err) == FS_OK);
    /* a.bin: 2 float32, 4 uint8 (q), 1 uint8 int32, 1 uint16 pair; b.bin: float16 1.0 */
    unsigned char a[] = {0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 0, 1, 2, 255, 2, 0x10, 0x00};
    unsigned char b[] = {0x00, 0x3c};
    put("a.bin", a, sizeof a);
    put("b.bin", b, sizeof b);
    fs_tensor_map *m = load("[{\"paths\":[\"a.bin\",\"b.bin\"],\"weights\":["
                            "{\"name\":\"f\",\"shape\":[2],\"dtype\":\"float32\"},"
                            "{\"name\":\"q\",\"shape\":[2,2],\"dtype\":\"float32\",\"quantization\":"
                            "{\"dtype\":\"uint8\",\"min\":-0.75,\"scale\":0.01}},"
                            "{\"name\":\"i\",\"shape\":[],\"dtype\":\"int32\",\"quantization\":"
                            "{\"dtype\":\"uint8\",\"scale\":0.3,\"min\":1}},"
                            "{\"name\":\"u\",\"shape\":[1],\"dtype\":\"float32\",\"quantization\":"
                            "{\"dtype\":\"uint16\",\"min\":0.5,\"scale\":0.25}},"
                            "{\"name\":\"h\",\"shape\":[1,1],\"dtype\":\"float32\",\"quantization\":{\"dtype\":\"float16\"}}]}]",
                            &err);
    CHECK_MSG(m != NULL, "%s", err.msg);
    if (m) {
        CHECK(m->count == 5);
        CHECK(val(m, "f", 0) == 1.0f && val(m, "f", 1) == -2.0f);
        CHECK(val(m, "q", 0) == (float)(0 * 0.01 + -0.75) && val(m, "q", 3) == (float)(255 * 0.01 + -0.75));
        CHECK(val(m, "q", 2) == (float)(2 * 0.01 + -0.75));
        CHECK(val(m, "i", 0) == 2.0f); /* Math.round(2 * 0.3 + 1) = round(1.6) */
        CHECK(val(m, "u", 0) == (float)(0x0010 * 0.25 + 0.5));
        CHECK(val(m, "h", 0) == 1.0f);
        CHECK(fs_tensor_map_get(m, "q")->ndim == 2 && fs_tensor_map_get(m, "i")->ndim == 0);
        CHECK(!strcmp(fs_tensor_map_meta(m, "format"), "tfjs"));
        fs_tensor_map_destroy(m);
        printf("OK tfjs values f=1,-2 q=%.4f..%.4f i=2 u=%.2f h=1\n", (double)(0 * 0.01f - 0.75f), 255 * 0.01 - 0.75,
               0x0010 * 0.25 + 0.5);
    }
    /* Damaged manifests and shards. */
    refused("[{\"paths\":[\"a.bin\"],\"weights\":[{\"name\":\"f\",\"shape\":[2],\"dtype\":\"float32\"}]}]",
            "shard too long");
    refused("[{\"paths\":[\"b.bin\"],\"weights\":[{\"name\":\"f\",\"shape\":[2],\"dtype\":\"float32\"}]}]",
            "shard too short");
    refused("[{\"paths\":[\"gone.bin\"],\"weights\":[]}]", "gone.bin");
    refused("[{\"paths\":[\"../a.bin\"],\"weights\":[]}]", "relative path");
    refused("[{\"paths\":[\"/etc/passwd\"],\"weights\":[]}]", "relative path");
    refused("[{\"paths\":[\"b.bin\"],\"weights\":[{\"name\":\"x\",\"shape\":[1],\"dtype\":\"float32\",\"quantization\":"
            "{\"dtype\":\"uint8\",\"min\":0,\"scale\":1}},{\"name\":\"x\",\"shape\":[1],\"dtype\":\"float32\","
            "\"quantization\":{\"dtype\":\"uint8\",\"min\":0,\"scale\":1}}]}]",
            "duplicate");
    refused("[{\"paths\":[\"b.bin\"],\"weights\":[{\"name\":\"x\",\"shape\":[4294967296,4294967296],\"dtype\":\"float32\"}]}]",
            "shape[0]");
    refused("[{\"paths\":[\"b.bin\"],\"weights\":[{\"name\":\"x\",\"shape\":[2147483647,2147483647,2147483647],"
            "\"dtype\":\"float32\"}]}]",
            "too large");
    refused("[{\"paths\":[\"b.bin\"],\"weights\":[{\"name\":\"x\",\"shape\":[1],\"dtype\":\"float32\",\"quantization\":"
            "{\"dtype\":\"uint8\",\"scale\":1}}]}]",
            "finite");
    refused("[{\"paths\":[\"b.bin\"],\"weights\":[{\"name\":\"x\",\"shape\":[1],\"dtype\":\"string\"}]}]", "not supported");
    refused("[{\"paths\":[\"b.bin\"],\"weights\":[{\"name\":\"x\",\"shape\":[1],\"dtype\":\"float32\",\"quantization\":"
            "{\"dtype\":\"int4\"}}]}]",
            "quantization dtype");
    refused("[{\"paths\":[],\"weights\":[]}]", "non-empty");
    refused("[]", "not a TF.js weights manifest");
    refused("[{\"paths\":[\"b.bin\"],\"weights\":[{\"name\":\"x\",\"shape\":[1],", "not valid JSON");
    fs_remove_tree(dir, &err);
    return check_finish();
}
