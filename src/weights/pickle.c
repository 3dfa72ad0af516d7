/* pickle.c — inert pickle VM (see pickle.h). Opcode table: CPython Lib/pickletools.py. */
#include "weights/pickle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "weights/wutil.h"

#define PK_MAX_STACK (1u << 22)   /* values on the stack */
#define PK_MAX_MARKS 4096u        /* nesting depth of MARK */
#define PK_MAX_ITEMS (1u << 26)   /* elements in one container */
#define PK_MAX_VALUES (1u << 23)  /* values allocated by one VM (~1 GB at most) */
#define PK_MAX_LINE 65536u        /* text opcodes (protocol 0) */

struct fs_pickle {
    fs_pv **all;        /* every value, for destroy */
    size_t nall, capall;
    void **blocks;      /* decoded strings, caches */
    size_t nblocks, capblocks;
    fs_pv **persids;
    size_t npersids, cappersids;
    /* per run */
    fs_pv **stack;
    size_t sp, capstack;
    size_t *marks;
    size_t nmarks, capmarks;
    fs_pv **memo;
    size_t nmemo, capmemo;
};

static int grow(void **arr, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 1;
    size_t nc = *cap ? *cap : 16;
    while (nc < need) {
        if (nc > SIZE_MAX / 4 / elem) return 0;
        nc *= 2;
    }
    void *p = realloc(*arr, nc * elem);
    if (!p) return 0;
    *arr = p;
    *cap = nc;
    return 1;
}

fs_pickle *fs_pickle_create(void) { return calloc(1, sizeof(fs_pickle)); }

void fs_pickle_destroy(fs_pickle *pk) {
    if (!pk) return;
    for (size_t i = 0; i < pk->nall; i++) {
        free(pk->all[i]->items);
        free(pk->all[i]);
    }
    for (size_t i = 0; i < pk->nblocks; i++) free(pk->blocks[i]);
    free(pk->all);
    free(pk->blocks);
    free(pk->persids);
    free(pk->stack);
    free(pk->marks);
    free(pk->memo);
    free(pk);
}

size_t fs_pickle_value_count(const fs_pickle *pk) { return pk->nall; }
size_t fs_pickle_persid_count(const fs_pickle *pk) { return pk->npersids; }
fs_pv *fs_pickle_persid(const fs_pickle *pk, size_t i) { return i < pk->npersids ? pk->persids[i] : NULL; }

int fs_pickle_own(fs_pickle *pk, void *block) {
    if (!grow((void **)&pk->blocks, &pk->capblocks, pk->nblocks + 1, sizeof(void *))) {
        free(block);
        return FS_ERR;
    }
    pk->blocks[pk->nblocks++] = block;
    return FS_OK;
}

static fs_pv *pv_new(fs_pickle *pk, fs_pv_type t, size_t off) {
    if (pk->nall >= PK_MAX_VALUES) return NULL; /* reported as "too many values" by push() */
    if (!grow((void **)&pk->all, &pk->capall, pk->nall + 1, sizeof(fs_pv *))) return NULL;
    fs_pv *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->type = t;
    v->off = off;
    pk->all[pk->nall++] = v;
    return v;
}

static int pv_append(fs_pv *c, fs_pv *item) {
    if (c->count >= PK_MAX_ITEMS) return 0;
    if (!grow((void **)&c->items, &c->cap, c->count + 1, sizeof(fs_pv *))) return 0;
    c->items[c->count++] = item;
    return 1;
}

