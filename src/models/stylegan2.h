/* stylegan2.h — the StyleGAN2 generator ('skip' architecture): forward and backward in plain C.
 *
 * Computes what NVIDIA stylegan2-ada-pytorch `training/networks.py` (Generator, force_fp32) and
 * rosinality's `model.py` compute, for any resolution / channel table / mapping depth found in the
 * weights. Usage:
 *
 *   fs_sg2 *g = NULL;
 *   if (fs_sg2_load("ffhq.safetensors", &g, &err)) ...;      // or .pkl/.pt via fs_weights_load_canonical
 *   fs_sg2_acts *a = NULL;
 *   fs_sg2_acts_create(&a, g, N, &err);                       // activation arena for batch N, reused
 *   fs_sg2_mapping_forward(g, ws, z, N, 0.7f, 0, &err);      // ws (N, num_ws, w_dim), psi 0.7, no cutoff
 *   fs_sg2_opts o = fs_sg2_opts_default();                    // noise const
 *   fs_sg2_synthesis_forward(g, a, ws, &o);                   // image in a->img (N, 3, R, R)
 *   fs_sg2_grads *gr = NULL; fs_sg2_grads_create(&gr, g, &err);
 *   fs_sg2_synthesis_backward(g, a, dimg, dws, gr, NULL);    // dws (=), gr (+=)
 *   // gr->p.layer[l].weight etc. mirror g->p; fs_sg2_grads_to_map() names them canonically.
 *
 * Memory: the parameters live in one allocation (g->data, cfg.tensors gives name/shape/offset of each);
 * fs_sg2_acts holds what one forward saves for its backward (one conv output per layer, styles, demod
 * coefficients, noise) plus shared work buffers; create it once per batch size and reuse it.
 * Threads: core/threads.h; results are deterministic for a given thread count.
 * Device (tensor/device.h, docs/gpu.md): the parameters (g->data), the gradients, the activation arena and every
 * float pointer the synthesis functions take or fill (ws, dimg, dws, styles, a->img, ...) are DEVICE memory of the
 * selected backend; the caller uploads inputs and downloads results (on "cpu" that is the same memory). The
 * mapping network and the noise maps of FS_SG2_NOISE_INJECT are host-side edges (host z, ws, maps).
 *
 * Conventions (docs/canonical-names.md): parameters are stored exactly as in the official files,
 * the equalised-learning-rate gains are applied at run time; `layout` picks NVIDIA's or rosinality's
 * placement of the modulated-conv gain (rosinality scales the 3x3 weight by 1/sqrt(Cin*k*k) before the
 * demodulation eps; NVIDIA uses the raw weight). ToRGB styles get 1/sqrt(Cin) in both.
 * S space: the per-layer styles are the affine outputs (before ToRGB's 1/sqrt(Cin)), like STIT's
 * `style_input` and the fixtures' `styles.*` tensors.
 *
 * The modulated convolution runs the "non-fused" way (exact math): scale the input channels by the
 * styles, one ordinary convolution with the shared weight over the whole batch, scale the outputs by
 * the demodulation coefficients. The up-sampling conv is a stride-2 transposed conv followed by the
 * [1,3,3,1] FIR (gain 4, pad 1/1); the skip images are upsampled by zero insertion + FIR (pad 2/1).
 */
#ifndef FS_MODELS_STYLEGAN2_H
#define FS_MODELS_STYLEGAN2_H

#include <stdint.h>

#include "core/err.h"
#include "weights/tensormap.h"

#define FS_SG2_MAX_BLOCKS 12   /* 4x4 .. 8192x8192 */
#define FS_SG2_MAX_LAYERS (3 * FS_SG2_MAX_BLOCKS)
#define FS_SG2_MAX_MAPPING 32
#define FS_SG2_MAX_TENSORS (2 * FS_SG2_MAX_MAPPING + 2 + 6 * FS_SG2_MAX_LAYERS)

