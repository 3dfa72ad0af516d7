#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int g_verbosity = 1;
static fs_progress_cb g_cb;
static fs_abort_cb g_abort;
static void *g_user;
/* per-thread callbacks (a library context running in this thread) take precedence */
static _Thread_local fs_progress_cb tl_cb;
static _Thread_local fs_abort_cb tl_abort;
static _Thread_local void *tl_user;
static _Thread_local int tl_set;

void fs_log_set_verbosity(int v) { g_verbosity = v; }
int fs_log_verbosity(void) { return g_verbosity; }

static void vlog(int level, const char *prefix, const char *fmt, va_list ap) {
    if (g_verbosity < level) return;
    fputs(prefix, stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void fs_info(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vlog(1, "", fmt, ap);
    va_end(ap);
}
void fs_verbose(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vlog(2, "", fmt, ap);
    va_end(ap);
}
void fs_warn(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vlog(0, "facestitch: warning: ", fmt, ap);
    va_end(ap);
}

void fs_progress_set_callback(fs_progress_cb cb, fs_abort_cb abort_cb, void *user_data) {
    g_cb = cb;
    g_abort = abort_cb;
    g_user = user_data;
}
void fs_progress_set_thread_callback(fs_progress_cb cb, fs_abort_cb abort_cb, void *user_data) {
    tl_cb = cb;
    tl_abort = abort_cb;
    tl_user = user_data;
    tl_set = cb || abort_cb;
}
int fs_should_abort(void) {
    if (tl_set) return tl_abort ? tl_abort(tl_user) : 0;
    return g_abort ? g_abort(g_user) : 0;
}

double fs_now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void fs_progress_begin(fs_progress *p, const char *label, int64_t total) {
    p->label = label;
    p->done = 0;
    p->total = total;
    p->t_start = fs_now_seconds();
    p->t_last_print = 0;
}

static void fmt_time(char *buf, size_t n, double s) {
    if (s < 0 || s > 1e7) {
        snprintf(buf, n, "--");
        return;
    }
    int t = (int)(s + 0.5);
    if (t >= 3600) snprintf(buf, n, "%dh%02dm", t / 3600, (t / 60) % 60);
    else if (t >= 60) snprintf(buf, n, "%dm%02ds", t / 60, t % 60);
    else snprintf(buf, n, "%ds", t);
}

void fs_progress_step(fs_progress *p, int64_t n, const char *detail_fmt, ...) {
    p->done += n;
    double now = fs_now_seconds();
    double el = now - p->t_start;
    double rate = el > 0 ? (double)p->done / el : 0;
    double eta = (rate > 0 && p->total > 0) ? (double)(p->total - p->done) / rate : -1;
    char detail[256] = "";
    if (detail_fmt) {
        va_list ap;
        va_start(ap, detail_fmt);
        vsnprintf(detail, sizeof detail, detail_fmt, ap);
        va_end(ap);
    }
    if (tl_set || g_cb) {
        fs_progress_cb cb = tl_set ? tl_cb : g_cb;
        if (cb) cb(tl_set ? tl_user : g_user, p->label, p->done, p->total, eta, detail);
        return;
    }
    if (g_verbosity < 1) return;
    int last = p->total > 0 && p->done >= p->total;
    if (!last && now - p->t_last_print < 0.5) return;
    p->t_last_print = now;
    char etas[32];
    fmt_time(etas, sizeof etas, eta);
    int tty = isatty(2);
    fprintf(stderr, "%s%s: %lld/%lld  %.2f/s  ETA %s%s%s%s", tty ? "\r\033[K" : "", p->label, (long long)p->done,
            (long long)p->total, rate, etas, detail[0] ? "  " : "", detail, tty ? "" : "\n");
    fflush(stderr);
}

void fs_progress_end(fs_progress *p) {
    if (tl_set || g_cb || g_verbosity < 1) return;
    double el = fs_now_seconds() - p->t_start;
    char ts[32];
    fmt_time(ts, sizeof ts, el);
    fprintf(stderr, "%s%s: %lld done in %s\n", isatty(2) ? "\r\033[K" : "", p->label, (long long)p->done, ts);
}
