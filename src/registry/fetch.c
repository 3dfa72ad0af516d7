/* fetch.c — resumable, sha256-checked model downloads with libcurl.
 *
 * <file>.part grows across attempts (Range: bytes=<part size>-); a 200 answer to a Range request
 * starts it over. When the transfer is complete, the sha256 (computed while downloading, seeded
 * with the part's existing bytes) is compared with the manifest's (or the pin's); a good file is
 * fsync'ed and renamed to <file>; a bad one becomes <file>.bad. An flock on the .part keeps two
 * fetches of one model from writing the same file. */
#include "registry/registry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/path.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/sha256.h"
#include "core/version.h"

#ifndef CURL_WRITEFUNC_ERROR /* libcurl < 7.87: any short count is an error */
#define CURL_WRITEFUNC_ERROR 0
#endif

fs_fetch_opts fs_fetch_opts_default(void) {
    fs_fetch_opts o;
    memset(&o, 0, sizeof o);
    o.connect_timeout_s = 20;
    o.stall_timeout_s = 60;
    return o;
}

typedef struct dl {
    const fs_model_entry *e;
    const char *url;
    int fd;
    int64_t offset;      /* bytes of the .part before this transfer (after a restart: 0) */
    int64_t written;     /* bytes written in this transfer */
    int started;         /* first body byte seen: response checked */
    int restarted;       /* server ignored the Range request: the part was emptied */
    fs_sha256_ctx sha;
    int64_t range_start; /* from Content-Range of the current response, -1 when absent */
    char fail[1024];     /* why a callback aborted the transfer */
    fs_progress prog;
    int show;
    int prog_on;         /* fs_progress_begin called */
    char label[128];
    double t0;
    double t_last_byte;  /* when the byte count last grew (stall detection) */
    int64_t last_now;
    long stall_s;
    int stalled;
} dl;

static void fmt_mb(char *b, size_t n, int64_t bytes) { fs_registry_format_size(bytes, b, n); }

static int64_t expected_total(const dl *d, CURL *c) {
    if (d->e->size >= 0) return d->e->size;
    curl_off_t cl = -1;
    if (curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK && cl >= 0)
        return d->offset + (int64_t)cl;
    return -1;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *user) {
    dl *d = (dl *)user;
    size_t n = size * nmemb;
    if (n >= 5 && !strncmp(data, "HTTP/", 5)) d->range_start = -1; /* a new response (after a redirect) */
    if (n > 14 && !strncasecmp(data, "Content-Range:", 14)) {
        const char *p = data + 14;
        while (p < data + n && (*p == ' ' || *p == '\t')) p++;
        if (p + 6 < data + n && !strncasecmp(p, "bytes ", 6)) {
            char tmp[64];
            size_t l = (size_t)(data + n - (p + 6));
            if (l >= sizeof tmp) l = sizeof tmp - 1;
            memcpy(tmp, p + 6, l);
            tmp[l] = 0;
            char *end = NULL;
            long long s = strtoll(tmp, &end, 10);
            if (end != tmp && *end == '-' && s >= 0) d->range_start = (int64_t)s;
        }
    }
    return n;
}

