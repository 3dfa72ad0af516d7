/* Adam against the torch.optim.Adam formulas evaluated in double (bias correction at steps
 * 1, 2, 3..., weight decay as L2, eps added to sqrt(v_hat), per-group learning rates, frozen
 * parameters), save -> load -> continue equals an uninterrupted run bit for bit, and state
 * files that are wrong in every way we can think of are refused with the optimiser untouched. */
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "core/threads.h"
#include "gradcheck.h"
#include "nn/adam.h"

/* deterministic "gradient" depending on the parameter value and the step */
static float grad_of(float p, long k, long t) {
    return sinf(1.7f * p + 0.3f * (float)k + 0.9f * (float)t) + 0.1f * (float)(k % 3);
}

static void fill_grads(fs_param *ps, int n, long t) {
    for (int i = 0; i < n; i++)
        if (ps[i].grad)
            for (long k = 0; k < ps[i].n; k++) ps[i].grad[k] += grad_of(ps[i].data[k], k + 100 * i, t);
}

static void test_formulas(void) {
    /* three params: group 0 (lr 0.1), group 1 (lr 0.003), one frozen */
    float w[7], b[3], fz[2] = {5, 6}, dw[7] = {0}, db[3] = {0};
    double rw[7], rb[3], mw[7] = {0}, vw[7] = {0}, mb[3] = {0}, vb[3] = {0};
    uint64_t s = 11;
    for (int k = 0; k < 7; k++) rw[k] = w[k] = tr_normal(&s);
    for (int k = 0; k < 3; k++) rb[k] = b[k] = tr_normal(&s);
    fs_param ps[3] = {{w, dw, 7, 0, "w"}, {b, db, 3, 1, "b"}, {fz, NULL, 2, 0, "frozen"}};
    for (int wdi = 0; wdi < 2; wdi++) {
        const double wd = wdi ? 0.01 : 0.0;
        fs_adam *a;
        fs_err err = {0};
        CHECK(fs_adam_create(&a, ps, 3, 0.1f, 0.9f, 0.999f, 1e-8f, &err) == FS_OK);
        fs_adam_set_group_lr(a, 1, 0.003f);
        a->weight_decay = (float)wd;
        for (int k = 0; k < 7; k++) mw[k] = vw[k] = 0;
        for (int k = 0; k < 3; k++) mb[k] = vb[k] = 0;
        for (long t = 1; t <= 5; t++) {
            fs_adam_zero_grad(a);
            fill_grads(ps, 3, t);
            double hand[7];
            for (int k = 0; k < 7; k++) /* step 1: m_hat = g, v_hat = g^2 -> p -= lr g / (|g| + eps) */
                hand[k] = (double)w[k] - 0.1 * (double)dw[k] / (fabs((double)dw[k]) + 1e-8);
            const double bc1 = 1 - pow(0.9, (double)t), bc2 = 1 - pow(0.999, (double)t);
            for (int k = 0; k < 7; k++) {
                double g = (double)dw[k] + wd * (double)w[k];
                mw[k] = 0.9 * mw[k] + 0.1 * g;
                vw[k] = 0.999 * vw[k] + 0.001 * g * g;
                rw[k] = (double)w[k] - (double)0.1f * (mw[k] / bc1) / (sqrt(vw[k] / bc2) + 1e-8);
            }
            for (int k = 0; k < 3; k++) {
                double g = (double)db[k] + wd * (double)b[k];
                mb[k] = 0.9 * mb[k] + 0.1 * g;
                vb[k] = 0.999 * vb[k] + 0.001 * g * g;
                rb[k] = (double)b[k] - (double)0.003f * (mb[k] / bc1) / (sqrt(vb[k] / bc2) + 1e-8);
            }
            fs_adam_step(a);
            CHECK(a->step == t);
            float fw[7], fb[3], fm[7], fv[7];
            for (int k = 0; k < 7; k++) fw[k] = (float)rw[k], fm[k] = (float)mw[k], fv[k] = (float)vw[k];
            for (int k = 0; k < 3; k++) fb[k] = (float)rb[k];
            char name[128];
            snprintf(name, sizeof name, "adam wd=%g step %ld: w (lr 0.1)", wd, t);
            check_allclose(name, w, fw, 7, 1e-6, 1e-6);
            snprintf(name, sizeof name, "adam wd=%g step %ld: b (group lr 0.003)", wd, t);
            check_allclose(name, b, fb, 3, 1e-7, 1e-6);
            snprintf(name, sizeof name, "adam wd=%g step %ld: m", wd, t);
            check_allclose(name, a->m, fm, 7, 1e-7, 1e-6);
            snprintf(name, sizeof name, "adam wd=%g step %ld: v", wd, t);
            check_allclose(name, a->v, fv, 7, 1e-9, 1e-6);
            if (t == 1 && wdi == 0) { /* the first update is exactly lr-sized: |m_hat| / sqrt(v_hat) = 1 */
                float fh[7];
                for (int k = 0; k < 7; k++) fh[k] = (float)hand[k];
                check_allclose("adam step 1 = lr * sign(g)", w, fh, 7, 1e-6, 1e-6);
            }
            for (int k = 0; k < 7; k++) rw[k] = w[k];
            for (int k = 0; k < 3; k++) rb[k] = b[k];
        }
        CHECK(fz[0] == 5 && fz[1] == 6); /* frozen: untouched */
        fs_adam_destroy(a);
    }
    /* a literal hand value: p = 1, g = 0.5 every step, lr 0.1, betas (0.9, 0.999), eps 1e-8:
     * step 1: m_hat = 0.5, v_hat = 0.25 -> p = 1 - 0.1 * 0.5 / (0.5 + 1e-8) = 0.90000000200
     * constant g keeps m_hat = g and v_hat = g^2 at every step -> p_t = 1 - 0.1 t (to ~1e-7) */
    float p = 1.0f, g = 0.5f;
    fs_param one = {&p, &g, 1, 0, NULL};
    fs_adam *a;
    CHECK(fs_adam_create(&a, &one, 1, 0.1f, 0.9f, 0.999f, 1e-8f, NULL) == FS_OK);
    fs_adam_step(a);
    CHECK_CLOSE(p, 0.9, 1e-7);
    fs_adam_step(a);
    CHECK_CLOSE(p, 0.8, 2e-7);
    fs_adam_step(a);
    CHECK_CLOSE(p, 0.7, 3e-7);
    /* the eps placement: with v tiny, eps dominates: g = 1e-9, step 1: p -= 0.1 * 1e-9 / (1e-9 + 1e-8) */
    p = 0.0f, g = 1e-9f;
    fs_adam *a2;
    CHECK(fs_adam_create(&a2, &one, 1, 0.1f, 0.9f, 0.999f, 1e-8f, NULL) == FS_OK);
    fs_adam_step(a2);
    CHECK_CLOSE(p, -0.1 * 1e-9 / (1e-9 + 1e-8), 1e-8); /* 0.00909, not 0.1: eps is added to sqrt(v_hat) */
    fs_adam_destroy(a2);
    fs_adam_destroy(a);
}

