/* encode.c — streaming video encoder with audio stream copy (or AAC re-encode), and PNG sequences.
 * Output goes to "<path>.tmp.<pid>" and is renamed into place by fs_video_writer_close. */
#include "video/video.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>

#include "core/fileio.h"
#include "core/log.h"
#include "core/path.h"
#include "image/image_ops.h"
#include "video/video_internal.h"

struct fs_video_writer {
    char path[FS_PATH_MAX], tmp[FS_PATH_MAX];
    fs_video_info src;
    fs_video_writer_opts opts;
    int png_dir;
    int png_single;             /* OUT.png: exactly one frame */
    int64_t nframes;
    int64_t last_pts;
    /* video */
    AVFormatContext *ofmt;
    AVCodecContext *enc;
    AVStream *vst;
    AVFrame *frame;
    AVPacket *pkt;
    struct SwsContext *sws;
    AVRational src_tb;
    /* audio */
    AVFormatContext *afmt;      /* the audio source, demuxed on its own */
    int ain;                    /* its audio stream index */
    AVStream *ast;              /* output audio stream */
    int audio_eof;
    int64_t audio_last_dts;
    /* audio re-encode */
    AVCodecContext *adec, *aenc;
    SwrContext *swr;
    AVAudioFifo *fifo;
    AVFrame *aframe;
    int64_t anext_pts;          /* in aenc time base (1/sample_rate) */
};

void fs_video_writer_opts_default(fs_video_writer_opts *o) {
    memset(o, 0, sizeof *o);
    o->codec = NULL;
    o->crf = 18;
    o->preset = "medium";
    o->audio_from = NULL;
    o->png_dir = 0;
    o->audio_until = 0;
}

static int is_dir_path(const char *path) {
    size_t n = strlen(path);
    if (n && path[n - 1] == '/') return 1;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return 1;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    return strchr(base, '.') == NULL;
}

static int dir_is_empty(const char *path) {
    DIR *d = opendir(path);
    if (!d) return 1;
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            empty = 0;
            break;
        }
    closedir(d);
    return empty;
}

