/* healthcheck.c - rtdash-healthcheck: exit 0 if an HTTP GET answers 200, else 1.
 *
 * Container healthchecks without curl in the image:
 *
 *     rtdash-healthcheck                  GET http://127.0.0.1:$RTDASH_PORT/healthz (port 8080 by
 * default) rtdash-healthcheck URL              GET URL, of the form http://HOST[:PORT][/PATH]
 *
 * The whole check is bounded by 5 s. Only the status line is read. */
// SPDX-License-Identifier: MIT
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int s_usage(void)
{
    fputs("usage: rtdash-healthcheck [http://HOST[:PORT][/PATH]]\n", stderr);
    return 2;
}

int main(int argc, char **argv)
{
    char host[256] = "127.0.0.1", port[16], path[1024] = "/healthz";
    const char *env = getenv("RTDASH_PORT");
    snprintf(port, sizeof(port), "%s", env && *env ? env : "8080");
    if (argc > 2 || (argc == 2 && strncmp(argv[1], "http://", 7)))
        return s_usage();
    if (argc == 2) {
        const char *u = argv[1] + 7;
        size_t n = strcspn(u, ":/");
        if (n == 0 || n >= sizeof(host))
            return s_usage();
        memcpy(host, u, n);
        host[n] = '\0';
        u += n;
        snprintf(port, sizeof(port), "80");
        if (*u == ':') {
            n = strcspn(++u, "/");
            if (n == 0 || n >= sizeof(port))
                return s_usage();
            memcpy(port, u, n);
            port[n] = '\0';
            u += n;
        }
        if (snprintf(path, sizeof(path), "%s", *u ? u : "/") >= (int)sizeof(path))
            return s_usage();
    }
    alarm(5); /* default action of SIGALRM: the process ends, the check fails */

    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "rtdash-healthcheck: %s: %s\n", host, gai_strerror(rc));
        return 1;
    }
    int fd = -1;
    for (const struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        fprintf(stderr, "rtdash-healthcheck: cannot connect to %s:%s\n", host, port);
        return 1;
    }
    char buf[2048];
    int len = snprintf(buf, sizeof(buf), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, host);
    if (len < 0 || len >= (int)sizeof(buf) || send(fd, buf, (size_t)len, MSG_NOSIGNAL) != len) {
        fprintf(stderr, "rtdash-healthcheck: cannot send the request\n");
        close(fd);
        return 1;
    }
    size_t got = 0;
    ssize_t r;
    while (got < 12 && (r = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
        got += (size_t)r;
    close(fd);
    buf[got] = '\0';
    /* "HTTP/1.x 200 ..." */
    if (got < 12 || strncmp(buf, "HTTP/1.", 7) || strncmp(buf + 8, " 200", 4)) {
        buf[strcspn(buf, "\r\n")] = '\0';
        fprintf(stderr, "rtdash-healthcheck: http://%s:%s%s answered \"%s\"\n", host, port, path,
                buf);
        return 1;
    }
    return 0;
}
