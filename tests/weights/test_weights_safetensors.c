/* test_weights_safetensors.c — reader/writer round trip, strict validation, fixtures. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "weights/safetensors.h"

static size_t make_st(unsigned char *buf, const char *json, const void *data, size_t dlen) {
    size_t n = strlen(json);
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)((uint64_t)n >> (8 * i));
    memcpy(buf + 8, json, n);
    if (dlen) memcpy(buf + 8 + n, data, dlen);
    return 8 + n + dlen;
}

static int load_err(const char *json, const void *data, size_t dlen, const char *want) {
    unsigned char buf[4096];
    size_t len = make_st(buf, json, data, dlen);
    fs_tensor_map *m = NULL;
    fs_err err = {0};
    int rc = fs_safetensors_load_mem(buf, len, FS_ST_TO_F32, &m, &err);
    if (rc == FS_OK) {
        fs_tensor_map_destroy(m);
        fprintf(stderr, "accepted bad header: %s\n", json);
        return 0;
    }
    if (!strstr(err.msg, want)) {
        fprintf(stderr, "message '%s' lacks '%s'\n", err.msg, want);
        return 0;
    }
    return 1;
}

static void test_validation(void) {
    float d[4] = {1, 2, 3, 4};
    CHECK(load_err("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,12]}}", d, 16, "needs 8"));
    CHECK(load_err("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                   "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", d, 16, "overlap"));
    CHECK(load_err("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", d, 8, "outside"));
    CHECK(load_err("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                   "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", d, 16, "duplicate"));
    CHECK(load_err("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", d, 8, "dtype"));
    CHECK(load_err("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", d, 8, "shape"));
    CHECK(load_err("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", d, 8, "outside"));
    CHECK(load_err("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", d, 8,
                   "overflow"));
    CHECK(load_err("{\"__metadata__\":{\"x\":3}}", d, 0, "not a string"));
    CHECK(load_err("{\"a\":", d, 0, "JSON"));
    CHECK(load_err("[1,2]", d, 0, "'{'"));
    /* header length beyond the file */
    unsigned char buf[16] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, '{', '}'};
    fs_tensor_map *m = NULL;
    fs_err err = {0};
    CHECK(fs_safetensors_load_mem(buf, 10, 0, &m, &err) != FS_OK && strstr(err.msg, "exceeds"));
    CHECK(fs_safetensors_load_mem(buf, 5, 0, &m, &err) != FS_OK);
    CHECK(m == NULL);
}

static void test_dtypes(void) {
    /* F16 1.5 = 0x3E00, BF16 -2 = 0xC000, F64 0.25, I64 -7 */
    unsigned char data[2 + 2 + 8 + 8 + 4];
    uint16_t h = 0x3E00, b = 0xC000;
    double f64 = 0.25;
    int64_t i64 = -7;
    memcpy(data, &h, 2);
    memcpy(data + 2, &b, 2);
    memcpy(data + 4, &f64, 8);
    memcpy(data + 12, &i64, 8);
    unsigned char buf[1024];
    size_t len = make_st(buf,
                         "{\"__metadata__\":{\"format\":\"pt\"},"
                         "\"h\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[0,2]},"
                         "\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[2,4]},"
                         "\"d\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[4,12]},"
                         "\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[12,20]},"
                         "\"z\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[20,20]}}        ",
                         data, 20);
    fs_tensor_map *m = NULL;
    fs_err err = {0};
    CHECK(fs_safetensors_load_mem(buf, len, FS_ST_TO_F32, &m, &err) == FS_OK);
    if (!m) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK(m->count == 5);
    const fs_tensor *t = fs_tensor_map_get(m, "h");
    CHECK(t && t->dtype == FS_F32 && t->ndim == 0 && ((float *)t->data)[0] == 1.5f);
    t = fs_tensor_map_get(m, "b");
    CHECK(t && t->dtype == FS_F32 && ((float *)t->data)[0] == -2.0f);
    t = fs_tensor_map_get(m, "d");
    CHECK(t && t->dtype == FS_F32 && t->ndim == 2 && ((float *)t->data)[0] == 0.25f);
    t = fs_tensor_map_get(m, "i");
    CHECK(t && t->dtype == FS_I64 && ((int64_t *)t->data)[0] == -7);
    CHECK(fs_tensor_map_meta(m, "format") && !strcmp(fs_tensor_map_meta(m, "format"), "pt"));
    fs_tensor_map_destroy(m);
    m = NULL;
    CHECK(fs_safetensors_load_mem(buf, len, FS_ST_TO_F32 | FS_ST_I64_TO_F32, &m, &err) == FS_OK);
    t = m ? fs_tensor_map_get(m, "i") : NULL;
    CHECK(t && t->dtype == FS_F32 && ((float *)t->data)[0] == -7.0f);
    fs_tensor_map_destroy(m);
}

