/* Batch norm (eval): forward against the textbook formula in double, gamma/beta NULL defaults,
 * backward against finite differences (din, dgamma, dbeta), accumulation of parameter
 * gradients, threaded = single-threaded bit for bit. */
#include "core/threads.h"
#include "ops_test.h"
#include "tensor/batchnorm.h"

typedef struct {
    ot_loss l;
    const float *x, *mean, *var, *gamma, *beta;
    int N, C;
    long HW;
} bn_ctx;

static void bn_fwd(void *self) {
    bn_ctx *c = self;
    fs_batchnorm_forward(c->l.out, c->x, c->mean, c->var, c->gamma, c->beta, 1e-5f, c->N, c->C, c->HW);
}

int main(void) {
    uint64_t s = 42;
    const int N = 3, C = 5;
    const long HW = 7 * 3;
    const long n = N * C * HW;
    float *x = ot_normal(n, 2.0f, &s), *mean = ot_normal(C, 1.0f, &s), *var = ot_alloc(C);
    float *gamma = ot_normal(C, 1.0f, &s), *beta = ot_normal(C, 1.0f, &s);
    tr_fill_uniform(var, C, 0.2f, 3.0f, &s);
    float *y = ot_alloc(n), *want = ot_alloc(n);
    fs_batchnorm_forward(y, x, mean, var, gamma, beta, 1e-5f, N, C, HW);
    for (int b = 0; b < N; b++)
        for (int c = 0; c < C; c++)
            for (long i = 0; i < HW; i++) {
                long k = ((long)b * C + c) * HW + i;
                want[k] = (float)(((double)x[k] - mean[c]) / sqrt((double)var[c] + 1e-5) * gamma[c] + beta[c]);
            }
    check_allclose("batchnorm.forward vs formula", y, want, n, 2e-6, 1e-5);
    fs_batchnorm_forward(y, x, mean, var, NULL, NULL, 1e-5f, N, C, HW);
    for (int b = 0; b < N; b++)
        for (int c = 0; c < C; c++)
            for (long i = 0; i < HW; i++) {
                long k = ((long)b * C + c) * HW + i;
                want[k] = (float)(((double)x[k] - mean[c]) / sqrt((double)var[c] + 1e-5));
            }
    check_allclose("batchnorm.forward gamma=beta=NULL", y, want, n, 2e-6, 1e-5);
    /* var = 0: eps keeps it finite */
    float z = 3.0f, zm = 1.0f, zv = 0.0f, zy;
    fs_batchnorm_forward(&zy, &z, &zm, &zv, NULL, NULL, 1e-5f, 1, 1, 1);
    CHECK_CLOSE(zy, 2.0 / sqrt(1e-5), 1e-1);

    float *r = ot_normal(n, 1.0f, &s), *dx = ot_alloc(n), *dg = ot_alloc(C), *db = ot_alloc(C);
    for (int c = 0; c < C; c++) dg[c] = db[c] = 1.0f;
    fs_batchnorm_backward(dx, dg, db, r, x, mean, var, gamma, 1e-5f, N, C, HW);
    for (int c = 0; c < C; c++) dg[c] -= 1.0f, db[c] -= 1.0f;
    bn_ctx ctx = {{bn_fwd, y, r, n}, x, mean, var, gamma, beta, N, C, HW};
    gradcheck("batchnorm.din", x, n, dx, ot_loss_fn, &ctx, 1e-2, 1e-4, 2e-3, 300);
    gradcheck("batchnorm.dgamma (+=)", gamma, C, dg, ot_loss_fn, &ctx, 1e-2, 1e-4, 2e-3, 300);
    gradcheck("batchnorm.dbeta (+=)", beta, C, db, ot_loss_fn, &ctx, 1e-2, 1e-4, 2e-3, 300);

    /* in place: din aliasing dout gives the same din, dgamma, dbeta */
    {
        float *ref = ot_alloc(n), *ip = ot_alloc(n), g1[5] = {0}, g2[5] = {0}, b1[5] = {0}, b2[5] = {0};
        fs_batchnorm_backward(ref, g1, b1, r, x, mean, var, gamma, 1e-5f, N, C, HW);
        memcpy(ip, r, sizeof(float) * n);
        fs_batchnorm_backward(ip, g2, b2, ip, x, mean, var, gamma, 1e-5f, N, C, HW);
        ot_same_bits("batchnorm.backward in place: din", ip, ref, n);
        ot_same_bits("batchnorm.backward in place: dgamma", g2, g1, C);
        ot_same_bits("batchnorm.backward in place: dbeta", b2, b1, C);
        free(ref), free(ip);
    }
    /* threads: larger tensor so several chunks run; identical bits for 1 and 3 threads */
    const int N2 = 2, C2 = 7;
    const long HW2 = 61 * 67, n2 = N2 * C2 * HW2;
    float *x2 = ot_normal(n2, 1.0f, &s), *g2 = ot_normal(n2, 1.0f, &s), *a = ot_alloc(n2), *b = ot_alloc(n2);
    float *m2 = ot_normal(C2, 1.0f, &s), *v2 = ot_alloc(C2), *ga = ot_normal(C2, 1.0f, &s),
          *be = ot_normal(C2, 1.0f, &s);
    float dga[7] = {0}, dgb[7] = {0}, dba[7] = {0}, dbb[7] = {0};
    tr_fill_uniform(v2, C2, 0.5f, 2.0f, &s);
    for (int nt = 1; nt <= 3; nt += 2) {
        fs_threads_init(nt);
        fs_batchnorm_forward_ref(a, x2, m2, v2, ga, be, 1e-5f, N2, C2, HW2);
        fs_batchnorm_forward(b, x2, m2, v2, ga, be, 1e-5f, N2, C2, HW2);
        ot_same_bits("batchnorm.forward threads vs ref", a, b, n2);
        memset(dga, 0, sizeof dga), memset(dgb, 0, sizeof dgb), memset(dba, 0, sizeof dba), memset(dbb, 0, sizeof dbb);
        fs_batchnorm_backward_ref(a, dga, dba, g2, x2, m2, v2, ga, 1e-5f, N2, C2, HW2);
        fs_batchnorm_backward(b, dgb, dbb, g2, x2, m2, v2, ga, 1e-5f, N2, C2, HW2);
        ot_same_bits("batchnorm.backward din threads vs ref", a, b, n2);
        ot_same_bits("batchnorm.backward dgamma threads vs ref", dga, dgb, C2);
        ot_same_bits("batchnorm.backward dbeta threads vs ref", dba, dbb, C2);
    }
    fs_threads_shutdown();
    free(x), free(mean), free(var), free(gamma), free(beta), free(y), free(want), free(r), free(dx), free(dg), free(db);
    free(x2), free(g2), free(a), free(b), free(m2), free(v2), free(ga), free(be);
    return check_finish();
}
