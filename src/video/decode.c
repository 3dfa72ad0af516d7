/* decode.c — streaming video decoder (libavformat/libavcodec/libswscale) and image directories. */
#include "video/video.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "core/log.h"
#include "core/path.h"
#include "image/image_ops.h"
#include "video/video_internal.h"

/* ---- libav log routing ---- */

static __thread char g_last_log[512];
static pthread_once_t g_log_once = PTHREAD_ONCE_INIT;

static void log_cb(void *avcl, int level, const char *fmt, va_list vl) {
    (void)avcl;
    if (level > AV_LOG_WARNING) return;
    char line[480];
    vsnprintf(line, sizeof line, fmt, vl);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    if (!n) return;
    if (level <= AV_LOG_ERROR) snprintf(g_last_log, sizeof g_last_log, "%s", line);
    if (fs_log_verbosity() >= 2) fprintf(stderr, "facestitch: libav: %s\n", line);
}

static void log_setup(void) { av_log_set_callback(log_cb); }
void fs__video_log_init(void) { pthread_once(&g_log_once, log_setup); }
const char *fs__video_last_log(void) { return g_last_log; }
void fs__video_last_log_clear(void) { g_last_log[0] = 0; }

/* ---- image directories ---- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void fs_free_names(char **names, int count) {
    if (!names) return;
    for (int i = 0; i < count; i++) free(names[i]);
    free(names);
}

int fs_list_image_dir(const char *dir, char ***names, int *count, fs_err *err) {
    DIR *d = opendir(dir);
    if (!d) return fs_errorf(err, "%s: %s", dir, strerror(errno));
    char **v = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *full = malloc(len);
        if (!full) break;
        snprintf(full, len, "%s/%s", dir, e->d_name);
        if (!fs_image_sniff(full)) { /* frames are recognised by content (PNG, JPEG), whatever their names */
            free(full);
            continue;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nv = realloc(v, sizeof *v * (size_t)cap);
            if (!nv) {
                free(full);
                break;
            }
            v = nv;
        }
        v[n++] = full;
    }
    closedir(d);
    if (n > 1) qsort(v, (size_t)n, sizeof *v, cmp_str);
    *names = v;
    *count = n;
    return FS_OK;
}

/* ---- reader ---- */

struct fs_video_reader {
    char path[FS_PATH_MAX];
    fs_video_info info;
    fs_video_open_opts opts;
    /* libav */
    AVFormatContext *fmt;
    AVCodecContext *dec;
    AVPacket *pkt;
    AVFrame *frame;
    struct SwsContext *sws;
    int vstream;
    int eof_sent, done;
    int64_t last_pts;
    int64_t frame_dur;      /* nominal frame duration in tb units */
    int bad_packets;
    int cw, ch;             /* coded size at open: frames of another size are scaled to it */
    /* images */
    fs_image *coded;        /* before rotation */
    fs_image *shown;        /* after rotation (== coded when rotation is 0) */
    /* directory mode */
    char **names;
    int nnames;
    int64_t index;
};

void fs_video_open_opts_default(fs_video_open_opts *o) {
    o->count_frames = 1;
    o->dir_fps = 25.0;
    o->max_frames = 0;
}

const fs_video_info *fs_video_reader_info(const fs_video_reader *r) { return &r->info; }

/* info of frames read by our own image loader: size of `first`, the --dir-fps rate, n frames */
static int images_info(fs_video_reader *r, const char *first, int64_t n, const char *codec, fs_err *err) {
    fs_image *im = NULL;
    if (fs_image_load(first, &im, err)) return FS_ERR;
    fs_video_info *vi = &r->info;
    vi->width = im->w;
    vi->height = im->h;
    fs_image_destroy(im);
    AVRational q = av_d2q(r->opts.dir_fps > 0 ? r->opts.dir_fps : 25.0, 1000000);
    vi->fps_num = q.num;
    vi->fps_den = q.den;
    vi->fps = av_q2d(q);
    vi->tb_num = q.den;
    vi->tb_den = q.num;
    vi->frames = n;
    vi->duration = (double)n / vi->fps;
    vi->is_image_dir = 1;
    snprintf(vi->video_codec, sizeof vi->video_codec, "%s", codec);
    return FS_OK;
}