static void run_steps(fs_adam *a, long t0, long t1) {
    for (long t = t0; t <= t1; t++) {
        fs_adam_zero_grad(a);
        fill_grads(a->params, a->n_params, t);
        fill_grads(a->params, a->n_params, t + 1000); /* two accumulated micro-batches */
        fs_adam_step(a);
    }
}

static void test_save_load(const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/adam.state", dir);
    enum { NA = 129, NB = 17 };
    float wa[NA], ba[NB], ga[NA], gb[NB], wb[NA], bb[NB], gwb[NA], gbb[NB];
    uint64_t s = 3;
    for (int k = 0; k < NA; k++) wa[k] = wb[k] = tr_normal(&s);
    for (int k = 0; k < NB; k++) ba[k] = bb[k] = tr_normal(&s);
    fs_param pa[2] = {{wa, ga, NA, 0, "layer.weight"}, {ba, gb, NB, 1, "layer.bias"}};
    fs_param pb[2] = {{wb, gwb, NA, 0, "layer.weight"}, {bb, gbb, NB, 1, "layer.bias"}};
    fs_err err = {0};
    fs_adam *A, *B, *C;
    CHECK(fs_adam_create(&A, pa, 2, 2e-2f, 0.9f, 0.99f, 1e-6f, &err) == FS_OK);
    A->weight_decay = 1e-3f;
    fs_adam_set_group_lr(A, 1, 5e-3f);
    run_steps(A, 1, 10);
    /* B: 4 steps, save, destroyed; C (fresh, other hyper-parameters) loads and does 6 more */
    CHECK(fs_adam_create(&B, pb, 2, 2e-2f, 0.9f, 0.99f, 1e-6f, &err) == FS_OK);
    B->weight_decay = 1e-3f;
    fs_adam_set_group_lr(B, 1, 5e-3f);
    run_steps(B, 1, 4);
    CHECK(fs_adam_save(B, path, &err) == FS_OK);
    fs_adam_destroy(B);
    CHECK(fs_adam_create(&C, pb, 2, 1.0f, 0.5f, 0.5f, 1.0f, &err) == FS_OK);
    int rc = fs_adam_load(C, path, &err);
    CHECK_MSG(rc == FS_OK, "%s", err.msg);
    CHECK(C->step == 4 && C->lr[1] == 5e-3f && C->lr[0] == 2e-2f && C->beta2 == 0.99f && C->weight_decay == 1e-3f);
    run_steps(C, 5, 10);
    CHECK_MSG(memcmp(wa, wb, sizeof wa) == 0 && memcmp(ba, bb, sizeof ba) == 0,
              "save/load/continue is bit-identical to an uninterrupted run (params)");
    CHECK_MSG(memcmp(A->m, C->m, sizeof(float) * (NA + NB)) == 0 && memcmp(A->v, C->v, sizeof(float) * (NA + NB)) == 0,
              "save/load/continue is bit-identical (m, v)");
    printf("OK adam save -> load -> continue bit-identical after 10 steps (w[0] %.9g)\n", wa[0]);

    /* ---- hostile / mismatched files: refused, C unchanged ---- */
    unsigned char *good = NULL;
    size_t len = 0;
    {
        FILE *f = fopen(path, "rb");
        CHECK(f != NULL);
        fseek(f, 0, SEEK_END);
        len = (size_t)ftell(f);
        fseek(f, 0, SEEK_SET);
        good = malloc(len);
        CHECK(fread(good, 1, len, f) == len);
        fclose(f);
    }
    CHECK(fs_adam_load(C, path, &err) == FS_OK); /* the reference state for the "untouched" checks */
    float m_keep[NA + NB];
    memcpy(m_keep, C->m, sizeof m_keep);
    long step_keep = C->step;
    char bad[600];
    snprintf(bad, sizeof bad, "%s/bad.state", dir);
    struct {
        const char *what;
        size_t cut;
        long flip;
        int version;
    } cases[] = {
        {"truncated", len / 2, -1, 0},
        {"truncated to header", 10, -1, 0},
        {"empty", 0, -1, 0},
        {"bit flip in m", len, (long)len - 300, 0},
        {"bit flip in magic", len, 2, 0},
        {"newer version", len, -1, 99},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char *buf = malloc(len);
        memcpy(buf, good, len);
        if (cases[i].flip >= 0) buf[cases[i].flip] ^= 0x10;
        if (cases[i].version) { /* rewrite version and fix the checksum, so only the version is wrong */
            buf[8] = (unsigned char)cases[i].version;
            uint64_t h = 1469598103934665603ull;
            for (size_t k = 0; k < len - 8; k++) h = (h ^ buf[k]) * 1099511628211ull;
            for (int k = 0; k < 8; k++) buf[len - 8 + k] = (unsigned char)(h >> (8 * k));
        }
        FILE *f = fopen(bad, "wb");
        fwrite(buf, 1, cases[i].cut, f);
        fclose(f);
        fs_err e = {0};
        CHECK_MSG(fs_adam_load(C, bad, &e) != FS_OK, "%s accepted", cases[i].what);
        CHECK_MSG(strstr(e.msg, "bad.state") != NULL, "message names the file: %s", e.msg);
        if (cases[i].version) CHECK_MSG(strstr(e.msg, "newer") != NULL, "%s", e.msg);
        printf("OK refused %s: %s\n", cases[i].what, e.msg);
        free(buf);
    }
    /* mutation loop: random byte changes and truncations, half of them with a recomputed checksum so
     * that the length checks behind it are exercised; never a crash, and a refused file leaves the
     * optimiser as it was */
    {
        uint64_t rs = 2024;
        int refused = 0, accepted = 0;
        unsigned char *buf = malloc(len);
        for (int it = 0; it < 400; it++) {
            memcpy(buf, good, len);
            size_t n = len;
            const int kind = (int)(tr_next(&rs) % 3);
            if (kind == 0) n = (size_t)(tr_next(&rs) % len);
            const int flips = 1 + (int)(tr_next(&rs) % 4);
            for (int k = 0; k < flips && n > 0; k++)
                buf[tr_next(&rs) % (n > 200 ? 200 : n)] = (unsigned char)tr_next(&rs);
            if ((it & 1) && n >= 8) {
                uint64_t h = 1469598103934665603ull;
                for (size_t k = 0; k < n - 8; k++) h = (h ^ buf[k]) * 1099511628211ull;
                for (int k = 0; k < 8; k++) buf[n - 8 + k] = (unsigned char)(h >> (8 * k));
            }
            FILE *f = fopen(bad, "wb");
            fwrite(buf, 1, n, f);
            fclose(f);
            fs_err e = {0};
            if (fs_adam_load(C, bad, &e) == FS_OK) {
                accepted++;
                CHECK(C->step >= 0);
                fs_adam_load(C, path, &e); /* back to the good state */
            } else {
                refused++;
                CHECK_MSG(e.msg[0] != 0, "a refusal has a message");
            }
            CHECK(memcmp(m_keep, C->m, sizeof m_keep) == 0 && C->step == step_keep);
        }
        printf("OK mutated state files: %d refused with a message, %d accepted (mutations the format cannot see)\n",
               refused, accepted);
        free(buf);
    }
    /* a state for another model (different sizes / names) and for another optimiser */
    float w2[NA + 1], g2[NA + 1];
    memset(w2, 0, sizeof w2);
    fs_param other[2] = {{w2, g2, NA + 1, 0, "layer.weight"}, {bb, gbb, NB, 1, "layer.bias"}};
    fs_param renamed[2] = {{wb, gwb, NA, 0, "layer.w"}, {bb, gbb, NB, 1, "layer.bias"}};
    fs_adam *D;
    fs_err e = {0};
    CHECK(fs_adam_create(&D, other, 2, 1e-3f, 0.9f, 0.999f, 1e-8f, NULL) == FS_OK);
    CHECK(fs_adam_load(D, path, &e) != FS_OK && strstr(e.msg, "values"));
    printf("OK refused wrong sizes: %s\n", e.msg);
    fs_adam_destroy(D);
    CHECK(fs_adam_create(&D, renamed, 2, 1e-3f, 0.9f, 0.999f, 1e-8f, NULL) == FS_OK);
    CHECK(fs_adam_load(D, path, &e) != FS_OK && strstr(e.msg, "layer.w"));
    printf("OK refused renamed parameter: %s\n", e.msg);
    fs_adam_destroy(D);
    CHECK(fs_adam_load(C, "/nonexistent/dir/x.state", &e) != FS_OK && strstr(e.msg, "/nonexistent/dir/x.state"));
    CHECK(fs_adam_save(C, "/nonexistent/dir/x.state", &e) != FS_OK && strstr(e.msg, "/nonexistent/dir/x.state"));
    CHECK_MSG(memcmp(m_keep, C->m, sizeof m_keep) == 0 && C->step == step_keep,
              "failed loads leave the optimiser untouched");
    /* bad arguments at creation */
    fs_param badg = {wb, gwb, NA, 9, "x"};
    fs_adam *E = (fs_adam *)1;
    CHECK(fs_adam_create(&E, &badg, 1, 1e-3f, 0.9f, 0.999f, 1e-8f, &e) != FS_OK && E == NULL && strstr(e.msg, "group"));
    CHECK(fs_adam_create(&E, pa, 2, 1e-3f, 1.0f, 0.999f, 1e-8f, &e) != FS_OK);
    fs_param dup[2] = {{wa, ga, NA, 0, "same"}, {ba, gb, NB, 0, "same"}};
    CHECK(fs_adam_create(&E, dup, 2, 1e-3f, 0.9f, 0.999f, 1e-8f, &e) != FS_OK && strstr(e.msg, "same"));
    unlink(bad);
    unlink(path);
    free(good);
    fs_adam_destroy(A);
    fs_adam_destroy(C);
}

