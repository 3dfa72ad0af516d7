#include "pipeline/invert/invert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/path.h"
#include "core/fileio.h"
#include "core/log.h"
#include "dist/dist.h"
#include "image/image_ops.h"
#include "models/e4e.h"
#include "pipeline/invert/gen_params.h"
#include "weights/safetensors.h"

void fs_invert_opts_default(fs_invert_opts *o) {
    memset(o, 0, sizeof *o);
    fs_project_settings_default(&o->align.settings);
    fs_pti_opts_default(&o->pti);
    fs_projector_opts_default(&o->proj);
    fs_params d;
    fs_params_default(&d);
    fs_params_to_invert(&d, o);
}

/* Records the models' fingerprints, or refuses when the project was inverted with others. */
static int check_models(const char *dir, const fs_model_set *ms, fs_err *err) {
    struct {
        const char *key, *path;
    } list[3] = {{"generator", ms->generator}, {"encoder", ms->encoder}, {"lpips", ms->lpips}};
    cJSON *now = cJSON_CreateObject();
    for (int i = 0; i < 3; i++) {
        if (!list[i].path[0]) {
            cJSON_AddStringToObject(now, list[i].key, "none");
            continue;
        }
        int64_t size;
        char sha[65];
        if (fs_project_fingerprint(list[i].path, &size, sha, err)) {
            cJSON_Delete(now);
            return FS_ERR;
        }
        cJSON_AddStringToObject(now, list[i].key, sha);
    }
    cJSON *old = fs_project_manifest_get(dir, "models", NULL);
    if (old) {
        for (int i = 0; i < 3; i++) {
            const cJSON *a = cJSON_GetObjectItem(old, list[i].key), *b = cJSON_GetObjectItem(now, list[i].key);
            if (cJSON_IsString(a) && strcmp(a->valuestring, b->valuestring) != 0) {
                fs_errorf(err, "%s: this project was inverted with another %s model; use a new --project dir", dir,
                          list[i].key);
                cJSON_Delete(old);
                cJSON_Delete(now);
                return FS_ERR;
            }
        }
        cJSON_Delete(old);
        cJSON_Delete(now);
        return FS_OK;
    }
    return fs_project_manifest_set(dir, "models", now, err);
}

/* ---- crops and pivots ---- */

int fs_invert_crop_list(const fs_project *p, fs_crop_ref **out, int *n, fs_err *err) {
    int total = 0;
    for (int k = 0; k < (p->tracks ? p->tracks->count : 0); k++) total += p->tracks->t[k].n;
    fs_crop_ref *r = malloc(sizeof *r * (size_t)(total ? total : 1));
    if (!r) return fs_errorf(err, "out of memory");
    int j = 0;
    for (int k = 0; k < (p->tracks ? p->tracks->count : 0); k++)
        for (int i = 0; i < p->tracks->t[k].n; i++) r[j].track = k, r[j].index = i, j++;
    *out = r;
    *n = total;
    return FS_OK;
}

int fs_invert_pti_covers(const char *dir, const fs_project *p, const int *sel, fs_err *err) {
    cJSON *pti = fs_project_manifest_get(dir, "pti", NULL);
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(pti, "tracks");
    int rc = FS_OK;
    if (cJSON_IsArray(ids))
        for (int k = 0; k < p->tracks->count && !rc; k++) {
            if (!sel[k]) continue;
            int found = 0;
            const cJSON *id;
            cJSON_ArrayForEach(id, ids) found |= cJSON_IsNumber(id) && id->valuedouble == p->tracks->t[k].id;
            if (!found)
                rc = fs_errorf(err, "%s: face %d was left out of this project's PTI (it was inverted for other "
                                    "--face); invert into a new project for it",
                               dir, p->tracks->t[k].id);
        }
    cJSON_Delete(pti);
    return rc;
}

int fs_invert_load_crop(const fs_project *p, int k, int i, int S, float *out, fs_err *err) {
    const fs_aligned_track *t = &p->tracks->t[k];
    fs_image *im = NULL;
    if (fs_project_load_crop(p, NULL, t->id, t->first + i, &im, err)) return fs_err_prefix(err, "crop missing (run align again)");
    if (im->w != S || im->h != S) {
        fs_errorf(err, "%s: crop of face %d, frame %d is %dx%d, the generator renders %dx%d (project aligned for another model)",
                  p->dir, t->id, t->first + i, im->w, im->h, S, S);
        fs_image_destroy(im);
        return FS_ERR;
    }
    fs_image_to_float(im, out);
    fs_image_destroy(im);
    return FS_OK;
}

