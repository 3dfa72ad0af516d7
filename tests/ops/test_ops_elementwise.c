/* Broadcasting binary ops, scale, unary math and reductions: forwards against explicit loops /
 * double definitions, backwards (incl. reductions over broadcast axes) against finite
 * differences. */
#include "ops_test.h"
#include "tensor/elementwise.h"
#include "tensor/reduce.h"
#include "tensor/unary.h"

static double ref_binop(fs_binop op, double a, double b) {
    return op == FS_ADD ? a + b : op == FS_SUB ? a - b : op == FS_MUL ? a * b : a / b;
}

typedef struct {
    ot_loss l;
    fs_binop op;
    const float *a, *b;
    const int64_t *as, *bs, *os;
    int nd;
} bin_ctx;

static void bin_fwd(void *self) {
    bin_ctx *c = self;
    fs_binary_forward(c->op, c->l.out, c->a, c->as, c->b, c->bs, c->os, c->nd);
}

static void test_binary(uint64_t *s) {
    /* out (2,3,4,5); pairs of operand shapes exercising every broadcast pattern */
    static const int64_t os[4] = {2, 3, 4, 5};
    static const int64_t shapes[][2][4] = {
        {{2, 3, 4, 5}, {2, 3, 4, 5}}, {{2, 3, 4, 5}, {1, 3, 1, 1}}, {{1, 3, 1, 5}, {2, 1, 4, 1}},
        {{2, 3, 4, 1}, {1, 1, 1, 5}}, {{1, 1, 1, 1}, {2, 3, 4, 5}},
    };
    const char *opn[] = {"add", "sub", "mul", "div"};
    const long n = 2 * 3 * 4 * 5;
    float *y = ot_alloc(n), *want = ot_alloc(n), *r = ot_normal(n, 1.0f, s);
    float *a = ot_alloc(n), *b = ot_alloc(n), *da = ot_alloc(n), *db = ot_alloc(n);
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++) {
        const int64_t *as = shapes[t][0], *bs = shapes[t][1];
        const long na = as[0] * as[1] * as[2] * as[3], nb = bs[0] * bs[1] * bs[2] * bs[3];
        for (int op = FS_ADD; op <= FS_DIV; op++) {
            tr_fill_normal(a, na, 1.0f, s);
            tr_fill_uniform(b, nb, 0.5f, 2.0f, s); /* away from 0 for div */
            for (long i = 0; i < nb; i += 2) b[i] = -b[i];
            fs_binary_forward((fs_binop)op, y, a, as, b, bs, os, 4);
            for (int i0 = 0; i0 < 2; i0++)
                for (int i1 = 0; i1 < 3; i1++)
                    for (int i2 = 0; i2 < 4; i2++)
                        for (int i3 = 0; i3 < 5; i3++) {
#define IDX(sh)                                                                                                        \
    ((((sh[0] == 1 ? 0 : i0) * sh[1] + (sh[1] == 1 ? 0 : i1)) * sh[2] + (sh[2] == 1 ? 0 : i2)) * sh[3] +               \
     (sh[3] == 1 ? 0 : i3))
                            want[((i0 * 3 + i1) * 4 + i2) * 5 + i3] =
                                (float)ref_binop((fs_binop)op, a[IDX(as)], b[IDX(bs)]);
#undef IDX
                        }
            char name[128];
            snprintf(name, sizeof name, "%s (%lldx%lldx%lldx%lld) . (%lldx%lldx%lldx%lld)", opn[op], (long long)as[0],
                     (long long)as[1], (long long)as[2], (long long)as[3], (long long)bs[0], (long long)bs[1],
                     (long long)bs[2], (long long)bs[3]);
            check_allclose(name, y, want, n, 0, 1e-7);
            fs_binary_backward((fs_binop)op, da, db, r, a, as, b, bs, os, 4);
            bin_ctx ctx = {{bin_fwd, y, r, n}, (fs_binop)op, a, b, as, bs, os, 4};
            char gn[160];
            snprintf(gn, sizeof gn, "%s.da", name);
            gradcheck(gn, a, na, da, ot_loss_fn, &ctx, 1e-2, 1e-4, 2e-3, 200);
            snprintf(gn, sizeof gn, "%s.db", name);
            gradcheck(gn, b, nb, db, ot_loss_fn, &ctx, 1e-3, 1e-4, 2e-3, 200);
        }
    }
    /* lower rank (pad with leading 1s yourself) and a 0-d scalar op */
    int64_t s2[2] = {3, 1}, s2b[2] = {1, 4}, s2o[2] = {3, 4};
    float u[3] = {1, 2, 3}, v[4] = {10, 20, 30, 40}, o[12];
    fs_binary_forward(FS_ADD, o, u, s2, v, s2b, s2o, 2);
    CHECK(o[0] == 11 && o[3] == 41 && o[4] == 12 && o[11] == 43);
    float p = 6, q = 3, pq;
    fs_binary_forward(FS_DIV, &pq, &p, NULL, &q, NULL, NULL, 0);
    CHECK(pq == 2.0f);
    /* scale */
    float sc[3];
    fs_scale_forward(sc, u, -2.0f, 3);
    CHECK(sc[0] == -2 && sc[2] == -6);
    fs_scale_backward(sc, u, 0.5f, 3);
    CHECK(sc[1] == 1.0f);
    free(y), free(want), free(r), free(a), free(b), free(da), free(db);
}