/* Checks the response before the first body byte is written; 0 to abort. */
static int check_response(dl *d, CURL *c) {
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_off_t cl = -1;
    curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    if (d->offset > 0 && code == 206 && d->range_start != d->offset) {
        snprintf(d->fail, sizeof d->fail, "%s: the server answered the resume request at byte %lld with a range "
                 "starting at %lld; delete the .part file and fetch again", d->url, (long long)d->offset,
                 (long long)d->range_start);
        return 0;
    }
    int from_zero = !(d->offset > 0 && code == 206);
    int64_t total = cl >= 0 ? (from_zero ? 0 : d->offset) + (int64_t)cl : -1;
    if (d->e->size >= 0 && total >= 0 && total != d->e->size) {
        char a[32], b[32];
        fmt_mb(a, sizeof a, total);
        fmt_mb(b, sizeof b, d->e->size);
        snprintf(d->fail, sizeof d->fail, "size mismatch: %s serves %lld bytes (%s), the manifest says %lld (%s); "
                 "nothing was saved under the model's name", d->url, (long long)total, a, (long long)d->e->size, b);
        return 0;
    }
    if (from_zero && d->offset > 0) {
        /* The server ignored Range (200): start the part over. */
        if (ftruncate(d->fd, 0) != 0 || lseek(d->fd, 0, SEEK_SET) != 0) {
            snprintf(d->fail, sizeof d->fail, "cannot restart the partial download: %s", strerror(errno));
            return 0;
        }
        fs_info("%s: the server does not resume downloads; starting over", d->e->name);
        d->offset = 0;
        d->restarted = 1;
        fs_sha256_init(&d->sha);
    }
    return 1;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *user) {
    dl *d = (dl *)((void **)user)[0];
    CURL *c = (CURL *)((void **)user)[1];
    size_t n = size * nmemb;
    if (!d->started) {
        d->started = 1;
        if (!check_response(d, c)) return CURL_WRITEFUNC_ERROR;
        if (d->show) {
            int64_t total = expected_total(d, c);
            fs_progress_begin(&d->prog, d->label, total >= 0 ? total - d->offset : 0);
            d->prog_on = 1;
        }
    }
    if (d->e->size >= 0 && d->offset + d->written + (int64_t)n > d->e->size) {
        snprintf(d->fail, sizeof d->fail, "size mismatch: %s sends more than the %lld bytes the manifest says",
                 d->url, (long long)d->e->size);
        return CURL_WRITEFUNC_ERROR;
    }
    /* Unknown exact size: a server sending far more than the estimate is not sending this model. */
    if (d->e->size < 0 && d->e->size_est > 0 && d->offset + d->written + (int64_t)n > 3 * d->e->size_est + (1 << 20)) {
        snprintf(d->fail, sizeof d->fail, "%s sends more than 3x the expected ~%lld bytes; stopped (not this model?)",
                 d->url, (long long)d->e->size_est);
        return CURL_WRITEFUNC_ERROR;
    }
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(d->fd, data + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            snprintf(d->fail, sizeof d->fail, "cannot write the download: %s", strerror(w < 0 ? errno : EIO));
            return CURL_WRITEFUNC_ERROR;
        }
        done += (size_t)w;
    }
    fs_sha256_update(&d->sha, data, n);
    d->written += (int64_t)n;
    return n;
}

static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
    (void)dltotal;
    (void)ultotal;
    (void)ulnow;
    dl *d = (dl *)user;
    if (fs_should_abort()) {
        snprintf(d->fail, sizeof d->fail, "download stopped by request");
        return 1;
    }
    /* Our own stall check (libcurl's LOW_SPEED averages over several seconds, so it reacts late);
     * libcurl calls this at least once a second even when no data arrives. */
    double now = fs_now_seconds();
    if ((int64_t)dlnow > d->last_now) {
        d->last_now = (int64_t)dlnow;
        d->t_last_byte = now;
    } else if (now - d->t_last_byte > (double)d->stall_s) {
        d->stalled = 1;
        return 1;
    }
    if (d->prog_on && (int64_t)dlnow > d->prog.done) {
        double el = fs_now_seconds() - d->t0;
        char now_s[32], tot_s[32];
        fmt_mb(now_s, sizeof now_s, d->offset + (int64_t)dlnow);
        fmt_mb(tot_s, sizeof tot_s, d->prog.total > 0 ? d->offset + d->prog.total : -1);
        char rate[32];
        fmt_mb(rate, sizeof rate, el > 0 ? (int64_t)((double)dlnow / el) : 0);
        fs_progress_step(&d->prog, (int64_t)dlnow - d->prog.done, "%s of %s, %s/s", now_s, tot_s, rate);
    }
    return 0;
}

/* Seeds the hash with the existing .part bytes; returns 0 or errno. */
static int hash_part(int fd, int64_t len, fs_sha256_ctx *sha) {
    enum { CHUNK = 1 << 16 };
    unsigned char *buf = malloc(CHUNK);
    if (!buf) return ENOMEM;
    if (lseek(fd, 0, SEEK_SET) != 0) {
        free(buf);
        return errno;
    }
    int64_t left = len;
    while (left > 0) {
        ssize_t r = read(fd, buf, left < CHUNK ? (size_t)left : CHUNK);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            free(buf);
            return r < 0 ? errno : EIO;
        }
        fs_sha256_update(sha, buf, (size_t)r);
        left -= r;
    }
    free(buf);
    return 0;
}

static int fail(fs_err *err, const fs_model_entry *e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int fail(fs_err *err, const fs_model_entry *e, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return fs_errorf(err, "%s: %s", e->name, msg);
}

static void ensure_curl(void) {
    static int done;
    if (!done) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        done = 1;
    }
}

