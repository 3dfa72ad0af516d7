/* test_registry_manifest.c — the built-in manifest, the cache dir rules, injected manifests
 * (good and hostile), locate/path/where-to-get messages, the mirror URL, verify and pins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "core/fileio.h"
#include "core/sha256.h"
#include "registry/registry.h"

static char tmpdir[] = "/tmp/fs_registry_test_XXXXXX";

static void write_text(const char *path, const char *text) {
    fs_err err;
    CHECK_MSG(fs_write_file_atomic(path, text, strlen(text), &err) == FS_OK, "%s", err.msg);
}

static int is_hex64(const char *s) {
    if (strlen(s) != 64) return 0;
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

/* Loads a manifest from text; returns the status and fills err. */
static int load_manifest(const char *text, fs_err *err) {
    char path[256];
    snprintf(path, sizeof path, "%s/manifest.json", tmpdir);
    write_text(path, text);
    setenv("FACESTITCH_REGISTRY_MANIFEST", path, 1);
    fs_registry_unload();
    fs_err_clear(err);
    return fs_registry_load(err);
}

static void test_builtin(void) {
    unsetenv("FACESTITCH_REGISTRY_MANIFEST");
    fs_registry_unload();
    fs_err err;
    CHECK(fs_registry_load(&err) == FS_OK);
    int n = fs_registry_count();
    CHECK(n >= 8);
    const char *must[] = {"stylegan2-ffhq", "e4e-ffhq", "bisenet-face", "lpips-alex", "lpips-vgg",
                          "alexnet-trunk", "vgg16-trunk", "dlib-68", "direction-age", "direction-smile"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++) CHECK_MSG(fs_registry_find(must[i]), "%s", must[i]);
    for (int i = 0; i < n; i++) {
        const fs_model_entry *e = fs_registry_at(i);
        CHECK(e && e->name && e->file && e->page && e->licence && e->purpose);
        if (!e) continue;
        for (int j = 0; j < i; j++) CHECK_MSG(strcmp(fs_registry_at(j)->name, e->name), "duplicate %s", e->name);
        if (e->sha256) CHECK_MSG(is_hex64(e->sha256), "%s sha256", e->name);
        if (e->auto_fetch) CHECK_MSG(e->url && !strncmp(e->url, "http", 4), "%s url", e->name);
        if (!e->auto_fetch) CHECK_MSG(e->how != NULL, "%s: manual model needs instructions", e->name);
        CHECK_MSG(e->size >= 0 || e->size_est > 0, "%s: no size at all", e->name);
        CHECK_MSG(strstr(e->file, "..") == NULL && e->file[0] != '/', "%s file", e->name);
    }
    /* Values from docs/models.md. */
    const fs_model_entry *a = fs_registry_find("lpips-alex");
    CHECK(a && a->size == 6009 && !strcmp(a->sha256, "df73285e35b22355a2df87cdb6b70b343713b667eddbda73e1977e0c860835c0"));
    const fs_model_entry *d = fs_registry_find("dlib-68");
    CHECK(d && d->size == 99693937 && d->system_path && !d->auto_fetch);
    const fs_model_entry *x = fs_registry_find("alexnet-trunk");
    CHECK(x && !strncmp(x->sha256, "7be5be79", 8) && x->size == 244408911);
    const fs_model_entry *v = fs_registry_find("vgg16-trunk");
    CHECK(v && !strncmp(v->sha256, "397923af", 8) && v->size == 553433881);
    const fs_model_entry *e4e = fs_registry_find("e4e-ffhq");
    CHECK(e4e && !e4e->auto_fetch && strstr(e4e->page, "1cUv_reLE6k3604or78EranS7XzuVMWeO"));
    const fs_model_entry *g = fs_registry_find("stylegan2-ffhq");
    CHECK(g && g->auto_fetch && !g->sha256 && strstr(g->licence, "NC"));
    CHECK(fs_registry_find("nope") == NULL);
    CHECK(fs_registry_find(NULL) == NULL);
    printf("OK builtin manifest: %d models\n", n);
}

