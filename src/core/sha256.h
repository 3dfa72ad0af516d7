/* sha256.h — SHA-256 (FIPS 180-4), streaming and one-shot. */
#ifndef FS_CORE_SHA256_H
#define FS_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct fs_sha256_ctx {
    uint32_t h[8];
    uint64_t total;
    uint8_t buf[64];
    size_t buf_len;
} fs_sha256_ctx;

void fs_sha256_init(fs_sha256_ctx *c);
void fs_sha256_update(fs_sha256_ctx *c, const void *data, size_t len);
void fs_sha256_final(fs_sha256_ctx *c, uint8_t out[32]);
void fs_sha256(const void *data, size_t len, uint8_t out[32]);
void fs_sha256_hex(const uint8_t digest[32], char hex[65]);
/* sha256 of a file (max_bytes = 0: whole file; else only the first max_bytes). */
int fs_sha256_file(const char *path, uint64_t max_bytes, char hex[65], fs_err *err);

#endif
