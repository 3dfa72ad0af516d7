/* make_hostile.c — writes the hostile corpus of tests/weights/hostile/ (checked in) and,
 * optionally, small VALID seed files for the fuzzers.
 *   make_hostile OUTDIR [SEEDDIR]
 * Every hostile file must make `facestitch inspect` exit 1 with a clear one-line message,
 * never crash, hang, leak or trip a sanitizer, and never run anything. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
    unsigned char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *d, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}
static void u8(buf *b, unsigned v) {
    unsigned char c = (unsigned char)v;
    put(b, &c, 1);
}
static void u16(buf *b, unsigned v) { u8(b, v & 255), u8(b, (v >> 8) & 255); }
static void u32(buf *b, uint32_t v) {
    for (int i = 0; i < 4; i++) u8(b, (v >> (8 * i)) & 255);
}
static void u64(buf *b, uint64_t v) {
    for (int i = 0; i < 8; i++) u8(b, (unsigned)(v >> (8 * i)) & 255);
}
static void cstr(buf *b, const char *s) { put(b, s, strlen(s)); }

/* pickle helpers (protocol 2 opcodes) */
static void p_proto(buf *b) { u8(b, 0x80), u8(b, 2); }
static void p_str(buf *b, const char *s) { u8(b, 'X'), u32(b, (uint32_t)strlen(s)), cstr(b, s); }
static void p_global(buf *b, const char *m, const char *n) { u8(b, 'c'), cstr(b, m), u8(b, '\n'), cstr(b, n), u8(b, '\n'); }
static void p_int(buf *b, int32_t v) { u8(b, 'J'), u32(b, (uint32_t)v); }
static void p_tuple_ints(buf *b, const int32_t *v, int n) {
    u8(b, '(');
    for (int i = 0; i < n; i++) p_int(b, v[i]);
    u8(b, 't');
}
/* _rebuild_tensor_v2(persid('storage', FloatStorage, key, 'cpu', numel), offset, size, stride, False, OrderedDict()) */
static void p_tensor(buf *b, const char *key, int numel, int offset, const int32_t *size, const int32_t *stride, int nd) {
    p_global(b, "torch._utils", "_rebuild_tensor_v2");
    u8(b, '(');
    u8(b, '(');
    p_str(b, "storage");
    p_global(b, "torch", "FloatStorage");
    p_str(b, key);
    p_str(b, "cpu");
    p_int(b, numel);
    u8(b, 't');
    u8(b, 'Q');
    p_int(b, offset);
    p_tuple_ints(b, size, nd);
    p_tuple_ints(b, stride, nd);
    u8(b, 0x89);
    p_global(b, "collections", "OrderedDict");
    u8(b, ')');
    u8(b, 'R');
    u8(b, 't');
    u8(b, 'R');
}
/* {name: tensor} whose persistent id is an old storage view: ('storage', FloatStorage, key, 'cpu', root_numel,
 * (key + "v", 0, view_numel)); the root's size is a LONG1 so it can claim 2^61 elements */
static void p_state_dict_view(buf *b, const char *key, uint64_t root_numel, int view_numel) {
    const int32_t size[1] = {view_numel}, stride[1] = {1};
    char vkey[16];
    snprintf(vkey, sizeof vkey, "%sv", key);
    p_proto(b), u8(b, '}'), u8(b, '('), p_str(b, "w");
    p_global(b, "torch._utils", "_rebuild_tensor_v2");
    u8(b, '('), u8(b, '('), p_str(b, "storage"), p_global(b, "torch", "FloatStorage"), p_str(b, key), p_str(b, "cpu");
    u8(b, 0x8a), u8(b, 8), u64(b, root_numel);
    u8(b, '('), p_str(b, vkey), p_int(b, 0), p_int(b, view_numel), u8(b, 't');
    u8(b, 't'), u8(b, 'Q'), p_int(b, 0), p_tuple_ints(b, size, 1), p_tuple_ints(b, stride, 1), u8(b, 0x89);
    p_global(b, "collections", "OrderedDict");
    u8(b, ')'), u8(b, 'R'), u8(b, 't'), u8(b, 'R'), u8(b, 'u'), u8(b, '.');
}

