/* dlib_dat.h — reading dlib's serialization format (dlib/serialize.h), the format of
 * shape_predictor_68_face_landmarks.dat. Bounded: every read checks the bytes left.
 *
 *   integers: one control byte (bits 0-3: number of magnitude bytes that follow, 0..8;
 *             bit 7: negative), then the magnitude little-endian;
 *   floats:   an integer mantissa then an integer base-2 exponent (value = m * 2^e);
 *             exponents 32000/32001/32002 mean +inf/-inf/NaN (refused here);
 *   std::vector: an unsigned length, then the elements;
 *   dlib::matrix: rows, cols (written negated by dlib >= 18.x), then the elements row-major.
 *
 *   fs_dlib_reader r = fs_dlib_reader_init(buf, len);
 *   int64_t v; if (fs_dlib_int(&r, &v)) ...;     // FS_ERR with r.err set on truncation/overflow
 */
#ifndef FS_FACE_DLIB_DAT_H
#define FS_FACE_DLIB_DAT_H

#include <stddef.h>
#include <stdint.h>

typedef struct fs_dlib_reader {
    const uint8_t *p;
    size_t len, pos;
    char err[160]; /* reason of the first failure, with the offset */
} fs_dlib_reader;

fs_dlib_reader fs_dlib_reader_init(const void *buf, size_t len);
int fs_dlib_int(fs_dlib_reader *r, int64_t *v);
/* Unsigned length/index, at most `max` (else FS_ERR "... too large"). */
int fs_dlib_uint(fs_dlib_reader *r, uint64_t max, uint64_t *v);
/* A float (finite, within float range). */
int fs_dlib_float(fs_dlib_reader *r, float *v);
/* Length of a container whose elements need at least `min_elem_bytes` each: checked against the
 * bytes left in the input before anyone allocates. */
int fs_dlib_len(fs_dlib_reader *r, size_t min_elem_bytes, size_t *n);
size_t fs_dlib_left(const fs_dlib_reader *r);

#endif
