/* The sim device: device memory is unreadable from host code outside backend calls (a forked child that reads it
 * dies with SIGSEGV at exactly that address), while the ops and the explicit copies see it normally. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "core/threads.h"
#include "tensor/backend.h"
#include "tensor/devops.h"
#include "tensor/device.h"

static const float *volatile expected_fault; /* volatile: stored before the faulting read */

static void on_segv(int sig, siginfo_t *si, void *uc) {
    (void)sig, (void)uc;
    _exit(si->si_addr == (void *)expected_fault ? 42 : 43);
}

/* Runs a host read of p in a child; returns its exit status (42: SIGSEGV at p; 0: the read worked). */
static int child_reads(const float *p) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_segv;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGSEGV, &sa, NULL);
        sigaction(SIGBUS, &sa, NULL);
        expected_fault = p;
        volatile float v = *(volatile const float *)p; /* the forbidden host read */
        (void)v;
        _exit(0);
    }
    int st = 0;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

int main(void) {
    fs_threads_init(2);
    fs_err err = {0};
    CHECK(fs_device_select("sim", &err) == FS_OK);
    CHECK(!strcmp(fs_backend_get()->name, "sim") && !fs_dev_is_host());
    long n = 1000;
    float host[1000], back[1000];
    for (long i = 0; i < n; i++) host[i] = (float)i - 3.5f;
    float *d = fs_dev_alloc_f32(n, &err), *e = fs_dev_alloc_f32(n, &err);
    CHECK(d && e && fs_sim_is_device(d) && fs_sim_is_device(d + n - 1) && !fs_sim_is_device(host));
    /* explicit copies and ops see the memory */
    fs_dev_upload(d, host, sizeof host);
    fs_dev_copy(e, d, sizeof host);
    fs_add(e, d, n); /* e = 2 d */
    long calls = fs_sim_calls();
    fs_dev_download(back, e, sizeof back);
    CHECK(fs_sim_calls() == calls + 1);
    int same = 1;
    for (long i = 0; i < n; i++) same &= back[i] == 2 * host[i];
    CHECK_MSG(same, "upload/copy/add/download round trip");
    /* a host read of device memory crashes, at that address; a read of host memory does not */
    int rc = child_reads(d + 17);
    CHECK_MSG(rc == 42, "host read of sim device memory: child status %d (42 = SIGSEGV at the address)", rc);
    rc = child_reads(e);
    CHECK_MSG(rc == 42, "host read of a second buffer: child status %d", rc);
    CHECK_MSG(child_reads(host + 17) == 0, "control: host memory is readable");
    /* a freed buffer leaves the device */
    fs_dev_free(e);
    CHECK(!fs_sim_is_device(e));
    fs_dev_free(d);
    CHECK(fs_device_select("warp-drive", &err) == FS_ERR && strstr(err.msg, "unknown device"));
    CHECK(fs_device_select("cuda:x", &err) == FS_ERR);
    CHECK(fs_device_select("cpu", &err) == FS_OK && fs_dev_is_host());
    printf("OK sim device: host reads fault, ops and copies work\n");
    fs_threads_shutdown();
    return check_finish();
}
