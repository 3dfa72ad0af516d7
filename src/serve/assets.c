/* assets.c — the page's files, embedded at build time (tool/embed.c writes the table from web/), and
 * the plot library (uPlot) served from the node_modules folder scripts/install-deps fills, when
 * present. No path from a request reaches the filesystem here: names are looked up in fixed tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fileio.h"
#include "core/path.h"
#include "serve/srv.h"

struct fs_asset {
    const char *name;
    const unsigned char *data;
    size_t len;
};
extern const struct fs_asset fs_assets[];
extern const size_t fs_assets_count;

int fs_srv_asset(const char *url, const unsigned char **data, size_t *len, const char **type) {
    const char *name = strcmp(url, "/") == 0 ? "/index.html" : url;
    for (size_t i = 0; i < fs_assets_count; i++)
        if (strcmp(fs_assets[i].name, name) == 0) {
            *data = fs_assets[i].data, *len = fs_assets[i].len, *type = fs_http_mime(name);
            return 0;
        }
    return -1;
}

#ifndef FS_NODE_DIR_DEFAULT
#define FS_NODE_DIR_DEFAULT ""
#endif

MHD_Result fs_srv_vendor(fs_req *r) {
    static const struct { const char *url, *file; } files[] = {
        {"/vendor/uPlot.iife.min.js", "uplot/dist/uPlot.iife.min.js"},
        {"/vendor/uPlot.min.css", "uplot/dist/uPlot.min.css"},
    };
    const char *dir = r->s->o.node_dir ? r->s->o.node_dir : getenv("FS_NODE_DIR");
    if (!dir || !dir[0]) dir = FS_NODE_DIR_DEFAULT;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (strcmp(r->url, files[i].url) != 0) continue;
        char path[FS_PATH_MAX];
        fs_err e = {0};
        if (fs_path_join(path, sizeof path, dir, files[i].file, &e)) return fs_http_error(r->c, 500, "%s", e.msg);
        if (!dir[0] || !fs_file_exists(path)) break;
        return fs_http_file(r->c, path, NULL);
    }
    return fs_http_error(r->c, 404, "not installed (scripts/install-deps puts uPlot in .node/)");
}