int fs_invert_load_pivots(const char *dir, const fs_project *p, int k, int num_ws, int w_dim, float **out,
                          fs_err *err) {
    char path[FS_PATH_MAX], name[64];
    if (fs_path_join(path, sizeof path, dir, "pivots.safetensors", err)) return FS_ERR;
    fs_tensor_map *m = NULL;
    if (fs_safetensors_load(path, FS_ST_TO_F32, &m, err)) return FS_ERR;
    snprintf(name, sizeof name, "track.%d", p->tracks->t[k].id);
    const fs_tensor *t = NULL;
    int64_t shape[3] = {p->tracks->t[k].n, num_ws, w_dim};
    if (fs_tensor_map_require(m, name, 3, shape, &t, err)) {
        fs_tensor_map_destroy(m);
        return fs_err_prefix(err, path);
    }
    float *v = malloc(fs_tensor_nbytes(t));
    if (!v) {
        fs_tensor_map_destroy(m);
        return fs_errorf(err, "out of memory");
    }
    memcpy(v, t->data, fs_tensor_nbytes(t));
    fs_tensor_map_destroy(m);
    *out = v;
    return FS_OK;
}

typedef struct crop_ctx {
    const fs_project *p;
    const fs_crop_ref *refs;
    int S;
} crop_ctx;

static int get_crop(void *user, int index, float *out, fs_err *err) {
    crop_ctx *c = user;
    return fs_invert_load_crop(c->p, c->refs[index].track, c->refs[index].index, c->S, out, err);
}

static int compute_pivots(const char *dir, const fs_project *p, const fs_sg2 *g, const fs_model_set *ms,
                          const fs_lpips *lp, const fs_invert_opts *o, const fs_crop_ref *refs, int n, float *pivots,
                          fs_err *err) {
    int S = g->cfg.resolution, L = g->cfg.num_ws, D = g->cfg.w_dim;
    size_t row = (size_t)L * D;
    fs_e4e *e = NULL;
    if (ms->encoder[0]) {
        if (fs_e4e_load(ms->encoder, &e, err)) return FS_ERR;
        if (fs_e4e_num_ws(e) != L || fs_e4e_w_dim(e) != D) {
            fs_e4e_destroy(e);
            return fs_errorf(err, "%s: encoder gives %d×%d latents, the generator takes %d×%d", ms->encoder,
                             fs_e4e_num_ws(e), fs_e4e_w_dim(e), L, D);
        }
    } else {
        fs_info("invert: no encoder: projecting each crop (%d Adam steps from w_avg)", o->proj.steps);
    }
    float *crop = malloc(sizeof(float) * 3 * (size_t)S * S), *x256 = malloc(sizeof(float) * 3 * 256 * 256);
    int rc = FS_ERR;
    if (!crop || !x256) {
        fs_errorf(err, "out of memory");
        goto done;
    }
    int64_t mine, end; /* several ranks: each its share of the crops, then summed with zeros (exact) */
    fs_dist_share(n, fs_dist_rank(), fs_dist_size(), &mine, &end);
    memset(pivots, 0, sizeof(float) * row * (size_t)n);
    fs_progress prog;
    fs_progress_begin(&prog, e ? "e4e pivots" : "projection pivots", end - mine);
    for (int j = (int)mine; j < (int)end; j++) {
        if (fs_invert_load_crop(p, refs[j].track, refs[j].index, S, crop, err)) goto done;
        if (e) {
            if (fs_e4e_resize_input(x256, crop, S, S, 256, o->e4e_antialias, err)) goto done;
            if (fs_e4e_encode(e, x256, 1, 256, 256, pivots + (size_t)j * row, 1, NULL, NULL, err)) goto done;
        } else {
            if (fs_projector_run(g, lp, crop, &o->proj, pivots + (size_t)j * row, NULL, err)) goto done;
        }
        fs_progress_step(&prog, 1, NULL);
    }
    fs_progress_end(&prog);
    if (fs_dist_allreduce_sum_f32(pivots, row * (size_t)n, err)) goto done;
    if (fs_dist_rank() != 0) { /* rank 0 writes */
        rc = FS_OK;
        goto done;
    }
    /* save per track */
    fs_tensor_map *m = fs_tensor_map_create();
    int j = 0;
    for (int k = 0; k < p->tracks->count; k++) {
        int64_t shape[3] = {p->tracks->t[k].n, L, D};
        fs_tensor *t = fs_tensor_create(3, shape, err);
        if (!t) {
            fs_tensor_map_destroy(m);
            goto done;
        }
        snprintf(t->name, sizeof t->name, "track.%d", p->tracks->t[k].id);
        memcpy(t->data, pivots + (size_t)j * row, fs_tensor_nbytes(t));
        j += p->tracks->t[k].n;
        if (fs_tensor_map_add(m, t, err)) {
            fs_tensor_map_destroy(m);
            goto done;
        }
    }
    fs_tensor_map_set_meta(m, "format", "facestitch", err);
    fs_tensor_map_set_meta(m, "kind", "pivots", err);
    fs_tensor_map_set_meta(m, "version", "1", err);
    fs_tensor_map_set_meta(m, "source", e ? "e4e" : "projection", err);
    char path[FS_PATH_MAX];
    snprintf(path, sizeof path, "%s/pivots.safetensors", dir);
    rc = fs_safetensors_save(path, m, err);
    fs_tensor_map_destroy(m);
done:
    free(crop), free(x256);
    fs_e4e_destroy(e);
    return rc;
}