/* {name: tensor} pickle */
static void p_state_dict(buf *b, const char *name, const char *key, int numel, int offset, const int32_t *size,
                         const int32_t *stride, int nd) {
    p_proto(b);
    u8(b, '}');
    u8(b, '(');
    p_str(b, name);
    p_tensor(b, key, numel, offset, size, stride, nd);
    u8(b, 'u');
    u8(b, '.');
}

/* legacy torch.save stream of `obj` (a pickle) with storages "0".."n-1" of floats */
static void legacy(buf *b, const buf *obj, int nstorages, const int *numels) {
    static const unsigned char magic[10] = {0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19};
    p_proto(b), u8(b, 0x8a), u8(b, 10), put(b, magic, 10), u8(b, '.');
    p_proto(b), u8(b, 'M'), u16(b, 1001), u8(b, '.');
    p_proto(b), u8(b, '}'), u8(b, '('), p_str(b, "little_endian"), u8(b, 0x88), u8(b, 'u'), u8(b, '.');
    put(b, obj->p, obj->n);
    p_proto(b), u8(b, ']'), u8(b, '(');
    for (int i = 0; i < nstorages; i++) {
        char k[16];
        snprintf(k, sizeof k, "%d", i);
        p_str(b, k);
    }
    u8(b, 'e'), u8(b, '.');
    for (int i = 0; i < nstorages; i++) {
        u64(b, (uint64_t)numels[i]);
        for (int j = 0; j < numels[i]; j++) {
            float f = (float)j * 0.25f;
            put(b, &f, 4);
        }
    }
}

/* NVIDIA .pkl style: {'w': _rebuild_tensor_v2(_load_from_bytes(<legacy torch.save of a storage>), ...)};
 * cut: bytes removed from the end of the embedded storage */
static void blob_pickle(buf *b, int cut) {
    buf inner = {0}, obj = {0};
    const int32_t s4[1] = {4}, st1[1] = {1};
    p_proto(&obj), u8(&obj, '('), p_str(&obj, "storage"), p_global(&obj, "torch", "FloatStorage"), p_str(&obj, "0");
    p_str(&obj, "cpu"), p_int(&obj, 4), u8(&obj, 't'), u8(&obj, 'Q'), u8(&obj, '.');
    int numel = 4;
    legacy(&inner, &obj, 1, &numel);
    inner.n -= (size_t)cut;
    p_proto(b), u8(b, '}'), u8(b, '('), p_str(b, "w");
    p_global(b, "torch._utils", "_rebuild_tensor_v2"), u8(b, '(');
    p_global(b, "torch.storage", "_load_from_bytes"), u8(b, 'B'), u32(b, (uint32_t)inner.n), put(b, inner.p, inner.n);
    u8(b, 0x85), u8(b, 'R');
    p_int(b, 0), p_tuple_ints(b, s4, 1), p_tuple_ints(b, st1, 1), u8(b, 0x89), p_global(b, "collections", "OrderedDict");
    u8(b, ')'), u8(b, 'R'), u8(b, 't'), u8(b, 'R'), u8(b, 'u'), u8(b, '.');
    free(inner.p);
    free(obj.p);
}

/* zip with stored entries; bad: 0 ok, 1 central dir offset beyond EOF, 2 local offset beyond EOF,
 * 3 entry size beyond EOF, 4 huge entry count, 5 deflated entry claiming 3.9 GB from 0 bytes (found by fuzz_zip) */
