/* cascade_xml.h — (private to src/face) a tiny, bounded XML reader: enough XML for
 * OpenCV's FileStorage files (elements, attributes, text, comments, <?xml?> and
 * <!DOCTYPE> skipped). No entities, no namespaces. Builds a flat tree of nodes that
 * point into the caller's buffer (which must outlive the tree).
 *
 *   fs__xml doc;
 *   if (fs__xml_parse(buf, len, &doc, &err)) ...;            // node 0 is the document
 *   int root = fs__xml_first_element(&doc, 0);               // e.g. <opencv_storage>
 *   int c = fs__xml_child(&doc, root, "cascade");
 *   fs__xml_free(&doc);
 *
 * Limits: nesting depth FS__XML_MAX_DEPTH; every malformed input gives an error with
 * the byte offset.
 */
#ifndef FS_FACE_CASCADE_XML_H
#define FS_FACE_CASCADE_XML_H

#include <stddef.h>

#include "core/err.h"

#define FS__XML_MAX_DEPTH 64

typedef struct fs__xml_node {
    const char *name;       /* not NUL-terminated */
    size_t name_len;
    const char *text;       /* raw content of an element without child elements, else NULL */
    size_t text_len;
    int first_child, last_child, next_sibling; /* -1 when none */
    size_t offset;          /* byte offset of '<' in the input (for messages) */
} fs__xml_node;

typedef struct fs__xml {
    fs__xml_node *nodes;
    int count, cap;
} fs__xml;

int fs__xml_parse(const char *buf, size_t len, fs__xml *doc, fs_err *err);
void fs__xml_free(fs__xml *doc);

/* First child element named `name` (NULL: any), or -1. */
int fs__xml_child(const fs__xml *doc, int node, const char *name);
int fs__xml_next(const fs__xml *doc, int node, const char *name); /* next sibling named `name` (NULL: any) */
int fs__xml_name_is(const fs__xml *doc, int node, const char *name);
int fs__xml_count_children(const fs__xml *doc, int node, const char *name);

#endif