static void test_cache_dir(void) {
    char buf[4096];
    fs_err err;
    setenv("FACESTITCH_MODELS", "/models/here", 1);
    setenv("XDG_CACHE_HOME", "/xdg", 1);
    CHECK(fs_registry_cache_dir(buf, sizeof buf, &err) == FS_OK && !strcmp(buf, "/models/here"));
    setenv("FACESTITCH_MODELS", "", 1); /* empty = unset */
    CHECK(fs_registry_cache_dir(buf, sizeof buf, &err) == FS_OK && !strcmp(buf, "/xdg/facestitch"));
    unsetenv("FACESTITCH_MODELS");
    setenv("XDG_CACHE_HOME", "relative/ignored", 1);
    setenv("HOME", "/home/tester", 1);
    CHECK(fs_registry_cache_dir(buf, sizeof buf, &err) == FS_OK && !strcmp(buf, "/home/tester/.cache/facestitch"));
    unsetenv("XDG_CACHE_HOME");
    CHECK(fs_registry_cache_dir(buf, sizeof buf, &err) == FS_OK && !strcmp(buf, "/home/tester/.cache/facestitch"));
    /* A relative FACESTITCH_MODELS is made absolute. */
    setenv("FACESTITCH_MODELS", "rel/models", 1);
    CHECK(fs_registry_cache_dir(buf, sizeof buf, &err) == FS_OK && buf[0] == '/' && strstr(buf, "/rel/models"));
    /* cache path of a model; trailing slashes collapse */
    setenv("FACESTITCH_MODELS", "/m/", 1);
    fs_registry_unload();
    unsetenv("FACESTITCH_REGISTRY_MANIFEST");
    CHECK(fs_registry_cache_path(fs_registry_find("stylegan2-ffhq"), buf, sizeof buf, &err) == FS_OK &&
          !strcmp(buf, "/m/ffhq.pkl"));
    CHECK(fs_registry_cache_path(fs_registry_find("direction-age"), buf, sizeof buf, &err) == FS_OK &&
          !strcmp(buf, "/m/directions/age.npy"));
    /* too small a buffer is an error, not a truncated path */
    char small[8];
    CHECK(fs_registry_cache_path(fs_registry_find("stylegan2-ffhq"), small, sizeof small, &err) == FS_ERR);
}

static void test_mirror_and_messages(void) {
    char buf[4096], how[2048];
    fs_err err;
    unsetenv("FACESTITCH_REGISTRY_MANIFEST");
    fs_registry_unload();
    setenv("FACESTITCH_MODELS", tmpdir, 1);
    const fs_model_entry *g = fs_registry_find("stylegan2-ffhq");
    unsetenv("FACESTITCH_MIRROR");
    fs_registry_fetch_url(g, buf, sizeof buf);
    CHECK(!strcmp(buf, g->url));
    setenv("FACESTITCH_MIRROR", "http://127.0.0.1:9/base//", 1);
    fs_registry_fetch_url(g, buf, sizeof buf);
    CHECK_MSG(!strcmp(buf, "http://127.0.0.1:9/base/ffhq.pkl"), "%s", buf);
    fs_registry_fetch_url(fs_registry_find("direction-age"), buf, sizeof buf);
    CHECK(!strcmp(buf, "http://127.0.0.1:9/base/directions/age.npy"));
    /* Drive model: instructions, page, destination; fetch refuses without a mirror. */
    unsetenv("FACESTITCH_MIRROR");
    const fs_model_entry *e = fs_registry_find("e4e-ffhq");
    fs_registry_where_to_get(e, how, sizeof how);
    char dest[4096];
    snprintf(dest, sizeof dest, "Put it at %s/e4e_ffhq_encode.pt", tmpdir);
    CHECK_MSG(strstr(how, "drive.google.com") && strstr(how, dest), "%s", how);
    CHECK(fs_registry_fetch("e4e-ffhq", NULL, NULL, 0, &err) == FS_ERR);
    CHECK_MSG(strstr(err.msg, "e4e-ffhq: cannot be fetched automatically") && strstr(err.msg, dest), "%s", err.msg);
    printf("drive message: %s\n", err.msg);
    CHECK(fs_registry_path("e4e-ffhq", buf, sizeof buf, &err) == FS_ERR);
    CHECK_MSG(strstr(err.msg, "e4e-ffhq: model not found (e4e_ffhq_encode.pt)") && strstr(err.msg, dest), "%s",
              err.msg);
    CHECK(fs_registry_path("no-such", buf, sizeof buf, &err) == FS_ERR && strstr(err.msg, "unknown model"));
    CHECK(fs_registry_fetch("no-such", NULL, NULL, 0, &err) == FS_ERR && strstr(err.msg, "unknown model"));
    /* dlib: found at its system path when the cache has no copy. */
    const fs_model_entry *d = fs_registry_find("dlib-68");
    if (access(d->system_path, R_OK) == 0) {
        CHECK(fs_registry_path("dlib-68", buf, sizeof buf, &err) == FS_OK && !strcmp(buf, d->system_path));
        CHECK(fs_registry_locate(d, buf, sizeof buf, &err) == 1);
    } else {
        printf("note: %s absent (libdlib-data not installed); system-path check skipped\n", d->system_path);
    }
}