const char *fs_pv_type_name(fs_pv_type t) {
    static const char *names[] = {"None", "bool", "int", "int", "float", "str", "bytes", "tuple",
                                  "list", "dict", "set", "global", "object", "persistent id"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

int fs_pv_is_str(const fs_pv *v, const char *s) {
    if (!v || (v->type != FS_PV_STR && v->type != FS_PV_BYTES)) return 0;
    size_t n = strlen(s);
    return v->n == n && !memcmp(v->s, s, n);
}

int fs_pv_is_global(const fs_pv *v, const char *module, const char *name) {
    if (!v || v->type != FS_PV_GLOBAL) return 0;
    size_t a = strlen(module), b = strlen(name);
    return v->n == a && v->n2 == b && !memcmp(v->s, module, a) && !memcmp(v->s2, name, b);
}

const fs_pv *fs_pv_dict_get(const fs_pv *d, const char *key) {
    if (d && d->type == FS_PV_CALL) { /* dict subclass or OrderedDict([(k, v), ...]) */
        const fs_pv *r = fs_pv_dict_get(d->e, key);
        if (r) return r;
        const fs_pv *l = d->b && d->b->type == FS_PV_TUPLE && d->b->count >= 1 ? d->b->items[0] : NULL;
        if (l && l->type == FS_PV_DICT) return fs_pv_dict_get(l, key);
        if (l && (l->type == FS_PV_LIST || l->type == FS_PV_TUPLE))
            for (size_t i = l->count; i-- > 0;) {
                const fs_pv *kv = l->items[i];
                if ((kv->type == FS_PV_LIST || kv->type == FS_PV_TUPLE) && kv->count == 2 && fs_pv_is_str(kv->items[0], key))
                    return kv->items[1];
            }
        return NULL;
    }
    if (!d || d->type != FS_PV_DICT) return NULL;
    for (size_t i = d->count / 2; i-- > 0;)
        if (fs_pv_is_str(d->items[2 * i], key)) return d->items[2 * i + 1];
    return NULL;
}

int fs_pv_cstr(const fs_pv *v, char *buf, size_t n) {
    if (!v || (v->type != FS_PV_STR && v->type != FS_PV_BYTES) || v->n >= n) return 0;
    memcpy(buf, v->s, v->n);
    buf[v->n] = 0;
    return 1;
}

/* ---- the VM ---- */

typedef struct run {
    fs_pickle *pk;
    const unsigned char *p;
    size_t len, pos, base;
    size_t op_off; /* offset of the current opcode */
    fs_err *err;
} run;

#define FAIL(...) return (fs_errorf(r->err, __VA_ARGS__), FS_ERR)

static int need(run *r, size_t n, const char *what) {
    if (n > r->len - r->pos)
        return fs_errorf(r->err, "truncated pickle: %s at offset %zu needs %zu bytes, only %zu left", what,
                         r->base + r->op_off, n, r->len - r->pos);
    return FS_OK;
}

static int push(run *r, fs_pv *v) {
    fs_pickle *pk = r->pk;
    if (!v) FAIL("pickle: out of memory or too many values at offset %zu", r->base + r->op_off);
    if (pk->sp >= PK_MAX_STACK) FAIL("pickle: stack overflow at offset %zu", r->base + r->op_off);
    if (!grow((void **)&pk->stack, &pk->capstack, pk->sp + 1, sizeof(fs_pv *)))
        FAIL("pickle: out of memory at offset %zu", r->base + r->op_off);
    pk->stack[pk->sp++] = v;
    return FS_OK;
}

static size_t stack_floor(run *r) { return r->pk->nmarks ? r->pk->marks[r->pk->nmarks - 1] : 0; }

static int pop(run *r, fs_pv **out, const char *op) {
    if (r->pk->sp <= stack_floor(r)) FAIL("pickle: %s on an empty stack at offset %zu", op, r->base + r->op_off);
    *out = r->pk->stack[--r->pk->sp];
    return FS_OK;
}

static int top(run *r, fs_pv **out, const char *op) {
    if (r->pk->sp <= stack_floor(r)) FAIL("pickle: %s on an empty stack at offset %zu", op, r->base + r->op_off);
    *out = r->pk->stack[r->pk->sp - 1];
    return FS_OK;
}

/* Pops to the last MARK: items in [*first, sp) before the pop. */
static int pop_mark(run *r, size_t *first, const char *op) {
    fs_pickle *pk = r->pk;
    if (!pk->nmarks) FAIL("pickle: %s without MARK at offset %zu", op, r->base + r->op_off);
    *first = pk->marks[--pk->nmarks];
    return FS_OK;
}

static fs_pv *new_at(run *r, fs_pv_type t) { return pv_new(r->pk, t, r->base + r->op_off); }

static int read_line(run *r, const char **s, size_t *n) {
    const unsigned char *start = r->p + r->pos;
    size_t avail = r->len - r->pos;
    if (avail > PK_MAX_LINE) avail = PK_MAX_LINE;
    const unsigned char *nl = memchr(start, '\n', avail);
    if (!nl) FAIL("truncated pickle: unterminated text argument at offset %zu", r->base + r->op_off);
    *s = (const char *)start;
    *n = (size_t)(nl - start);
    r->pos += *n + 1;
    return FS_OK;
}

static int parse_dec(const char *s, size_t n, int64_t *out) {
    size_t i = 0;
    int neg = 0;
    while (n && (s[n - 1] == 'L' || s[n - 1] == ' ' || s[n - 1] == '\r')) n--; /* Python 2 long suffix */
    if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    if (i == n) return 0;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        if (v > (UINT64_MAX - 9) / 10) return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX + (uint64_t)neg) return 0;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 1;
}

static void utf8_put(char *o, size_t *k, uint32_t cp) {
    if (cp < 0x80) o[(*k)++] = (char)cp;
    else if (cp < 0x800) {
        o[(*k)++] = (char)(0xC0 | (cp >> 6));
        o[(*k)++] = (char)(0x80 | (cp & 63));
    } else if (cp < 0x10000) {
        o[(*k)++] = (char)(0xE0 | (cp >> 12));
        o[(*k)++] = (char)(0x80 | ((cp >> 6) & 63));
        o[(*k)++] = (char)(0x80 | (cp & 63));
    } else {
        o[(*k)++] = (char)(0xF0 | ((cp >> 18) & 7));
        o[(*k)++] = (char)(0x80 | ((cp >> 12) & 63));
        o[(*k)++] = (char)(0x80 | ((cp >> 6) & 63));
        o[(*k)++] = (char)(0x80 | (cp & 63));
    }
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Protocol-0 STRING: a quoted Python repr with backslash escapes. */
static int decode_string(run *r, const char *s, size_t n, fs_pv *v) {
    while (n && s[n - 1] == '\r') n--;
    if (n < 2 || (s[0] != '\'' && s[0] != '"') || s[n - 1] != s[0])
        FAIL("pickle: STRING argument is not quoted at offset %zu", r->base + r->op_off);
    s++;
    n -= 2;
    char *o = malloc(n + 1);
    if (!o || fs_pickle_own(r->pk, o)) FAIL("pickle: out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 == n) {
            o[k++] = s[i];
            continue;
        }
        char c = s[++i];
        switch (c) {
        case 'n': o[k++] = '\n'; break;
        case 't': o[k++] = '\t'; break;
        case 'r': o[k++] = '\r'; break;
        case '\\': o[k++] = '\\'; break;
        case '\'': o[k++] = '\''; break;
        case '"': o[k++] = '"'; break;
        case 'x':
            if (i + 2 < n + 0 && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
                o[k++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
                i += 2;
            } else {
                FAIL("pickle: bad \\x escape in STRING at offset %zu", r->base + r->op_off);
            }
            break;
        default:
            if (c >= '0' && c <= '7') {
                int val = c - '0', d = 1;
                while (d < 3 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7') val = val * 8 + (s[++i] - '0'), d++;
                o[k++] = (char)val;
            } else {
                o[k++] = '\\';
                o[k++] = c;
            }
        }
    }
    o[k] = 0;
    v->s = o;
    v->n = k;
    return FS_OK;
}

/* Protocol-0 UNICODE: raw-unicode-escape (\uXXXX, \UXXXXXXXX; other bytes are Latin-1). */
static int decode_unicode(run *r, const char *s, size_t n, fs_pv *v) {
    size_t cap;
    if (!fs_mul_size(n, 4, &cap)) FAIL("pickle: UNICODE too long");
    char *o = malloc(cap + 1);
    if (!o || fs_pickle_own(r->pk, o)) FAIL("pickle: out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' && i + 1 < n && (s[i + 1] == 'u' || s[i + 1] == 'U')) {
            int digits = s[i + 1] == 'u' ? 4 : 8;
            if (i + 1 + (size_t)digits >= n)
                FAIL("pickle: bad \\u escape in UNICODE at offset %zu", r->base + r->op_off);
            uint32_t cp = 0;
            for (int d = 0; d < digits; d++) {
                int h = hexval(s[i + 2 + (size_t)d]);
                if (h < 0) FAIL("pickle: bad \\u escape in UNICODE at offset %zu", r->base + r->op_off);
                cp = cp * 16 + (uint32_t)h;
            }
            if (cp > 0x10FFFF) FAIL("pickle: bad code point in UNICODE at offset %zu", r->base + r->op_off);
            utf8_put(o, &k, cp);
            i += 1 + (size_t)digits;
        } else {
            utf8_put(o, &k, c);
        }
    }
    o[k] = 0;
    v->s = o;
    v->n = k;
    return FS_OK;
}

static int make_int_from_le(run *r, const unsigned char *b, size_t n) {
    fs_pv *v;
    if (n <= 8) {
        uint64_t u = 0;
        for (size_t i = 0; i < n; i++) u |= (uint64_t)b[i] << (8 * i);
        if (n && n < 8 && (b[n - 1] & 0x80)) u |= ~(uint64_t)0 << (8 * n); /* sign-extend */
        v = new_at(r, FS_PV_INT);
        if (v) v->i = (int64_t)u;
    } else {
        v = new_at(r, FS_PV_BIGINT);
        if (v) {
            v->s = (const char *)b;
            v->n = n;
        }
    }
    return push(r, v);
}

static int memo_put(run *r, size_t idx, fs_pv *v) {
    fs_pickle *pk = r->pk;
    /* genuine pickles number memo entries 0, 1, 2... (one per value at most) */
    if (idx > pk->nall + 1024) FAIL("pickle: memo index %zu out of range at offset %zu", idx, r->base + r->op_off);
    if (idx >= pk->nmemo) {
        if (!grow((void **)&pk->memo, &pk->capmemo, idx + 1, sizeof(fs_pv *))) FAIL("pickle: out of memory");
        for (size_t i = pk->nmemo; i <= idx; i++) pk->memo[i] = NULL;
        pk->nmemo = idx + 1;
    }
    pk->memo[idx] = v;
    return FS_OK;
}

static int memo_get(run *r, size_t idx) {
    fs_pickle *pk = r->pk;
    if (idx >= pk->nmemo || !pk->memo[idx])
        FAIL("pickle: memo entry %zu read before it was written at offset %zu", idx, r->base + r->op_off);
    return push(r, pk->memo[idx]);
}

static int set_items(run *r, fs_pv *target, size_t first, const char *op) {
    fs_pickle *pk = r->pk;
    size_t n = pk->sp - first;
    if (n % 2) FAIL("pickle: %s with an odd number of items at offset %zu", op, r->base + r->op_off);
    fs_pv *d = target;
    if (target->type == FS_PV_CALL) { /* dict subclass (EasyDict, OrderedDict via NEWOBJ): keep the items */
        if (!target->e) {
            target->e = new_at(r, FS_PV_DICT);
            if (!target->e) FAIL("pickle: out of memory");
        }
        d = target->e;
    }
    if (d->type != FS_PV_DICT)
        FAIL("pickle: %s on a %s at offset %zu", op, fs_pv_type_name(target->type), r->base + r->op_off);
    for (size_t i = first; i < pk->sp; i++)
        if (!pv_append(d, pk->stack[i])) FAIL("pickle: container too large at offset %zu", r->base + r->op_off);
    pk->sp = first;
    return FS_OK;
}

static int append_items(run *r, fs_pv *target, size_t first, const char *op) {
    fs_pickle *pk = r->pk;
    fs_pv *l = target;
    if (target->type == FS_PV_CALL) {
        if (!target->e) {
            target->e = new_at(r, FS_PV_LIST);
            if (!target->e) FAIL("pickle: out of memory");
        }
        l = target->e;
    }
    if (l->type != FS_PV_LIST && l->type != FS_PV_SET)
        FAIL("pickle: %s on a %s at offset %zu", op, fs_pv_type_name(target->type), r->base + r->op_off);
    for (size_t i = first; i < pk->sp; i++)
        if (!pv_append(l, pk->stack[i])) FAIL("pickle: container too large at offset %zu", r->base + r->op_off);
    pk->sp = first;
    return FS_OK;
}

static fs_pv *make_seq(run *r, fs_pv_type t, size_t first) {
    fs_pickle *pk = r->pk;
    fs_pv *v = new_at(r, t);
    if (!v) return NULL;
    size_t n = pk->sp - first;
    if (n) {
        v->items = malloc(n * sizeof(fs_pv *));
        if (!v->items) return NULL;
        memcpy(v->items, pk->stack + first, n * sizeof(fs_pv *));
        v->count = v->cap = n;
    }
    pk->sp = first;
    return v;
}

static int push_global(run *r, const char *mod, size_t nm, const char *name, size_t nn) {
    fs_pv *v = new_at(r, FS_PV_GLOBAL);
    if (v) {
        v->s = mod;
        v->n = nm;
        v->s2 = name;
        v->n2 = nn;
    }
    return push(r, v);
}

/* Callables that only make sense in a file that tries to run code. Nothing is ever called
 * anyway; naming them gives the user a clear reason instead of a confusing "no tensors". */
static int dangerous_global(const fs_pv *g) {
    static const char *mods[] = {"os", "posix", "nt", "subprocess", "sys", "shutil", "socket", "pty", "runpy",
                                 "importlib", "code", "commands", "webbrowser", "ctypes", "multiprocessing",
                                 "platform", "pickle", "_pickle", "marshal", "signal", "asyncio", "types", "timeit"};
    static const char *builtins[] = {"eval", "exec", "execfile", "compile", "__import__", "open", "file", "getattr",
                                     "setattr", "delattr", "input", "apply", "globals", "locals", "vars", "breakpoint"};
    if (!g || g->type != FS_PV_GLOBAL) return 0;
    for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++) {
        size_t l = strlen(mods[i]);
        if (g->n >= l && !memcmp(g->s, mods[i], l) && (g->n == l || g->s[l] == '.')) return 1;
    }
    if ((g->n == 8 && !memcmp(g->s, "builtins", 8)) || (g->n == 11 && !memcmp(g->s, "__builtin__", 11)))
        for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
            if (g->n2 == strlen(builtins[i]) && !memcmp(g->s2, builtins[i], g->n2)) return 1;
    return 0;
}

static int push_call(run *r, fs_pv *callable, fs_pv *args, fs_pv *kwargs) {
    if (dangerous_global(callable))
        FAIL("pickle: refuses a call to %.*s.%.*s at offset %zu: this file tries to run code (nothing was executed)",
             (int)(callable->n > 64 ? 64 : callable->n), callable->s, (int)(callable->n2 > 64 ? 64 : callable->n2),
             callable->s2, r->base + r->op_off);
    fs_pv *v = new_at(r, FS_PV_CALL);
    if (v) {
        v->a = callable;
        v->b = args;
        v->c = kwargs;
    }
    return push(r, v);
}

static int length_arg(run *r, size_t width, size_t *out, const char *what) {
    if (need(r, width, what)) return FS_ERR;
    const unsigned char *b = r->p + r->pos;
    uint64_t n = width == 1 ? b[0] : width == 4 ? fs__le32(b) : fs__le64(b);
    r->pos += width;
    if (n > r->len - r->pos)
        FAIL("truncated pickle: %s at offset %zu claims %llu bytes, only %zu left", what, r->base + r->op_off,
             (unsigned long long)n, r->len - r->pos);
    *out = (size_t)n;
    return FS_OK;
}

int fs_pickle_run(fs_pickle *pk, const unsigned char *buf, size_t len, size_t base_off, size_t *used, fs_pv **root,
                  fs_err *err) {
    run R = {pk, buf, len, 0, base_off, 0, err}, *r = &R;
    pk->sp = 0;
    pk->nmarks = 0;
    pk->nmemo = 0;
    fs_pv *a, *b, *c;
    size_t first, n;
    for (;;) {
        r->op_off = r->pos;
        if (r->pos >= r->len) FAIL("truncated pickle: no STOP opcode before the end (offset %zu)", base_off + r->pos);
        unsigned char op = buf[r->pos++];
        switch (op) {
        case 0x80: /* PROTO */
            if (need(r, 1, "PROTO")) return FS_ERR;
            if (buf[r->pos] > 5) FAIL("pickle: unsupported protocol %d at offset %zu", buf[r->pos], base_off + r->op_off);
            r->pos++;
            break;
        case 0x95: /* FRAME */
            if (need(r, 8, "FRAME")) return FS_ERR;
            r->pos += 8;
            break;
        case '.': /* STOP */
            if (pk->sp <= stack_floor(r)) FAIL("pickle: STOP on an empty stack at offset %zu", base_off + r->op_off);
            *root = pk->stack[pk->sp - 1];
            *used = r->pos;
            pk->sp = 0;
            return FS_OK;
        case '(': /* MARK */
            if (pk->nmarks >= PK_MAX_MARKS) FAIL("pickle: nesting deeper than %u at offset %zu", PK_MAX_MARKS, base_off + r->op_off);
            if (!grow((void **)&pk->marks, &pk->capmarks, pk->nmarks + 1, sizeof(size_t))) FAIL("pickle: out of memory");
            pk->marks[pk->nmarks++] = pk->sp;
            break;
        case '0': /* POP */
            if (pk->sp > stack_floor(r)) pk->sp--;
            else if (pk->nmarks) pk->nmarks--; /* POP of a mark (pickletools allows it) */
            else FAIL("pickle: POP on an empty stack at offset %zu", base_off + r->op_off);
            break;
        case '1': /* POP_MARK */
            if (pop_mark(r, &first, "POP_MARK")) return FS_ERR;
            pk->sp = first;
            break;
        case '2': /* DUP */
            if (top(r, &a, "DUP") || push(r, a)) return FS_ERR;
            break;
        case 'N': if (push(r, new_at(r, FS_PV_NONE))) return FS_ERR; break;
        case 0x88: case 0x89: /* NEWTRUE, NEWFALSE */
            a = new_at(r, FS_PV_BOOL);
            if (a) a->i = op == 0x88;
            if (push(r, a)) return FS_ERR;
            break;
        case 'J': /* BININT */
            if (need(r, 4, "BININT")) return FS_ERR;
            a = new_at(r, FS_PV_INT);
            if (a) a->i = (int32_t)fs__le32(buf + r->pos);
            r->pos += 4;
            if (push(r, a)) return FS_ERR;
            break;
        case 'K': /* BININT1 */
            if (need(r, 1, "BININT1")) return FS_ERR;
            a = new_at(r, FS_PV_INT);
            if (a) a->i = buf[r->pos];
            r->pos += 1;
            if (push(r, a)) return FS_ERR;
            break;
        case 'M': /* BININT2 */
            if (need(r, 2, "BININT2")) return FS_ERR;
            a = new_at(r, FS_PV_INT);
            if (a) a->i = fs__le16(buf + r->pos);
            r->pos += 2;
            if (push(r, a)) return FS_ERR;
            break;
        case 0x8a: /* LONG1 */
            if (length_arg(r, 1, &n, "LONG1")) return FS_ERR;
            if (make_int_from_le(r, buf + r->pos, n)) return FS_ERR;
            r->pos += n;
            break;
        case 0x8b: /* LONG4 */
            if (length_arg(r, 4, &n, "LONG4")) return FS_ERR;
            if ((int32_t)fs__le32(buf + r->pos - 4) < 0) FAIL("pickle: negative LONG4 length at offset %zu", base_off + r->op_off);
            if (make_int_from_le(r, buf + r->pos, n)) return FS_ERR;
            r->pos += n;
            break;
        case 'I': case 'L': { /* INT, LONG (text) */
            const char *s;
            int64_t v;
            if (read_line(r, &s, &n)) return FS_ERR;
            if (op == 'I' && n == 2 && s[0] == '0' && (s[1] == '0' || s[1] == '1')) {
                a = new_at(r, FS_PV_BOOL);
                if (a) a->i = s[1] == '1';
            } else {
                if (!parse_dec(s, n, &v)) FAIL("pickle: bad or too large integer literal at offset %zu", base_off + r->op_off);
                a = new_at(r, FS_PV_INT);
                if (a) a->i = v;
            }
            if (push(r, a)) return FS_ERR;
            break;
        }
        case 'F': { /* FLOAT (text) */
            const char *s;
            char tmp[64];
            if (read_line(r, &s, &n)) return FS_ERR;
            if (n >= sizeof tmp) FAIL("pickle: bad float literal at offset %zu", base_off + r->op_off);
            memcpy(tmp, s, n);
            tmp[n] = 0;
            char *end;
            double d = strtod(tmp, &end);
            if (end == tmp) FAIL("pickle: bad float literal at offset %zu", base_off + r->op_off);
            a = new_at(r, FS_PV_FLOAT);
            if (a) a->f = d;
            if (push(r, a)) return FS_ERR;
            break;
        }
        case 'G': { /* BINFLOAT, big-endian */
            if (need(r, 8, "BINFLOAT")) return FS_ERR;
            uint64_t u = 0;
            for (int i = 0; i < 8; i++) u = (u << 8) | buf[r->pos + (size_t)i];
            r->pos += 8;
            a = new_at(r, FS_PV_FLOAT);
            if (a) memcpy(&a->f, &u, 8);
            if (push(r, a)) return FS_ERR;
            break;
        }
        case 'X': case 0x8c: case 0x8d: /* BINUNICODE, SHORT_BINUNICODE, BINUNICODE8 */
        case 'T': case 'U':             /* BINSTRING, SHORT_BINSTRING (Python 2 str) */
        case 'B': case 'C': case 0x8e: case 0x96: { /* BINBYTES, SHORT_BINBYTES, BINBYTES8, BYTEARRAY8 */
            size_t w = (op == 0x8c || op == 'U' || op == 'C') ? 1 : (op == 0x8d || op == 0x8e || op == 0x96) ? 8 : 4;
            if (length_arg(r, w, &n, "string")) return FS_ERR;
            if (op == 'T' && (int32_t)fs__le32(buf + r->pos - 4) < 0) FAIL("pickle: negative BINSTRING length at offset %zu", base_off + r->op_off);
            int is_bytes = op == 'B' || op == 'C' || op == 0x8e || op == 0x96;
            a = new_at(r, is_bytes ? FS_PV_BYTES : FS_PV_STR);
            if (a) {
                a->s = (const char *)buf + r->pos;
                a->n = n;
                if (is_bytes) a->off = base_off + r->pos;
            }
            r->pos += n;
            if (push(r, a)) return FS_ERR;
            break;
        }
        case 'S': case 'V': { /* STRING, UNICODE (text) */
            const char *s;
            if (read_line(r, &s, &n)) return FS_ERR;
            a = new_at(r, FS_PV_STR);
            if (!a) FAIL("pickle: out of memory");
            if ((op == 'S' ? decode_string(r, s, n, a) : decode_unicode(r, s, n, a)) || push(r, a)) return FS_ERR;
            break;
        }
        case ')': if (push(r, new_at(r, FS_PV_TUPLE))) return FS_ERR; break;
        case ']': if (push(r, new_at(r, FS_PV_LIST))) return FS_ERR; break;
        case '}': if (push(r, new_at(r, FS_PV_DICT))) return FS_ERR; break;
        case 0x8f: if (push(r, new_at(r, FS_PV_SET))) return FS_ERR; break;
        case 't': case 'l': case 0x91: /* TUPLE, LIST, FROZENSET */
            if (pop_mark(r, &first, "TUPLE/LIST")) return FS_ERR;
            if (push(r, make_seq(r, op == 't' ? FS_PV_TUPLE : op == 'l' ? FS_PV_LIST : FS_PV_SET, first))) return FS_ERR;
            break;
        case 'd': /* DICT */
            if (pop_mark(r, &first, "DICT")) return FS_ERR;
            if ((pk->sp - first) % 2) FAIL("pickle: DICT with an odd number of items at offset %zu", base_off + r->op_off);
            if (push(r, make_seq(r, FS_PV_DICT, first))) return FS_ERR;
            break;
        case 0x85: case 0x86: case 0x87: { /* TUPLE1..3 */
            size_t k = (size_t)(op - 0x84);
            if (pk->sp < stack_floor(r) + k) FAIL("pickle: TUPLE%zu with too few values at offset %zu", k, base_off + r->op_off);
            if (push(r, make_seq(r, FS_PV_TUPLE, pk->sp - k))) return FS_ERR;
            break;
        }
        case 'a': /* APPEND */
            if (pop(r, &b, "APPEND") || top(r, &a, "APPEND")) return FS_ERR;
            pk->stack[pk->sp++] = b; /* re-push b so append_items takes [sp-1, sp) */
            if (append_items(r, a, pk->sp - 1, "APPEND")) return FS_ERR;
            break;
        case 'e': case 0x90: /* APPENDS, ADDITEMS */
            if (pop_mark(r, &first, "APPENDS")) return FS_ERR;
            if (first <= stack_floor(r)) FAIL("pickle: APPENDS without a target at offset %zu", base_off + r->op_off);
            if (append_items(r, pk->stack[first - 1], first, "APPENDS")) return FS_ERR;
            break;
        case 's': /* SETITEM */
            if (pk->sp < stack_floor(r) + 3) FAIL("pickle: SETITEM with too few values at offset %zu", base_off + r->op_off);
            if (set_items(r, pk->stack[pk->sp - 3], pk->sp - 2, "SETITEM")) return FS_ERR;
            break;
        case 'u': /* SETITEMS */
            if (pop_mark(r, &first, "SETITEMS")) return FS_ERR;
            if (first <= stack_floor(r)) FAIL("pickle: SETITEMS without a target at offset %zu", base_off + r->op_off);
            if (set_items(r, pk->stack[first - 1], first, "SETITEMS")) return FS_ERR;
            break;
        case 'c': case 'i': { /* GLOBAL, INST: "module\nname\n" */
            const char *m, *nm;
            size_t lm, ln;
            if (read_line(r, &m, &lm) || read_line(r, &nm, &ln)) return FS_ERR;
            if (op == 'c') {
                if (push_global(r, m, lm, nm, ln)) return FS_ERR;
            } else {
                if (pop_mark(r, &first, "INST")) return FS_ERR;
                fs_pv *args = make_seq(r, FS_PV_TUPLE, first);
                if (!args || push_global(r, m, lm, nm, ln) || pop(r, &a, "INST") || push_call(r, a, args, NULL)) return FS_ERR;
            }
            break;
        }
        case 0x93: /* STACK_GLOBAL */
            if (pop(r, &b, "STACK_GLOBAL") || pop(r, &a, "STACK_GLOBAL")) return FS_ERR;
            if (a->type != FS_PV_STR || b->type != FS_PV_STR)
                FAIL("pickle: STACK_GLOBAL needs two strings at offset %zu", base_off + r->op_off);
            if (push_global(r, a->s, a->n, b->s, b->n)) return FS_ERR;
            break;
        case 'R': /* REDUCE */
            if (pop(r, &b, "REDUCE") || pop(r, &a, "REDUCE")) return FS_ERR;
            if (push_call(r, a, b, NULL)) return FS_ERR;
            break;
        case 0x81: /* NEWOBJ */
            if (pop(r, &b, "NEWOBJ") || pop(r, &a, "NEWOBJ")) return FS_ERR;
            if (push_call(r, a, b, NULL)) return FS_ERR;
            break;
        case 0x92: /* NEWOBJ_EX */
            if (pop(r, &c, "NEWOBJ_EX") || pop(r, &b, "NEWOBJ_EX") || pop(r, &a, "NEWOBJ_EX")) return FS_ERR;
            if (push_call(r, a, b, c)) return FS_ERR;
            break;
        case 'o': { /* OBJ: MARK cls args... */
            if (pop_mark(r, &first, "OBJ")) return FS_ERR;
            if (pk->sp == first) FAIL("pickle: OBJ without a class at offset %zu", base_off + r->op_off);
            a = pk->stack[first];
            fs_pv *args = make_seq(r, FS_PV_TUPLE, first + 1);
            pk->sp = first;
            if (!args || push_call(r, a, args, NULL)) return FS_ERR;
            break;
        }
        case 'b': /* BUILD */
            if (pop(r, &b, "BUILD") || top(r, &a, "BUILD")) return FS_ERR;
            if (a->type == FS_PV_CALL) a->d = b; /* other targets: the state is dropped */
            break;
        case 'Q': /* BINPERSID */
            if (pop(r, &a, "BINPERSID")) return FS_ERR;
            b = new_at(r, FS_PV_PERSID);
            if (!b) FAIL("pickle: out of memory");
            b->a = a;
            if (!grow((void **)&pk->persids, &pk->cappersids, pk->npersids + 1, sizeof(fs_pv *))) FAIL("pickle: out of memory");
            pk->persids[pk->npersids++] = b;
            if (push(r, b)) return FS_ERR;
            break;
        case 'P': { /* PERSID (text) */
            const char *s;
            if (read_line(r, &s, &n)) return FS_ERR;
            a = new_at(r, FS_PV_STR);
            b = new_at(r, FS_PV_PERSID);
            if (!a || !b) FAIL("pickle: out of memory");
            a->s = s;
            a->n = n;
            b->a = a;
            if (!grow((void **)&pk->persids, &pk->cappersids, pk->npersids + 1, sizeof(fs_pv *))) FAIL("pickle: out of memory");
            pk->persids[pk->npersids++] = b;
            if (push(r, b)) return FS_ERR;
            break;
        }
        case 'p': case 'g': { /* PUT, GET (text index) */
            const char *s;
            int64_t idx;
            if (read_line(r, &s, &n)) return FS_ERR;
            if (!parse_dec(s, n, &idx) || idx < 0) FAIL("pickle: bad memo index at offset %zu", base_off + r->op_off);
            if (op == 'g') {
                if (memo_get(r, (size_t)idx)) return FS_ERR;
            } else {
                if (top(r, &a, "PUT") || memo_put(r, (size_t)idx, a)) return FS_ERR;
            }
            break;
        }
        case 'q': case 'r': /* BINPUT, LONG_BINPUT */
            if (need(r, op == 'q' ? 1 : 4, "BINPUT")) return FS_ERR;
            n = op == 'q' ? buf[r->pos] : fs__le32(buf + r->pos);
            r->pos += op == 'q' ? 1 : 4;
            if (top(r, &a, "BINPUT") || memo_put(r, n, a)) return FS_ERR;
            break;
        case 0x94: /* MEMOIZE */
            if (top(r, &a, "MEMOIZE") || memo_put(r, pk->nmemo, a)) return FS_ERR;
            break;
        case 'h': case 'j': /* BINGET, LONG_BINGET */
            if (need(r, op == 'h' ? 1 : 4, "BINGET")) return FS_ERR;
            n = op == 'h' ? buf[r->pos] : fs__le32(buf + r->pos);
            r->pos += op == 'h' ? 1 : 4;
            if (memo_get(r, n)) return FS_ERR;
            break;
        case 0x82: case 0x83: case 0x84:
            FAIL("pickle: extension-registry opcode EXT%d at offset %zu is not supported", op == 0x82 ? 1 : op == 0x83 ? 2 : 4,
                 base_off + r->op_off);
        case 0x97: case 0x98:
            FAIL("pickle: out-of-band buffer opcode 0x%02x at offset %zu is not supported", op, base_off + r->op_off);
        default:
            FAIL("pickle: unknown opcode 0x%02x at offset %zu (not a pickle, or corrupt)", op, base_off + r->op_off);
        }
    }
}