typedef enum { FS_SG2_LAYOUT_NVIDIA = 0, FS_SG2_LAYOUT_ROSINALITY = 1 } fs_sg2_layout;
typedef enum { FS_SG2_CONV = 0, FS_SG2_CONV_UP = 1, FS_SG2_TORGB = 2 } fs_sg2_layer_kind;
typedef enum {
    FS_SG2_NOISE_CONST = 0,  /* the checkpoint's noise_const buffers (STIT everywhere) */
    FS_SG2_NOISE_RANDOM = 1, /* N(0,1) maps (N,1,res,res): image n draws its maps layer by layer from
                                fs_rng(noise_seed + n) */
    FS_SG2_NOISE_NONE = 2,   /* no noise at all */
    FS_SG2_NOISE_INJECT = 3  /* caller-given maps, opts.noise[layer]: (N, res, res) or (1, res, res) */
} fs_sg2_noise;

typedef struct fs_sg2_layer_info {
    fs_sg2_layer_kind kind;
    int block;          /* 0 = the 4x4 block */
    int res;            /* output resolution */
    int C_in, C_out, K; /* weight (C_out, C_in, K, K) */
    int w_index;        /* the ws row this layer's affine reads */
    char name[40];      /* canonical prefix, e.g. "synthesis.b8.conv0" */
} fs_sg2_layer_info;

/* One tensor of the model: canonical name, shape, offset in the parameter allocation. */
typedef struct fs_sg2_tensor_info {
    char name[64];
    int ndim;
    int64_t shape[4];
    long offset, numel;
    int is_buffer; /* noise_const, w_avg: constants, never get a gradient */
} fs_sg2_tensor_info;

typedef struct fs_sg2_config {
    fs_sg2_layout layout;
    int resolution, img_channels, z_dim, w_dim, num_ws;
    int mapping_layers;
    int mapping_dims[FS_SG2_MAX_MAPPING + 1]; /* fc{i}: mapping_dims[i] -> mapping_dims[i+1] */
    float lr_multiplier;                      /* mapping FC gain, 0.01 */
    float conv_clamp;                         /* < 0: none */
    int n_blocks;
    int block_res[FS_SG2_MAX_BLOCKS], block_channels[FS_SG2_MAX_BLOCKS];
    int n_layers; /* forward order: b4.conv1, b4.torgb, b8.conv0, b8.conv1, b8.torgb, ... */
    fs_sg2_layer_info layers[FS_SG2_MAX_LAYERS];
    int n_tensors;
    fs_sg2_tensor_info tensors[FS_SG2_MAX_TENSORS];
    long n_floats; /* size of the parameter allocation */
} fs_sg2_config;

typedef struct fs_sg2_layer_params {
    float *weight;         /* (C_out, C_in, K, K) */
    float *bias;           /* (C_out) */
    float *affine_w;       /* (C_in, w_dim) */
    float *affine_b;       /* (C_in) */
    float *noise_strength; /* (1), NULL for torgb */
    float *noise_const;    /* (res, res) buffer, NULL for torgb */
} fs_sg2_layer_params;

/* Named pointers into one allocation. Grads use the same struct and layout. */
typedef struct fs_sg2_params {
    float *map_w[FS_SG2_MAX_MAPPING]; /* (dims[i+1], dims[i]) */
    float *map_b[FS_SG2_MAX_MAPPING]; /* (dims[i+1]) */
    float *w_avg;                     /* (w_dim) buffer */
    float *const_input;               /* (C0, 4, 4) */
    fs_sg2_layer_params layer[FS_SG2_MAX_LAYERS];
} fs_sg2_params;

typedef struct fs_sg2 {
    fs_sg2_config cfg;
    fs_sg2_params p;
    float *data; /* cfg.n_floats */
} fs_sg2;

typedef struct fs_sg2_grads {
    fs_sg2_params p;
    float *data; /* same layout as fs_sg2.data; buffers stay 0 */
    long n_floats;
} fs_sg2_grads;

/* ---- building and loading ---- */

/* Describes a generator; channels[b] for block b (res 4*2^b), n_blocks = log2(res)-1. Fills the
 * layer and tensor tables. */
int fs_sg2_config_init(fs_sg2_config *c, fs_sg2_layout layout, int resolution, int img_channels, int z_dim,
                       int w_dim, int mapping_layers, const int *channels, fs_err *err);