typedef struct zent {
    const char *name;
    const unsigned char *d;
    size_t n;
} zent;
static uint32_t crc32_(const unsigned char *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}
static void zip(buf *b, const zent *e, int n, int bad) {
    uint32_t offs[16];
    for (int i = 0; i < n; i++) {
        offs[i] = (uint32_t)b->n;
        u32(b, 0x04034b50), u16(b, 20), u16(b, 0), u16(b, 0), u16(b, 0), u16(b, 0);
        u32(b, crc32_(e[i].d, e[i].n)), u32(b, (uint32_t)e[i].n), u32(b, (uint32_t)e[i].n);
        u16(b, (unsigned)strlen(e[i].name)), u16(b, 0), cstr(b, e[i].name);
        put(b, e[i].d, e[i].n);
    }
    uint32_t cd = (uint32_t)b->n;
    for (int i = 0; i < n; i++) {
        int deflate_lie = bad == 5 && i == n - 1; /* "deflated", 0 compressed bytes, 3.9 GB plain */
        u32(b, 0x02014b50), u16(b, 20), u16(b, 20), u16(b, 0), u16(b, deflate_lie ? 8 : 0), u16(b, 0), u16(b, 0);
        u32(b, crc32_(e[i].d, e[i].n));
        uint32_t sz = bad == 3 && i == n - 1 ? 0x7FFFFFF0u : (uint32_t)e[i].n;
        if (deflate_lie) u32(b, 0), u32(b, 0xE8000000u);
        else u32(b, sz), u32(b, sz);
        u16(b, (unsigned)strlen(e[i].name)), u16(b, 0), u16(b, 0), u16(b, 0), u16(b, 0), u32(b, 0);
        u32(b, bad == 2 && i == n - 1 ? 0x7FFFFFF0u : offs[i]);
        cstr(b, e[i].name);
    }
    uint32_t cdsize = (uint32_t)b->n - cd;
    u32(b, 0x06054b50), u16(b, 0), u16(b, 0);
    u16(b, bad == 4 ? 0xFFFE : (unsigned)n), u16(b, bad == 4 ? 0xFFFE : (unsigned)n);
    u32(b, cdsize), u32(b, bad == 1 ? 0x7FFFFFF0u : cd), u16(b, 0);
}

static void torch_zip(buf *b, const buf *pkl, int numel, int bad) {
    unsigned char *data = calloc((size_t)numel * 4 + 1, 1);
    for (int j = 0; j < numel; j++) {
        float f = (float)j;
        memcpy(data + 4 * j, &f, 4);
    }
    zent e[3] = {{"archive/data.pkl", pkl->p, pkl->n}, {"archive/version", (const unsigned char *)"3\n", 2},
                 {"archive/data/0", data, (size_t)numel * 4}};
    zip(b, e, 3, bad);
    free(data);
}

