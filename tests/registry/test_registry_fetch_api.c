/* test_registry_fetch_api.c — fs_registry_fetch as a library user calls it, against fs_test_httpd
 * on 127.0.0.1: the progress callback sees the bytes and the total, the abort hook stops a
 * download (the .part is kept and then resumed), fs_registry_path finds the result. */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/sha256.h"
#include "registry/registry.h"

extern char **environ;

typedef struct {
    int calls;
    int64_t last_done, last_total;
    int abort_after; /* abort once calls >= this (0: never) */
} watch;

static void on_progress(void *u, const char *label, int64_t done, int64_t total, double eta, const char *detail) {
    (void)eta;
    (void)detail;
    watch *w = (watch *)u;
    w->calls++;
    w->last_done = done;
    w->last_total = total;
    CHECK(label && strstr(label, "t-big"));
}

static int on_abort(void *u) {
    watch *w = (watch *)u;
    return w->abort_after > 0 && w->calls >= w->abort_after;
}

static int64_t file_size(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 ? (int64_t)st.st_size : -1;
}

int main(void) {
    const char *build = getenv("FS_BUILD");
    if (!build) test_skip("FS_BUILD not set (run through ctest)");
    char httpd[4096];
    snprintf(httpd, sizeof httpd, "%s/tests/registry/fs_test_httpd", build);
    if (access(httpd, X_OK) != 0) test_skip("fs_test_httpd not built");
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("ALL_PROXY");
    unsetenv("all_proxy");
    unsetenv("FACESTITCH_MIRROR");
    setenv("NO_PROXY", "127.0.0.1", 1);

    char dir[] = "/tmp/fs_registry_api_XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char www[256], models[256], port_file[256], manifest[256], big[300];
    snprintf(www, sizeof www, "%s/www", dir);
    snprintf(models, sizeof models, "%s/models", dir);
    snprintf(port_file, sizeof port_file, "%s/port", dir);
    snprintf(manifest, sizeof manifest, "%s/manifest.json", dir);
    snprintf(big, sizeof big, "%s/big.bin", www);
    fs_err err;
    CHECK(fs_mkdirs(www, &err) == FS_OK);

    /* 4 MB of deterministic bytes, served in 64 KB writes: several progress callbacks. */
    size_t n = 4u << 20;
    unsigned char *data = malloc(n);
    if (!data) return 1;
    uint32_t s = 7;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        data[i] = (unsigned char)(s >> 24);
    }
    CHECK(fs_write_file_atomic(big, data, n, &err) == FS_OK);
    uint8_t d[32];
    char hex[65];
    fs_sha256(data, n, d);
    fs_sha256_hex(d, hex);
    free(data);

    char *argv[] = {httpd, "--root", www, "--port-file", port_file, "--max-requests", "10", "--timeout", "30", NULL};
    pid_t pid;
    if (posix_spawn(&pid, httpd, NULL, NULL, argv, environ) != 0) {
        perror("posix_spawn");
        return 1;
    }
    int port = 0;
    for (int i = 0; i < 200 && !port; i++) {
        FILE *fp = fopen(port_file, "r");
        if (fp) {
            if (fscanf(fp, "%d", &port) != 1) port = 0;
            fclose(fp);
        }
        if (!port) {
            struct timespec ts = {0, 25000000};
            nanosleep(&ts, NULL);
        }
    }
    CHECK(port > 0);
    if (port <= 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return check_finish();
    }
    char json[1024];
    snprintf(json, sizeof json,
             "[{\"name\": \"t-big\", \"file\": \"big.bin\", \"url\": \"http://127.0.0.1:%d/big.bin\", "
             "\"size\": %zu, \"sha256\": \"%s\"}]",
             port, n, hex);
    CHECK(fs_write_file_atomic(manifest, json, strlen(json), &err) == FS_OK);
    setenv("FACESTITCH_REGISTRY_MANIFEST", manifest, 1);
    setenv("FACESTITCH_MODELS", models, 1);
    fs_registry_unload();

    watch w = {0, 0, 0, 1};
    fs_progress_set_callback(on_progress, on_abort, &w);
    fs_fetch_opts o = fs_fetch_opts_default();
    o.connect_timeout_s = 5;
    o.stall_timeout_s = 5;
    char path[4096], part[4200], final_path[4200];
    snprintf(part, sizeof part, "%s/big.bin.part", models);
    snprintf(final_path, sizeof final_path, "%s/big.bin", models);

    /* 1. Abort from the hook: error, .part kept (partial), no final file. The server sends at most
     *    1,000,000 bytes and then stalls, so the abort always lands mid-transfer. */
    char mirror[128];
    snprintf(mirror, sizeof mirror, "http://127.0.0.1:%d/stall/1000000", port);
    setenv("FACESTITCH_MIRROR", mirror, 1);
    int rc = fs_registry_fetch("t-big", &o, path, sizeof path, &err);
    CHECK(rc == FS_ERR);
    CHECK_MSG(strstr(err.msg, "stopped by request") != NULL, "%s", err.msg);
    int64_t ps = file_size(part);
    printf("aborted after %d progress calls; .part has %lld of %zu bytes: %s\n", w.calls, (long long)ps, n, err.msg);
    CHECK(ps > 0 && ps <= 1000000);
    unsetenv("FACESTITCH_MIRROR");
    CHECK(file_size(final_path) < 0);
    CHECK(fs_registry_path("t-big", path, sizeof path, &err) == FS_ERR && strstr(err.msg, "model not found"));

    /* 2. Resume to the end: the callback's last report is the whole remaining transfer. */
    w.calls = 0;
    w.abort_after = 0;
    rc = fs_registry_fetch("t-big", &o, path, sizeof path, &err);
    CHECK_MSG(rc == FS_OK, "%s", err.msg);
    CHECK(!strcmp(path, final_path));
    CHECK(w.calls >= 1);
    CHECK_MSG(w.last_total == (int64_t)n - ps && w.last_done == w.last_total, "done %lld total %lld (resumed at %lld)",
              (long long)w.last_done, (long long)w.last_total, (long long)ps);
    CHECK(file_size(part) < 0 && file_size(final_path) == (int64_t)n);
    char got[65];
    CHECK(fs_sha256_file(final_path, 0, got, &err) == FS_OK && !strcmp(got, hex));
    CHECK(fs_registry_path("t-big", path, sizeof path, &err) == FS_OK && !strcmp(path, final_path));
    printf("resumed: %d progress calls, last %lld/%lld\n", w.calls, (long long)w.last_done, (long long)w.last_total);

    fs_progress_set_callback(NULL, NULL, NULL);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    fs_registry_unload();
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", dir);
    return check_finish();
}
