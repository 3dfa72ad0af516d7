/* registry.h — the pretrained models facestitch knows: where they come from, where they live,
 * how to fetch and verify them.
 *
 *   fs_err err;
 *   char path[FS_PATH_MAX];
 *   if (fs_registry_path("stylegan2-ffhq", path, sizeof path, &err))   // present? where?
 *       return fs_cli_fail(&err);  // "stylegan2-ffhq: model not found (ffhq.pkl). Get it: ... Put it at: ..."
 *   load(path);
 *
 *   fs_fetch_opts o = fs_fetch_opts_default();
 *   if (fs_registry_fetch("lpips-alex", &o, path, sizeof path, &err)) ...  // download, sha256-checked
 *
 * Manifest: a built-in table (STIT's models, docs/models.md, plus STIT's W directions).
 * FACESTITCH_REGISTRY_MANIFEST=<file.json> adds entries (an entry whose name is built in replaces
 * it; {"replace": true} drops the built-in table). See docs/models.md for the JSON form.
 *
 * Where files live (the cache dir): $FACESTITCH_MODELS, else $XDG_CACHE_HOME/facestitch, else
 * ~/.cache/facestitch; a model's file is <cache>/<file> (file may hold one sub-folder, e.g.
 * "directions/age.npy"). A model is also found at its system paths (dlib-68 in /usr/share/dlib).
 *
 * Downloads: from FACESTITCH_MIRROR + "/" + file when that is set, else the official URL; to
 * "<file>.part" (resumed with an HTTP Range request on the next fetch), sha256-checked, then
 * renamed to <file>. A file whose hash does not match never gets the final name: it is kept as
 * "<file>.bad" for inspection and the next fetch starts from zero. Where upstream publishes no
 * hash, the first download's sha256 is printed and pinned in "<file>.sha256" (sha256sum format);
 * later verifies compare against that pin.
 *
 * Not thread-safe: load and use the registry from one thread (the CLI does).
 */
#ifndef FS_REGISTRY_REGISTRY_H
#define FS_REGISTRY_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "core/path.h"
#include "core/err.h"

typedef struct fs_model_entry {
    const char *name;        /* "stylegan2-ffhq": the name users type */
    const char *file;        /* "ffhq.pkl": path relative to the cache dir */
    const char *url;         /* official direct download URL, or NULL (no direct URL) */
    const char *page;        /* where a person gets it (Drive page, README, package), never NULL */
    int64_t size;            /* exact byte size, -1 when not known */
    int64_t size_est;        /* approximate size for display when size is unknown (0: none) */
    const char *sha256;      /* 64 lower-case hex digits, or NULL when upstream publishes none */
    const char *licence;     /* short licence note, e.g. "NVIDIA Source Code License-NC" */
    const char *purpose;     /* what facestitch uses it for */
    const char *how;         /* manual instructions when it cannot be fetched automatically, or NULL */
    int auto_fetch;          /* 1: `fetch` can download it from url without a mirror */
    const char *system_path; /* a read-only system copy searched after the cache (or NULL) */
} fs_model_entry;

/* Loads the built-in table and FACESTITCH_REGISTRY_MANIFEST (once; later calls are no-ops).
 * Fails with a message naming the manifest file and the bad entry. Every other function loads
 * the registry on demand; call this first to report manifest errors. */
int fs_registry_load(fs_err *err);
/* Forgets the loaded registry (frees injected entries); the next call reloads (tests, env changes). */
void fs_registry_unload(void);

int fs_registry_count(void);
const fs_model_entry *fs_registry_at(int i);            /* 0 <= i < count, in manifest order */
const fs_model_entry *fs_registry_find(const char *name); /* NULL when unknown (or manifest broken) */

/* The cache dir (absolute; not created). */
int fs_registry_cache_dir(char *buf, size_t n, fs_err *err);
/* Where the model's file goes in the cache dir: <cache>/<file>. */
int fs_registry_cache_path(const fs_model_entry *e, char *buf, size_t n, fs_err *err);
/* 1 and the path when the model's file exists (cache first, then system path); 0 and the cache
 * path it should have when it is missing; -1 on error (err set). */
