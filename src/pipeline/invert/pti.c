#include "pipeline/invert/pti.h"

#include "pipeline/params.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/path.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/rng.h"
#include "dist/dist.h"
#include "nn/adam.h"
#include "pipeline/invert/gen_params.h"
#include "pipeline/invert/pti_dist.h"
#include "weights/safetensors.h"

void fs_pti_opts_default(fs_pti_opts *o) {
    memset(o, 0, sizeof *o);
    fs_params d;
    fs_params_default(&d);
    fs_params_to_pti(&d, o);
    o->lpips_lambda = 1.0f;
    o->checkpoint_seconds = 180;
}

/* Work buffers for one mini-batch. */
typedef struct pti_work {
    int B, C, R;
    long img_n;         /* C*R*R */
    fs_sg2_acts *acts;
    float *ws;          /* (B, num_ws, w_dim) */
    float *crops;       /* (B, C, R, R) */
    float *dimg;        /* (B, C, R, R) */
    float *dist;        /* (B) */
} pti_work;

static void work_free(pti_work *w) {
    fs_sg2_acts_destroy(w->acts);
    free(w->ws);
    free(w->crops);
    free(w->dimg);
    free(w->dist);
    memset(w, 0, sizeof *w);
}

static int work_init(pti_work *w, const fs_sg2 *g, int B, fs_err *err) {
    memset(w, 0, sizeof *w);
    w->B = B;
    w->C = g->cfg.img_channels;
    w->R = g->cfg.resolution;
    w->img_n = (long)w->C * w->R * w->R;
    size_t wsn = (size_t)B * g->cfg.num_ws * g->cfg.w_dim;
    if (fs_sg2_acts_create(&w->acts, g, B, err)) return FS_ERR;
    w->ws = malloc(wsn * sizeof(float));
    w->crops = malloc((size_t)B * w->img_n * sizeof(float));
    w->dimg = malloc((size_t)B * w->img_n * sizeof(float));
    w->dist = malloc((size_t)B * sizeof(float));
    if (!w->ws || !w->crops || !w->dimg || !w->dist) {
        work_free(w);
        return fs_errorf(err, "PTI: out of memory");
    }
    return FS_OK;
}

/* Loads frames [first, first+b) into the work buffers. */
static int load_batch(pti_work *w, const fs_sg2 *g, const float *pivots, int first, int b, fs_crop_fn get_crop,
                      void *user, fs_err *err) {
    size_t row = (size_t)g->cfg.num_ws * g->cfg.w_dim;
    memcpy(w->ws, pivots + (size_t)first * row, (size_t)b * row * sizeof(float));
    for (int i = 0; i < b; i++)
        if (get_crop(user, first + i, w->crops + (size_t)i * w->img_n, err)) return FS_ERR;
    return FS_OK;
}

/* Forward + loss for b frames; with want_grad, dimg = dL/dimg where L = sum over the b frames / norm
 * (norm = the batch size; a rank's share of a batch divides by the whole batch's size). */
static int batch_loss(const fs_sg2 *g, pti_work *w, int b, int norm, const fs_lpips *lp, const fs_pti_opts *o,
                      int want_grad, double *loss_sum, fs_err *err) {
    fs_sg2_opts so = fs_sg2_opts_default();
    /* the arena is planned for B; a shorter last batch pads with copies of its first frame
       whose gradient is dropped */
    for (int i = b; i < w->B; i++) {
        size_t row = (size_t)g->cfg.num_ws * g->cfg.w_dim;
        memcpy(w->ws + i * row, w->ws, row * sizeof(float));
        memcpy(w->crops + i * w->img_n, w->crops, (size_t)w->img_n * sizeof(float));
    }
    fs_sg2_synthesis_forward(g, w->acts, w->ws, &so);
    const float *img = w->acts->img;
    double total = 0;
    float lp_scale = lp ? o->lpips_lambda / (float)norm : 0.0f;
    if (lp && o->lpips_lambda != 0.0f) {
        if (fs_lpips_distance(lp, img, w->crops, w->B, w->R, w->R, w->dist, NULL, want_grad ? w->dimg : NULL, lp_scale,
                              err))
            return FS_ERR;
        for (int i = 0; i < b; i++) total += o->lpips_lambda * (double)w->dist[i];
    } else if (want_grad) {
        memset(w->dimg, 0, (size_t)w->B * w->img_n * sizeof(float));
    }
    double k = 2.0 * o->l2_lambda / ((double)w->img_n * norm);
    for (int i = 0; i < w->B; i++) {
        const float *x = img + (size_t)i * w->img_n, *y = w->crops + (size_t)i * w->img_n;
        float *d = w->dimg + (size_t)i * w->img_n;
        if (i >= b) {
            if (want_grad) memset(d, 0, (size_t)w->img_n * sizeof(float));
            continue;
        }
        double s = 0;
        for (long j = 0; j < w->img_n; j++) {
            double e = (double)x[j] - y[j];
            s += e * e;
            if (want_grad) d[j] += (float)(k * e);
        }
        total += o->l2_lambda * s / (double)w->img_n;
    }
    *loss_sum = total;
    return FS_OK;
}

