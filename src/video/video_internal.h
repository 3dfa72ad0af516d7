/* video_internal.h — shared by decode.c and encode.c (not public). */
#ifndef FS_VIDEO_INTERNAL_H
#define FS_VIDEO_INTERNAL_H

#include <libavutil/error.h>

/* Routes libav's log to our verbosity: silent unless -v; remembers the last error-level message
 * so that our one-line errors can quote the library's reason. */
void fs__video_log_init(void);
const char *fs__video_last_log(void);
void fs__video_last_log_clear(void);

static inline const char *fs__averr(int e, char *buf) {
    av_strerror(e, buf, AV_ERROR_MAX_STRING_SIZE);
    return buf;
}

#endif