typedef struct {
    ot_loss l;
    fs_unop op;
    const float *x;
    float p;
} un_ctx;

static void un_fwd(void *self) {
    un_ctx *c = self;
    fs_unary_forward(c->op, c->l.out, c->x, c->l.n_out, c->p);
}

static void test_unary(uint64_t *s) {
    const long n = 301;
    const char *names[] = {"sqrt", "rsqrt", "exp", "log", "pow"};
    const float pows[] = {2.5f, 2.0f, 1.0f, 0.0f, -1.0f, 3.0f};
    float *x = ot_alloc(n), *y = ot_alloc(n), *want = ot_alloc(n), *r = ot_normal(n, 1.0f, s), *dx = ot_alloc(n);
    for (int op = FS_SQRT; op <= FS_POW; op++)
        for (int k = 0; k < (op == FS_POW ? 6 : 1); k++) {
            const float p = op == FS_POW ? pows[k] : 0.0f;
            tr_fill_uniform(x, n, 0.5f, 2.0f, s);
            fs_unary_forward((fs_unop)op, y, x, n, p);
            for (long i = 0; i < n; i++) {
                double v = x[i];
                want[i] = (float)(op == FS_SQRT    ? sqrt(v)
                                  : op == FS_RSQRT ? 1 / sqrt(v)
                                  : op == FS_EXP   ? exp(v)
                                  : op == FS_LOG   ? log(v)
                                                   : pow(v, p));
            }
            char name[64];
            snprintf(name, sizeof name, "%s.forward (p=%g)", names[op], p);
            check_allclose(name, y, want, n, 1e-7, 2e-7);
            fs_unary_backward((fs_unop)op, dx, r, op >= FS_LOG ? x : NULL, op < FS_LOG ? y : NULL, n, p);
            un_ctx ctx = {{un_fwd, y, r, n}, (fs_unop)op, x, p};
            snprintf(name, sizeof name, "%s.din (p=%g)", names[op], p);
            gradcheck(name, x, n, dx, ot_loss_fn, &ctx, 1e-3, 1e-4, 2e-3, 301);
        }
    free(x), free(y), free(want), free(r), free(dx);
}

typedef struct {
    ot_loss l;
    const float *x;
    const int64_t *shape;
    int nd;
    unsigned mask;
    int mean;
} rd_ctx;

static void rd_fwd(void *self) {
    rd_ctx *c = self;
    fs_reduce_forward(c->l.out, c->x, c->shape, c->nd, c->mask, c->mean);
}

static void test_reduce(uint64_t *s) {
    static const int64_t sh[4] = {3, 4, 5, 2};
    const long n = 3 * 4 * 5 * 2;
    float *x = ot_normal(n, 1.0f, s), *y = ot_alloc(n), *want = ot_alloc(n), *dx = ot_alloc(n), *r = ot_alloc(n);
    for (unsigned mask = 0; mask < 16; mask++)
        for (int mean = 0; mean <= 1; mean++) {
            int64_t os[4];
            long nout = 1, cnt = 1;
            for (int i = 0; i < 4; i++) {
                os[i] = (mask >> i) & 1 ? 1 : sh[i];
                nout *= os[i];
                if ((mask >> i) & 1) cnt *= sh[i];
            }
            double acc[120] = {0};
            for (int i0 = 0; i0 < 3; i0++)
                for (int i1 = 0; i1 < 4; i1++)
                    for (int i2 = 0; i2 < 5; i2++)
                        for (int i3 = 0; i3 < 2; i3++) {
                            long o =
                                (((mask & 1 ? 0 : i0) * os[1] + (mask & 2 ? 0 : i1)) * os[2] + (mask & 4 ? 0 : i2)) *
                                    os[3] +
                                (mask & 8 ? 0 : i3);
                            acc[o] += x[((i0 * 4 + i1) * 5 + i2) * 2 + i3];
                        }
            for (long o = 0; o < nout; o++) want[o] = (float)(mean ? acc[o] / cnt : acc[o]);
            fs_reduce_forward(y, x, sh, 4, mask, mean);
            char name[64];
            snprintf(name, sizeof name, "reduce mask=%u %s", mask, mean ? "mean" : "sum");
            check_allclose(name, y, want, nout, 1e-6, 1e-6);
            tr_fill_normal(r, nout, 1.0f, s);
            fs_reduce_backward(dx, r, sh, 4, mask, mean);
            rd_ctx ctx = {{rd_fwd, y, r, nout}, x, sh, 4, mask, mean};
            snprintf(name, sizeof name, "reduce mask=%u %s .din", mask, mean ? "mean" : "sum");
            if (mask == 5 || mask == 15 || mask == 0 || mask == 10)
                gradcheck(name, x, n, dx, ot_loss_fn, &ctx, 1e-2, 1e-4, 1e-3, 120);
        }
    /* precision: the mean of 1e6 values of 1 + 1e-4 (float accumulation would drift) */
    const long big = 1000000;
    float *ones = ot_alloc(big), m;
    for (long i = 0; i < big; i++) ones[i] = 1.0001f;
    int64_t bs[1] = {big};
    fs_reduce_forward(&m, ones, bs, 1, 1u, 1);
    CHECK_CLOSE(m, 1.0001f, 1e-7);
    free(ones);
    free(x), free(y), free(want), free(dx), free(r);
}

int main(void) {
    uint64_t s = 99;
    test_binary(&s);
    test_unary(&s);
    test_reduce(&s);
    return check_finish();
}
