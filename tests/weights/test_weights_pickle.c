/* test_weights_pickle.c — the inert pickle VM and torch interpreter on hand-made streams:
 * protocol-0 text opcodes, dict subclasses (NEWOBJ + SETITEMS), OBJ/NEWOBJ_EX/BUILD records,
 * channels_last views permuted on load, F16/F64/I64 storages, legacy storage views, npy
 * Fortran order, and error messages that name the offset. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "weights/load.h"
#include "weights/pickle.h"
#include "weights/torch.h"

typedef struct buf {
    unsigned char p[8192];
    size_t n;
} buf;
static void put(buf *b, const void *d, size_t n) {
    memcpy(b->p + b->n, d, n);
    b->n += n;
}
static void u8(buf *b, unsigned v) { b->p[b->n++] = (unsigned char)v; }
static void u32(buf *b, uint32_t v) {
    for (int i = 0; i < 4; i++) u8(b, (v >> (8 * i)) & 255);
}
static void u64(buf *b, uint64_t v) {
    for (int i = 0; i < 8; i++) u8(b, (unsigned)(v >> (8 * i)) & 255);
}
static void cs(buf *b, const char *s) { put(b, s, strlen(s)); }
static void str(buf *b, const char *s) { u8(b, 'X'), u32(b, (uint32_t)strlen(s)), cs(b, s); }
static void glb(buf *b, const char *m, const char *n) { u8(b, 'c'), cs(b, m), u8(b, '\n'), cs(b, n), u8(b, '\n'); }
static void bint(buf *b, int32_t v) { u8(b, 'J'), u32(b, (uint32_t)v); }
static void ints(buf *b, const int32_t *v, int n) {
    u8(b, '(');
    for (int i = 0; i < n; i++) bint(b, v[i]);
    u8(b, 't');
}
static void tensor(buf *b, const char *stype, const char *key, int numel, int off, const int32_t *size, const int32_t *stride,
                   int nd) {
    glb(b, "torch._utils", "_rebuild_tensor_v2");
    u8(b, '('), u8(b, '('), str(b, "storage"), glb(b, "torch", stype), str(b, key), str(b, "cpu"), bint(b, numel);
    u8(b, 't'), u8(b, 'Q');
    bint(b, off), ints(b, size, nd), ints(b, stride, nd), u8(b, 0x89);
    glb(b, "collections", "OrderedDict"), u8(b, ')'), u8(b, 'R'), u8(b, 't'), u8(b, 'R');
}

static fs_pv *run(fs_pickle *pk, const char *text, fs_err *err) {
    fs_pv *root = NULL;
    size_t used;
    if (fs_pickle_run(pk, (const unsigned char *)text, strlen(text), 0, &used, &root, err)) return NULL;
    return root;
}

static void test_protocol0(void) {
    fs_pickle *pk = fs_pickle_create();
    fs_err err = {0};
    /* {'a': 7, 'b': [1.5, 'x\ny', u'\u00e9'], 'c': (True, None)} in protocol 0 with PUT/GET */
    fs_pv *r = run(pk, "(dp0\nS'a'\np1\nI7\nsS'b'\np2\n(lp3\nF1.5\naS'x\\ny'\np4\naVcaf\\u00e9\np5\nasS'c'\n(I01\nNtp6\nsS'd'\ng4\ns.",
                   &err);
    CHECK_MSG(r != NULL, "%s", err.msg);
    if (r) {
        CHECK(r->type == FS_PV_DICT && r->count == 8);
        const fs_pv *a = fs_pv_dict_get(r, "a"), *b = fs_pv_dict_get(r, "b"), *c = fs_pv_dict_get(r, "c");
        CHECK(a && a->type == FS_PV_INT && a->i == 7);
        CHECK(b && b->type == FS_PV_LIST && b->count == 3 && b->items[0]->f == 1.5);
        CHECK(b && fs_pv_is_str(b->items[1], "x\ny") && fs_pv_is_str(b->items[2], "caf\xc3\xa9"));
        CHECK(c && c->type == FS_PV_TUPLE && c->items[0]->type == FS_PV_BOOL && c->items[0]->i == 1);
        CHECK(fs_pv_dict_get(r, "d") == b->items[1]); /* memo GET shares the value */
    }
    /* OBJ, INST, NEWOBJ_EX and BUILD make inert records */
    r = run(pk, "(cargparse\nNamespace\no}(S'lr'\nF0.01\nub.", &err);
    CHECK(r && r->type == FS_PV_CALL && fs_pv_is_global(r->a, "argparse", "Namespace") && fs_pv_dict_get(r->d, "lr"));
    r = run(pk, "(I1\nimymod\nMyClass\n.", &err);
    CHECK(r && r->type == FS_PV_CALL && r->b->count == 1 && fs_pv_is_global(r->a, "mymod", "MyClass"));
    /* errors name the offset */
    CHECK(run(pk, "(I1\nI2\n\xff.", &err) == NULL && strstr(err.msg, "unknown opcode 0xff at offset 7"));
    CHECK(run(pk, "g3\n.", &err) == NULL && strstr(err.msg, "memo entry 3"));
    CHECK(run(pk, "cposix\nsystem\n(S'true'\ntR.", &err) == NULL && strstr(err.msg, "posix.system"));
    CHECK(run(pk, "(S'x'\nS'y'\nS'z'\nd.", &err) == NULL && strstr(err.msg, "odd"));
    fs_pickle_destroy(pk);
}

