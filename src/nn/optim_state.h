/* optim_state.h — the small binary file that holds an optimiser's state (private to src/nn).
 *
 * Layout (all integers little-endian, floats IEEE-754 bit patterns, so a reload is bit-exact):
 *   "FSOPTST\0"                 8-byte magic
 *   u32 version                 FS_OPTIM_STATE_VERSION; newer files are refused with a hint
 *   u32 kind length, kind       "adam"
 *   u32 n_scalars, then each:   u32 name length, name, f64 value
 *   u32 n_buffers, then each:   u32 name length, name, u64 count, count x f32
 *   u64 FNV-1a 64 of every byte before it
 * Every length read from the file is bounds-checked before use; a failing read leaves nothing
 * allocated. Writes go through core/fileio.h (temporary file + rename).
 */
#ifndef FS_NN_OPTIM_STATE_H
#define FS_NN_OPTIM_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define FS_OPTIM_STATE_VERSION 1u

typedef struct fs__ost_scalar { char name[64]; double value; } fs__ost_scalar;
/* writer: `data` is read; reader: `raw` points at the count x 4 little-endian bytes in the file */
typedef struct fs__ost_buffer { char name[256]; uint64_t count; const float *data; const unsigned char *raw; } fs__ost_buffer;

typedef struct fs__ost {
    char kind[16];
    int n_scalars, n_buffers;
    fs__ost_scalar *scalars;
    fs__ost_buffer *buffers;
    unsigned char *file; /* reader: the whole file (buffers point into it) */
} fs__ost;

/* Writes the state atomically to path. */
int fs__ost_write(const fs__ost *s, const char *path, fs_err *err);
/* Reads and validates a state file; on success *s owns memory released by fs__ost_free. */
int fs__ost_read(fs__ost *s, const char *path, const char *want_kind, fs_err *err);
void fs__ost_free(fs__ost *s);
/* Lookups: return FS_ERR with "path: missing 'name'" when absent or (buffers) of the wrong size. */
int fs__ost_scalar_get(const fs__ost *s, const char *name, double *v, const char *path, fs_err *err);
int fs__ost_buffer_get(const fs__ost *s, const char *name, uint64_t count, const unsigned char **raw,
                       const char *path, fs_err *err);
/* Decodes count little-endian floats from raw into dst (bit-exact). */
void fs__ost_copy_floats(float *dst, const unsigned char *raw, uint64_t count);

#endif
