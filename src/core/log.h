/* log.h — messages and progress lines for the command-line tool and library users.
 *
 * Verbosity: 0 = quiet (errors only), 1 = normal, 2 = verbose. Set once by the CLI.
 * Progress: one line, rewritten in place on a terminal, with count, rate and ETA:
 *   fs_progress p; fs_progress_begin(&p, "PTI", total);
 *   for (...) { ...; fs_progress_step(&p, 1, "loss %.4f", loss); }
 *   fs_progress_end(&p);
 * A library user may install a callback (and an abort hook) instead of stderr output.
 */
#ifndef FS_CORE_LOG_H
#define FS_CORE_LOG_H

#include <stdint.h>

void fs_log_set_verbosity(int v);
int fs_log_verbosity(void);
void fs_info(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
void fs_verbose(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
void fs_warn(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

typedef void (*fs_progress_cb)(void *user_data, const char *label, int64_t done, int64_t total, double eta_s,
                               const char *detail);
typedef int (*fs_abort_cb)(void *user_data); /* non-zero: stop as soon as possible */
void fs_progress_set_callback(fs_progress_cb cb, fs_abort_cb abort_cb, void *user_data);
/* The same for the calling thread only (overrides the process-wide one there; NULL, NULL = back to it). */
void fs_progress_set_thread_callback(fs_progress_cb cb, fs_abort_cb abort_cb, void *user_data);
int fs_should_abort(void);

typedef struct fs_progress {
    const char *label;
    int64_t done, total;
    double t_start, t_last_print;
} fs_progress;

double fs_now_seconds(void); /* monotonic */
void fs_progress_begin(fs_progress *p, const char *label, int64_t total);
void fs_progress_step(fs_progress *p, int64_t n, const char *detail_fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void fs_progress_end(fs_progress *p);

#endif
