/* fs_rng reproduces NumPy's np.random.RandomState(seed) (values known from NumPy itself). */
#include "check.h"
#include "core/rng.h"

int main(void) {
    fs_rng r;
    fs_rng_seed(&r, 0);
    CHECK_CLOSE(fs_rng_uniform(&r), 0.5488135039273248, 1e-15); /* RandomState(0).random_sample() */
    fs_rng_seed(&r, 0);
    const double want0[5] = {1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458,
                             1.8675579901499675}; /* RandomState(0).randn(5) */
    for (int i = 0; i < 5; i++) CHECK_CLOSE(fs_rng_normal(&r), want0[i], 1e-13);
    fs_rng_seed(&r, 42);
    const double want42[4] = {0.4967141530112327, -0.13826430117118466, 0.6476885381006925, 1.5230298564080254};
    for (int i = 0; i < 4; i++) CHECK_CLOSE(fs_rng_normal(&r), want42[i], 1e-13);
    /* MT19937 reference: init_genrand(5489) first output 3499211612 */
    fs_rng_seed(&r, 5489);
    CHECK(fs_rng_u32(&r) == 3499211612u);
    float z[4];
    fs_rng_seed(&r, 42);
    fs_rng_normal_f32(&r, z, 4);
    CHECK(z[0] == (float)0.4967141530112327);
    return check_finish();
}
