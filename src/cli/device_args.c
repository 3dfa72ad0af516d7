/* device_args.c — the --device / --precision global options (env FS_DEVICE): selects the backend once, before
 * the command runs, and refuses commands that are not on the device seam yet (docs/gpu.md lists them). */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "tensor/device.h"

/* Commands whose every model call goes through the device seam (device memory never read by host code). */
static int on_the_seam(int argc, char **argv) {
    return argc >= 2 && !strcmp(argv[0], "bench") && !strcmp(argv[1], "generator");
}

int fs_cli_device_setup(int argc, char **argv, fs_err *err) {
    const char *spec = fs_cli_globals.device ? fs_cli_globals.device : getenv("FS_DEVICE");
    fs_precision p = FS_PRECISION_FP32;
    if (fs_cli_globals.precision && fs_precision_parse(fs_cli_globals.precision, &p, err)) return FS_ERR;
    if (fs_device_select(spec, err)) return FS_ERR;
    fs_precision_set(p);
    if (!fs_dev_is_host() && !on_the_seam(argc, argv)) {
        fs_errorf(err, "--device %s: this command does not run on the device yet (only `bench generator` does; "
                       "docs/gpu.md); use --device cpu", spec);
        fs_device_select("cpu", NULL);
        return FS_ERR;
    }
    if (p != FS_PRECISION_FP32 && !fs_dev_is_host() && strncmp(spec, "cuda", 4))
        fs_warn("--precision %s has no effect on %s (fp32 kernels)", fs_precision_name(p), spec);
    if (!fs_dev_is_host() || (spec && *spec)) {
        char buf[256];
        fs_info("device: %s", fs_device_describe(buf, sizeof buf));
    }
    return FS_OK;
}