/* ---- locality regulariser (STIT §2.4, optional) ---- */

typedef struct locality_work {
    fs_sg2 *orig;            /* frozen copy of the untuned generator */
    fs_sg2_acts *acts_o, *acts; /* batch 1 */
    float *z, *wz, *wr, *target, *dimg;
} locality_work;

static void locality_free(locality_work *l) {
    fs_sg2_destroy(l->orig);
    fs_sg2_acts_destroy(l->acts_o);
    fs_sg2_acts_destroy(l->acts);
    free(l->z), free(l->wz), free(l->wr), free(l->target), free(l->dimg);
    memset(l, 0, sizeof *l);
}

static int locality_init(locality_work *l, const fs_sg2 *g, fs_err *err) {
    memset(l, 0, sizeof *l);
    const fs_sg2_config *c = &g->cfg;
    size_t row = (size_t)c->num_ws * c->w_dim, img = (size_t)c->img_channels * c->resolution * c->resolution;
    if (fs_sg2_create(&l->orig, c, err)) return FS_ERR;
    memcpy(l->orig->data, g->data, sizeof(float) * (size_t)c->n_floats);
    if (fs_sg2_acts_create(&l->acts_o, g, 1, err) || fs_sg2_acts_create(&l->acts, g, 1, err)) {
        locality_free(l);
        return FS_ERR;
    }
    l->z = malloc(sizeof(float) * (size_t)c->z_dim);
    l->wz = malloc(sizeof(float) * row);
    l->wr = malloc(sizeof(float) * row);
    l->target = malloc(sizeof(float) * img);
    l->dimg = malloc(sizeof(float) * img);
    if (!l->z || !l->wz || !l->wr || !l->target || !l->dimg) {
        locality_free(l);
        return fs_errorf(err, "PTI: out of memory");
    }
    return FS_OK;
}

/* Adds the regulariser's gradient for update u around pivot wp (num_ws, w_dim) into gr;
 * returns its loss in *loss. */
