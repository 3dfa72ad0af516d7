/* cascade_xml.c — the tiny XML reader behind cascade.c (see cascade_xml.h). */
#include "face/cascade_xml.h"

#include <stdlib.h>
#include <string.h>

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_name_char(char c) {
    return c && !is_space(c) && c != '>' && c != '/' && c != '=' && c != '<' && c != '"' && c != '\'' && c != '?' &&
           c != '!';
}

/* Finds `pat` at or after *i; on success *i points just past it. */
static int skip_past(const char *buf, size_t len, size_t *i, const char *pat) {
    size_t m = strlen(pat);
    for (size_t k = *i; k + m <= len; k++) {
        if (memcmp(buf + k, pat, m) == 0) {
            *i = k + m;
            return 1;
        }
    }
    return 0;
}

static int new_node(fs__xml *doc, fs_err *err) {
    if (doc->count == doc->cap) {
        int ncap = doc->cap ? doc->cap * 2 : 256;
        if (ncap < doc->cap || (size_t)ncap > ((size_t)-1) / sizeof(fs__xml_node))
            return fs_errorf(err, "XML too large"), -1;
        fs__xml_node *n = realloc(doc->nodes, (size_t)ncap * sizeof *n);
        if (!n) return fs_errorf(err, "out of memory reading XML"), -1;
        doc->nodes = n;
        doc->cap = ncap;
    }
    fs__xml_node *n = &doc->nodes[doc->count];
    memset(n, 0, sizeof *n);
    n->first_child = n->last_child = n->next_sibling = -1;
    return doc->count++;
}

static void add_child(fs__xml *doc, int parent, int child) {
    fs__xml_node *p = &doc->nodes[parent];
    if (p->last_child < 0)
        p->first_child = child;
    else
        doc->nodes[p->last_child].next_sibling = child;
    p->last_child = child;
}