/* a parameter large enough to be split over threads: same bits with 1 and 3 threads */
static void test_threads(void) {
    const long n = 300007;
    float *x1 = malloc(sizeof(float) * n), *x3 = malloc(sizeof(float) * n), *g = malloc(sizeof(float) * n);
    uint64_t s = 8;
    tr_fill_normal(x1, n, 1.0f, &s);
    memcpy(x3, x1, sizeof(float) * n);
    fs_param p1 = {x1, g, n, 0, "big"}, p3 = {x3, g, n, 0, "big"};
    fs_adam *a1, *a3;
    CHECK(fs_adam_create(&a1, &p1, 1, 1e-3f, 0.9f, 0.999f, 1e-8f, NULL) == FS_OK);
    CHECK(fs_adam_create(&a3, &p3, 1, 1e-3f, 0.9f, 0.999f, 1e-8f, NULL) == FS_OK);
    a1->weight_decay = a3->weight_decay = 0.01f;
    for (long t = 1; t <= 3; t++) {
        for (long k = 0; k < n; k++) g[k] = grad_of(x1[k], k, t);
        fs_threads_init(1);
        fs_adam_step(a1);
        fs_threads_init(3);
        fs_adam_step(a3);
    }
    fs_threads_shutdown();
    CHECK_MSG(memcmp(x1, x3, sizeof(float) * n) == 0 && memcmp(a1->v, a3->v, sizeof(float) * n) == 0,
              "adam on 1 and 3 threads gives the same bits");
    printf("OK adam threads: %ld parameters, 1 vs 3 threads bit-identical\n", n);
    fs_adam_destroy(a1);
    fs_adam_destroy(a3);
    free(x1), free(x3), free(g);
}

int main(void) {
    test_formulas();
    test_threads();
    char dir[] = "/tmp/fs_test_nn_adam_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_save_load(dir);
    rmdir(dir);
    return check_finish();
}
