/* pickle.h — an inert Python pickle VM (protocols 0–5) for reading checkpoints.
 *
 * Nothing is imported or executed: GLOBAL/STACK_GLOBAL push a name, REDUCE,
 * NEWOBJ, NEWOBJ_EX, OBJ and INST build an inert "call" record, BUILD attaches
 * state, SETITEM(S)/APPEND(S) on a call record fill its dict/list items. The
 * result is a graph of values (it may share nodes and even contain cycles) that
 * torch.c interprets with an allowlist.
 *
 *   fs_pickle *pk = fs_pickle_create();
 *   fs_pv *root;
 *   if (fs_pickle_run(pk, buf, len, &used, &root, &err)) ...  // err names the offset
 *   fs_pickle_destroy(pk);                                    // frees every value
 *
 * Values borrow string/bytes payloads from the input buffer: keep it alive while
 * the values are used. Limits (stack, memo, sizes, mark depth) give errors. */
#ifndef FS_WEIGHTS_PICKLE_H
#define FS_WEIGHTS_PICKLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef enum {
    FS_PV_NONE,
    FS_PV_BOOL,
    FS_PV_INT,
    FS_PV_BIGINT, /* s/n: little-endian two's complement bytes, longer than 8 */
    FS_PV_FLOAT,
    FS_PV_STR,    /* s/n: UTF-8, not NUL-terminated */
    FS_PV_BYTES,  /* s/n; off: offset of the payload in the input buffer */
    FS_PV_TUPLE,
    FS_PV_LIST,
    FS_PV_DICT,   /* items: key, value, key, value ... */
    FS_PV_SET,
    FS_PV_GLOBAL, /* s/n module, s2/n2 name */
    FS_PV_CALL,   /* a: callable, b: args, c: kwargs, d: state, e: dict/list items added later */
    FS_PV_PERSID  /* a: persistent id */
} fs_pv_type;

typedef struct fs_pv fs_pv;
struct fs_pv {
    fs_pv_type type;
    int visiting;        /* cycle detection in graph walks */
    int64_t i;           /* BOOL, INT */
    double f;            /* FLOAT */
    const char *s, *s2;  /* see fs_pv_type */
    size_t n, n2;
    fs_pv **items;       /* TUPLE, LIST, SET, DICT (pairs) */
    size_t count, cap;
    fs_pv *a, *b, *c, *d, *e;
    size_t off;          /* offset of the opcode (or payload for BYTES) in the input */
    void *aux;           /* interpreter cache (freed with the VM) */
};

typedef struct fs_pickle fs_pickle;

fs_pickle *fs_pickle_create(void);
void fs_pickle_destroy(fs_pickle *pk);
/* Runs one pickle starting at buf[0] (len bytes available) until STOP.
 * *used: bytes consumed (including STOP); *root: the value left on the stack.
 * base_off is added to offsets in messages and fs_pv.off (position of buf in its file). */
int fs_pickle_run(fs_pickle *pk, const unsigned char *buf, size_t len, size_t base_off, size_t *used, fs_pv **root,
                  fs_err *err);
/* Number of values allocated so far (budget for graph walks). */
size_t fs_pickle_value_count(const fs_pickle *pk);
/* Registers a heap block to free with the VM (interpreter caches). */
int fs_pickle_own(fs_pickle *pk, void *block);
/* PERSID values created by the runs, in order. */
size_t fs_pickle_persid_count(const fs_pickle *pk);
fs_pv *fs_pickle_persid(const fs_pickle *pk, size_t i);

/* Helpers. */
int fs_pv_is_str(const fs_pv *v, const char *s);                   /* STR or BYTES equal to s */
int fs_pv_is_global(const fs_pv *v, const char *module, const char *name);
/* dict, dict-subclass record or OrderedDict([(k, v)...]) record: last match; NULL if none */
const fs_pv *fs_pv_dict_get(const fs_pv *dict, const char *key);
/* Copies a STR/BYTES value into buf as a C string; 0 if not a string or too long. */
int fs_pv_cstr(const fs_pv *v, char *buf, size_t n);
const char *fs_pv_type_name(fs_pv_type t);

#endif