static void test_injected(void) {
    fs_err err;
    setenv("FACESTITCH_MODELS", tmpdir, 1);
    unsetenv("FACESTITCH_MIRROR");
    /* Extends, and replaces a built-in of the same name. */
    CHECK(load_manifest("{\"models\": [{\"name\": \"t-one\", \"file\": \"one.bin\", \"url\": \"http://127.0.0.1:1/one\","
                        " \"size\": 3, \"sha256\": \"BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD\"},"
                        " {\"name\": \"lpips-alex\", \"file\": \"alt/alex.pth\", \"licence\": \"x\"}]}",
                        &err) == FS_OK);
    const fs_model_entry *one = fs_registry_find("t-one");
    CHECK(one && one->auto_fetch && one->size == 3 && !strcmp(one->sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    const fs_model_entry *alt = fs_registry_find("lpips-alex");
    CHECK(alt && !strcmp(alt->file, "alt/alex.pth") && !alt->auto_fetch && !alt->sha256);
    CHECK(fs_registry_find("stylegan2-ffhq") != NULL);
    int with_builtin = fs_registry_count();
    /* replace: true drops the built-ins; a plain array is accepted too. */
    CHECK(load_manifest("{\"replace\": true, \"models\": [{\"name\": \"only\", \"file\": \"o.bin\"}]}", &err) == FS_OK);
    CHECK(fs_registry_count() == 1 && fs_registry_find("stylegan2-ffhq") == NULL);
    CHECK(load_manifest("[{\"name\": \"arr\", \"file\": \"a.bin\"}]", &err) == FS_OK);
    CHECK(fs_registry_find("arr") && fs_registry_find("stylegan2-ffhq") && fs_registry_count() == with_builtin);

    /* verify + pin on a present file with the known hash of "abc". */
    CHECK(load_manifest("[{\"name\": \"t-one\", \"file\": \"one.bin\", \"size\": 3, \"sha256\": "
                        "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"},"
                        "{\"name\": \"t-nohash\", \"file\": \"d/nohash.bin\"}]", &err) == FS_OK);
    fs_model_status st;
    CHECK(fs_registry_verify(fs_registry_find("t-one"), &st, &err) == FS_OK && st.state == FS_MODEL_MISSING);
    char p[512];
    snprintf(p, sizeof p, "%s/one.bin", tmpdir);
    write_text(p, "abc");
    CHECK(fs_registry_verify(fs_registry_find("t-one"), &st, &err) == FS_OK && st.state == FS_MODEL_OK);
    write_text(p, "abd");
    CHECK(fs_registry_verify(fs_registry_find("t-one"), &st, &err) == FS_OK && st.state == FS_MODEL_BAD_HASH);
    write_text(p, "abcd");
    CHECK(fs_registry_verify(fs_registry_find("t-one"), &st, &err) == FS_OK && st.state == FS_MODEL_BAD_SIZE);
    char d[512];
    snprintf(d, sizeof d, "%s/d", tmpdir);
    CHECK(fs_mkdirs(d, &err) == FS_OK);
    snprintf(p, sizeof p, "%s/d/nohash.bin", tmpdir);
    write_text(p, "hello");
    const fs_model_entry *nh = fs_registry_find("t-nohash");
    CHECK(fs_registry_verify(nh, &st, &err) == FS_OK && st.state == FS_MODEL_UNPINNED && is_hex64(st.hex));
    CHECK(fs_registry_pin(nh, st.path, st.hex, &err) == FS_OK);
    CHECK(fs_registry_verify(nh, &st, &err) == FS_OK && st.state == FS_MODEL_OK && st.from_pin);
    write_text(p, "hellO");
    CHECK(fs_registry_verify(nh, &st, &err) == FS_OK && st.state == FS_MODEL_BAD_HASH && st.from_pin);

    /* Hostile or broken manifests: each refused with a message naming the file and the problem. */
    struct {
        const char *json, *want;
    } bad[] = {
        {"{\"models\": [", "not valid JSON"},
        {"{\"models\": 3}", "expected a JSON array"},
        {"[3]", "not an object"},
        {"[{\"file\": \"x\"}]", "\"name\""},
        {"[{\"name\": \"Upper\", \"file\": \"x\"}]", "\"name\""},
        {"[{\"name\": \"x\"}]", "\"file\""},
        {"[{\"name\": \"x\", \"file\": \"../../etc/passwd\"}]", "'..'"},
        {"[{\"name\": \"x\", \"file\": \"/etc/passwd\"}]", "relative"},
        {"[{\"name\": \"x\", \"file\": \"a/../b\"}]", "'..'"},
        {"[{\"name\": \"x\", \"file\": \"a//b\"}]", "relative"},
        {"[{\"name\": \"x\", \"file\": \"a\", \"url\": \"file:///etc/passwd\"}]", "http"},
        {"[{\"name\": \"x\", \"file\": \"a\", \"sha256\": \"abc\"}]", "64 hex"},
        {"[{\"name\": \"x\", \"file\": \"a\", \"size\": -5}]", "whole number"},
        {"[{\"name\": \"x\", \"file\": \"a\", \"size\": 1.5}]", "whole number"},
        {"[{\"name\": \"x\", \"file\": \"a\", \"size\": \"big\"}]", "whole number"},
        {"[{\"name\": \"x\", \"file\": 7}]", "must be a string"},
        {"[{\"name\": \"x\", \"file\": \"a\", \"auto_fetch\": true}]", "needs a \"url\""},
        {"[{\"name\": \"x\", \"file\": \"a\", \"auto_fetch\": 1}]", "true or false"},
        {"[{\"name\": \"x\", \"file\": \"a\", \"system_path\": \"rel\"}]", "absolute"},
        {"[{\"name\": \"x\", \"file\": \"a\"}, {\"name\": \"x\", \"file\": \"b\"}]", "listed twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = load_manifest(bad[i].json, &err);
        CHECK_MSG(rc == FS_ERR && strstr(err.msg, "manifest.json") && strstr(err.msg, bad[i].want),
                  "manifest %s -> rc %d '%s' (want '%s')", bad[i].json, rc, err.msg, bad[i].want);
        /* a failed load leaves an empty registry, and later calls fail the same way */
        CHECK(fs_registry_find("stylegan2-ffhq") == NULL && fs_registry_count() == 0);
    }
    printf("OK %zu hostile manifests refused\n", sizeof bad / sizeof bad[0]);
    setenv("FACESTITCH_REGISTRY_MANIFEST", "/nonexistent/manifest.json", 1);
    fs_registry_unload();
    CHECK(fs_registry_load(&err) == FS_ERR && strstr(err.msg, "FACESTITCH_REGISTRY_MANIFEST") &&
          strstr(err.msg, "/nonexistent/manifest.json"));
    unsetenv("FACESTITCH_REGISTRY_MANIFEST");
    fs_registry_unload();
}


/* 1 when a '/'-separated component of p is exactly "..". */
static int has_dotdot_component(const char *p) {
    for (const char *c = p; c; c = strchr(c, '/')) {
        if (*c == '/') c++;
        if (c[0] == '.' && c[1] == '.' && (c[2] == '/' || c[2] == 0)) return 1;
    }
    return 0;
}

/* Mutated manifests (deterministic): loading never crashes; it either fails with a message naming
 * the file, or every loaded entry satisfies the invariants the rest of the code relies on. */
static void test_mutations(void) {
    static const char *seed =
        "{\"models\": [{\"name\": \"t-a\", \"file\": \"d/a.bin\", \"url\": \"http://127.0.0.1:1/a\", \"size\": 10,"
        " \"sha256\": \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\", \"licence\": \"l\","
        " \"auto_fetch\": true, \"system_path\": \"/x/a\"}, {\"name\": \"t-b\", \"file\": \"b.bin\"}]}";
    static const char *tokens[] = {"..", "/", "\"", "null", "-1", "1e99", "[", "]", "{", "}", ",", ":", "\\u0000",
                                   "true", "\"replace\": true,", "\\\\", "//", "./", "\xff", "0.5"};
    size_t len = strlen(seed);
    char buf[1024];
    uint32_t s = 2024;
    int ok = 0, refused = 0;
    for (int it = 0; it < 1500; it++) {
        size_t n = len;
        memcpy(buf, seed, len);
        int edits = 1 + (int)((s >> 8) % 4);
        for (int k = 0; k < edits; k++) {
            s = s * 1103515245u + 12345u;
            size_t pos = (s >> 8) % (n ? n : 1);
            s = s * 1103515245u + 12345u;
            int kind = (int)((s >> 8) % 4);
            if (kind == 0) {
                buf[pos] = (char)(s >> 16);
            } else if (kind == 1) {
                n = pos; /* truncate */
            } else {
                const char *t = tokens[(s >> 16) % (sizeof tokens / sizeof tokens[0])];
                size_t tl = strlen(t);
                if (n + tl >= sizeof buf) continue;
                if (kind == 3 && pos + 1 < n) { /* replace a span */
                    size_t cut = 1 + (s >> 20) % 6;
                    if (pos + cut > n) cut = n - pos;
                    memmove(buf + pos, buf + pos + cut, n - pos - cut);
                    n -= cut;
                }
                memmove(buf + pos + tl, buf + pos, n - pos);
                memcpy(buf + pos, t, tl);
                n += tl;
            }
        }
        buf[n] = 0;
        fs_err err;
        if (load_manifest(buf, &err) != FS_OK) {
            refused++;
            CHECK_MSG(err.msg[0] && strstr(err.msg, "manifest.json"), "no useful message for: %s", buf);
            continue;
        }
        ok++;
        for (int i = 0; i < fs_registry_count(); i++) {
            const fs_model_entry *e = fs_registry_at(i);
            CHECK(e && e->name && e->file && e->page && e->licence && e->purpose);
            CHECK_MSG(e->file[0] != '/' && !has_dotdot_component(e->file) && !strstr(e->file, "//"), "file '%s'",
                      e->file);
            CHECK(!e->sha256 || is_hex64(e->sha256));
            CHECK(!e->auto_fetch || (e->url && !strncmp(e->url, "http", 4)));
            CHECK(!e->system_path || e->system_path[0] == '/');
            CHECK(e->size >= -1);
        }
    }
    printf("OK %d mutated manifests: %d loaded with valid entries, %d refused with a message\n", ok + refused, ok,
           refused);
    unsetenv("FACESTITCH_REGISTRY_MANIFEST");
    fs_registry_unload();
}

int main(void) {
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_builtin();
    test_cache_dir();
    test_mirror_and_messages();
    test_injected();
    test_mutations();
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", tmpdir);
    fs_registry_unload();
    return check_finish();
}