static int open_dir(fs_video_reader *r, fs_err *err) {
    if (fs_list_image_dir(r->path, &r->names, &r->nnames, err)) return FS_ERR;
    if (r->nnames == 0) return fs_errorf(err, "%s: directory holds no .png/.jpg frames", r->path);
    int64_t n = r->nnames;
    if (r->opts.max_frames > 0 && n > r->opts.max_frames) n = r->opts.max_frames;
    return images_info(r, r->names[0], n, "images", err);
}

/* A single PNG/JPEG photo is a one-frame video read by our own loader (EXIF orientation applied). */
static int is_still_image(const char *path) { return fs_image_sniff(path) != NULL; }

static int open_still(fs_video_reader *r, fs_err *err) {
    r->names = malloc(sizeof *r->names);
    if (!r->names || !(r->names[0] = strdup(r->path))) return fs_errorf(err, "%s: out of memory", r->path);
    r->nnames = 1;
    return images_info(r, r->path, 1, "image", err);
}

static int rotation_of(AVStream *st) {
    const uint8_t *sd = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (!sd) return 0;
    double theta = -av_display_rotation_get((const int32_t *)sd);
    if (isnan(theta)) return 0;
    theta -= 360.0 * floor(theta / 360.0 + 0.9 / 360.0);
    int r = (int)lround(theta / 90.0) * 90;
    return ((r % 360) + 360) % 360;
}

static int64_t count_packets(const char *path, int stream, int64_t limit) {
    AVFormatContext *fmt = NULL;
    if (avformat_open_input(&fmt, path, NULL, NULL) < 0) return -1;
    if (avformat_find_stream_info(fmt, NULL) < 0) {
        avformat_close_input(&fmt);
        return -1;
    }
    AVPacket *pkt = av_packet_alloc();
    int64_t n = 0;
    while (pkt && av_read_frame(fmt, pkt) >= 0) {
        if (pkt->stream_index == stream && pkt->size > 0) n++;
        av_packet_unref(pkt);
        if (limit > 0 && n >= limit) break;
    }
    av_packet_free(&pkt);
    avformat_close_input(&fmt);
    return n;
}