static int locality_step(locality_work *l, fs_sg2 *g, fs_sg2_grads *gr, const fs_lpips *lp, const float *wp, long u,
                         uint32_t seed, double *loss, fs_err *err) {
    const fs_sg2_config *c = &g->cfg;
    size_t row = (size_t)c->num_ws * c->w_dim;
    long img_n = (long)c->img_channels * c->resolution * c->resolution;
    fs_rng r;
    fs_rng_seed(&r, seed + (uint32_t)u);
    fs_rng_normal_f32(&r, l->z, c->z_dim);
    if (fs_sg2_mapping_forward(l->orig, l->wz, l->z, 1, 0.5f, 0, err)) return FS_ERR;
    double nrm = 0;
    for (size_t i = 0; i < row; i++) nrm += ((double)l->wz[i] - wp[i]) * ((double)l->wz[i] - wp[i]);
    nrm = sqrt(nrm);
    for (size_t i = 0; i < row; i++) l->wr[i] = (float)(wp[i] + (nrm > 0 ? 30.0 * (l->wz[i] - wp[i]) / nrm : 0.0));
    fs_sg2_opts so = fs_sg2_opts_default();
    so.noise = FS_SG2_NOISE_NONE;
    fs_sg2_synthesis_forward(l->orig, l->acts_o, l->wr, &so);
    memcpy(l->target, l->acts_o->img, sizeof(float) * (size_t)img_n);
    fs_sg2_synthesis_forward(g, l->acts, l->wr, &so);
    float dist = 0;
    double total = 0;
    if (lp) {
        if (fs_lpips_distance(lp, l->acts->img, l->target, 1, c->resolution, c->resolution, &dist, NULL, l->dimg, 0.1f,
                              err))
            return FS_ERR;
        total += 0.1 * dist;
    } else {
        memset(l->dimg, 0, sizeof(float) * (size_t)img_n);
    }
    double s = 0, k = 2.0 * 0.1 / (double)img_n;
    for (long i = 0; i < img_n; i++) {
        double e = (double)l->acts->img[i] - l->target[i];
        s += e * e;
        l->dimg[i] += (float)(k * e);
    }
    total += 0.1 * s / (double)img_n;
    fs_sg2_synthesis_backward(g, l->acts, l->dimg, NULL, gr, NULL);
    *loss = total;
    return FS_OK;
}

/* ---- checkpoints: DIR/state.json names gen-U.safetensors and adam-U.state ---- */

static int save_checkpoint(const char *dir, const fs_sg2 *g, const fs_adam *adam, long updates, int n, int batch,
                           const double sums[4], long prev_updates, fs_err *err) {
    char gp[FS_PATH_MAX], ap[FS_PATH_MAX], sp[FS_PATH_MAX];
    if (fs_mkdirs(dir, err)) return FS_ERR;
    snprintf(gp, sizeof gp, "%s/gen-%ld.safetensors", dir, updates);
    snprintf(ap, sizeof ap, "%s/adam-%ld.state", dir, updates);
    snprintf(sp, sizeof sp, "%s/state.json", dir);
    if (fs_gen_params_save(g, gp, err)) return FS_ERR;
    if (fs_adam_save(adam, ap, err)) return FS_ERR;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "version", 1);
    cJSON_AddNumberToObject(j, "updates", (double)updates);
    cJSON_AddNumberToObject(j, "frames", n);
    cJSON_AddNumberToObject(j, "batch", batch);
    cJSON *a = cJSON_AddArrayToObject(j, "loss_sums");
    for (int i = 0; i < 4; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber(sums[i]));
    char *txt = cJSON_Print(j);
    cJSON_Delete(j);
    int rc = fs_write_file_atomic(sp, txt, strlen(txt), err);
    free(txt);
    if (rc) return FS_ERR;
    if (prev_updates >= 0 && prev_updates != updates) {
        snprintf(gp, sizeof gp, "%s/gen-%ld.safetensors", dir, prev_updates);
        snprintf(ap, sizeof ap, "%s/adam-%ld.state", dir, prev_updates);
        unlink(gp);
        unlink(ap);
    }
    return FS_OK;
}