static void test_protocol2_records(void) {
    buf b = {.n = 0};
    /* EasyDict (dict subclass): NEWOBJ(cls, ()) + SETITEMS; LONG1 negative; BINFLOAT; FROZENSET */
    u8(&b, 0x80), u8(&b, 2);
    glb(&b, "dnnlib.util", "EasyDict"), u8(&b, ')'), u8(&b, 0x81), u8(&b, '(');
    str(&b, "neg"), u8(&b, 0x8a), u8(&b, 2), u8(&b, 0x00), u8(&b, 0xff); /* -256 */
    str(&b, "f"), u8(&b, 'G'), put(&b, "\x3f\xf8\x00\x00\x00\x00\x00\x00", 8); /* 1.5 big-endian */
    str(&b, "s"), u8(&b, '('), bint(&b, 1), bint(&b, 2), u8(&b, 0x91);
    u8(&b, 'u'), u8(&b, '.');
    fs_pickle *pk = fs_pickle_create();
    fs_err err = {0};
    fs_pv *r = NULL;
    size_t used;
    CHECK(fs_pickle_run(pk, b.p, b.n, 0, &used, &r, &err) == FS_OK && used == b.n);
    if (r) {
        const fs_pv *n = fs_pv_dict_get(r, "neg"), *f = fs_pv_dict_get(r, "f"), *s = fs_pv_dict_get(r, "s");
        CHECK(n && n->type == FS_PV_INT && n->i == -256);
        CHECK(f && f->f == 1.5);
        CHECK(s && s->type == FS_PV_SET && s->count == 2);
    }
    fs_pickle_destroy(pk);
}

