/* Tensor creation, views and strided copies. */
#include "check.h"
#include "tensor/tensor.h"

int main(void) {
    fs_err err = {0};
    int64_t shape[3] = {2, 3, 4};
    fs_tensor *t = fs_tensor_create(3, shape, &err);
    CHECK(t != NULL);
    CHECK(fs_tensor_numel(t) == 24 && fs_tensor_nbytes(t) == 96);
    CHECK(t->strides[0] == 48 && t->strides[1] == 16 && t->strides[2] == 4);
    float *p = fs_tensor_f32(t);
    for (int i = 0; i < 24; i++) p[i] = (float)i;
    fs_tensor s = fs_tensor_view_slice(t, 1, 1, 3);
    CHECK(!fs_tensor_is_contiguous(&s) && s.shape[1] == 2);
    CHECK(((float *)s.data)[0] == 4.0f);
    int perm[3] = {2, 0, 1};
    fs_tensor v = fs_tensor_view_permute(t, perm);
    int64_t vs[3] = {4, 2, 3};
    fs_tensor *c = fs_tensor_create(3, vs, &err);
    fs_tensor_copy(c, &v);
    float *q = fs_tensor_f32(c);
    /* c[k][i][j] == t[i][j][k] */
    int ok = 1;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 4; k++) ok &= q[k * 6 + i * 3 + j] == p[i * 12 + j * 4 + k];
    CHECK(ok);
    char buf[64];
    CHECK(strcmp(fs_tensor_shape_str(c, buf, sizeof buf), "[4, 2, 3]") == 0);
    int64_t bad[2] = {-1, 3};
    CHECK(fs_tensor_create(2, bad, &err) == NULL);
    int64_t huge[3] = {1LL << 40, 1LL << 40, 1LL << 40};
    CHECK(fs_tensor_create(3, huge, &err) == NULL);
    int64_t zero_huge[3] = {0, 100000000000LL, 100000000000LL}; /* 0 bytes, but strides overflow int64 */
    CHECK(fs_tensor_create(3, zero_huge, &err) == NULL);
    int64_t zero_ok[3] = {0, 5, 7};
    fs_tensor *z = fs_tensor_create(3, zero_ok, &err);
    CHECK(z != NULL && fs_tensor_numel(z) == 0 && z->strides[0] == 140);
    fs_tensor_destroy(z);
    fs_tensor_destroy(c);
    fs_tensor_destroy(t);
    return check_finish();
}