/* Explains a curl failure in words a user can act on. */
static void explain_curl(CURLcode rc, const char *errbuf, const char *url, char *out, size_t n) {
    const char *detail = errbuf && errbuf[0] ? errbuf : curl_easy_strerror(rc);
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        snprintf(out, n, "cannot resolve the host of %s (offline? no DNS?): %s", url, detail);
        break;
    case CURLE_COULDNT_CONNECT:
        snprintf(out, n, "cannot connect to %s (offline, or the server is down): %s", url, detail);
        break;
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(out, n, "%s timed out (offline or very slow network): %s", url, detail);
        break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        snprintf(out, n, "TLS failure talking to %s (system CA certificates missing or a proxy intercepts?): %s",
                 url, detail);
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
        snprintf(out, n, "%s: only http:// and https:// are allowed: %s", url, detail);
        break;
    case CURLE_TOO_MANY_REDIRECTS:
        snprintf(out, n, "%s: too many redirects", url);
        break;
    default:
        snprintf(out, n, "download of %s failed: %s", url, detail);
        break;
    }
}

static int64_t file_size_fd(int fd) {
    struct stat st;
    return fstat(fd, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* Present already? 1: done (buf filled), 0: download, -1: error. */
static int check_present(const fs_model_entry *e, const fs_fetch_opts *o, char *buf, size_t n, fs_err *err) {
    if (o->force) {
        /* A system copy is enough even with --force: we never overwrite it. */
        return 0;
    }
    fs_model_status st;
    if (fs_registry_verify(e, &st, err)) return -1;
    char sz[32];
    fmt_mb(sz, sizeof sz, st.size);
    switch (st.state) {
    case FS_MODEL_MISSING:
        return 0;
    case FS_MODEL_OK:
        fs_info("%s: present at %s (%s, sha256 OK)", e->name, st.path, sz);
        break;
    case FS_MODEL_UNPINNED:
        fs_info("%s: present at %s (%s; no published hash to check; its sha256 is %s)", e->name, st.path, sz,
                st.hex);
        break;
    case FS_MODEL_BAD_SIZE:
        return fail(err, e, "%s is present but has %lld bytes, not %lld; delete it or run 'facestitch models fetch "
                    "--force %s'", st.path, (long long)st.size, (long long)e->size, e->name), -1;
    case FS_MODEL_BAD_HASH:
        return fail(err, e, "%s is present but its sha256 %s does not match %s%s; delete it or run 'facestitch "
                    "models fetch --force %s'", st.path, st.hex, st.expected, st.from_pin ? " (pinned)" : "",
                    e->name), -1;
    }
    if (buf && n) snprintf(buf, n, "%s", st.path);
    return 1;
}

/* Downloads the rest of d->e into d->fd from byte d->offset (Range request), hashing as it goes.
 * On failure says why and what to do; the partial file is kept for the next fetch to resume. */
static int transfer(dl *d, const fs_fetch_opts *o, const char *part, fs_err *err) {
    const fs_model_entry *e = d->e;
    const char *url = d->url;
    const char *mirror = getenv("FACESTITCH_MIRROR");
    int via_mirror = mirror && mirror[0];
    char other[512] = "";
    if (d->offset > 0) {
        char s[32];
        fmt_mb(s, sizeof s, d->offset);
        snprintf(other, sizeof other, ", resuming at byte %lld (%s)", (long long)d->offset, s);
    }
    fs_info("%s: downloading %s%s", e->name, url, other);
    ensure_curl();
    CURL *c = curl_easy_init();
    if (!c) {
        fail(err, e, "cannot initialise libcurl");
        return FS_ERR;
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    void *body_user[2] = {d, c};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(c, CURLOPT_USERAGENT, "facestitch/" FS_VERSION);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s > 0 ? o->connect_timeout_s : 20L);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, (void *)d);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, (void *)body_user);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)d);
    /* CURLOPT_RANGE, not RESUME_FROM: a server that ignores Range (200) is then handled by
     * check_response (start over) instead of failing the transfer. */
    char range[64];
    snprintf(range, sizeof range, "%lld-", (long long)d->offset);
    if (d->offset > 0) curl_easy_setopt(c, CURLOPT_RANGE, range);
    d->t0 = fs_now_seconds();
    d->t_last_byte = d->t0;
    d->stall_s = o->stall_timeout_s > 0 ? o->stall_timeout_s : 60;
    CURLcode cr = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    int64_t have = d->offset + d->written;
    int64_t want = d->e->size >= 0 ? d->e->size : -1;
    if (want < 0 && d->started) want = expected_total(d, c);
    curl_easy_cleanup(c);
    if (d->prog_on) fs_progress_end(&d->prog);

    char where[2048];
    if (via_mirror)
        snprintf(where, sizeof where, "check FACESTITCH_MIRROR=%s (it should serve %s)", mirror, e->file);
    else
        fs_registry_where_to_get(e, where, sizeof where);

    if (cr == CURLE_HTTP_RETURNED_ERROR && code == 416 && d->offset > 0) {
        /* Nothing after our offset: the part is (at most) the whole file; check it below. */
        fs_info("%s: the server has no bytes after %lld; checking the partial file", e->name,
                (long long)d->offset);
    } else if (cr == CURLE_HTTP_RETURNED_ERROR) {
        fail(err, e, "HTTP %ld from %s. %s", code, url, where);
        return FS_ERR;
    } else if (d->stalled && d->written == 0) {
        fail(err, e, "no data from %s for %ld s (offline, or the server stalled). %s", url, d->stall_s, where);
        return FS_ERR;
    } else if (cr == CURLE_PARTIAL_FILE || (cr == CURLE_OK && want >= 0 && have < want) ||
               (cr != CURLE_OK && d->written > 0 && !d->fail[0])) {
        char h[32], w[32], why[1024] = "";
        fmt_mb(h, sizeof h, have);
        fmt_mb(w, sizeof w, want);
        if (d->stalled)
            snprintf(why, sizeof why, "no data for %ld s (network stalled or offline)", d->stall_s);
        else if (cr != CURLE_OK && cr != CURLE_PARTIAL_FILE)
            explain_curl(cr, errbuf, url, why, sizeof why);
        fail(err, e, "transfer cut short after %lld of %lld bytes (%s of %s)%s%s; the partial download is kept "
             "at %s: run the same fetch again to resume", (long long)have, (long long)want, h, w,
             why[0] ? ": " : "", why, part);
        return FS_ERR;
    } else if (cr != CURLE_OK) {
        if (d->fail[0]) {
            fail(err, e, "%s", d->fail);
        } else {
            char why[1024];
            explain_curl(cr, errbuf, url, why, sizeof why);
            fail(err, e, "%s. %s", why, where);
        }
        return FS_ERR;
    }
    return FS_OK;
}

