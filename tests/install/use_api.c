/* A program outside the tree, built by tests/install/test_install.sh with
 * `cc use_api.c $(pkg-config --cflags --libs facestitch)`: the installed header and library work. */
#include <facestitch.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    facestitch_params p;
    facestitch_params_init(&p);
    printf("facestitch %s\n", facestitch_version());
    if (p.pti_steps <= 0 || p.stitch != 1) return 1;
    /* a missing input (and no models): non-zero with a message, no output */
    char err[1024] = "";
    p.edit = "age=-6";
    int rc = facestitch_edit(argc > 1 ? argv[1] : "missing.mp4", argc > 2 ? argv[2] : "out.mp4", &p, err, sizeof err);
    printf("edit of a missing video: %d: %s\n", rc, err);
    return rc != 0 && strlen(err) > 0 ? 0 : 1;
}