/* Returns 1 and fills state when a checkpoint exists, 0 when none, -1 on error. */
static int load_checkpoint(const char *dir, fs_sg2 *g, fs_adam *adam, int n, int batch, long *updates, double sums[4],
                           fs_err *err) {
    char sp[FS_PATH_MAX], gp[FS_PATH_MAX], ap[FS_PATH_MAX];
    snprintf(sp, sizeof sp, "%s/state.json", dir);
    if (!fs_file_exists(sp)) return 0;
    unsigned char *txt = NULL;
    size_t len = 0;
    if (fs_read_file(sp, &txt, &len, err)) return -1;
    cJSON *j = cJSON_ParseWithLength((const char *)txt, len);
    free(txt);
    const cJSON *u = cJSON_GetObjectItem(j, "updates"), *fr = cJSON_GetObjectItem(j, "frames"),
                *bt = cJSON_GetObjectItem(j, "batch"), *ls = cJSON_GetObjectItem(j, "loss_sums");
    if (!j || !cJSON_IsNumber(u) || !(u->valuedouble >= 0 && u->valuedouble <= 1e15) || !cJSON_IsNumber(fr) ||
        !cJSON_IsNumber(bt) || cJSON_GetArraySize(ls) != 4) {
        cJSON_Delete(j);
        fs_errorf(err, "%s: damaged PTI checkpoint state; delete the folder to start PTI afresh", sp);
        return -1;
    }
    if (fr->valuedouble != n || bt->valuedouble != batch) {
        fs_errorf(err, "%s: checkpoint is of a run with %g frames / batch %g (now %d / %d); delete the folder to start afresh",
                  sp, fr->valuedouble, bt->valuedouble, n, batch);
        cJSON_Delete(j);
        return -1;
    }
    *updates = (long)u->valuedouble;
    for (int i = 0; i < 4; i++) sums[i] = cJSON_GetArrayItem(ls, i)->valuedouble;
    cJSON_Delete(j);
    snprintf(gp, sizeof gp, "%s/gen-%ld.safetensors", dir, *updates);
    snprintf(ap, sizeof ap, "%s/adam-%ld.state", dir, *updates);
    if (fs_gen_params_load(g, gp, err)) return -1;
    if (fs_adam_load(adam, ap, err)) return -1;
    return 1;
}