static void test_roundtrip(void) {
    fs_err err = {0};
    fs_tensor_map *m = fs_tensor_map_create();
    int64_t s1[2] = {2, 3}, s2[1] = {5};
    fs_tensor *a = fs_tensor_create(2, s1, &err);
    fs_tensor *b = fs_tensor_create_dtype(FS_I64, 1, s2, &err);
    for (int i = 0; i < 6; i++) ((float *)a->data)[i] = (float)i * 0.5f - 1;
    for (int i = 0; i < 5; i++) ((int64_t *)b->data)[i] = (int64_t)i * 1000000000000ll;
    strcpy(a->name, "z.weight");
    strcpy(b->name, "a \"quoted\"\\name");
    CHECK(fs_tensor_map_add(m, a, &err) == FS_OK);
    CHECK(fs_tensor_map_add(m, b, &err) == FS_OK);
    fs_tensor *dup = fs_tensor_create(2, s1, &err);
    strcpy(dup->name, "z.weight");
    CHECK(fs_tensor_map_add(m, dup, &err) != FS_OK); /* takes ownership even on failure */
    CHECK(fs_tensor_map_set_meta(m, "format", "facestitch", &err) == FS_OK);
    CHECK(fs_tensor_map_set_meta(m, "note", "line\nbreak \"q\"", &err) == FS_OK);
    char path[256];
    snprintf(path, sizeof path, "/tmp/fs_test_st_%d.safetensors", (int)getpid());
    CHECK(fs_safetensors_save(path, m, &err) == FS_OK);
    fs_tensor_map *r = NULL;
    CHECK(fs_safetensors_load(path, 0, &r, &err) == FS_OK);
    if (r) {
        CHECK(r->count == 2);
        CHECK(!strcmp(r->items[0]->name, "a \"quoted\"\\name")); /* sorted */
        const fs_tensor *ra = fs_tensor_map_get(r, "z.weight");
        CHECK(ra && ra->ndim == 2 && ra->shape[1] == 3 && !memcmp(ra->data, a->data, 24));
        const fs_tensor *rb = fs_tensor_map_get(r, "a \"quoted\"\\name");
        CHECK(rb && rb->dtype == FS_I64 && !memcmp(rb->data, b->data, 40));
        CHECK(!strcmp(fs_tensor_map_meta(r, "note"), "line\nbreak \"q\""));
        /* in-place modification of a mapped tensor must work (copy-on-write) */
        ((float *)fs_tensor_map_get_mut(r, "z.weight")->data)[0] = 42;
        fs_tensor_map_destroy(r);
    }
    /* the header length is a multiple of 8 */
    FILE *fp = fopen(path, "rb");
    unsigned char hb[8] = {0};
    CHECK(fp && fread(hb, 1, 8, fp) == 8);
    if (fp) fclose(fp);
    CHECK(hb[0] % 8 == 0);
    remove(path);
    fs_tensor_map_destroy(m);
}