int fs__xml_parse(const char *buf, size_t len, fs__xml *out, fs_err *err) {
    fs__xml doc = {0};
    int stack[FS__XML_MAX_DEPTH + 1];
    size_t content_start[FS__XML_MAX_DEPTH + 1];
    int depth = 0;
    size_t i = 0;
    int root = new_node(&doc, err);
    if (root < 0) return FS_ERR;
    stack[0] = root;
    content_start[0] = 0;
    int nelements = 0;

    while (i < len) {
        if (buf[i] == 0) {
            fs_errorf(err, "NUL byte in XML at offset %zu", i);
            goto fail;
        }
        if (buf[i] != '<') {
            if (depth == 0 && !is_space(buf[i])) {
                fs_errorf(err, "text outside the root element at offset %zu", i);
                goto fail;
            }
            i++;
            continue;
        }
        size_t lt = i;
        if (len - i >= 2 && buf[i + 1] == '?') {
            if (!skip_past(buf, len, &i, "?>")) {
                fs_errorf(err, "unterminated <? at offset %zu", lt);
                goto fail;
            }
            continue;
        }
        if (len - i >= 4 && memcmp(buf + i, "<!--", 4) == 0) {
            i += 4;
            if (!skip_past(buf, len, &i, "-->")) {
                fs_errorf(err, "unterminated comment at offset %zu", lt);
                goto fail;
            }
            continue;
        }
        if (len - i >= 2 && buf[i + 1] == '!') {
            if (len - i >= 9 && memcmp(buf + i, "<![CDATA[", 9) == 0) {
                fs_errorf(err, "CDATA section at offset %zu is not supported in cascade files", lt);
                goto fail;
            }
            if (!skip_past(buf, len, &i, ">")) {
                fs_errorf(err, "unterminated <! at offset %zu", lt);
                goto fail;
            }
            continue;
        }
        if (len - i >= 2 && buf[i + 1] == '/') {
            /* end tag */
            i += 2;
            size_t ns = i;
            while (i < len && is_name_char(buf[i])) i++;
            size_t nl = i - ns;
            while (i < len && is_space(buf[i])) i++;
            if (i >= len || buf[i] != '>') {
                fs_errorf(err, "malformed end tag at offset %zu", lt);
                goto fail;
            }
            if (depth == 0) {
                fs_errorf(err, "end tag without start tag at offset %zu", lt);
                goto fail;
            }
            fs__xml_node *n = &doc.nodes[stack[depth]];
            if (nl != n->name_len || memcmp(buf + ns, n->name, nl) != 0) {
                fs_errorf(err, "end tag </%.*s> at offset %zu does not match <%.*s> at offset %zu",
                          (int)(nl > 64 ? 64 : nl), buf + ns, lt, (int)(n->name_len > 64 ? 64 : n->name_len), n->name,
                          n->offset);
                goto fail;
            }
            if (n->first_child < 0) {
                n->text = buf + content_start[depth];
                n->text_len = lt - content_start[depth];
            }
            depth--;
            i++;
            continue;
        }
        /* start tag */
        i++;
        size_t ns = i;
        while (i < len && is_name_char(buf[i])) i++;
        if (i == ns) {
            fs_errorf(err, "malformed tag at offset %zu", lt);
            goto fail;
        }
        if (depth == 0 && nelements > 0) {
            fs_errorf(err, "second root element at offset %zu", lt);
            goto fail;
        }
        int node = new_node(&doc, err);
        if (node < 0) goto fail;
        nelements++;
        doc.nodes[node].name = buf + ns;
        doc.nodes[node].name_len = i - ns;
        doc.nodes[node].offset = lt;
        add_child(&doc, stack[depth], node);
        /* attributes: name = "value" | 'value' */
        int self_close = 0;
        for (;;) {
            while (i < len && is_space(buf[i])) i++;
            if (i >= len) break;
            if (buf[i] == '>') break;
            if (buf[i] == '/' && i + 1 < len && buf[i + 1] == '>') {
                self_close = 1;
                i++;
                break;
            }
            size_t as = i;
            while (i < len && is_name_char(buf[i])) i++;
            if (i == as) break;
            while (i < len && is_space(buf[i])) i++;
            if (i >= len || buf[i] != '=') break;
            i++;
            while (i < len && is_space(buf[i])) i++;
            if (i >= len || (buf[i] != '"' && buf[i] != '\'')) break;
            char q = buf[i++];
            while (i < len && buf[i] != q && buf[i] != '<') i++;
            if (i >= len || buf[i] != q) break;
            i++;
        }
        if (i >= len || buf[i] != '>') {
            fs_errorf(err, "malformed or unterminated tag <%.*s at offset %zu", (int)((i - ns) > 64 ? 64 : (i - ns)),
                      buf + ns, lt);
            goto fail;
        }
        i++;
        if (self_close) {
            doc.nodes[node].text = buf + i;
            doc.nodes[node].text_len = 0;
            continue;
        }
        if (depth == FS__XML_MAX_DEPTH) {
            fs_errorf(err, "XML nested deeper than %d at offset %zu", FS__XML_MAX_DEPTH, lt);
            goto fail;
        }
        depth++;
        stack[depth] = node;
        content_start[depth] = i;
    }
    if (depth != 0) {
        fs__xml_node *n = &doc.nodes[stack[depth]];
        fs_errorf(err, "truncated XML: <%.*s> at offset %zu is never closed", (int)(n->name_len > 64 ? 64 : n->name_len),
                  n->name, n->offset);
        goto fail;
    }
    if (nelements == 0) {
        fs_errorf(err, "no XML element found");
        goto fail;
    }
    *out = doc;
    return FS_OK;
fail:
    free(doc.nodes);
    return FS_ERR;
}

void fs__xml_free(fs__xml *doc) {
    free(doc->nodes);
    doc->nodes = NULL;
    doc->count = doc->cap = 0;
}

int fs__xml_name_is(const fs__xml *doc, int node, const char *name) {
    if (node < 0) return 0;
    if (!name) return 1;
    const fs__xml_node *n = &doc->nodes[node];
    size_t m = strlen(name);
    return n->name_len == m && memcmp(n->name, name, m) == 0;
}

int fs__xml_child(const fs__xml *doc, int node, const char *name) {
    if (node < 0) return -1;
    for (int c = doc->nodes[node].first_child; c >= 0; c = doc->nodes[c].next_sibling)
        if (fs__xml_name_is(doc, c, name)) return c;
    return -1;
}

int fs__xml_next(const fs__xml *doc, int node, const char *name) {
    if (node < 0) return -1;
    for (int c = doc->nodes[node].next_sibling; c >= 0; c = doc->nodes[c].next_sibling)
        if (fs__xml_name_is(doc, c, name)) return c;
    return -1;
}

int fs__xml_count_children(const fs__xml *doc, int node, const char *name) {
    int n = 0;
    for (int c = fs__xml_child(doc, node, name); c >= 0; c = fs__xml_next(doc, c, name)) n++;
    return n;
}
