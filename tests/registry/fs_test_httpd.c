/* fs_test_httpd.c — a tiny HTTP/1.1 file server for the registry download tests.
 *
 * Listens ONLY on 127.0.0.1, on an ephemeral port that it writes to --port-file (atomically), and
 * serves files under --root with Content-Length, honouring "Range: bytes=N-" and "bytes=N-M" (206,
 * 416 when N is past the end). One request per connection (Connection: close). Bounded: exits
 * after --max-requests requests or --timeout seconds, whichever comes first.
 *
 * The first path segments choose a behaviour, so one server serves every scenario (a mirror base
 * URL may carry them: FACESTITCH_MIRROR=http://127.0.0.1:PORT/trunc/1000):
 *   /FILE                serve FILE
 *   /trunc/N/FILE        announce the full length but close after N body bytes
 *   /stall/N/FILE        send N body bytes, then stall (up to 10 s, or until the client hangs up)
 *   /bad/FILE            serve FILE with every byte flipped (same length: wrong content)
 *   /norange/FILE        ignore Range (always 200 with the whole file)
 *   /status/CODE/FILE    answer CODE with a short body (e.g. 404, 500)
 *   /redirect/FILE       302 to /FILE
 *   anything missing     404
 * Each request is appended to --log as "GET <path> range=<N|->" (flushed), so tests can assert
 * that a Range request was made.
 *
 * Usage: fs_test_httpd --root DIR --port-file F [--log F] [--max-requests N] [--timeout S]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *g_root = ".";
static FILE *g_log;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int send_all(int fd, const void *buf, size_t n) {
    const char *p = (const char *)buf;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void respond_simple(int fd, int code, const char *reason, const char *extra) {
    char body[128], head[512];
    int bl = snprintf(body, sizeof body, "%d %s\n", code, reason);
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%sConnection: close\r\n\r\n",
                      code, reason, bl, extra ? extra : "");
    send_all(fd, head, (size_t)hl);
    send_all(fd, body, (size_t)bl);
}

/* Reads the request head (up to the blank line) with a 5 s limit; returns its length or -1. */
static int read_head(int fd, char *buf, size_t cap) {
    size_t n = 0;
    double t0 = now_s();
    while (n + 1 < cap) {
        struct pollfd p = {fd, POLLIN, 0};
        int left = (int)((5.0 - (now_s() - t0)) * 1000);
        if (left <= 0 || poll(&p, 1, left) <= 0) return -1;
        ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        n += (size_t)r;
        buf[n] = 0;
        if (strstr(buf, "\r\n\r\n")) return (int)n;
    }
    return -1;
}

/* A path segment that is safe to join to the root: no "..", no empty segments. */
static int safe_rel(const char *p) {
    if (!p[0] || p[0] == '/') return 0;
    if (strstr(p, "..") || strstr(p, "//") || strchr(p, '\\')) return 0;
    return 1;
}

