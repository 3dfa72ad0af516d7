/* optim_common.c — shared optimiser helpers (see optim_common.h). */
#include "nn/optim_common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensor/device.h"

#include "tensor/device.h"

int fs__optim_check_params(const fs_param *params, int n_params, long *total, const char *who, fs_err *err) {
    if (n_params < 0 || (n_params > 0 && !params)) return fs_errorf(err, "%s: bad parameter list (%d)", who, n_params);
    long t = 0;
    for (int i = 0; i < n_params; i++) {
        const fs_param *p = &params[i];
        const char *nm = p->name ? p->name : "(unnamed)";
        if (p->n < 0 || (p->n > 0 && !p->data))
            return fs_errorf(err, "%s: parameter %d '%s' has no data or a negative size", who, i, nm);
        if (p->group < 0 || p->group >= FS_OPTIM_MAX_GROUPS)
            return fs_errorf(err, "%s: parameter %d '%s' is in group %d; groups are 0..%d", who, i, nm, p->group,
                             FS_OPTIM_MAX_GROUPS - 1);
        if (p->name && strlen(p->name) > 200)
            return fs_errorf(err, "%s: parameter %d name is longer than 200 characters", who, i);
        for (int j = 0; p->name && j < i; j++)
            if (params[j].name && strcmp(params[j].name, p->name) == 0)
                return fs_errorf(err, "%s: two parameters are named '%s'", who, p->name);
        if (p->n > (long)1 << 40 || t > ((long)1 << 40)) return fs_errorf(err, "%s: too many parameters", who);
        t += p->n;
    }
    *total = t;
    return FS_OK;
}

void fs__optim_zero_grad(fs_param *params, int n_params) {
    for (int i = 0; i < n_params; i++)
        if (params[i].grad && params[i].n > 0) fs_dev_zero(params[i].grad, sizeof(float) * (size_t)params[i].n);
}

double fs__optim_decimal(float x) {
    if (!isfinite(x) || x == 0.0f) return x;
    char buf[64];
    for (int prec = 1; prec <= 9; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, (double)x);
        double d = strtod(buf, NULL);
        if ((float)d == x) return d;
    }
    return x;
}

static void buf_name(char *dst, size_t cap, const char *buf, const fs_param *p, int i) {
    if (p->name)
        snprintf(dst, cap, "%s.%s", buf, p->name);
    else
        snprintf(dst, cap, "%s.#%d", buf, i);
}

int fs__optim_save_buffers(fs__ost *s, const fs_param *params, int n_params, const float *const *bufs,
                           const char *const *names, int n_bufs, const char *path, fs_err *err) {
    const int nb = n_params * n_bufs;
    fs__ost_buffer *b = calloc((size_t)(nb > 0 ? nb : 1), sizeof *b);
    if (!b) return fs_errorf(err, "%s: out of memory", path);
    for (int k = 0; k < n_bufs; k++) {
        long off = 0;
        for (int i = 0; i < n_params; i++) {
            fs__ost_buffer *x = &b[k * n_params + i];
            buf_name(x->name, sizeof x->name, names[k], &params[i], i);
            x->count = (uint64_t)params[i].n;
            x->data = bufs[k] + off;
            off += params[i].n;
        }
    }
    s->buffers = b, s->n_buffers = nb;
    int rc = fs__ost_write(s, path, err);
    free(b);
    s->buffers = NULL, s->n_buffers = 0;
    return rc;
}

int fs__optim_load_buffers(const fs__ost *s, const fs_param *params, int n_params, float *const *bufs,
                           const char *const *names, int n_bufs, const char *path, fs_err *err) {
    if (s->n_buffers != n_params * n_bufs)
        return fs_errorf(err, "%s: optimiser state has %d buffers, expected %d (a different model?)", path,
                         s->n_buffers, n_params * n_bufs);
    for (int pass = 0; pass < 2; pass++) /* pass 0 checks, pass 1 copies */
        for (int k = 0; k < n_bufs; k++) {
            long off = 0;
            for (int i = 0; i < n_params; i++) {
                char nm[256];
                const unsigned char *raw = NULL;
                buf_name(nm, sizeof nm, names[k], &params[i], i);
                if (fs__ost_buffer_get(s, nm, (uint64_t)params[i].n, &raw, path, err)) return FS_ERR;
                if (pass == 1) fs__ost_copy_floats(bufs[k] + off, raw, (uint64_t)params[i].n);
                off += params[i].n;
            }
        }
    return FS_OK;
}