static int open_media(fs_video_reader *r, fs_err *err) {
    char eb[AV_ERROR_MAX_STRING_SIZE];
    fs__video_last_log_clear();
    int ret = avformat_open_input(&r->fmt, r->path, NULL, NULL);
    if (ret < 0) {
        const char *why = fs__video_last_log();
        return fs_errorf(err, "%s: not a readable video (%s%s%s)", r->path, fs__averr(ret, eb), why[0] ? ": " : "",
                         why);
    }
    ret = avformat_find_stream_info(r->fmt, NULL);
    if (ret < 0) return fs_errorf(err, "%s: cannot read stream information (%s)", r->path, fs__averr(ret, eb));
    const AVCodec *codec = NULL;
    int vs = av_find_best_stream(r->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (vs == AVERROR_STREAM_NOT_FOUND || vs < 0) {
        int na = 0, ns = 0;
        for (unsigned i = 0; i < r->fmt->nb_streams; i++) {
            enum AVMediaType t = r->fmt->streams[i]->codecpar->codec_type;
            na += t == AVMEDIA_TYPE_AUDIO;
            ns += t == AVMEDIA_TYPE_SUBTITLE;
        }
        if (vs == AVERROR_DECODER_NOT_FOUND)
            return fs_errorf(err, "%s: no decoder for its video codec in this FFmpeg build", r->path);
        return fs_errorf(err, "%s: no video stream (%s)", r->path,
                         na ? "audio only" : ns ? "subtitles only" : "no audio/video streams");
    }
    AVStream *st = r->fmt->streams[vs];
    if (st->disposition & AV_DISPOSITION_ATTACHED_PIC)
        return fs_errorf(err, "%s: no video stream (only a cover picture)", r->path);
    r->vstream = vs;
    r->dec = avcodec_alloc_context3(codec);
    if (!r->dec) return fs_errorf(err, "%s: out of memory", r->path);
    if ((ret = avcodec_parameters_to_context(r->dec, st->codecpar)) < 0)
        return fs_errorf(err, "%s: bad codec parameters (%s)", r->path, fs__averr(ret, eb));
    r->dec->thread_count = 0;
    r->dec->pkt_timebase = st->time_base;
    if ((ret = avcodec_open2(r->dec, codec, NULL)) < 0)
        return fs_errorf(err, "%s: cannot open the %s decoder (%s)", r->path, codec->name, fs__averr(ret, eb));
    if (st->codecpar->width <= 0 || st->codecpar->height <= 0 || st->codecpar->width > 16384 ||
        st->codecpar->height > 16384)
        return fs_errorf(err, "%s: invalid video size %dx%d", r->path, st->codecpar->width, st->codecpar->height);

    fs_video_info *vi = &r->info;
    vi->rotation = rotation_of(st);
    int w = st->codecpar->width, h = st->codecpar->height;
    r->cw = w;
    r->ch = h;
    int swap = vi->rotation == 90 || vi->rotation == 270;
    vi->width = swap ? h : w;
    vi->height = swap ? w : h;
    AVRational fr = st->avg_frame_rate;
    if (fr.num <= 0 || fr.den <= 0) fr = st->r_frame_rate;
    if (fr.num <= 0 || fr.den <= 0) fr = (AVRational){25, 1};
    vi->fps_num = fr.num;
    vi->fps_den = fr.den;
    vi->fps = av_q2d(fr);
    vi->tb_num = st->time_base.num;
    vi->tb_den = st->time_base.den;
    if (st->duration > 0 && st->duration != AV_NOPTS_VALUE) vi->duration = (double)st->duration * av_q2d(st->time_base);
    else if (r->fmt->duration > 0) vi->duration = (double)r->fmt->duration / AV_TIME_BASE;
    vi->frames = st->nb_frames > 0 ? st->nb_frames : 0;
    if (vi->frames == 0 && r->opts.count_frames) {
        int64_t n = count_packets(r->path, vs, r->opts.max_frames);
        if (n > 0) vi->frames = n;
    }
    if (vi->frames == 0 && vi->duration > 0) vi->frames = (int64_t)llround(vi->duration * vi->fps);
    if (r->opts.max_frames > 0 && (vi->frames == 0 || vi->frames > r->opts.max_frames)) vi->frames = r->opts.max_frames;
    if (vi->duration <= 0 && vi->frames > 0) vi->duration = (double)vi->frames / vi->fps;
    snprintf(vi->video_codec, sizeof vi->video_codec, "%s", codec->name);
    vi->colorspace = st->codecpar->color_space;
    vi->color_primaries = st->codecpar->color_primaries;
    vi->color_trc = st->codecpar->color_trc;
    int as = av_find_best_stream(r->fmt, AVMEDIA_TYPE_AUDIO, -1, vs, NULL, 0);
    if (as >= 0) {
        AVStream *ast = r->fmt->streams[as];
        vi->has_audio = 1;
        snprintf(vi->audio_codec, sizeof vi->audio_codec, "%s", avcodec_get_name(ast->codecpar->codec_id));
        if (ast->duration > 0 && ast->duration != AV_NOPTS_VALUE)
            vi->audio_duration = (double)ast->duration * av_q2d(ast->time_base);
        else if (r->fmt->duration > 0)
            vi->audio_duration = (double)r->fmt->duration / AV_TIME_BASE;
    }
    /* only the video stream is demuxed by this reader */
    for (unsigned i = 0; i < r->fmt->nb_streams; i++)
        if ((int)i != vs) r->fmt->streams[i]->discard = AVDISCARD_ALL;
    r->frame_dur = av_rescale_q(1, av_inv_q(fr), st->time_base);
    if (r->frame_dur <= 0) r->frame_dur = 1;
    r->pkt = av_packet_alloc();
    r->frame = av_frame_alloc();
    if (!r->pkt || !r->frame) return fs_errorf(err, "%s: out of memory", r->path);
    r->last_pts = AV_NOPTS_VALUE;
    return FS_OK;
}

int fs_video_open(const char *path, const fs_video_open_opts *o, fs_video_reader **out, fs_err *err) {
    fs__video_log_init();
    fs_video_reader *r = calloc(1, sizeof *r);
    if (!r) return fs_errorf(err, "%s: out of memory", path);
    if (o) r->opts = *o;
    else fs_video_open_opts_default(&r->opts);
    if (fs_path_fmt(r->path, sizeof r->path, err, "%s", path)) {
        free(r);
        return FS_ERR;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        int rc = fs_errorf(err, "%s: %s", path, strerror(errno));
        free(r);
        return rc;
    }
    int rc;
    if (S_ISDIR(st.st_mode)) rc = open_dir(r, err);
    else if (!S_ISREG(st.st_mode)) rc = fs_errorf(err, "%s: not a regular file", path);
    else if (st.st_size == 0) rc = fs_errorf(err, "%s: empty file (0 bytes)", path);
    else if (is_still_image(path)) rc = open_still(r, err);
    else rc = open_media(r, err);
    if (rc) {
        fs_video_close(r);
        return FS_ERR;
    }
    *out = r;
    return FS_OK;
}

void fs_video_close(fs_video_reader *r) {
    if (!r) return;
    sws_freeContext(r->sws);
    av_frame_free(&r->frame);
    av_packet_free(&r->pkt);
    avcodec_free_context(&r->dec);
    avformat_close_input(&r->fmt);
    if (r->shown != r->coded) fs_image_destroy(r->shown);
    fs_image_destroy(r->coded);
    fs_free_names(r->names, r->nnames);
    free(r);
}

static int colorspace_of(const AVFrame *f) {
    switch (f->colorspace) {
    case AVCOL_SPC_BT709: return SWS_CS_ITU709;
    case AVCOL_SPC_FCC: return SWS_CS_FCC;
    case AVCOL_SPC_SMPTE240M: return SWS_CS_SMPTE240M;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL: return SWS_CS_BT2020;
    case AVCOL_SPC_BT470BG:
    case AVCOL_SPC_SMPTE170M: return SWS_CS_ITU601;
    default: return SWS_CS_DEFAULT;
    }
}

static int convert_frame(fs_video_reader *r, fs_err *err) {
    AVFrame *f = r->frame;
    if (f->width <= 0 || f->height <= 0 || f->width > 16384 || f->height > 16384)
        return fs_errorf(err, "%s: decoded frame has an invalid size %dx%d", r->path, f->width, f->height);
    if (!r->coded) {
        r->coded = fs_image_create(r->cw, r->ch, err);
        if (!r->coded) return fs_err_prefix(err, r->path);
    }
    enum AVPixelFormat src_fmt = (enum AVPixelFormat)f->format;
    int full = f->color_range == AVCOL_RANGE_JPEG;
    switch (src_fmt) { /* deprecated full-range aliases */
    case AV_PIX_FMT_YUVJ420P: src_fmt = AV_PIX_FMT_YUV420P; full = 1; break;
    case AV_PIX_FMT_YUVJ422P: src_fmt = AV_PIX_FMT_YUV422P; full = 1; break;
    case AV_PIX_FMT_YUVJ444P: src_fmt = AV_PIX_FMT_YUV444P; full = 1; break;
    default: break;
    }
    /* a mid-stream size change is scaled back to the stream's size, as players do */
    r->sws = sws_getCachedContext(r->sws, f->width, f->height, src_fmt, r->cw, r->ch, AV_PIX_FMT_RGB24,
                                  SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, NULL, NULL, NULL);
    if (!r->sws) return fs_errorf(err, "%s: cannot convert pixel format %s to RGB", r->path, av_get_pix_fmt_name(src_fmt));
    const int *coef = sws_getCoefficients(colorspace_of(f));
    int *inv, *tab, srcr, dstr, bri, con, sat;
    if (sws_getColorspaceDetails(r->sws, &inv, &srcr, &tab, &dstr, &bri, &con, &sat) >= 0)
        sws_setColorspaceDetails(r->sws, coef, full, coef, 1, bri, con, sat);
    uint8_t *dst[4] = {r->coded->rgb, NULL, NULL, NULL};
    int dst_stride[4] = {r->coded->stride, 0, 0, 0};
    sws_scale(r->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, dst_stride);
    if (r->info.rotation == 0) {
        r->shown = r->coded;
    } else {
        if (r->shown && r->shown != r->coded) fs_image_destroy(r->shown);
        int o = r->info.rotation == 90 ? 6 : r->info.rotation == 180 ? 3 : 8;
        r->shown = fs_image_orient(r->coded, o, err);
        if (!r->shown) return fs_err_prefix(err, r->path);
    }
    return FS_OK;
}

static int next_dir(fs_video_reader *r, fs_video_frame *f, fs_err *err) {
    if (r->index >= r->info.frames) return FS_OK;
    fs_image *im = NULL;
    if (fs_image_load(r->names[r->index], &im, err)) return FS_ERR;
    if (im->w != r->info.width || im->h != r->info.height) {
        int rc = fs_errorf(err, "%s: frame is %dx%d but the first frame is %dx%d", r->names[r->index], im->w, im->h,
                           r->info.width, r->info.height);
        fs_image_destroy(im);
        return rc;
    }
    fs_image_destroy(r->coded);
    r->coded = r->shown = im;
    f->image = im;
    f->pts = r->index;
    f->time = (double)r->index * r->info.tb_num / r->info.tb_den;
    f->index = r->index++;
    return FS_OK;
}

int fs_video_next(fs_video_reader *r, fs_video_frame *f, fs_err *err) {
    char eb[AV_ERROR_MAX_STRING_SIZE];
    memset(f, 0, sizeof *f);
    if (r->done) return FS_OK;
    if (r->opts.max_frames > 0 && r->index >= r->opts.max_frames) {
        r->done = 1;
        return FS_OK;
    }
    if (r->info.is_image_dir) return next_dir(r, f, err);
    for (;;) {
        int ret = avcodec_receive_frame(r->dec, r->frame);
        if (ret == 0) {
            int64_t pts = r->frame->best_effort_timestamp;
            if (pts == AV_NOPTS_VALUE) pts = r->last_pts == AV_NOPTS_VALUE ? 0 : r->last_pts + r->frame_dur;
            if (r->last_pts != AV_NOPTS_VALUE && pts <= r->last_pts) pts = r->last_pts + 1; /* keep increasing */
            r->last_pts = pts;
            int rc = convert_frame(r, err);
            av_frame_unref(r->frame);
            if (rc) return rc;
            f->image = r->shown;
            f->pts = pts;
            f->time = (double)pts * r->info.tb_num / r->info.tb_den;
            f->index = r->index++;
            return FS_OK;
        }
        if (ret == AVERROR_EOF) {
            r->done = 1;
            if (r->index == 0) return fs_errorf(err, "%s: no decodable video frame", r->path);
            if (r->index < r->info.frames) r->info.frames = r->index; /* the decoder is the truth */
            return FS_OK;
        }
        if (ret != AVERROR(EAGAIN)) {
            /* a decoding error inside the stream: skip the damaged picture, as players do */
            if (++r->bad_packets > 1000 || r->eof_sent)
                return fs_errorf(err, "%s: damaged or truncated video: decoding failed at frame %lld (%s)", r->path,
                                 (long long)r->index,
                                 fs__averr(ret, eb));
            continue;
        }
        if (r->eof_sent) return fs_errorf(err, "%s: decoder stalled at frame %lld", r->path, (long long)r->index);
        /* feed one more packet */
        for (;;) {
            fs__video_last_log_clear();
            ret = av_read_frame(r->fmt, r->pkt);
            if (ret == AVERROR_EOF || (ret < 0 && avio_feof(r->fmt->pb) && ret != AVERROR_INVALIDDATA)) {
                avcodec_send_packet(r->dec, NULL);
                r->eof_sent = 1;
                break;
            }
            if (ret < 0) {
                const char *why = fs__video_last_log();
                return fs_errorf(err, "%s: damaged or truncated file: reading frame %lld failed (%s%s%s)", r->path,
                                 (long long)r->index, fs__averr(ret, eb), why[0] ? ": " : "", why);
            }
            if (r->pkt->stream_index != r->vstream) {
                av_packet_unref(r->pkt);
                continue;
            }
            ret = avcodec_send_packet(r->dec, r->pkt);
            av_packet_unref(r->pkt);
            if (ret < 0 && ret != AVERROR(EAGAIN)) {
                if (++r->bad_packets > 1000)
                    return fs_errorf(err, "%s: too many undecodable video packets (%s)", r->path, fs__averr(ret, eb));
                fs_verbose("%s: skipped a damaged video packet near frame %lld (%s)", r->path, (long long)r->index,
                           fs__averr(ret, eb));
            }
            break;
        }
    }
}

int fs_video_probe(const char *path, fs_video_info *info, fs_err *err) {
    fs_video_reader *r = NULL;
    if (fs_video_open(path, NULL, &r, err)) return FS_ERR;
    *info = r->info;
    fs_video_close(r);
    return FS_OK;
}

int fs_video_audio_duration(const char *path, double *seconds, int64_t *packets, fs_err *err) {
    char eb[AV_ERROR_MAX_STRING_SIZE];
    fs__video_log_init();
    *seconds = 0;
    if (packets) *packets = 0;
    AVFormatContext *fmt = NULL;
    int ret = avformat_open_input(&fmt, path, NULL, NULL);
    if (ret < 0) return fs_errorf(err, "%s: not a readable media file (%s)", path, fs__averr(ret, eb));
    if (avformat_find_stream_info(fmt, NULL) < 0) {
        avformat_close_input(&fmt);
        return fs_errorf(err, "%s: cannot read stream information", path);
    }
    const AVCodec *codec = NULL;
    int as = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
    if (as < 0) {
        avformat_close_input(&fmt);
        return FS_OK;
    }
    for (unsigned i = 0; i < fmt->nb_streams; i++)
        if ((int)i != as) fmt->streams[i]->discard = AVDISCARD_ALL;
    AVCodecContext *dec = avcodec_alloc_context3(codec);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *fr = av_frame_alloc();
    int64_t samples = 0, n = 0;
    int rate = 0;
    if (!dec || !pkt || !fr || avcodec_parameters_to_context(dec, fmt->streams[as]->codecpar) < 0 ||
        avcodec_open2(dec, codec, NULL) < 0) {
        avcodec_free_context(&dec);
        av_packet_free(&pkt);
        av_frame_free(&fr);
        avformat_close_input(&fmt);
        return fs_errorf(err, "%s: cannot decode its audio", path);
    }
    int flushing = 0;
    for (;;) {
        if (!flushing) {
            ret = av_read_frame(fmt, pkt);
            if (ret < 0) {
                flushing = 1;
                avcodec_send_packet(dec, NULL);
            } else {
                if (pkt->stream_index == as) {
                    n++;
                    avcodec_send_packet(dec, pkt); /* a damaged packet is skipped */
                }
                av_packet_unref(pkt);
            }
        }
        while ((ret = avcodec_receive_frame(dec, fr)) == 0) {
            samples += fr->nb_samples;
            rate = fr->sample_rate;
            av_frame_unref(fr);
        }
        if (flushing && ret == AVERROR_EOF) break;
        if (flushing && ret != AVERROR(EAGAIN) && ret < 0) break;
    }
    avcodec_free_context(&dec);
    av_packet_free(&pkt);
    av_frame_free(&fr);
    avformat_close_input(&fmt);
    if (rate > 0) *seconds = (double)samples / rate;
    if (packets) *packets = n;
    return FS_OK;
}