static char outdir[1024];
static void save(const char *dir, const char *name, const void *d, size_t n) {
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(d, 1, n, fp) != n) {
        fprintf(stderr, "make_hostile: cannot write %s\n", path);
        exit(1);
    }
    fclose(fp);
}
static void saveb(const char *name, buf *b) {
    save(outdir, name, b->p, b->n);
    free(b->p);
    memset(b, 0, sizeof *b);
}
static void st(const char *name, const char *json, size_t datalen) {
    buf b = {0};
    u64(&b, strlen(json));
    cstr(&b, json);
    for (size_t i = 0; i < datalen; i++) u8(&b, (unsigned)i);
    saveb(name, &b);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: make_hostile OUTDIR [SEEDDIR]\n");
        return 2;
    }
    snprintf(outdir, sizeof outdir, "%s", argv[1]);
    buf b = {0}, o = {0};
    const int32_t s4[1] = {4}, st1[1] = {1};

    /* ---- safetensors ---- */
    st("st_overlap.safetensors",
       "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 16);
    st("st_offsets_beyond_end.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1000],\"data_offsets\":[0,4000]}}", 16);
    st("st_size_mismatch.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3,3],\"data_offsets\":[0,8]}}", 8);
    st("st_duplicate_name.safetensors",
       "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
    st("st_bad_json.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]", 4);
    st("st_unknown_dtype.safetensors", "{\"a\":{\"dtype\":\"Q4_K\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
    st("st_shape_overflow.safetensors",
       "{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,8]}}", 8);
    st("st_zero_dim_hides_overflow.safetensors",
       "{\"a\":{\"dtype\":\"F64\",\"shape\":[0,99999999999,99999999999],\"data_offsets\":[0,0]}}", 0);
    st("st_huge_offsets.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[1e300,1e300]}}", 4);
    st("st_negative_offsets.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4);
    st("st_metadata_not_string.safetensors", "{\"__metadata__\":{\"format\":{\"x\":1}}}", 0);
    u64(&b, 0x7FFFFFFFFFFFFFF0ull), cstr(&b, "{}");
    saveb("st_huge_header_length.safetensors", &b);
    {
        buf j = {0};
        cstr(&j, "{\"a\":{\"dtype\":\"F32\",\"shape\":");
        for (int i = 0; i < 50000; i++) u8(&j, '[');
        u8(&j, 0);
        st("st_deep_json.safetensors", (const char *)j.p, 0);
        free(j.p);
    }
    {
        char big[400];
        memset(big, 'n', sizeof big);
        big[sizeof big - 1] = 0;
        char js[600];
        snprintf(js, sizeof js, "{\"%s\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", big);
        st("st_long_name.safetensors", js, 4);
    }
    /* valid file, then truncated in the data */
    st("st_truncated_data.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[64],\"data_offsets\":[0,256]}}    ", 100);

    /* ---- pickles ---- */
    /* GLOBAL os.system, REDUCE with a shell command: must be refused, nothing executed */
    p_proto(&b), p_global(&b, "os", "system"), p_str(&b, "touch /tmp/facestitch_hostile_pwned"), u8(&b, 0x85), u8(&b, 'R'), u8(&b, '.');
    saveb("pkl_os_system.pkl", &b);
    /* same with STACK_GLOBAL (protocol 4) + memo, hidden inside a state dict */
    u8(&b, 0x80), u8(&b, 4), u8(&b, '}'), u8(&b, '('), p_str(&b, "weight");
    u8(&b, 0x8c), u8(&b, 10), cstr(&b, "subprocess"), u8(&b, 0x94), u8(&b, 0x8c), u8(&b, 5), cstr(&b, "check"), u8(&b, 0x93);
    u8(&b, ']'), p_str(&b, "sh"), u8(&b, 'a'), u8(&b, 0x85), u8(&b, 'R'), u8(&b, 'u'), u8(&b, '.');
    saveb("pkl_subprocess_stack_global.pkl", &b);
    p_proto(&b), p_global(&b, "builtins", "eval"), p_str(&b, "__import__('os').system('true')"), u8(&b, 0x85), u8(&b, 'R'), u8(&b, '.');
    saveb("pkl_builtins_eval.pkl", &b);
    /* INST opcode (protocol 0): os.system via INST */
    cstr(&b, "(S'touch /tmp/facestitch_hostile_pwned'\nios\nsystem\n.");
    saveb("pkl_inst_os_system.pkl", &b);
    /* memo cycle: a list that contains itself */
    p_proto(&b), u8(&b, ']'), u8(&b, 'q'), u8(&b, 0), u8(&b, 'h'), u8(&b, 0), u8(&b, 'a'), u8(&b, '.');
    saveb("pkl_memo_cycle_list.pkl", &b);
    /* a dict whose value is itself */
    p_proto(&b), u8(&b, '}'), u8(&b, 'q'), u8(&b, 0), p_str(&b, "self"), u8(&b, 'h'), u8(&b, 0), u8(&b, 's'), u8(&b, '.');
    saveb("pkl_memo_cycle_dict.pkl", &b);
    /* memo read before write; memo index far out of range */
    p_proto(&b), u8(&b, 'h'), u8(&b, 7), u8(&b, '.');
    saveb("pkl_memo_unset.pkl", &b);
    p_proto(&b), u8(&b, 'N'), u8(&b, 'r'), u32(&b, 0xFFFFFFF0u), u8(&b, '.');
    saveb("pkl_memo_huge_index.pkl", &b);
    /* deep nesting: 100000 MARKs; 20000 nested lists */
    p_proto(&b);
    for (int i = 0; i < 100000; i++) u8(&b, '(');
    u8(&b, '.');
    saveb("pkl_deep_marks.pkl", &b);
    p_proto(&b);
    for (int i = 0; i < 20000; i++) u8(&b, ']');
    for (int i = 0; i < 19999; i++) u8(&b, 'a');
    u8(&b, '.');
    saveb("pkl_deep_lists.pkl", &b);
    /* shared sub-graph blowup ("billion laughs"): L(k+1) = [L(k), L(k)], 80 levels */
    p_proto(&b), u8(&b, ']');
    for (int i = 0; i < 80; i++) u8(&b, 'q'), u8(&b, 0), u8(&b, 'h'), u8(&b, 0), u8(&b, 0x86);
    u8(&b, '.');
    saveb("pkl_shared_blowup.pkl", &b);
    /* unknown opcode, truncations, huge lengths */
    p_proto(&b), u8(&b, 0xff), u8(&b, '.');
    saveb("pkl_unknown_opcode.pkl", &b);
    p_proto(&b), u8(&b, 'X'), u32(&b, 100), cstr(&b, "short");
    saveb("pkl_truncated_string.pkl", &b);
    p_proto(&b), u8(&b, 0x8e), u64(&b, 0x4000000000000000ull), u8(&b, '.');
    saveb("pkl_huge_bytes8.pkl", &b);
    p_proto(&b), u8(&b, 0x8b), u32(&b, 0x7FFFFFFF), u8(&b, '.');
    saveb("pkl_huge_long4.pkl", &b);
    p_proto(&b), u8(&b, '}');
    saveb("pkl_no_stop.pkl", &b);
    p_proto(&b), u8(&b, 'R'), u8(&b, '.');
    saveb("pkl_reduce_empty_stack.pkl", &b);
    p_proto(&b), u8(&b, 'N'), u8(&b, 'N'), u8(&b, 0x93), u8(&b, '.');
    saveb("pkl_stack_global_not_strings.pkl", &b);
    p_proto(&b), u8(&b, 'N'), u8(&b, '('), u8(&b, 'N'), u8(&b, 'u'), u8(&b, '.');
    saveb("pkl_setitems_odd.pkl", &b);
    p_proto(&b), u8(&b, 'N'), u8(&b, 0x82), u8(&b, 1), u8(&b, '.');
    saveb("pkl_ext1.pkl", &b);
    u8(&b, 0x80), u8(&b, 9), u8(&b, '.');
    saveb("pkl_protocol_9.pkl", &b);
    cstr(&b, "I99999999999999999999999999\n.");
    saveb("pkl_int_overflow.pkl", &b);
    cstr(&b, "S'unterminated\n.");
    saveb("pkl_bad_string_quote.pkl", &b);
    /* persistent id in a plain pickle (no storages there) */
    p_state_dict(&b, "w", "0", 4, 0, s4, st1, 1);
    saveb("pkl_persid_without_container.pkl", &b);
    /* embedded legacy blob (NVIDIA .pkl style) that is truncated */
    blob_pickle(&b, 6);
    saveb("pkl_load_from_bytes_truncated.pkl", &b);

    /* ---- legacy torch.save ---- */
    {
        int numel = 4;
        const int32_t big[1] = {1000};
        p_state_dict(&o, "w", "0", 4, 0, s4, st1, 1);
        legacy(&b, &o, 1, &numel);
        free(o.p), memset(&o, 0, sizeof o);
        b.n -= 7;
        saveb("legacy_truncated_storage.pth", &b);
        p_state_dict(&o, "w", "0", 4, 0, big, st1, 1);
        legacy(&b, &o, 1, &numel);
        free(o.p), memset(&o, 0, sizeof o);
        saveb("legacy_view_beyond_storage.pth", &b);
        {
            const int32_t zs[3] = {0, 2000000000, 2000000000}, zst[3] = {1, 1, 1};
            p_state_dict(&o, "w", "0", 4, 0, zs, zst, 3);
            legacy(&b, &o, 1, &numel);
            free(o.p), memset(&o, 0, sizeof o);
            saveb("legacy_zero_dim_hides_overflow.pth", &b);
            const int32_t one[2] = {1, 4}, hugestride[2] = {2000000000, 1};
            p_state_dict(&o, "w", "0", 4, 0, one, hugestride, 2); /* valid: a size-1 dim's stride is irrelevant */
        }
        legacy(&b, &o, 1, &numel);
        free(o.p), memset(&o, 0, sizeof o);
        if (argc > 2) save(argv[2], "seed_legacy_size1_huge_stride.pth", b.p, b.n);
        free(b.p), memset(&b, 0, sizeof b);
        const int32_t s2[2] = {2, 2}, neg[2] = {-2, 1};
        p_state_dict(&o, "w", "0", 4, 0, s2, neg, 2);
        legacy(&b, &o, 1, &numel);
        free(o.p), memset(&o, 0, sizeof o);
        saveb("legacy_negative_stride.pth", &b);
        p_state_dict(&o, "w", "1", 4, 0, s4, st1, 1); /* storage key not in the key list */
        legacy(&b, &o, 1, &numel);
        free(o.p), memset(&o, 0, sizeof o);
        saveb("legacy_unknown_storage_key.pth", &b);
        p_state_dict(&o, "w", "0", 4, 0, s4, st1, 1);
        legacy(&b, &o, 1, &numel);
        free(o.p), memset(&o, 0, sizeof o);
        b.p[5] ^= 0x55; /* magic number */
        b.p[4] = 0x6C;
        b.p[6] ^= 1;
        saveb("legacy_bad_magic.pth", &b);
        /* the key list names the same storage twice */
        {
            buf k2 = {0};
            p_state_dict(&o, "w", "0", 4, 0, s4, st1, 1);
            legacy(&k2, &o, 1, &numel);
            free(o.p), memset(&o, 0, sizeof o);
            /* rebuild with a key list ["0", "0"] and two storages */
            size_t cut = k2.n - (8 + 16); /* drop the storage bytes */
            k2.n = cut;
            /* the key list pickle ends with "e." at the end: re-emit it */
            free(k2.p);
            memset(&k2, 0, sizeof k2);
            static const unsigned char magic[10] = {0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19};
            p_proto(&k2), u8(&k2, 0x8a), u8(&k2, 10), put(&k2, magic, 10), u8(&k2, '.');
            p_proto(&k2), u8(&k2, 'M'), u16(&k2, 1001), u8(&k2, '.');
            p_proto(&k2), u8(&k2, '}'), u8(&k2, '.');
            p_state_dict(&k2, "w", "0", 4, 0, s4, st1, 1);
            p_proto(&k2), u8(&k2, ']'), u8(&k2, '('), p_str(&k2, "0"), p_str(&k2, "0"), u8(&k2, 'e'), u8(&k2, '.');
            for (int r = 0; r < 2; r++) {
                u64(&k2, 4);
                for (int j = 0; j < 4; j++) u32(&k2, 0);
            }
            saveb("legacy_duplicate_storage_key.pth", &k2);
        }
        /* the pickle and the storage section disagree on a storage's element count: the pickle's root
         * storage claims 2^61 elements (its view uses 4), or 2 where the file holds 4 */
        p_state_dict_view(&o, "0", (uint64_t)1 << 61, 4);
        legacy(&b, &o, 1, &numel);
        free(o.p), memset(&o, 0, sizeof o);
        saveb("legacy_count_2e61_in_pickle.pth", &b);
        {
            const int32_t s2[1] = {2};
            p_state_dict(&o, "w", "0", 2, 0, s2, st1, 1);
            legacy(&b, &o, 1, &numel);
            free(o.p), memset(&o, 0, sizeof o);
            saveb("legacy_count_disagrees.pth", &b);
        }
        /* huge element count in the storage header */
        p_state_dict(&o, "w", "0", 4, 0, s4, st1, 1);
        legacy(&b, &o, 1, &numel);
        free(o.p), memset(&o, 0, sizeof o);
        memset(b.p + b.n - 16 - 8, 0xFF, 7);
        saveb("legacy_huge_numel.pth", &b);
    }

    /* ---- zip ---- */
    {
        p_state_dict(&o, "w", "0", 4, 0, s4, st1, 1);
        for (int bad = 1; bad <= 5; bad++) {
            static const char *names[] = {"", "zip_cd_offset_beyond_eof.pt", "zip_local_offset_beyond_eof.pt",
                                          "zip_entry_beyond_eof.pt", "zip_huge_entry_count.pt", "zip_deflate_size_lie.pt"};
            torch_zip(&b, &o, 4, bad);
            saveb(names[bad], &b);
        }
        torch_zip(&b, &o, 4, 0);
        b.n = b.n * 2 / 3;
        saveb("zip_truncated.pt", &b);
        torch_zip(&b, &o, 2, 0); /* storage smaller than the tensor */
        saveb("zip_storage_too_small.pt", &b);
        zent e[1] = {{"archive/version", (const unsigned char *)"3\n", 2}};
        zip(&b, e, 1, 0);
        saveb("zip_no_data_pkl.pt", &b);
        free(o.p), memset(&o, 0, sizeof o);
        /* pickle inside the zip calls os.system */
        p_proto(&o), p_global(&o, "os", "system"), p_str(&o, "touch /tmp/facestitch_hostile_pwned"), u8(&o, 0x85), u8(&o, 'R'), u8(&o, '.');
        torch_zip(&b, &o, 4, 0);
        saveb("zip_os_system.pt", &b);
        free(o.p), memset(&o, 0, sizeof o);
    }

    /* ---- npy ---- */
    {
        const char *h = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 1000), }";
        cstr(&b, "\x93NUMPY"), u8(&b, 1), u8(&b, 0), u16(&b, (unsigned)strlen(h)), cstr(&b, h);
        for (int i = 0; i < 64; i++) u8(&b, 0);
        saveb("npy_truncated_data.npy", &b);
        h = "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999), }";
        cstr(&b, "\x93NUMPY"), u8(&b, 1), u8(&b, 0), u16(&b, (unsigned)strlen(h)), cstr(&b, h);
        saveb("npy_shape_overflow.npy", &b);
        h = "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 99999999999, 99999999999), }";
        cstr(&b, "\x93NUMPY"), u8(&b, 1), u8(&b, 0), u16(&b, (unsigned)strlen(h)), cstr(&b, h);
        saveb("npy_zero_dim_hides_overflow.npy", &b); /* found by fuzz_npy (strides overflowed) */
        h = "{'descr': '<f8', 'fortran_order': True, 'shape': (99999999999, 99999999999, 0), }";
        cstr(&b, "\x93NUMPY"), u8(&b, 1), u8(&b, 0), u16(&b, (unsigned)strlen(h)), cstr(&b, h);
        saveb("npy_fortran_zero_dim_overflow.npy", &b); /* found by fuzz_npy (Fortran strides overflowed) */
        cstr(&b, "\x93NUMPY"), u8(&b, 1), u8(&b, 0), u16(&b, 60000), cstr(&b, "{'descr'");
        saveb("npy_header_beyond_eof.npy", &b);
        h = "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }";
        cstr(&b, "\x93NUMPY"), u8(&b, 1), u8(&b, 0), u16(&b, (unsigned)strlen(h)), cstr(&b, h);
        saveb("npy_structured.npy", &b);
        h = "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }";
        cstr(&b, "\x93NUMPY"), u8(&b, 1), u8(&b, 0), u16(&b, (unsigned)strlen(h)), cstr(&b, h);
        saveb("npy_object_dtype.npy", &b);
        cstr(&b, "\x93NUMPY"), u8(&b, 7), u8(&b, 0), u16(&b, 2), cstr(&b, "{}");
        saveb("npy_version_7.npy", &b);
    }
    /* ---- not a weights file at all ---- */
    save(outdir, "empty.bin", "", 0);
    cstr(&b, "GIF89a this is not a checkpoint");
    saveb("garbage.bin", &b);

    /* ---- valid seeds for the fuzzers ---- */
    if (argc > 2) {
        snprintf(outdir, sizeof outdir, "%s", argv[2]);
        int numel = 4;
        p_state_dict(&o, "w", "0", 4, 0, s4, st1, 1);
        legacy(&b, &o, 1, &numel);
        saveb("seed_legacy.pth", &b);
        torch_zip(&b, &o, 4, 0);
        saveb("seed_zip.pt", &b);
        free(o.p), memset(&o, 0, sizeof o);
        blob_pickle(&b, 0);
        saveb("seed_pickle.pkl", &b);
        st("seed.safetensors", "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
           "\"b\":{\"dtype\":\"F16\",\"shape\":[1,2],\"data_offsets\":[8,12]}}    ", 12);
        const char *h = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }";
        cstr(&b, "\x93NUMPY"), u8(&b, 1), u8(&b, 0), u16(&b, (unsigned)strlen(h)), cstr(&b, h);
        for (int i = 0; i < 6; i++) {
            double d = i;
            put(&b, &d, 8);
        }
        saveb("seed.npy", &b);
    }
    return 0;
}
