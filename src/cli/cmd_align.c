/* cmd_align.c — `facestitch align` (not implemented yet). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int fs_cmd_align(int argc, char **argv) {
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("Usage: facestitch align ...\n\nNot implemented yet in this build.\n");
        return 0;
    }
    fprintf(stderr, "facestitch: align: not implemented yet in this build\n");
    return 1;
}
