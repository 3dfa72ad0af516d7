/* SGD against torch.optim.SGD's formulas in double (plain, momentum with the first-step buffer
 * copy, dampening, nesterov, weight decay, group learning rates) and save/load bit-exactness. */
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "gradcheck.h"
#include "nn/sgd.h"

static float grad_of(float p, long k, long t) {
    return cosf(1.3f * p - 0.2f * (float)k + 0.7f * (float)t);
}

static void fill(fs_param *ps, int n, long t) {
    for (int i = 0; i < n; i++)
        if (ps[i].grad)
            for (long k = 0; k < ps[i].n; k++) ps[i].grad[k] += grad_of(ps[i].data[k], k + 50 * i, t);
}

static void test_formulas(void) {
    static const struct {
        float mom, damp, wd;
        int nest;
    } cfg[] = {
        {0, 0, 0, 0},
        {0.9f, 0, 0, 0},
        {0.9f, 0.1f, 0.01f, 0},
        {0.8f, 0, 0.001f, 1},
    };
    for (size_t c = 0; c < sizeof cfg / sizeof cfg[0]; c++) {
        float w[5], b[2], dw[5], db[2];
        double buf_w[5] = {0}, buf_b[2] = {0};
        uint64_t s = 17 + c;
        for (int k = 0; k < 5; k++) w[k] = tr_normal(&s);
        for (int k = 0; k < 2; k++) b[k] = tr_normal(&s);
        fs_param ps[2] = {{w, dw, 5, 0, "w"}, {b, db, 2, 3, "b"}};
        fs_sgd *o;
        fs_err err = {0};
        CHECK(fs_sgd_create(&o, ps, 2, 0.05f, cfg[c].mom, &err) == FS_OK);
        o->dampening = cfg[c].damp, o->weight_decay = cfg[c].wd, o->nesterov = cfg[c].nest;
        fs_sgd_set_group_lr(o, 3, 0.2f);
        for (long t = 1; t <= 4; t++) {
            fs_sgd_zero_grad(o);
            fill(ps, 2, t);
            float want_w[5], want_b[2];
            for (int pi = 0; pi < 2; pi++) {
                float *x = pi ? b : w, *g = pi ? db : dw, *want = pi ? want_b : want_w;
                double *buf = pi ? buf_b : buf_w, lr = pi ? (double)0.2f : (double)0.05f;
                for (int k = 0; k < (pi ? 2 : 5); k++) {
                    double d = (double)g[k] + (double)cfg[c].wd * x[k];
                    if (cfg[c].mom != 0) {
                        buf[k] = t == 1 ? d : (double)cfg[c].mom * buf[k] + (1 - (double)cfg[c].damp) * d;
                        d = cfg[c].nest ? d + (double)cfg[c].mom * buf[k] : buf[k];
                    }
                    want[k] = (float)((double)x[k] - lr * d);
                }
            }
            fs_sgd_step(o);
            char name[160];
            snprintf(name, sizeof name, "sgd mom=%g damp=%g wd=%g nesterov=%d step %ld", cfg[c].mom, cfg[c].damp,
                     cfg[c].wd, cfg[c].nest, t);
            check_allclose(name, w, want_w, 5, 1e-6, 1e-6);
            check_allclose(name, b, want_b, 2, 1e-6, 1e-6);
        }
        fs_sgd_destroy(o);
    }
    /* literal hand value: p = 1, g = 2, lr 0.1, momentum 0.9: p1 = 0.8, buf = 2; p2 = 0.8 - 0.1 * 3.8 = 0.42 */
    float p = 1, g = 2;
    fs_param one = {&p, &g, 1, 0, NULL};
    fs_sgd *o;
    CHECK(fs_sgd_create(&o, &one, 1, 0.1f, 0.9f, NULL) == FS_OK);
    fs_sgd_step(o);
    CHECK_CLOSE(p, 0.8, 1e-7);
    fs_sgd_step(o);
    CHECK_CLOSE(p, 0.42, 1e-7);
    fs_sgd_destroy(o);
}

static void test_save_load(void) {
    char path[] = "/tmp/fs_test_nn_sgd_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    float wa[33], wb[33], ga[33], gb[33];
    uint64_t s = 5;
    for (int k = 0; k < 33; k++) wa[k] = wb[k] = tr_normal(&s);
    fs_param pa = {wa, ga, 33, 2, NULL}, pb = {wb, gb, 33, 2, NULL};
    fs_sgd *A, *B, *C;
    CHECK(fs_sgd_create(&A, &pa, 1, 0.03f, 0.9f, NULL) == FS_OK);
    CHECK(fs_sgd_create(&B, &pb, 1, 0.03f, 0.9f, NULL) == FS_OK);
    A->nesterov = B->nesterov = 1;
    for (long t = 1; t <= 8; t++) {
        fs_sgd_zero_grad(A);
        fill(&pa, 1, t);
        fs_sgd_step(A);
    }
    for (long t = 1; t <= 3; t++) {
        fs_sgd_zero_grad(B);
        fill(&pb, 1, t);
        fs_sgd_step(B);
    }
    fs_err err = {0};
    CHECK(fs_sgd_save(B, path, &err) == FS_OK);
    fs_sgd_destroy(B);
    CHECK(fs_sgd_create(&C, &pb, 1, 1.0f, 0.5f, NULL) == FS_OK);
    CHECK_MSG(fs_sgd_load(C, path, &err) == FS_OK, "%s", err.msg);
    CHECK(C->step == 3 && C->nesterov == 1 && C->lr[2] == 0.03f && C->momentum == 0.9f);
    for (long t = 4; t <= 8; t++) {
        fs_sgd_zero_grad(C);
        fill(&pb, 1, t);
        fs_sgd_step(C);
    }
    CHECK_MSG(memcmp(wa, wb, sizeof wa) == 0 && memcmp(A->buf, C->buf, sizeof wa) == 0,
              "sgd save/load/continue bit-identical");
    printf("OK sgd save -> load -> continue bit-identical\n");
    /* an Adam file is not an SGD file and vice versa */
    fs_err e = {0};
    CHECK(fs_sgd_load(C, "/nonexistent.state", &e) != FS_OK);
    FILE *f = fopen(path, "r+b");
    fseek(f, 16, SEEK_SET); /* inside the kind string "sgd" */
    fputc('X', f);
    fclose(f);
    CHECK(fs_sgd_load(C, path, &e) != FS_OK);
    printf("OK refused a modified file: %s\n", e.msg);
    unlink(path);
    fs_sgd_destroy(A);
    fs_sgd_destroy(C);
}

int main(void) {
    test_formulas();
    test_save_load();
    return check_finish();
}