/* Allocates a generator with zeroed parameters. */
int fs_sg2_create(fs_sg2 **out, const fs_sg2_config *c, fs_err *err);
/* Random weights the way the official constructors initialise them (N(0,1) weights, const, noise;
 * affine bias 1; other biases 0; noise_strength 0) plus the perturbations of `jitter` > 0
 * (biases, noise strengths), from the deterministic fs_rng. */
void fs_sg2_init_random(fs_sg2 *g, uint32_t seed, float jitter);
void fs_sg2_destroy(fs_sg2 *g);

/* From a tensor map with canonical names (metadata layout/conv_clamp/lr_multiplier honoured), NVIDIA
 * state_dict names, or rosinality names (prefix "g_ema." / "g_ema/" / "decoder." or none).
 * Architecture comes from the tensor shapes, checked against metadata when present. */
int fs_sg2_from_map(fs_sg2 **out, const fs_tensor_map *m, fs_err *err);
/* fs_weights_load_canonical(path, "stylegan2") + fs_sg2_from_map; errors name the file. */
int fs_sg2_load(const char *path, fs_sg2 **out, fs_err *err);
/* Canonical tensor map (copies) of the parameters and buffers, with facestitch metadata. */
int fs_sg2_to_map(const fs_sg2 *g, fs_tensor_map **out, fs_err *err);
/* Canonical tensor map of gradients (parameters only, no buffers), names prefixed by `prefix`. */
int fs_sg2_grads_to_map(const fs_sg2 *g, const fs_sg2_grads *gr, const char *prefix, fs_tensor_map *m,
                        fs_err *err);
/* Index of a canonical tensor name in cfg.tensors, -1 when absent. */
int fs_sg2_find_tensor(const fs_sg2_config *c, const char *name);

/* Optimiser view (nn/param.h): fills out[] (capacity max) with every trainable tensor (buffers excluded;
 * mapping tensors only when with_mapping), data in g, grad in gr (may be NULL), name = canonical name,
 * group 0. Returns the count (which may exceed max: call with max 0 to size the array). */
struct fs_param;
int fs_sg2_param_list(const fs_sg2 *g, const fs_sg2_grads *gr, int with_mapping, struct fs_param *out, int max);

int fs_sg2_grads_create(fs_sg2_grads **out, const fs_sg2 *g, fs_err *err);
void fs_sg2_grads_zero(fs_sg2_grads *gr);
void fs_sg2_grads_destroy(fs_sg2_grads *gr);

/* ---- mapping network ---- */

/* ws (N, num_ws, w_dim) = broadcast(mapping(z)); z (N, z_dim). Truncation w_avg + psi (w - w_avg) on rows
 * [0, cutoff) (cutoff <= 0: all rows); psi == 1 leaves ws untouched. Work memory is malloc'ed;
 * returns FS_ERR only when out of memory. */
int fs_sg2_mapping_forward(const fs_sg2 *g, float *ws, const float *z, int N, float psi, int cutoff, fs_err *err);
/* dz (=, may be NULL) and mapping parameter grads (+=, gr may be NULL) from dws (N, num_ws, w_dim). */
int fs_sg2_mapping_backward(const fs_sg2 *g, float *dz, fs_sg2_grads *gr, const float *dws, const float *z, int N,
                            float psi, int cutoff, fs_err *err);
/* In-place truncation of ws (N, num_ws, w_dim) rows [0, cutoff). */
void fs_sg2_truncate(const fs_sg2 *g, float *ws, int N, float psi, int cutoff);

/* ---- synthesis network ---- */

typedef struct fs_sg2_opts {
    fs_sg2_noise noise;
    uint64_t noise_seed;            /* FS_SG2_NOISE_RANDOM */
    const float *const *noise_maps; /* FS_SG2_NOISE_INJECT: per layer index, NULL for torgb layers */
    int noise_maps_per_sample;      /* 1: maps are (N, res, res); 0: (res, res) shared */
} fs_sg2_opts;
fs_sg2_opts fs_sg2_opts_default(void);