/* The download in fd (part) is complete: checks size and sha256 (or pins it when upstream
 * publishes none), then renames it to dest (or aside to bad on a mismatch). */
static int finish(dl *d, int fd, const char *dest, const char *part, const char *bad, fs_err *err) {
    const fs_model_entry *e = d->e;
    const char *url = d->url;
    int64_t total = file_size_fd(fd);
    if (e->size >= 0 && total != e->size) {
        fail(err, e, "size mismatch: the download has %lld bytes, the manifest says %lld; the partial download is "
             "kept at %s: run the same fetch again to resume", (long long)total, (long long)e->size, part);
        return FS_ERR;
    }
    uint8_t digest[32];
    char hex[65];
    fs_sha256_final(&d->sha, digest);
    fs_sha256_hex(digest, hex);
    char pinned[65] = "";
    const char *expected = e->sha256;
    if (!expected) {
        fs_model_status st;
        fs_err ig;
        /* A pin from an earlier download of this file (fetch --force) still applies. */
        if (fs_registry_verify(e, &st, &ig) == FS_OK && st.from_pin && st.expected) {
            snprintf(pinned, sizeof pinned, "%s", st.expected);
            expected = pinned;
        }
    }
    if (expected && strcmp(hex, expected)) {
        int kept = rename(part, bad) == 0;
        if (!kept) unlink(part);
        char pin_note[4400] = "";
        if (expected == pinned)
            snprintf(pin_note, sizeof pin_note, " (pinned by an earlier download; if upstream really changed the file, "
                     "delete %s.sha256)", dest);
        fail(err, e, "sha256 mismatch for %s: got %s, expected %s%s. %s; the next fetch starts from zero", url, hex,
             expected, pin_note,
             kept ? "The download is kept as a .bad file for inspection (delete it)" : "The download was deleted");
        if (kept) fs_warn("bad download kept at %s", bad);
        return FS_ERR;
    }
    if (fsync(fd) != 0 && errno != EINVAL) {
        fail(err, e, "%s: cannot flush to disk: %s", part, strerror(errno));
        return FS_ERR;
    }
    if (rename(part, dest) != 0) {
        fail(err, e, "cannot rename %s to %s: %s", part, dest, strerror(errno));
        return FS_ERR;
    }
    unlink(bad); /* an older bad download of this model is now obsolete */
    char sz[32];
    fmt_mb(sz, sizeof sz, total);
    if (expected) {
        fs_info("%s: saved %s (%s, sha256 OK)", e->name, dest, sz);
    } else {
        fs_err perr;
        if (fs_registry_pin(e, dest, hex, &perr) == FS_OK)
            fs_info("%s: saved %s (%s); sha256 %s (upstream publishes none; pinned in %s.sha256)", e->name, dest, sz,
                    hex, dest);
        else
            fs_info("%s: saved %s (%s); sha256 %s (upstream publishes none; could not pin it: %s)", e->name, dest, sz,
                    hex, perr.msg);
    }
    return FS_OK;
}

