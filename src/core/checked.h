/* checked.h — overflow-checked size arithmetic for parsers of untrusted files.
 * Each returns 1 on success (result stored), 0 on overflow (*out untouched):
 *   int fs_mul_size(size_t a, size_t b, size_t *out);    int fs_add_size(size_t a, size_t b, size_t *out);
 *   int fs_mul_u64(uint64_t a, uint64_t b, uint64_t *out); int fs_add_u64(uint64_t a, uint64_t b, uint64_t *out); */
#ifndef FS_CORE_CHECKED_H
#define FS_CORE_CHECKED_H

#include <stddef.h>
#include <stdint.h>

/* The pair fs_mul_<name> / fs_add_<name> for the unsigned type T whose largest value is MAX. */
#define FS__CHECKED_OPS(name, T, MAX)                                                                                  \
    static inline int fs_mul_##name(T a, T b, T *out) {                                                                \
        if (a != 0 && b > (MAX) / a) return 0;                                                                         \
        *out = a * b;                                                                                                  \
        return 1;                                                                                                      \
    }                                                                                                                  \
    static inline int fs_add_##name(T a, T b, T *out) {                                                                \
        if (b > (MAX) - a) return 0;                                                                                   \
        *out = a + b;                                                                                                  \
        return 1;                                                                                                      \
    }

FS__CHECKED_OPS(size, size_t, SIZE_MAX)
FS__CHECKED_OPS(u64, uint64_t, UINT64_MAX)

#undef FS__CHECKED_OPS

#endif
