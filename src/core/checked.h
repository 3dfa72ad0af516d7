/* checked.h — overflow-checked size arithmetic for parsers of untrusted files.
 * Each returns 1 on success (result stored), 0 on overflow. */
#ifndef FS_CORE_CHECKED_H
#define FS_CORE_CHECKED_H

#include <stddef.h>
#include <stdint.h>

static inline int fs_mul_size(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > SIZE_MAX / a) return 0;
    *out = a * b;
    return 1;
}
static inline int fs_add_size(size_t a, size_t b, size_t *out) {
    if (b > SIZE_MAX - a) return 0;
    *out = a + b;
    return 1;
}
static inline int fs_mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
    if (a != 0 && b > UINT64_MAX / a) return 0;
    *out = a * b;
    return 1;
}
static inline int fs_add_u64(uint64_t a, uint64_t b, uint64_t *out) {
    if (b > UINT64_MAX - a) return 0;
    *out = a + b;
    return 1;
}

#endif