static void test_fixtures(void) {
    static const char *files[] = {"fixtures/stylegan2_nvidia/G_ema.safetensors",
                                  "fixtures/stylegan2_rosinality/stylegan2_tiny.safetensors",
                                  "fixtures/e4e/e4e_tiny.safetensors", "fixtures/bisenet/bisenet_tiny.safetensors",
                                  "fixtures/lpips/lpips_alex.safetensors"};
    static const int counts[] = {94, 88, 597, 191, 17};
    for (int i = 0; i < 5; i++) {
        const char *p = test_shared_path(files[i]);
        fs_tensor_map *m = NULL;
        fs_err err = {0};
        int rc = fs_safetensors_load(p, FS_ST_TO_F32, &m, &err);
        CHECK_MSG(rc == FS_OK, "%s", err.msg);
        if (rc) continue;
        CHECK_MSG(m->count == counts[i], "%s: %d tensors", files[i], m->count);
        printf("OK %s: %d tensors, %lld parameters\n", files[i], m->count, (long long)fs_tensor_map_param_count(m));
        fs_tensor_map_destroy(m);
    }
    fs_tensor_map *m = NULL;
    fs_err err = {0};
    CHECK(fs_safetensors_load(test_shared_path("fixtures/stylegan2_nvidia/G_ema.safetensors"), 0, &m, &err) == FS_OK);
    if (m) {
        const fs_tensor *t = NULL;
        int64_t shp[2] = {64, 64};
        CHECK(fs_tensor_map_require(m, "mapping.fc0.weight", 2, shp, &t, &err) == FS_OK);
        CHECK(fs_tensor_map_require(m, "synthesis.b4.const", 2, shp, &t, &err) != FS_OK && strstr(err.msg, "shape"));
        CHECK(fs_tensor_map_meta(m, "format") != NULL);
        fs_tensor_map_destroy(m);
    }
}

static void test_map_index(void) {
    fs_err err = {0};
    fs_tensor_map *m = fs_tensor_map_create();
    int64_t one = 1;
    for (int i = 0; i < 300; i++) {
        fs_tensor *t = fs_tensor_create(1, &one, &err);
        snprintf(t->name, sizeof t->name, "layer.%d.weight", i);
        ((float *)t->data)[0] = (float)i;
        CHECK(fs_tensor_map_add(m, t, &err) == FS_OK);
    }
    int ok = 1;
    for (int i = 0; i < 300; i++) {
        char n[64];
        snprintf(n, sizeof n, "layer.%d.weight", i);
        const fs_tensor *t = fs_tensor_map_get(m, n);
        ok &= t && ((float *)t->data)[0] == (float)i;
    }
    CHECK(ok);
    fs_tensor *t = fs_tensor_map_take(m, "layer.7.weight");
    CHECK(t && ((float *)t->data)[0] == 7.0f && m->count == 299 && !fs_tensor_map_get(m, "layer.7.weight"));
    CHECK(fs_tensor_map_get(m, "layer.8.weight") && ((float *)fs_tensor_map_get(m, "layer.8.weight")->data)[0] == 8.0f);
    fs_tensor_destroy(t);
    CHECK(fs_tensor_map_rename(m, "layer.9.weight", "renamed", &err) == FS_OK);
    CHECK(fs_tensor_map_get(m, "renamed") && !fs_tensor_map_get(m, "layer.9.weight"));
    CHECK(fs_tensor_map_rename(m, "renamed", "layer.10.weight", &err) != FS_OK && strstr(err.msg, "duplicate"));
    fs_tensor *d = fs_tensor_create(1, &one, &err);
    snprintf(d->name, sizeof d->name, "layer.200.weight");
    CHECK(fs_tensor_map_add(m, d, &err) != FS_OK); /* duplicate found through the index */
    CHECK(fs_tensor_map_param_count(m) == 299);
    fs_tensor_map_destroy(m);
}

int main(void) {
    test_map_index();
    test_validation();
    test_dtypes();
    test_roundtrip();
    test_fixtures();
    return check_finish();
}