int fs_registry_locate(const fs_model_entry *e, char *buf, size_t n, fs_err *err);
/* The URL a fetch would use (mirror applied), or "" when there is none. */
void fs_registry_fetch_url(const fs_model_entry *e, char *buf, size_t n);
/* One line: where to get the model and exactly where to put it (for "missing" messages). */
void fs_registry_where_to_get(const fs_model_entry *e, char *buf, size_t n);

/* Absolute path of a present model. Fails (err: name, where to get it, where to put it) when
 * it is missing or the name is unknown. Checks existence only, not the hash (see verify). */
int fs_registry_path(const char *name, char *buf, size_t n, fs_err *err);

typedef struct fs_fetch_opts {
    int force;              /* re-download even when a good file is present */
    long connect_timeout_s; /* default 20 */
    long stall_timeout_s;   /* abort when no byte arrives for this long; default 60 */
    int quiet;              /* no progress line */
} fs_fetch_opts;
fs_fetch_opts fs_fetch_opts_default(void);

/* Downloads model `name` into the cache (see top of file). On success the final path is in buf
 * (when buf != NULL). A present file whose hash is good is kept (no download) unless force.
 * Fails with a clear message on: unknown name, manual-only model without mirror (where to get it,
 * where to put it), offline / unreachable host, HTTP error (status, URL, model), size mismatch,
 * hash mismatch, truncated transfer (the .part is kept: run fetch again to resume), disk errors. */
int fs_registry_fetch(const char *name, const fs_fetch_opts *opts, char *buf, size_t n, fs_err *err);

typedef enum {
    FS_MODEL_MISSING = 0,  /* no file in the cache or at the system path */
    FS_MODEL_OK,           /* sha256 equals the manifest's (or the pin's) */
    FS_MODEL_UNPINNED,     /* present; no known hash to compare with (hex holds the computed one) */
    FS_MODEL_BAD_HASH,     /* sha256 differs (hex: computed, expected: wanted) */
    FS_MODEL_BAD_SIZE,     /* byte size differs from the manifest (hash not computed) */
} fs_model_state;

typedef struct fs_model_status {
    fs_model_state state;
    char path[FS_PATH_MAX]; /* where it is (or where it should be when missing) */
    char hex[65];          /* computed sha256 ("" when not computed) */
    const char *expected;  /* the hash compared with (manifest or pin), NULL when none */
    char pinned[65];       /* storage for a pin read from <file>.sha256 */
    int64_t size;          /* actual byte size (-1 when missing) */
    int from_pin;          /* 1: expected came from the <file>.sha256 pin */
} fs_model_status;

/* Hashes the present file and compares. Returns FS_OK when the check could be made (the outcome
 * is in st->state), FS_ERR on I/O error. */
int fs_registry_verify(const fs_model_entry *e, fs_model_status *st, fs_err *err);
/* Writes <file>.sha256 for a present model with no manifest hash (sha256sum format). */
int fs_registry_pin(const fs_model_entry *e, const char *path, const char hex[65], fs_err *err);

/* The face-api networks (docs/models.md): npm package name@version and the file `npm pack` writes. */
#define FS_FACE_API_PACKAGE "@vladmandic/face-api@1.7.15"
#define FS_FACE_API_TARBALL "vladmandic-face-api-1.7.15.tgz"
/* 1 when the entry is one of the face-api files (fetched all together with npm, not by URL). */
int fs_registry_is_face_api(const fs_model_entry *e);
/* Runs `npm pack` (FACESTITCH_NPM overrides the npm command) in a scratch dir, checks every face-api
 * file against its pinned size and sha256 and installs it under <cache>/face-api/. Nothing is done
 * when all are present and good (unless opts->force). Fails with one line: npm missing, npm failed
 * (offline), a file missing from the package or with the wrong hash (nothing of it installed). */
int fs_registry_fetch_face_api(const fs_fetch_opts *opts, fs_err *err);
/* The folder holding all ten face-api files (<cache>/face-api), or an error saying how to get them. */
int fs_registry_face_api_dir(char *buf, size_t n, fs_err *err);

/* "1.2 GB", "6.0 KB", "?" — human size (decimal units). */
void fs_registry_format_size(int64_t bytes, char *buf, size_t n);

#endif