int fs_invert_run(const char *video, const char *dir, const fs_model_set *ms, const fs_invert_opts *o,
                  fs_invert_report *rep, fs_err *err) {
    memset(rep, 0, sizeof *rep);
    fs_sg2 *g = NULL;
    fs_lpips *lp = NULL;
    fs_project *p = NULL;
    fs_crop_ref *refs = NULL;
    float *pivots = NULL;
    int *sel = NULL;
    int n = 0, rc = FS_ERR;
    char st[64];
    if (fs_sg2_load(ms->generator, &g, err)) return FS_ERR;
    if (ms->lpips[0] && fs_model_set_load_lpips(ms, &lp, err)) goto done;
    if (!lp) fs_info("invert: no LPIPS model: PTI uses the L2 loss only");

    fs_project_align_opts ao = o->align;
    ao.settings.size = g->cfg.resolution;
    if (video) {
        /* a project aligned before (`facestitch align --center-sigma 0 ...`) keeps its smoothing unless
         * invert is given other values (then alignment refuses the project: a new dir is needed) */
        char mpath[FS_PATH_MAX];
        snprintf(mpath, sizeof mpath, "%s/manifest.json", dir);
        fs_project *q = NULL;
        fs_err e2 = {0};
        if (fs_file_exists(mpath) && fs_project_open(dir, &q, &e2) == FS_OK) {
            if (!o->params.given[FS_P_CENTER_SIGMA]) ao.settings.center_sigma = q->settings.center_sigma;
            if (!o->params.given[FS_P_XY_SIGMA]) ao.settings.xy_sigma = q->settings.xy_sigma;
            ao.settings.antialias = q->settings.antialias;
            fs_project_close(q);
        }
        if (fs_dist_agree(fs_dist_rank() == 0 ? fs_project_align(video, dir, &ao, err) : FS_OK, err)) goto done;
    }
    if (fs_project_open(dir, &p, err)) goto done;
    if (strcmp(p->align_status, "done") != 0) {
        fs_errorf(err, "%s: the project is not aligned yet (give the VIDEO to align it)", dir);
        goto done;
    }
    if (p->settings.size != g->cfg.resolution) {
        fs_errorf(err, "%s: crops are %d², the generator renders %d²: use a new project dir for this model", dir,
                  p->settings.size, g->cfg.resolution);
        goto done;
    }
    if (fs_dist_agree(fs_dist_rank() == 0 ? check_models(dir, ms, err) : FS_OK, err)) goto done;
    if (fs_invert_crop_list(p, &refs, &n, err)) goto done;
    rep->crops = n;
    if (n == 0) {
        fs_verbose("%s: no faces were found in the video: nothing to invert (edit will copy the video)", dir);
        if (fs_dist_rank() == 0) fs_project_set_stage(dir, "pivots", "done", NULL);
        if (fs_dist_rank() == 0) fs_project_set_stage(dir, "pti", "done", NULL);
        rc = FS_OK;
        goto done;
    }
    int L = g->cfg.num_ws, D = g->cfg.w_dim;
    size_t row = (size_t)L * D;
    pivots = malloc(sizeof(float) * row * (size_t)n);
    if (!pivots) {
        fs_errorf(err, "out of memory for %d pivots", n);
        goto done;
    }
    if (strcmp(fs_project_get_stage(dir, "pivots", st, sizeof st), "done") == 0) {
        int j = 0;
        for (int k = 0; k < p->tracks->count; k++) {
            float *v = NULL;
            if (fs_invert_load_pivots(dir, p, k, L, D, &v, err)) goto done;
            memcpy(pivots + (size_t)j * row, v, sizeof(float) * row * (size_t)p->tracks->t[k].n);
            j += p->tracks->t[k].n;
            free(v);
        }
        fs_info("invert: pivots already computed (%d crops)", n);
    } else {
        if (compute_pivots(dir, p, g, ms, lp, o, refs, n, pivots, err)) goto done;
        if (fs_dist_rank() == 0 && fs_project_set_stage(dir, "pivots", "done", err)) goto done;
    }

    /* PTI on the selected faces only (all by default) */
    sel = calloc((size_t)p->tracks->count, sizeof *sel);
    if (!sel) {
        fs_errorf(err, "out of memory");
        goto done;
    }
    if (fs_project_select_tracks(p, &o->face, sel, err)) goto done;
    char gen_path[FS_PATH_MAX], ck[FS_PATH_MAX];
    snprintf(gen_path, sizeof gen_path, "%s/generator.safetensors", dir);
    snprintf(ck, sizeof ck, "%s/checkpoint", dir);
    if (strcmp(fs_project_get_stage(dir, "pti", st, sizeof st), "done") == 0 && fs_file_exists(gen_path)) {
        if (fs_invert_pti_covers(dir, p, sel, err)) goto done;
        if (fs_params_check_recorded(&o->params, dir, FS_PC_INVERT, err)) goto done;
        rep->pti_skipped = 1;
        fs_info("invert: PTI already done (%s)", gen_path);
        rc = FS_OK;
        goto done;
    }
    int m = 0;
    for (int j = 0; j < n; j++)
        if (sel[refs[j].track]) {
            refs[m] = refs[j];
            memmove(pivots + (size_t)m * row, pivots + (size_t)j * row, sizeof(float) * row);
            m++;
        }
    if (m < n) {
        char ftext[32];
        fs_face_pick_format(&o->face, ftext, sizeof ftext);
        fs_info("invert: PTI on %d of %d face crops (face %s)", m, n, ftext);
    }
    n = m;
    rep->pti_crops = m;
    crop_ctx cc = {p, refs, g->cfg.resolution};
    fs_pti_opts po = o->pti;
    po.checkpoint_dir = ck;
    if (fs_pti_eval(g, pivots, n, get_crop, &cc, lp, &po, &rep->pti_loss_before, err)) goto done;
    fs_pti_report pr;
    if (fs_pti_run(g, pivots, n, get_crop, &cc, lp, &po, &pr, err)) goto done;
    if (fs_pti_eval(g, pivots, n, get_crop, &cc, lp, &po, &rep->pti_loss_after, err)) goto done;
    if (fs_dist_rank() != 0) { /* every rank holds the same generator: rank 0 writes it */
        rc = FS_OK;
        goto done;
    }
    if (fs_gen_params_save(g, gen_path, err)) goto done;
    cJSON *info = cJSON_CreateObject();
    cJSON_AddNumberToObject(info, "passes", po.passes);
    cJSON_AddNumberToObject(info, "batch", po.batch);
    cJSON_AddNumberToObject(info, "updates", (double)pr.updates);
    cJSON_AddNumberToObject(info, "lr", po.lr);
    cJSON_AddNumberToObject(info, "loss_before", rep->pti_loss_before);
    cJSON_AddNumberToObject(info, "loss_after", rep->pti_loss_after);
    cJSON_AddBoolToObject(info, "lpips", lp != NULL);
    cJSON *ids = cJSON_AddArrayToObject(info, "tracks");
    for (int k = 0; k < p->tracks->count; k++)
        if (sel[k]) cJSON_AddItemToArray(ids, cJSON_CreateNumber(p->tracks->t[k].id));
    if (fs_project_manifest_set(dir, "pti", info, err)) goto done;
    if (fs_params_record(&o->params, dir, FS_PC_FACES | FS_PC_INVERT, err)) goto done;
    if (fs_project_set_stage(dir, "pti", "done", err)) goto done;
    rc = FS_OK;
done:
    fs_dist_fail_alone(rc, err); /* several ranks: a rank failing alone ends the job */
    free(sel);
    free(pivots);
    free(refs);
    fs_project_close(p);
    fs_lpips_destroy(lp);
    fs_sg2_destroy(g);
    return rc;
}