int fs_pti_run(fs_sg2 *g, const float *pivots, int n, fs_crop_fn get_crop, void *user, const fs_lpips *lpips,
               const fs_pti_opts *o, fs_pti_report *rep, fs_err *err) {
    memset(rep, 0, sizeof *rep);
    if (n <= 0) return fs_errorf(err, "PTI: no frames");
    int B = o->batch > 0 ? o->batch : 1;
    if (B > n) B = n;
    if (fs_pti_dist_solo_begin(B)) { /* several ranks, batch 1: rank 0 tunes, the others get its G */
        int rc = fs_dist_rank() == 0 ? fs_pti_run(g, pivots, n, get_crop, user, lpips, o, rep, err) : FS_OK;
        return fs_pti_dist_solo_end(rc, g, rep, sizeof *rep, err);
    }
    long steps_per_pass = (n + B - 1) / B;
    long total = steps_per_pass * (long)(o->passes > 0 ? o->passes : 0);
    fs_sg2_grads *gr = NULL;
    fs_adam *adam = NULL;
    fs_param *params = NULL;
    int n_params = 0;
    pti_work w;
    memset(&w, 0, sizeof w);
    locality_work lw;
    memset(&lw, 0, sizeof lw);
    int rc = FS_ERR;
    if (fs_sg2_grads_create(&gr, g, err)) goto done;
    if (fs_gen_params_list(g, gr, &params, &n_params, err)) goto done;
    if (fs_adam_create(&adam, params, n_params, o->lr, o->beta1, 0.999f, 1e-8f, err)) goto done;
    if (work_init(&w, g, fs_pti_dist_local_batch(B), err)) goto done; /* this rank's share of a batch */
    if (o->locality && locality_init(&lw, g, err)) goto done; /* g is still untuned here */

    long u = 0, last_ckpt = -1;
    double sums[4] = {0, 0, 0, 0}; /* first-pass loss sum, count, last-pass sum, count */
    if (o->checkpoint_dir) {
        int r = load_checkpoint(o->checkpoint_dir, g, adam, n, B, &u, sums, err);
        if (r < 0) goto done;
        if (r > 0) {
            rep->resumed_from = (int)u;
            last_ckpt = u;
            fs_info("PTI: resuming from update %ld of %ld (%s)", u, total, o->checkpoint_dir);
        }
    }
    fs_progress prog;
    fs_progress_begin(&prog, "PTI", total);
    prog.done = u;
    double t_ckpt = fs_now_seconds();
    long run_updates = 0;
    for (; u < total; u++) {
        if (fs_pti_dist_should_stop()) {
            /* keep what was learned: the same command continues from here */
            if (o->checkpoint_dir && u > 0 && u != last_ckpt && fs_dist_rank() == 0 &&
                save_checkpoint(o->checkpoint_dir, g, adam, u, n, B, sums, last_ckpt, err))
                goto done;
            if (o->checkpoint_dir)
                fs_errorf(err, "PTI: interrupted at update %ld of %ld; run the same command again to continue", u, total);
            else
                fs_errorf(err, "PTI: interrupted");
            goto done;
        }
        long pass = u / steps_per_pass;
        int first = (int)(u % steps_per_pass) * B;
        int b = n - first < B ? n - first : B;
        int lfirst, lb; /* this rank's frames of the batch (all of them with one process) */
        fs_pti_dist_share(first, b, &lfirst, &lb);
        fs_adam_zero_grad(adam);
        double ls = 0;
        if (lb > 0) {
            if (load_batch(&w, g, pivots, lfirst, lb, get_crop, user, err)) goto done;
            if (batch_loss(g, &w, lb, b, lpips, o, 1, &ls, err)) goto done;
            fs_sg2_synthesis_backward(g, w.acts, w.dimg, NULL, gr, NULL);
        }
        if (o->locality && fs_dist_rank() == 0) { /* once per step: rank 0, whose first frame is the batch's */
            double lr_loss;
            if (locality_step(&lw, g, gr, lpips, w.ws, u, o->locality_seed, &lr_loss, err)) goto done;
        }
        if (fs_pti_dist_reduce(gr, &ls, err)) goto done;
        fs_adam_step(adam);
        if (pass == 0) sums[0] += ls, sums[1] += b;
        if (pass == total / steps_per_pass - 1) sums[2] += ls, sums[3] += b;
        run_updates++;
        fs_progress_step(&prog, 1, "pass %ld/%d  loss %.4f", pass + 1, o->passes, ls / b);
        int due = (o->checkpoint_every > 0 && (u + 1) % o->checkpoint_every == 0) ||
                  (o->checkpoint_seconds > 0 && fs_now_seconds() - t_ckpt >= o->checkpoint_seconds);
        if (o->checkpoint_dir && due && u + 1 < total && fs_dist_rank() == 0) {
            if (save_checkpoint(o->checkpoint_dir, g, adam, u + 1, n, B, sums, last_ckpt, err)) goto done;
            last_ckpt = u + 1;
            t_ckpt = fs_now_seconds();
        }
        if (o->stop_after > 0 && run_updates >= o->stop_after && u + 1 < total) {
            fs_errorf(err, "PTI: stopped after %ld updates (testing aid)", run_updates);
            goto done;
        }
    }
    fs_progress_end(&prog);
    if (o->checkpoint_dir && fs_dist_rank() == 0) {
        if (save_checkpoint(o->checkpoint_dir, g, adam, total, n, B, sums, last_ckpt, err)) goto done;
    }
    rep->updates = total;
    rep->loss_first_pass = sums[1] > 0 ? sums[0] / sums[1] : 0;
    rep->loss_last_pass = sums[3] > 0 ? sums[2] / sums[3] : 0;
    rc = FS_OK;
done:
    locality_free(&lw);
    work_free(&w);
    fs_adam_destroy(adam);
    free(params);
    fs_sg2_grads_destroy(gr);
    return rc;
}

int fs_pti_eval(const fs_sg2 *g, const float *pivots, int n, fs_crop_fn get_crop, void *user,
                const fs_lpips *lpips, const fs_pti_opts *o, double *mean_loss, fs_err *err) {
    pti_work w;
    if (work_init(&w, g, 1, err)) return FS_ERR;
    double total = 0;
    int first, mine;
    fs_pti_dist_share(0, n, &first, &mine); /* several ranks: each its share, summed */
    for (int i = first; i < first + mine; i++) {
        double ls;
        if (load_batch(&w, g, pivots, i, 1, get_crop, user, err) || batch_loss(g, &w, 1, 1, lpips, o, 0, &ls, err)) {
            work_free(&w);
            return FS_ERR;
        }
        total += ls;
    }
    work_free(&w);
    if (fs_dist_allreduce_f64(&total, 1, FS_DIST_SUM, err)) return FS_ERR;
    *mean_loss = n > 0 ? total / n : 0;
    return FS_OK;
}
