/* test_registry_sha256.c — core/sha256.c against FIPS 180-4 / NIST CAVS vectors, padding boundaries,
 * streaming in odd chunk sizes equal to one-shot, and fs_sha256_file (whole file and prefix). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/sha256.h"

static void hex_of(const void *data, size_t len, char hex[65]) {
    uint8_t d[32];
    fs_sha256(data, len, d);
    fs_sha256_hex(d, hex);
}

static void expect(const char *name, const void *data, size_t len, const char *want) {
    char hex[65];
    hex_of(data, len, hex);
    CHECK_MSG(strcmp(hex, want) == 0, "%s: got %s want %s", name, hex, want);
    if (!strcmp(hex, want)) printf("OK %s %s\n", name, hex);
}

int main(void) {
    /* FIPS 180-4 examples (NIST "Example Algorithms" SHA256.pdf, SHA256_2.pdf) and the long message. */
    expect("empty", "", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect("abc", "abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    expect("448bit", m448, strlen(m448), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    expect("896bit", m896, strlen(m896), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");

    size_t million = 1000000;
    char *a = malloc(million);
    CHECK(a != NULL);
    if (!a) return check_finish();
    memset(a, 'a', million);
    expect("million_a", a, million, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    /* Padding boundaries: n 'x' bytes (values from coreutils sha256sum). */
    struct { size_t n; const char *hex; } xs[] = {
        {55, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072"},
        {56, "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e"},
        {63, "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2"},
        {64, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c"},
        {65, "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9"},
        {119, "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c"},
        {120, "13f05a0b594787f5ecd315edc96141bd3243203d1b7d4f0836f37308b276ba98"},
        {128, "24da1b81d0b16df6428eee73c69fcb2a93c76bc6df706f0c6670fe6bfe800464"},
    };
    char xbuf[128];
    memset(xbuf, 'x', sizeof xbuf);
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "x%zu", xs[i].n);
        expect(name, xbuf, xs[i].n, xs[i].hex);
    }

    /* Streaming in odd chunk sizes must equal one-shot, over varied bytes. */
    size_t n = 100003;
    uint8_t *v = malloc(n);
    CHECK(v != NULL);
    if (!v) { free(a); return check_finish(); }
    uint32_t s = 12345;
    for (size_t i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        v[i] = (uint8_t)(s >> 16);
    }
    uint8_t one[32];
    fs_sha256(v, n, one);
    static const size_t chunks[] = {1, 3, 7, 13, 55, 63, 64, 65, 127, 1000, 4097};
    int stream_ok = 1;
    for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
        fs_sha256_ctx c;
        fs_sha256_init(&c);
        size_t step = chunks[k];
        for (size_t off = 0; off < n; off += step) fs_sha256_update(&c, v + off, off + step <= n ? step : n - off);
        uint8_t d[32];
        fs_sha256_final(&c, d);
        CHECK_MSG(memcmp(d, one, 32) == 0, "chunk size %zu differs from one-shot", step);
        if (memcmp(d, one, 32)) stream_ok = 0;
    }
    /* Chunk sizes varying within one message (1, 2, 3, ... bytes). */
    {
        fs_sha256_ctx c;
        fs_sha256_init(&c);
        size_t off = 0, step = 1;
        while (off < n) {
            size_t t = off + step <= n ? step : n - off;
            fs_sha256_update(&c, v + off, t);
            off += t;
            step = step % 97 + 1;
        }
        fs_sha256_update(&c, v, 0); /* a zero-length update changes nothing */
        uint8_t d[32];
        fs_sha256_final(&c, d);
        CHECK(memcmp(d, one, 32) == 0);
        if (memcmp(d, one, 32)) stream_ok = 0;
    }
    if (stream_ok) printf("OK streaming == one-shot for 12 chunkings of %zu bytes\n", n);

    /* fs_sha256_file: whole file and a prefix; a missing file is an error naming it. */
    char path[] = "/tmp/fs_sha256_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(write(fd, a, million) == (ssize_t)million);
        close(fd);
        char hex[65];
        fs_err err = {0};
        CHECK(fs_sha256_file(path, 0, hex, &err) == FS_OK);
        CHECK(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
        CHECK(fs_sha256_file(path, 3, hex, &err) == FS_OK);
        char want[65];
        hex_of("aaa", 3, want);
        CHECK(!strcmp(hex, want));
        CHECK(fs_sha256_file(path, 5000000, hex, &err) == FS_OK); /* prefix longer than file = whole file */
        CHECK(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
        unlink(path);
        memset(hex, '?', sizeof hex);
        CHECK(fs_sha256_file(path, 0, hex, &err) == FS_ERR);
        CHECK(strstr(err.msg, path) != NULL);
        printf("missing file -> %s\n", err.msg);
    }
    free(v);
    free(a);
    return check_finish();
}