static void handle(int fd) {
    char req[8192];
    if (read_head(fd, req, sizeof req) < 0) return;
    char method[16], target[2048];
    if (sscanf(req, "%15s %2047s", method, target) != 2) {
        respond_simple(fd, 400, "Bad Request", NULL);
        return;
    }
    long long r0 = -1, r1 = -1;
    const char *rh = NULL;
    for (const char *line = strstr(req, "\r\n"); line; line = strstr(line + 2, "\r\n"))
        if (!strncasecmp(line + 2, "Range:", 6)) {
            rh = line + 8;
            break;
        }
    if (rh) {
        while (*rh == ' ') rh++;
        if (sscanf(rh, "bytes=%lld-%lld", &r0, &r1) < 1) r0 = -1;
    }
    if (g_log) {
        if (r0 >= 0) fprintf(g_log, "%s %s range=%lld\n", method, target, r0);
        else fprintf(g_log, "%s %s range=-\n", method, target);
        fflush(g_log);
    }
    if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
        respond_simple(fd, 405, "Method Not Allowed", NULL);
        return;
    }
    const char *p = target[0] == '/' ? target + 1 : target;
    long long trunc = -1;
    int bad = 0, norange = 0, stall = 0;
    for (;;) {
        if (!strncmp(p, "trunc/", 6) || !strncmp(p, "stall/", 6)) {
            char *end;
            stall = p[0] == 's';
            trunc = strtoll(p + 6, &end, 10);
            if (*end != '/') break;
            p = end + 1;
        } else if (!strncmp(p, "bad/", 4)) {
            bad = 1;
            p += 4;
        } else if (!strncmp(p, "norange/", 8)) {
            norange = 1;
            p += 8;
        } else if (!strncmp(p, "status/", 7)) {
            int code = atoi(p + 7);
            respond_simple(fd, code >= 200 && code < 600 ? code : 500, code == 404 ? "Not Found" : "Test Status",
                           NULL);
            return;
        } else if (!strncmp(p, "redirect/", 9)) {
            char loc[2200];
            snprintf(loc, sizeof loc, "Location: /%s\r\n", p + 9);
            respond_simple(fd, 302, "Found", loc);
            return;
        } else {
            break;
        }
    }
    char path[4096];
    if (!safe_rel(p) || snprintf(path, sizeof path, "%s/%s", g_root, p) >= (int)sizeof path) {
        respond_simple(fd, 404, "Not Found", NULL);
        return;
    }
    int f = open(path, O_RDONLY);
    struct stat st;
    if (f < 0 || fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (f >= 0) close(f);
        respond_simple(fd, 404, "Not Found", NULL);
        return;
    }
    long long size = (long long)st.st_size, start = 0, end = size - 1;
    int partial = 0;
    if (r0 >= 0 && !norange) {
        if (r0 >= size) {
            char cr[128];
            snprintf(cr, sizeof cr, "Content-Range: bytes */%lld\r\n", size);
            respond_simple(fd, 416, "Range Not Satisfiable", cr);
            close(f);
            return;
        }
        start = r0;
        if (r1 >= r0 && r1 < size) end = r1;
        partial = 1;
    }
    long long len = end - start + 1;
    char head[1024];
    int hl;
    if (partial)
        hl = snprintf(head, sizeof head,
                      "HTTP/1.1 206 Partial Content\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                      "%lld\r\nContent-Range: bytes %lld-%lld/%lld\r\nAccept-Ranges: bytes\r\nConnection: close\r\n\r\n",
                      len, start, end, size);
    else
        hl = snprintf(head, sizeof head,
                      "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %lld\r\n%s"
                      "Connection: close\r\n\r\n",
                      len, norange ? "" : "Accept-Ranges: bytes\r\n");
    if (send_all(fd, head, (size_t)hl) || !strcmp(method, "HEAD")) {
        close(f);
        return;
    }
    long long limit = trunc >= 0 && trunc < len ? trunc : len;
    if (lseek(f, start, SEEK_SET) != start) {
        close(f);
        return;
    }
    char buf[65536];
    long long sent = 0;
    while (sent < limit) {
        size_t want = (size_t)(limit - sent < (long long)sizeof buf ? limit - sent : (long long)sizeof buf);
        ssize_t r = read(f, buf, want);
        if (r <= 0) break;
        if (bad)
            for (ssize_t i = 0; i < r; i++) buf[i] = (char)~buf[i];
        if (send_all(fd, buf, (size_t)r)) break;
        sent += r;
    }
    close(f);
    if (stall) {
        /* Hold the connection open without sending, until the client gives up (or 10 s). */
        double t0 = now_s();
        char junk[256];
        while (now_s() - t0 < 10.0) {
            struct pollfd pf = {fd, POLLIN, 0};
            int pr = poll(&pf, 1, 100);
            if (pr > 0 && recv(fd, junk, sizeof junk, 0) <= 0) break;
        }
    }
}

int main(int argc, char **argv) {
    const char *port_file = NULL, *log_path = NULL;
    long max_requests = 50;
    double timeout = 30;
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "fs_test_httpd: %s needs a value\n", a);
            return 2;
        }
        if (!strcmp(a, "--root")) g_root = v;
        else if (!strcmp(a, "--port-file")) port_file = v;
        else if (!strcmp(a, "--log")) log_path = v;
        else if (!strcmp(a, "--max-requests")) max_requests = atol(v);
        else if (!strcmp(a, "--timeout")) timeout = atof(v);
        else {
            fprintf(stderr, "usage: fs_test_httpd --root DIR --port-file F [--log F] [--max-requests N] [--timeout S]\n");
            return 2;
        }
    }
    if (!port_file || max_requests < 1 || !(timeout > 0 && timeout <= 600)) {
        fprintf(stderr, "fs_test_httpd: need --port-file, --max-requests >= 1, 0 < --timeout <= 600\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        perror("fs_test_httpd: socket");
        return 1;
    }
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* 127.0.0.1 only */
    a.sin_port = 0;                             /* ephemeral */
    socklen_t al = sizeof a;
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 16) != 0 ||
        getsockname(s, (struct sockaddr *)&a, &al) != 0) {
        perror("fs_test_httpd: bind/listen");
        return 1;
    }
    if (log_path) {
        g_log = fopen(log_path, "a");
        if (!g_log) {
            perror(log_path);
            return 1;
        }
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
    FILE *pf = fopen(tmp, "w");
    if (!pf || fprintf(pf, "%d\n", ntohs(a.sin_port)) < 0 || fclose(pf) != 0 || rename(tmp, port_file) != 0) {
        perror(port_file);
        return 1;
    }
    double t0 = now_s();
    long served = 0;
    while (served < max_requests) {
        int left = (int)((timeout - (now_s() - t0)) * 1000);
        if (left <= 0) break;
        struct pollfd p = {s, POLLIN, 0};
        int pr = poll(&p, 1, left);
        if (pr < 0 && errno == EINTR) continue;
        if (pr <= 0) break;
        int c = accept(s, NULL, NULL);
        if (c < 0) continue;
        handle(c);
        shutdown(c, SHUT_WR);
        close(c);
        served++;
    }
    close(s);
    if (g_log) fclose(g_log);
    return 0;
}