int fs_registry_fetch(const char *name, const fs_fetch_opts *opts, char *buf, size_t n, fs_err *err) {
    if (fs_registry_load(err)) return FS_ERR;
    fs_fetch_opts dflt = fs_fetch_opts_default();
    const fs_fetch_opts *o = opts ? opts : &dflt;
    const fs_model_entry *e = fs_registry_find(name);
    if (!e) return fs_errorf(err, "%s: unknown model name; 'facestitch models list' shows the known ones", name);

    int pr = check_present(e, o, buf, n, err);
    if (pr < 0) return FS_ERR;
    if (pr > 0) return FS_OK;

    char url[4096], dest[FS_PATH_MAX], part[FS_PATH_MAX], bad[FS_PATH_MAX];
    fs_registry_fetch_url(e, url, sizeof url);
    const char *mirror = getenv("FACESTITCH_MIRROR");
    int via_mirror = mirror && mirror[0];
    if (fs_registry_cache_path(e, dest, sizeof dest, err)) return FS_ERR;
    if (!via_mirror && (!e->auto_fetch || !url[0])) {
        char how[2048];
        fs_registry_where_to_get(e, how, sizeof how);
        return fail(err, e, "cannot be fetched automatically. %s (or set FACESTITCH_MIRROR to a server that has %s)",
                    how, e->file);
    }
    if (fs_path_fmt(part, sizeof part, err, "%s.part", dest) || fs_path_fmt(bad, sizeof bad, err, "%s.bad", dest))
        return fs_err_prefix(err, e->name);

    char dir[FS_PATH_MAX];
    fs_path_fmt(dir, sizeof dir, NULL, "%s", dest); /* dest fits */
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        if (fs_mkdirs(dir, err)) return fs_err_prefix(err, e->name);
    }
    int fd = open(part, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return fail(err, e, "%s: cannot write: %s", part, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return fail(err, e, "%s is being written by another facestitch (another fetch of the same model?)", part);
    }

    dl d;
    memset(&d, 0, sizeof d);
    d.e = e;
    d.url = url;
    d.fd = fd;
    d.range_start = -1;
    d.show = !o->quiet && fs_log_verbosity() >= 1;
    snprintf(d.label, sizeof d.label, "fetch %s", e->name);
    fs_sha256_init(&d.sha);
    d.offset = file_size_fd(fd);
    int rc = FS_ERR;
    if (d.offset < 0 || (e->size >= 0 && d.offset > e->size)) {
        if (ftruncate(fd, 0) != 0) {
            fail(err, e, "%s: cannot truncate: %s", part, strerror(errno));
            goto out;
        }
        d.offset = 0;
    }
    if (d.offset > 0) {
        int h = hash_part(fd, d.offset, &d.sha);
        if (h) {
            fail(err, e, "%s: cannot read: %s", part, strerror(h));
            goto out;
        }
    }
    if (lseek(fd, d.offset, SEEK_SET) != d.offset) {
        fail(err, e, "%s: cannot seek: %s", part, strerror(errno));
        goto out;
    }

    int complete_already = e->size >= 0 && d.offset == e->size;
    if (!complete_already && transfer(&d, o, part, err)) goto out;
    if (finish(&d, fd, dest, part, bad, err)) goto out;
    if (buf && n) snprintf(buf, n, "%s", dest);
    rc = FS_OK;
out:
    if (rc != FS_OK && file_size_fd(fd) == 0) unlink(part); /* leave no empty .part behind */
    close(fd);
    return rc;
}
