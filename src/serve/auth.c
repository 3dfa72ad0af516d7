/* auth.c — the studio's token (random, constant-time compared) and the Host check against DNS
 * rebinding: a page on another site that resolves its own name to 127.0.0.1 still sends its own
 * name as Host, and is refused. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "serve/parse.h"
#include "serve/srv.h"

int fs_srv_token_create(char out[FS_SRV_TOKEN_HEX + 1], fs_err *err) {
    unsigned char raw[FS_SRV_TOKEN_HEX / 2];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fs_errorf(err, "/dev/urandom: cannot open it for the studio's token");
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = read(fd, raw + got, sizeof raw - got);
        if (n <= 0) {
            close(fd);
            return fs_errorf(err, "/dev/urandom: short read for the studio's token");
        }
        got += (size_t)n;
    }
    close(fd);
    for (size_t i = 0; i < sizeof raw; i++) snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return FS_OK;
}

int fs_srv_token_equal(const char *want, const char *got) {
    if (!got) return 0;
    size_t wn = strlen(want), gn = strnlen(got, 4096);
    /* the loop runs over the server's token whatever was presented: no early exit on a mismatch */
    unsigned diff = (unsigned)(wn ^ gn);
    for (size_t i = 0; i < wn; i++) diff |= (unsigned char)want[i] ^ (unsigned char)(i < gn ? got[i] : 0);
    return diff == 0;
}

int fs_srv_authorized(const fs_srv *s, struct MHD_Connection *c) {
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Facestitch-Token");
    if (h && fs_srv_token_equal(s->token, h)) return 1;
    h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h && strncmp(h, "Bearer ", 7) == 0 && fs_srv_token_equal(s->token, h + 7)) return 1;
    h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
    char buf[FS_SRV_TOKEN_HEX + 8];
    if (h && fs_srv_token_equal(s->token, fs_srv_cookie_value(h, "fs_token", buf, sizeof buf))) return 1;
    return 0;
}

void fs_srv_hosts_init(fs_srv *s) {
    const char *names[] = {"127.0.0.1", "localhost", "[::1]", s->o.bind};
    s->n_hosts = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!names[i] || !names[i][0] || !strcmp(names[i], "0.0.0.0") || !strcmp(names[i], "::")) continue;
        snprintf(s->hosts[s->n_hosts++], sizeof s->hosts[0], "%s:%d", names[i], s->port);
    }
}

int fs_srv_host_ok(const fs_srv *s, struct MHD_Connection *c) {
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!h) return 0;
    for (int i = 0; i < s->n_hosts; i++)
        if (strcasecmp(h, s->hosts[i]) == 0) return 1;
    return 0;
}