static void test_tensors_zipless(void) {
    /* legacy torch.save: a channels_last [2,3,2,2] tensor (strides 12,1,6,3), an F16 and an F64
     * tensor, an I64 scalar, an OrderedDict built from a list of pairs (LPIPS style) */
    buf o = {.n = 0}, b = {.n = 0};
    u8(&o, 0x80), u8(&o, 2);
    glb(&o, "collections", "OrderedDict"), u8(&o, ']'), u8(&o, '(');
    const int32_t sz[4] = {2, 3, 2, 2}, stc[4] = {12, 1, 6, 3};
    u8(&o, '('), str(&o, "cl"), tensor(&o, "FloatStorage", "0", 24, 0, sz, stc, 4), u8(&o, 'l');
    const int32_t s2[1] = {2}, s1[1] = {1};
    u8(&o, '('), str(&o, "half"), tensor(&o, "HalfStorage", "1", 2, 0, s2, s1, 1), u8(&o, 'l');
    u8(&o, '('), str(&o, "dbl"), tensor(&o, "DoubleStorage", "2", 3, 1, s2, s1, 1), u8(&o, 'l');
    u8(&o, '('), str(&o, "n"), tensor(&o, "LongStorage", "3", 1, 0, NULL, NULL, 0), u8(&o, 'l');
    u8(&o, 'e'), u8(&o, 0x85), u8(&o, 'R'), u8(&o, '.');
    static const unsigned char magic[10] = {0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19};
    u8(&b, 0x80), u8(&b, 2), u8(&b, 0x8a), u8(&b, 10), put(&b, magic, 10), u8(&b, '.');
    u8(&b, 0x80), u8(&b, 2), u8(&b, 'M'), u8(&b, 0xe9), u8(&b, 0x03), u8(&b, '.');
    u8(&b, 0x80), u8(&b, 2), u8(&b, '}'), u8(&b, '.');
    put(&b, o.p, o.n);
    u8(&b, 0x80), u8(&b, 2), u8(&b, ']'), u8(&b, '('), str(&b, "0"), str(&b, "1"), str(&b, "2"), str(&b, "3"), u8(&b, 'e'), u8(&b, '.');
    u64(&b, 24);
    for (int i = 0; i < 24; i++) {
        float f = (float)i;
        put(&b, &f, 4);
    }
    u64(&b, 2), put(&b, "\x00\x3e\x00\xc0", 4); /* 1.5, -2 */
    u64(&b, 3);
    for (int i = 0; i < 3; i++) {
        double d = 0.25 * i;
        put(&b, &d, 8);
    }
    u64(&b, 1), u64(&b, (uint64_t)-5);
    fs_tensor_map *m = NULL;
    fs_err err = {0};
    CHECK_MSG(fs_torch_load_mem(b.p, b.n, FS_TORCH_TO_F32, &m, &err) == FS_OK, "%s", err.msg);
    if (!m) return;
    const fs_tensor *t = fs_tensor_map_get(m, "cl");
    CHECK(t && t->ndim == 4 && fs_tensor_is_contiguous(t));
    if (t) { /* element [n,c,h,w] lives at storage index 12n + c + 6h + 3w */
        int ok = 1;
        const float *v = t->data;
        for (int n = 0; n < 2; n++)
            for (int c = 0; c < 3; c++)
                for (int h = 0; h < 2; h++)
                    for (int w = 0; w < 2; w++) ok &= v[((n * 3 + c) * 2 + h) * 2 + w] == (float)(12 * n + c + 6 * h + 3 * w);
        CHECK(ok);
    }
    t = fs_tensor_map_get(m, "half");
    CHECK(t && t->dtype == FS_F32 && ((float *)t->data)[0] == 1.5f && ((float *)t->data)[1] == -2.0f);
    t = fs_tensor_map_get(m, "dbl");
    CHECK(t && t->dtype == FS_F32 && ((float *)t->data)[0] == 0.25f && ((float *)t->data)[1] == 0.5f);
    t = fs_tensor_map_get(m, "n");
    CHECK(t && t->dtype == FS_I64 && t->ndim == 0 && ((int64_t *)t->data)[0] == -5);
    CHECK(m->count == 4 && !strcmp(m->items[0]->name, "cl")); /* file order kept */
    fs_tensor_map_destroy(m);
    /* every truncation of the stream fails cleanly */
    int clean = 1;
    for (size_t n = 0; n < b.n; n++) {
        m = NULL;
        if (fs_torch_load_mem(b.p, n, FS_TORCH_TO_F32, &m, &err) == FS_OK) {
            clean = 0;
            fs_tensor_map_destroy(m);
        } else if (!err.msg[0]) {
            clean = 0;
        }
    }
    CHECK(clean);
}

static void test_npy(void) {
    buf b = {.n = 0};
    const char *h = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }      \n";
    cs(&b, "\x93NUMPY"), u8(&b, 1), u8(&b, 0), u8(&b, (unsigned)strlen(h)), u8(&b, 0), cs(&b, h);
    for (int i = 0; i < 6; i++) {
        float f = (float)i; /* column-major: a[r][c] = r + 2c */
        put(&b, &f, 4);
    }
    fs_tensor_map *m = NULL;
    fs_err err = {0};
    CHECK_MSG(fs_npy_load_mem(b.p, b.n, "d", 0, &m, &err) == FS_OK, "%s", err.msg);
    if (m) {
        const float *v = m->items[0]->data;
        CHECK(m->items[0]->shape[0] == 2 && m->items[0]->shape[1] == 3 && v[1] == 2 && v[3] == 1 && v[5] == 5);
        fs_tensor_map_destroy(m);
    }
    CHECK(fs_npy_load_mem(b.p, b.n - 1, "d", 0, &m, &err) != FS_OK && strstr(err.msg, "truncated"));
}

int main(void) {
    test_protocol0();
    test_protocol2_records();
    test_tensors_zipless();
    test_npy();
    return check_finish();
}
