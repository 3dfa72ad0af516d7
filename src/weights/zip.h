/* zip.h — minimal read-only zip archive reader for PyTorch checkpoints.
 *
 * Reads the central directory (zip64 too), gives each entry's bytes: stored
 * entries point into the caller's buffer (PyTorch stores records uncompressed,
 * 64-byte aligned); deflated entries are inflated with zlib into a buffer the
 * archive owns. Every offset and length is bounds-checked.
 *
 *   fs_zip *z;
 *   if (fs_zip_open(buf, len, &z, &err)) ...;
 *   int i = fs_zip_find(z, "archive/data.pkl");
 *   const unsigned char *p; size_t n;
 *   if (fs_zip_entry_data(z, i, &p, &n, &err)) ...;
 *   fs_zip_close(z);
 */
#ifndef FS_WEIGHTS_ZIP_H
#define FS_WEIGHTS_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct fs_zip fs_zip;

int fs_zip_is_zip(const unsigned char *buf, size_t len);
int fs_zip_open(const unsigned char *buf, size_t len, fs_zip **out, fs_err *err);
void fs_zip_close(fs_zip *z);
int fs_zip_count(const fs_zip *z);
const char *fs_zip_name(const fs_zip *z, int i);
int fs_zip_find(const fs_zip *z, const char *name); /* -1 if absent */
int fs_zip_entry_data(fs_zip *z, int i, const unsigned char **data, size_t *len, fs_err *err);

#endif