static void remove_tree_flat(const char *dir) {
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[FS_PATH_MAX];
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            if (fs_path_join(p, sizeof p, dir, e->d_name, NULL) == FS_OK) unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* ---- audio ---- */

static int audio_open_source(fs_video_writer *w, fs_err *err) {
    char eb[AV_ERROR_MAX_STRING_SIZE];
    const char *src = w->opts.audio_from;
    struct stat st;
    if (stat(src, &st) == 0 && S_ISDIR(st.st_mode)) return FS_OK; /* frames in a directory: no audio */
    int ret = avformat_open_input(&w->afmt, src, NULL, NULL);
    if (ret < 0) return fs_errorf(err, "%s: cannot open for its audio (%s)", src, fs__averr(ret, eb));
    if (avformat_find_stream_info(w->afmt, NULL) < 0) return fs_errorf(err, "%s: cannot read stream information", src);
    w->ain = av_find_best_stream(w->afmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    if (w->ain < 0) {
        avformat_close_input(&w->afmt);
        return FS_OK; /* no audio: nothing to copy */
    }
    for (unsigned i = 0; i < w->afmt->nb_streams; i++)
        if ((int)i != w->ain) w->afmt->streams[i]->discard = AVDISCARD_ALL;
    AVStream *in = w->afmt->streams[w->ain];
    enum AVCodecID id = in->codecpar->codec_id;
    if (avformat_query_codec(w->ofmt->oformat, id, FF_COMPLIANCE_NORMAL) == 1) {
        w->ast = avformat_new_stream(w->ofmt, NULL);
        if (!w->ast) return fs_errorf(err, "%s: out of memory", w->path);
        if ((ret = avcodec_parameters_copy(w->ast->codecpar, in->codecpar)) < 0)
            return fs_errorf(err, "%s: cannot copy audio parameters (%s)", w->path, fs__averr(ret, eb));
        w->ast->codecpar->codec_tag = 0;
        w->ast->time_base = in->time_base;
        fs_verbose("audio: copying the %s stream unchanged", avcodec_get_name(id));
        return FS_OK;
    }
    /* the container cannot hold this codec: decode and re-encode to AAC */
    const AVCodec *dc = avcodec_find_decoder(id);
    const AVCodec *ec = avcodec_find_encoder(AV_CODEC_ID_AAC);
    if (!dc || !ec || avformat_query_codec(w->ofmt->oformat, AV_CODEC_ID_AAC, FF_COMPLIANCE_NORMAL) != 1) {
        fs_warn("%s: the output container cannot hold %s audio and it cannot be re-encoded; the output has no audio",
                w->path, avcodec_get_name(id));
        avformat_close_input(&w->afmt);
        return FS_OK;
    }
    fs_warn("%s: the output container cannot hold %s audio; re-encoding it to AAC", w->path, avcodec_get_name(id));
    w->adec = avcodec_alloc_context3(dc);
    w->aenc = avcodec_alloc_context3(ec);
    if (!w->adec || !w->aenc) return fs_errorf(err, "%s: out of memory", w->path);
    avcodec_parameters_to_context(w->adec, in->codecpar);
    w->adec->pkt_timebase = in->time_base;
    if ((ret = avcodec_open2(w->adec, dc, NULL)) < 0)
        return fs_errorf(err, "%s: cannot open the %s audio decoder (%s)", src, dc->name, fs__averr(ret, eb));
    int rate = w->adec->sample_rate > 0 ? w->adec->sample_rate : 48000;
    w->aenc->sample_rate = rate;
    w->aenc->sample_fmt = AV_SAMPLE_FMT_FLTP;
    if (w->adec->ch_layout.nb_channels > 2 || w->adec->ch_layout.nb_channels <= 0)
        av_channel_layout_default(&w->aenc->ch_layout, 2);
    else
        av_channel_layout_default(&w->aenc->ch_layout, w->adec->ch_layout.nb_channels);
    w->aenc->bit_rate = 192000;
    w->aenc->time_base = (AVRational){1, rate};
    if (w->ofmt->oformat->flags & AVFMT_GLOBALHEADER) w->aenc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if ((ret = avcodec_open2(w->aenc, ec, NULL)) < 0)
        return fs_errorf(err, "%s: cannot open the AAC encoder (%s)", w->path, fs__averr(ret, eb));
    w->ast = avformat_new_stream(w->ofmt, NULL);
    if (!w->ast) return fs_errorf(err, "%s: out of memory", w->path);
    avcodec_parameters_from_context(w->ast->codecpar, w->aenc);
    w->ast->time_base = w->aenc->time_base;
    w->fifo = av_audio_fifo_alloc(w->aenc->sample_fmt, w->aenc->ch_layout.nb_channels, 4096);
    w->aframe = av_frame_alloc();
    if (!w->fifo || !w->aframe) return fs_errorf(err, "%s: out of memory", w->path);
    w->anext_pts = AV_NOPTS_VALUE;
    return FS_OK;
}

static int mux(fs_video_writer *w, AVPacket *pkt, fs_err *err) {
    char eb[AV_ERROR_MAX_STRING_SIZE];
    int ret = av_interleaved_write_frame(w->ofmt, pkt);
    if (ret < 0) return fs_errorf(err, "%s: writing failed (%s)", w->path, fs__averr(ret, eb));
    return FS_OK;
}

/* Muxes every packet the AAC encoder has ready. */
static int aenc_packets(fs_video_writer *w, fs_err *err) {
    AVPacket *p = av_packet_alloc();
    if (!p) return fs_errorf(err, "%s: out of memory (an audio packet)", w->path);
    int rc = FS_OK;
    while (rc == FS_OK && avcodec_receive_packet(w->aenc, p) == 0) {
        av_packet_rescale_ts(p, w->aenc->time_base, w->ast->time_base);
        p->stream_index = w->ast->index;
        rc = mux(w, p, err);
    }
    av_packet_free(&p);
    return rc;
}

static int aenc_drain(fs_video_writer *w, int flush, fs_err *err) {
    int fs = w->aenc->frame_size > 0 ? w->aenc->frame_size : 1024;
    while (av_audio_fifo_size(w->fifo) >= fs || (flush && av_audio_fifo_size(w->fifo) > 0)) {
        int n = av_audio_fifo_size(w->fifo) < fs ? av_audio_fifo_size(w->fifo) : fs;
        av_frame_unref(w->aframe);
        w->aframe->nb_samples = n;
        w->aframe->format = w->aenc->sample_fmt;
        w->aframe->sample_rate = w->aenc->sample_rate;
        av_channel_layout_copy(&w->aframe->ch_layout, &w->aenc->ch_layout);
        if (av_frame_get_buffer(w->aframe, 0) < 0) return fs_errorf(err, "%s: out of memory", w->path);
        av_audio_fifo_read(w->fifo, (void **)w->aframe->data, n);
        w->aframe->pts = w->anext_pts;
        w->anext_pts += n;
        if (avcodec_send_frame(w->aenc, w->aframe) < 0) return fs_errorf(err, "%s: AAC encoding failed", w->path);
        if (aenc_packets(w, err)) return FS_ERR;
    }
    if (flush) {
        avcodec_send_frame(w->aenc, NULL);
        if (aenc_packets(w, err)) return FS_ERR;
    }
    return FS_OK;
}

static int areencode_packet(fs_video_writer *w, AVPacket *pkt, fs_err *err) {
    if (avcodec_send_packet(w->adec, pkt) < 0) return FS_OK; /* skip a damaged audio packet */
    AVFrame *fr = av_frame_alloc();
    if (!fr) return fs_errorf(err, "%s: out of memory", w->path);
    while (avcodec_receive_frame(w->adec, fr) == 0) {
        if (!w->swr) {
            if (swr_alloc_set_opts2(&w->swr, &w->aenc->ch_layout, w->aenc->sample_fmt, w->aenc->sample_rate,
                                    &fr->ch_layout, (enum AVSampleFormat)fr->format, fr->sample_rate, 0, NULL) < 0 ||
                swr_init(w->swr) < 0) {
                av_frame_free(&fr);
                return fs_errorf(err, "%s: cannot set up audio resampling", w->path);
            }
        }
        if (w->anext_pts == AV_NOPTS_VALUE) {
            int64_t t = fr->best_effort_timestamp;
            w->anext_pts = t == AV_NOPTS_VALUE ? 0
                                               : av_rescale_q(t, w->afmt->streams[w->ain]->time_base, w->aenc->time_base);
        }
        int cap = swr_get_out_samples(w->swr, fr->nb_samples);
        uint8_t **buf = NULL;
        if (cap <= 0 || av_samples_alloc_array_and_samples(&buf, NULL, w->aenc->ch_layout.nb_channels, cap,
                                                           w->aenc->sample_fmt, 0) < 0) {
            av_frame_free(&fr);
            return fs_errorf(err, "%s: out of memory", w->path);
        }
        int got = swr_convert(w->swr, buf, cap, (const uint8_t **)fr->extended_data, fr->nb_samples);
        if (got > 0) av_audio_fifo_write(w->fifo, (void **)buf, got);
        av_freep(&buf[0]);
        av_freep(&buf);
        av_frame_unref(fr);
    }
    av_frame_free(&fr);
    return aenc_drain(w, 0, err);
}

/* Moves audio packets to the output up to `until` seconds (INFINITY: all). */
static int pump_audio(fs_video_writer *w, double until, fs_err *err) {
    if (!w->afmt || w->audio_eof) return FS_OK;
    AVStream *in = w->afmt->streams[w->ain];
    AVPacket *pkt = av_packet_alloc();
    if (!pkt) return fs_errorf(err, "%s: out of memory", w->path);
    int rc = FS_OK;
    for (;;) {
        int ret = av_read_frame(w->afmt, pkt);
        if (ret < 0) {
            w->audio_eof = 1;
            break;
        }
        if (pkt->stream_index != w->ain) {
            av_packet_unref(pkt);
            continue;
        }
        int64_t t = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
        double ts = t == AV_NOPTS_VALUE ? 0 : (double)t * av_q2d(in->time_base);
        if (w->opts.audio_until > 0 && ts >= w->opts.audio_until) {
            av_packet_unref(pkt);
            w->audio_eof = 1;
            break;
        }
        if (w->adec) {
            rc = areencode_packet(w, pkt, err);
            av_packet_unref(pkt);
            if (rc) break;
        } else {
            if (pkt->dts == AV_NOPTS_VALUE) pkt->dts = pkt->pts;
            if (pkt->dts != AV_NOPTS_VALUE && w->audio_last_dts != AV_NOPTS_VALUE && pkt->dts <= w->audio_last_dts) {
                av_packet_unref(pkt); /* non-increasing timestamps would make the muxer fail */
                continue;
            }
            if (pkt->dts != AV_NOPTS_VALUE) w->audio_last_dts = pkt->dts;
            av_packet_rescale_ts(pkt, in->time_base, w->ast->time_base);
            pkt->stream_index = w->ast->index;
            pkt->pos = -1;
            rc = mux(w, pkt, err);
            av_packet_unref(pkt);
            if (rc) break;
        }
        if (ts > until) break;
    }
    av_packet_free(&pkt);
    return rc;
}

/* ---- video ---- */

static const char *default_codec(const fs_video_writer_opts *o, const char *path, int *rgb) {
    *rgb = 0;
    const char *c = o->codec;
    int h264 = !c || !strcmp(c, "h264") || !strcmp(c, "libx264") || !strcmp(c, "x264");
    if (h264) {
        if (o->crf == 0) {
            *rgb = 1;
            return "libx264rgb";
        }
        return "libx264";
    }
    if (!strcmp(c, "h265") || !strcmp(c, "hevc") || !strcmp(c, "x265")) return "libx265";
    if (!strcmp(c, "vp9")) return "libvpx-vp9";
    if (!strcmp(c, "ffv1")) return "ffv1";
    (void)path;
    return c;
}

static int open_video(fs_video_writer *w, fs_err *err) {
    char eb[AV_ERROR_MAX_STRING_SIZE];
    const AVOutputFormat *of = av_guess_format(NULL, w->path, NULL);
    if (!of) return fs_errorf(err, "%s: unknown output format (use .mp4, .mkv, .mov or a directory for PNG frames)", w->path);
    int ret = avformat_alloc_output_context2(&w->ofmt, of, NULL, w->tmp);
    if (ret < 0 || !w->ofmt) return fs_errorf(err, "%s: cannot create the output (%s)", w->path, fs__averr(ret, eb));
    int rgb = 0;
    const char *name = default_codec(&w->opts, w->path, &rgb);
    const AVCodec *codec = avcodec_find_encoder_by_name(name);
    if (!codec) {
        const AVCodecDescriptor *d = avcodec_descriptor_get_by_name(name);
        if (d) codec = avcodec_find_encoder(d->id);
    }
    if (!codec || codec->type != AVMEDIA_TYPE_VIDEO)
        return fs_errorf(err, "%s: video encoder '%s' is not available in this FFmpeg build", w->path, name);
    if (avformat_query_codec(of, codec->id, FF_COMPLIANCE_NORMAL) != 1)
        return fs_errorf(err, "%s: the %s container cannot hold %s video; choose another --codec or extension", w->path,
                         of->name, codec->name);
    w->enc = avcodec_alloc_context3(codec);
    if (!w->enc) return fs_errorf(err, "%s: out of memory", w->path);
    w->enc->width = w->src.width;
    w->enc->height = w->src.height;
    w->src_tb = (AVRational){w->src.tb_num > 0 ? w->src.tb_num : 1, w->src.tb_den > 0 ? w->src.tb_den : 25};
    w->enc->time_base = w->src_tb;
    AVRational fr = {w->src.fps_num > 0 ? w->src.fps_num : 25, w->src.fps_den > 0 ? w->src.fps_den : 1};
    w->enc->framerate = fr;
    w->enc->sample_aspect_ratio = (AVRational){1, 1};
    /* pixel format */
    enum AVPixelFormat pf = AV_PIX_FMT_NONE;
    const enum AVPixelFormat *list = codec->pix_fmts;
    int even = w->src.width % 2 == 0 && w->src.height % 2 == 0;
    if (rgb) pf = AV_PIX_FMT_RGB24;
    else if (list) {
        for (int i = 0; list[i] != AV_PIX_FMT_NONE; i++)
            if (list[i] == AV_PIX_FMT_YUV420P && even) pf = AV_PIX_FMT_YUV420P;
        if (pf == AV_PIX_FMT_NONE)
            for (int i = 0; list[i] != AV_PIX_FMT_NONE; i++)
                if (list[i] == AV_PIX_FMT_YUV444P) pf = AV_PIX_FMT_YUV444P;
        if (pf == AV_PIX_FMT_NONE) pf = list[0];
        if (!even && pf != AV_PIX_FMT_YUV420P)
            fs_warn("%s: odd frame size %dx%d: encoding %s instead of yuv420p", w->path, w->src.width, w->src.height,
                    av_get_pix_fmt_name(pf));
    } else
        pf = even ? AV_PIX_FMT_YUV420P : AV_PIX_FMT_YUV444P;
    w->enc->pix_fmt = pf;
    if (!rgb) {
        w->enc->colorspace = w->src.colorspace ? (enum AVColorSpace)w->src.colorspace : AVCOL_SPC_UNSPECIFIED;
        w->enc->color_primaries = (enum AVColorPrimaries)w->src.color_primaries;
        w->enc->color_trc = (enum AVColorTransferCharacteristic)w->src.color_trc;
        w->enc->color_range = AVCOL_RANGE_MPEG;
    }
    if (of->flags & AVFMT_GLOBALHEADER) w->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    w->enc->thread_count = 0;
    char crf[16];
    snprintf(crf, sizeof crf, "%d", w->opts.crf);
    if (!strncmp(codec->name, "libx264", 7) || !strcmp(codec->name, "libx265")) {
        if (w->opts.crf == 0 && !strncmp(codec->name, "libx264", 7)) av_opt_set(w->enc->priv_data, "qp", "0", 0);
        else av_opt_set(w->enc->priv_data, "crf", crf, 0);
        if (w->opts.preset && av_opt_set(w->enc->priv_data, "preset", w->opts.preset, 0) < 0)
            return fs_errorf(err, "%s: unknown --preset '%s' for %s", w->path, w->opts.preset, codec->name);
        if (!strcmp(codec->name, "libx265")) av_opt_set(w->enc->priv_data, "x265-params", "log-level=error", 0);
    } else if (!strncmp(codec->name, "libvpx", 6)) {
        av_opt_set(w->enc->priv_data, "crf", crf, 0);
        w->enc->bit_rate = 0;
    }
    if ((ret = avcodec_open2(w->enc, codec, NULL)) < 0)
        return fs_errorf(err, "%s: cannot open the %s encoder (%s)", w->path, codec->name, fs__averr(ret, eb));
    w->vst = avformat_new_stream(w->ofmt, NULL);
    if (!w->vst) return fs_errorf(err, "%s: out of memory", w->path);
    avcodec_parameters_from_context(w->vst->codecpar, w->enc);
    w->vst->time_base = w->enc->time_base;
    w->vst->avg_frame_rate = fr;
    w->vst->r_frame_rate = fr;
    w->frame = av_frame_alloc();
    w->pkt = av_packet_alloc();
    if (!w->frame || !w->pkt) return fs_errorf(err, "%s: out of memory", w->path);
    w->frame->format = pf;
    w->frame->width = w->src.width;
    w->frame->height = w->src.height;
    if (av_frame_get_buffer(w->frame, 0) < 0) return fs_errorf(err, "%s: out of memory", w->path);
    w->sws = sws_getContext(w->src.width, w->src.height, AV_PIX_FMT_RGB24, w->src.width, w->src.height, pf,
                            SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, NULL, NULL, NULL);
    if (!w->sws) return fs_errorf(err, "%s: cannot convert RGB to %s", w->path, av_get_pix_fmt_name(pf));
    if (!rgb) {
        int cs = SWS_CS_DEFAULT;
        if (w->src.colorspace == AVCOL_SPC_BT709) cs = SWS_CS_ITU709;
        else if (w->src.colorspace == AVCOL_SPC_BT2020_NCL || w->src.colorspace == AVCOL_SPC_BT2020_CL) cs = SWS_CS_BT2020;
        const int *coef = sws_getCoefficients(cs);
        int *inv, *tab, srcr, dstr, bri, con, sat;
        if (sws_getColorspaceDetails(w->sws, &inv, &srcr, &tab, &dstr, &bri, &con, &sat) >= 0)
            sws_setColorspaceDetails(w->sws, coef, 1, coef, 0, bri, con, sat);
    }
    if (w->opts.audio_from && audio_open_source(w, err)) return FS_ERR;
    if (!(of->flags & AVFMT_NOFILE)) {
        if ((ret = avio_open(&w->ofmt->pb, w->tmp, AVIO_FLAG_WRITE)) < 0)
            return fs_errorf(err, "%s: cannot write (%s)", w->path, fs__averr(ret, eb));
    }
    AVDictionary *mo = NULL;
    if (!strcmp(of->name, "mp4") || !strcmp(of->name, "mov")) av_dict_set(&mo, "movflags", "+faststart", 0);
    ret = avformat_write_header(w->ofmt, &mo);
    av_dict_free(&mo);
    if (ret < 0) return fs_errorf(err, "%s: cannot start the output (%s)", w->path, fs__averr(ret, eb));
    return FS_OK;
}

static void free_writer(fs_video_writer *w) {
    if (!w) return;
    sws_freeContext(w->sws);
    av_frame_free(&w->frame);
    av_packet_free(&w->pkt);
    avcodec_free_context(&w->enc);
    avcodec_free_context(&w->adec);
    avcodec_free_context(&w->aenc);
    swr_free(&w->swr);
    if (w->fifo) av_audio_fifo_free(w->fifo);
    av_frame_free(&w->aframe);
    if (w->ofmt) {
        if (w->ofmt->pb) avio_closep(&w->ofmt->pb);
        avformat_free_context(w->ofmt);
    }
    avformat_close_input(&w->afmt);
    free(w);
}

void fs_video_writer_abort(fs_video_writer *w) {
    if (!w) return;
    if (w->png_single) {
        if (w->nframes) unlink(w->path);
    } else if (w->png_dir) remove_tree_flat(w->tmp);
    else {
        if (w->ofmt && w->ofmt->pb) avio_closep(&w->ofmt->pb);
        unlink(w->tmp);
    }
    free_writer(w);
}

int fs_video_writer_open(const char *path, const fs_video_info *src, const fs_video_writer_opts *o,
                         fs_video_writer **out, fs_err *err) {
    fs__video_log_init();
    if (src->width <= 0 || src->height <= 0) return fs_errorf(err, "%s: invalid frame size", path);
    fs_video_writer *w = calloc(1, sizeof *w);
    if (!w) return fs_errorf(err, "%s: out of memory", path);
    if (fs_path_fmt(w->path, sizeof w->path, err, "%s", path)) {
        free(w);
        return FS_ERR;
    }
    size_t n = strlen(w->path);
    while (n > 1 && w->path[n - 1] == '/') w->path[--n] = 0;
    if (fs_path_fmt(w->tmp, sizeof w->tmp, err, "%s.tmp.%ld", w->path, (long)getpid())) {
        free(w);
        return FS_ERR;
    }
    w->src = *src;
    if (o) w->opts = *o;
    else fs_video_writer_opts_default(&w->opts);
    if (w->opts.crf < 0 || w->opts.crf > 63) {
        free(w);
        return fs_errorf(err, "--crf %d out of range (0..51)", o->crf);
    }
    w->last_pts = INT64_MIN;
    w->audio_last_dts = AV_NOPTS_VALUE;
    w->png_dir = w->opts.png_dir || is_dir_path(path);
    char ext[16];
    fs_path_ext(w->path, ext, sizeof ext);
    if (!w->png_dir && !strcmp(ext, "png")) {
        w->png_single = 1;
        *out = w;
        return FS_OK;
    }
    if (w->png_dir) {
        struct stat st;
        if (stat(w->path, &st) == 0 && (!S_ISDIR(st.st_mode) || !dir_is_empty(w->path))) {
            int rc = fs_errorf(err, "%s: output directory exists and is not empty; remove it or choose another", w->path);
            free(w);
            return rc;
        }
        if (mkdir(w->tmp, 0777) != 0) {
            int rc = fs_errorf(err, "%s: cannot create (%s)", w->path, strerror(errno));
            free(w);
            return rc;
        }
        if (w->opts.audio_from) {
            fs_video_info ai;
            memset(&ai, 0, sizeof ai);
            fs_err e2;
            if (fs_video_probe(w->opts.audio_from, &ai, &e2) == FS_OK && ai.has_audio)
                fs_warn("%s: a PNG sequence has no audio track; the audio is not written", w->path);
        }
        *out = w;
        return FS_OK;
    }
    if (open_video(w, err)) {
        fs_video_writer_abort(w);
        return FS_ERR;
    }
    *out = w;
    return FS_OK;
}

int fs_video_writer_check(const char *path, const fs_video_writer_opts *o, fs_err *err) {
    fs_video_writer_opts def;
    if (!o) {
        fs_video_writer_opts_default(&def);
        o = &def;
    }
    char p[FS_PATH_MAX], dir[FS_PATH_MAX];
    size_t n = strlen(path);
    if (n == 0) return fs_errorf(err, "output path empty");
    if (fs_path_fmt(p, sizeof p, err, "%s", path)) return FS_ERR;
    while (n > 1 && p[n - 1] == '/') p[--n] = 0;
    int png_dir = o->png_dir || is_dir_path(path);
    char ext[16];
    fs_path_ext(p, ext, sizeof ext);
    if (png_dir) {
        struct stat st;
        if (stat(p, &st) == 0 && (!S_ISDIR(st.st_mode) || !dir_is_empty(p)))
            return fs_errorf(err, "%s: output directory exists and is not empty; remove it or choose another", p);
    } else if (strcmp(ext, "png") != 0) {
        if (!av_guess_format(NULL, p, NULL))
            return fs_errorf(err, "%s: unknown output format (use .mp4, .mkv, .mov or a directory for PNG frames)", p);
        int rgb = 0;
        const char *name = default_codec(o, p, &rgb);
        if (!avcodec_find_encoder_by_name(name))
            return fs_errorf(err, "%s: no encoder '%s' in this FFmpeg (try --codec h264)", p, name);
    }
    /* the output is written next to its final name and renamed: its directory must be writable */
    const char *slash = strrchr(p, '/');
    if (!slash) fs_path_fmt(dir, sizeof dir, NULL, ".");
    else if (slash == p) fs_path_fmt(dir, sizeof dir, NULL, "/");
    else fs_path_fmt(dir, sizeof dir, NULL, "%.*s", (int)(slash - p), p); /* shorter than p: fits */
    if (access(dir, W_OK) != 0) return fs_errorf(err, "%s: cannot write in %s (%s)", p, dir, strerror(errno));
    /* access() says yes to root where nothing can be created (/proc): create a file there now, so that an
     * unwritable output fails before hours of work instead of after */
    char probe[FS_PATH_MAX];
    if (fs_path_join(probe, sizeof probe, dir, ".facestitch-probe-XXXXXX", err)) return FS_ERR;
    int fd = mkstemp(probe);
    if (fd < 0) return fs_errorf(err, "%s: cannot write in %s (%s)", p, dir, strerror(errno));
    close(fd);
    unlink(probe);
    return FS_OK;
}

static int drain_video(fs_video_writer *w, fs_err *err) {
    char eb[AV_ERROR_MAX_STRING_SIZE];
    for (;;) {
        int ret = avcodec_receive_packet(w->enc, w->pkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return FS_OK;
        if (ret < 0) return fs_errorf(err, "%s: encoding failed (%s)", w->path, fs__averr(ret, eb));
        if (w->pkt->duration <= 0) w->pkt->duration = av_rescale_q(1, av_inv_q(w->enc->framerate), w->enc->time_base);
        av_packet_rescale_ts(w->pkt, w->enc->time_base, w->vst->time_base);
        w->pkt->stream_index = w->vst->index;
        if (mux(w, w->pkt, err)) return FS_ERR;
    }
}

int fs_video_write(fs_video_writer *w, const fs_image *im, int64_t pts, fs_err *err) {
    char eb[AV_ERROR_MAX_STRING_SIZE];
    if (im->w != w->src.width || im->h != w->src.height)
        return fs_errorf(err, "%s: frame is %dx%d, the video is %dx%d", w->path, im->w, im->h, w->src.width, w->src.height);
    if (w->last_pts != INT64_MIN && pts <= w->last_pts) pts = w->last_pts + 1;
    w->last_pts = pts;
    if (w->png_single) {
        if (w->nframes > 0)
            return fs_errorf(err, "%s: a .png output holds one frame; give a directory for a PNG sequence", w->path);
        if (fs_image_save_png(im, w->path, err)) return FS_ERR; /* atomic by itself */
        w->nframes++;
        return FS_OK;
    }
    if (w->png_dir) {
        char p[FS_PATH_MAX];
        if (fs_path_fmt(p, sizeof p, err, "%s/frame_%06lld.png", w->tmp, (long long)w->nframes)) return FS_ERR;
        if (fs_image_save_png_level(im, p, 1, err)) return FS_ERR;
        w->nframes++;
        return FS_OK;
    }
    if (av_frame_make_writable(w->frame) < 0) return fs_errorf(err, "%s: out of memory", w->path);
    const uint8_t *src[4] = {im->rgb, NULL, NULL, NULL};
    int ss[4] = {im->stride, 0, 0, 0};
    if (w->enc->pix_fmt == AV_PIX_FMT_RGB24) {
        for (int y = 0; y < im->h; y++)
            memcpy(w->frame->data[0] + (size_t)y * w->frame->linesize[0], fs_image_px(im, 0, y), (size_t)im->w * 3);
    } else {
        sws_scale(w->sws, src, ss, 0, im->h, w->frame->data, w->frame->linesize);
    }
    w->frame->pts = pts;
    double t = (double)pts * av_q2d(w->src_tb);
    if (pump_audio(w, t + 0.5, err)) return FS_ERR;
    int ret = avcodec_send_frame(w->enc, w->frame);
    if (ret < 0) return fs_errorf(err, "%s: encoding failed (%s)", w->path, fs__averr(ret, eb));
    w->nframes++;
    return drain_video(w, err);
}

int fs_video_writer_close(fs_video_writer *w, fs_err *err) {
    if (w->png_single) {
        int rc = w->nframes == 1 ? FS_OK : fs_errorf(err, "%s: no frame was written", w->path);
        free_writer(w);
        return rc;
    }
    if (w->png_dir) {
        struct stat st;
        if (stat(w->path, &st) == 0 && S_ISDIR(st.st_mode)) rmdir(w->path); /* empty (checked at open) */
        if (rename(w->tmp, w->path) != 0) {
            int rc = fs_errorf(err, "%s: cannot rename into place (%s)", w->path, strerror(errno));
            fs_video_writer_abort(w);
            return rc;
        }
        free_writer(w);
        return FS_OK;
    }
    int rc = FS_OK;
    if (avcodec_send_frame(w->enc, NULL) < 0) rc = fs_errorf(err, "%s: encoder flush failed", w->path);
    if (!rc) rc = drain_video(w, err);
    if (!rc) rc = pump_audio(w, INFINITY, err);
    if (!rc && w->adec) rc = aenc_drain(w, 1, err);
    if (!rc) {
        int ret = av_write_trailer(w->ofmt);
        if (ret < 0) {
            char eb[AV_ERROR_MAX_STRING_SIZE];
            rc = fs_errorf(err, "%s: cannot finish the file (%s)", w->path, fs__averr(ret, eb));
        }
    }
    if (!rc && w->ofmt->pb) {
        avio_flush(w->ofmt->pb);
        if (w->ofmt->pb->error < 0) rc = fs_errorf(err, "%s: write error (disk full?)", w->path);
        avio_closep(&w->ofmt->pb);
    }
    if (!rc && rename(w->tmp, w->path) != 0) rc = fs_errorf(err, "%s: cannot rename into place (%s)", w->path, strerror(errno));
    if (rc) {
        fs_video_writer_abort(w);
        return FS_ERR;
    }
    free_writer(w);
    return FS_OK;
}