/* Activation arena: everything forward saves for backward, planned once for (generator, N). */
typedef struct fs_sg2_acts {
    int N;
    int from_styles;            /* last forward took styles (no affine ran) */
    float *img;                 /* (N, img_channels, R, R): the output (== block_img[last]) */
    float *styles[FS_SG2_MAX_LAYERS]; /* (N, C_in): affine outputs (S space) */
    float *demod[FS_SG2_MAX_LAYERS];  /* (N, C_out), conv layers */
    float *y[FS_SG2_MAX_LAYERS];      /* (N, C_out, res, res): conv output before demod/noise/bias */
    float *block_img[FS_SG2_MAX_BLOCKS]; /* (N, img_channels, res, res) running skip image */
    float *noise[FS_SG2_MAX_LAYERS];  /* per-layer noise used by the last forward (NULL: none) */
    int noise_stride[FS_SG2_MAX_LAYERS]; /* elements between samples (0: one shared map) */
    float *noise_buf[FS_SG2_MAX_LAYERS]; /* (N, res, res) storage for random / injected noise */
    float *ws;                  /* (N, num_ws, w_dim) copy of the last forward's ws */
    float *ws_rows, *dws_rows;  /* (N, w_dim) scratch */
    float *ds;                  /* (N, max C) scratch */
    float *dimg[3];             /* (N, img_channels, R, R) scratch */
    float *small;               /* (3 N maxC) scratch */
    float *scratch[6];          /* shared work buffers (see stylegan2_forward.c) */
    long scratch_n[6];
    double *dsum;               /* (4 N maxC) per-plane sums (device scratch) */
    long dsum_stride;           /* N maxC */
    float *arena;               /* device memory (tensor/device.h): every pointer above points into it */
    long arena_floats;
} fs_sg2_acts;

int fs_sg2_acts_create(fs_sg2_acts **out, const fs_sg2 *g, int N, fs_err *err);
void fs_sg2_acts_destroy(fs_sg2_acts *a);
/* Bytes held by the arena (for memory reports). */
long fs_sg2_acts_bytes(const fs_sg2_acts *a);

/* Forward from W+ ws (N, num_ws, w_dim). Output in a->img. */
void fs_sg2_synthesis_forward(const fs_sg2 *g, fs_sg2_acts *a, const float *ws, const fs_sg2_opts *o);
/* Forward from per-layer styles: styles[l] (N, C_in of layer l), S space. */
void fs_sg2_synthesis_forward_styles(const fs_sg2 *g, fs_sg2_acts *a, const float *const *styles,
                                     const fs_sg2_opts *o);
/* Backward of the last forward. dimg (N, img_channels, R, R) = dL/dimg.
 * dws (N, num_ws, w_dim): assigned, NULL = not needed (ignored after a styles forward).
 * gr: every synthesis parameter gradient accumulated (+=), NULL = not needed (affine grads only after a
 * ws forward). dstyles[l] (N, C_in): assigned, NULL array or NULL entry = not needed. */
void fs_sg2_synthesis_backward(const fs_sg2 *g, fs_sg2_acts *a, const float *dimg, float *dws, fs_sg2_grads *gr,
                               float *const *dstyles);
/* Reference forward the way NVIDIA's eval mode computes it (fused modulated conv: per-sample modulated and
 * demodulated weights, one grouped convolution over the batch). Same result as fs_sg2_synthesis_forward up
 * to float rounding; slower; FORWARD ONLY (no backward may follow it). For tests. It allocates per-sample weights:
 * FS_ERR "out of memory: ..." in err when it cannot. */
int fs_sg2_synthesis_forward_fused_ref(const fs_sg2 *g, fs_sg2_acts *a, const float *ws, const fs_sg2_opts *o,
                                       fs_err *err);
/* Output feature map (N, C_out, res, res) of conv layer l in the last forward (recomputed). */
void fs_sg2_layer_output(const fs_sg2 *g, const fs_sg2_acts *a, int l, float *out);

/* Multiply-add count of one forward pass for one image (convolutions + affine), x2 = FLOPs. */
double fs_sg2_forward_flops(const fs_sg2 *g);

#endif
