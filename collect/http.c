/* A strict HTTP/1.1 client for http:// URLs (IMDS, plain-HTTP TSAs). One
 * request per connection (`Connection: close`), an overall deadline over
 * connect, send and receive, a bounded response head, Content-Length,
 * chunked, or close-delimited bodies, and a body cap that aborts as soon as
 * it is known to be exceeded. No proxy, no redirects, no keep-alive. This
 * file only moves bytes: the response is parsed by format/http1.c (the
 * policy is in http1.h), whose errors name the field and the offset. */
#include "http.h"
#include "http1.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct conn {
    int fd;
    long deadline; /* now_ms() value */
    long total_ms;
    /* one byte over the head cap, so that a head that does not end within
     * it is seen as too long rather than as still incomplete */
    uint8_t buf[CVM_HTTP_MAX_HEAD + 1];
    char *msg;
    size_t msgcap;
} conn;

static int fail(conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(conn *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, c->msgcap, fmt, ap);
    va_end(ap);
    return CVM_HTTP_FAILED;
}

static int timeout(conn *c)
{
    /* "Timeout" is what callers and tests grep for, as with libcurl */
    return fail(c, "Timeout was reached (%ld ms)", c->total_ms);
}

/* Waits for `ev` on the socket until the deadline: 1 ready, 0 timed out. */
static int wait_fd(conn *c, short ev, long deadline)
{
    for (;;) {
        long left = deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = c->fd, .events = ev};
        int n = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
        if (n > 0)
            return 1;
        if (n < 0 && errno != EINTR)
            return -1;
    }
}

/* Receives what has arrived (waiting until the deadline): > 0 bytes, 0 EOF,
 * -1 error (msg set). */
static ssize_t recv_some(conn *c, uint8_t *p, size_t cap)
{
    for (;;) {
        int w = wait_fd(c, POLLIN, c->deadline);
        if (w == 0)
            return timeout(c), -1;
        if (w < 0)
            return fail(c, "poll: %s", strerror(errno)), -1;
        ssize_t n = recv(c->fd, p, cap, 0);
        if (n >= 0)
            return n;
        if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
            return fail(c, "Receive failure: %s", strerror(errno)), -1;
    }
}

static int send_all(conn *c, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t k = send(c->fd, p, n, MSG_NOSIGNAL);
        if (k > 0) {
            p += k;
            n -= (size_t)k;
            continue;
        }
        if (k < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
            return fail(c, "Send failure: %s", strerror(errno));
        int w = wait_fd(c, POLLOUT, c->deadline);
        if (w == 0)
            return timeout(c);
        if (w < 0)
            return fail(c, "poll: %s", strerror(errno));
    }
    return CVM_HTTP_DONE;
}

typedef struct url_parts {
    char host[256];
    char port[8];
    const char *path; /* into the URL; "" means "/" */
} url_parts;

static int parse_url(conn *c, const char *url, url_parts *u)
{
    if (strncasecmp(url, "http://", 7))
        return fail(c, "not an http:// URL");
    const char *a = url + 7;
    size_t alen = strcspn(a, "/?#");
    u->path = a + alen;
    if (strpbrk(u->path, " \t\r\n#") || memchr(a, '@', alen))
        return fail(c, "URL has characters or user info the client does not send");
    const char *h = a, *pe = NULL;
    size_t hlen;
    if (alen && a[0] == '[') {
        const char *rb = memchr(a, ']', alen);
        if (!rb)
            return fail(c, "URL: unterminated [IPv6] host");
        h = a + 1;
        hlen = (size_t)(rb - h);
        if (rb + 1 < a + alen) {
            if (rb[1] != ':')
                return fail(c, "URL: junk after [IPv6] host");
            pe = rb + 2;
        }
    } else {
        const char *colon = memchr(a, ':', alen);
        hlen = colon ? (size_t)(colon - a) : alen;
        if (colon)
            pe = colon + 1;
    }
    if (!hlen || hlen >= sizeof u->host)
        return fail(c, "URL: bad host");
    memcpy(u->host, h, hlen);
    u->host[hlen] = 0;
    if (pe) {
        size_t plen = (size_t)(a + alen - pe);
        if (!plen || plen > 5 || strspn(pe, "0123456789") < plen)
            return fail(c, "URL: bad port");
        memcpy(u->port, pe, plen);
        u->port[plen] = 0;
        long p = strtol(u->port, NULL, 10);
        if (p < 1 || p > 65535)
            return fail(c, "URL: bad port");
    } else {
        strcpy(u->port, "80");
    }
    return CVM_HTTP_DONE;
}

static int do_connect(conn *c, const url_parts *u, long connect_ms)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int g = getaddrinfo(u->host, u->port, &hints, &res);
    if (g)
        return fail(c, "Could not resolve host: %s (%s)", u->host, gai_strerror(g));
    long cdl = now_ms() + connect_ms;
    if (cdl > c->deadline)
        cdl = c->deadline;
    int last = 0;
    bool timed_out = false;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        c->fd = fd;
        int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (r == 0)
            break;
        if (errno == EINPROGRESS) {
            int w = wait_fd(c, POLLOUT, cdl);
            int se = 0;
            socklen_t sl = sizeof se;
            if (w > 0 && !getsockopt(fd, SOL_SOCKET, SO_ERROR, &se, &sl) && se == 0)
                break;
            if (w == 0)
                timed_out = true;
            last = w > 0 ? se : errno;
        } else {
            last = errno;
        }
        close(fd);
        c->fd = -1;
    }
    freeaddrinfo(res);
    if (c->fd >= 0)
        return CVM_HTTP_DONE;
    if (timed_out)
        return fail(c, "Connection timeout: could not connect to %s port %s within %ld ms", u->host, u->port,
                    connect_ms);
    return fail(c, "Failed to connect to %s port %s: %s", u->host, u->port, last ? strerror(last) : "no address");
}

/* ---- the response: bytes from the socket into format/http1.c ------------ */

static int too_big(conn *c, size_t max)
{
    snprintf(c->msg, c->msgcap, "response larger than %zu bytes", max);
    return CVM_HTTP_TOO_BIG;
}

static int parse_fail(conn *c, const cvm_err *e)
{
    if (e->code == CVM_E_TRUNCATED)
        return fail(c, "the server closed the connection %s (%s %s at offset %zu)", e->msg, e->what, e->field,
                    e->offset);
    return fail(c, "%s (%s %s at offset %zu)", e->msg, e->what, e->field, e->offset);
}

static int read_response(conn *c, const cvm_http_req *r, long *status, cvm_wr *out)
{
    cvm_err e;
    cvm_http1_head h;
    size_t len = 0;
    int rc;
    for (;;) {
        ssize_t n = recv_some(c, c->buf + len, sizeof c->buf - len);
        if (n < 0)
            return CVM_HTTP_FAILED;
        size_t was = len;
        len += (size_t)n;
        /* a head can only be complete after a LF: parsing at each LF, when
         * the buffer is full and at EOF gives the parser's verdict on the
         * whole input without re-parsing the head for every byte */
        if (n > 0 && len < sizeof c->buf && !memchr(c->buf + was, '\n', (size_t)n))
            continue;
        cvm_err_clear(&e);
        rc = cvm_http1_head_parse(c->buf, len, CVM_HTTP_MAX_HEAD, &h, &e);
        if (rc != CVM_E_TRUNCATED || n == 0)
            break;
    }
    if (rc)
        return parse_fail(c, &e);
    *status = h.status;

    cvm_http1_body d;
    rc = cvm_http1_body_init(&d, &h, !strcmp(r->method, "HEAD"), r->max_body, &e);
    const uint8_t *p = c->buf + h.head_len; /* body bytes that came with the head */
    size_t have = len - h.head_len;
    while (!rc && !cvm_http1_body_done(&d)) {
        if (have) {
            rc = cvm_http1_body_feed(&d, p, have, NULL, out, &e);
            have = 0;
            continue;
        }
        ssize_t n = recv_some(c, c->buf, sizeof c->buf);
        if (n < 0)
            return CVM_HTTP_FAILED;
        if (n == 0) {
            rc = cvm_http1_body_finish(&d, &e);
            break;
        }
        p = c->buf;
        have = (size_t)n;
    }
    if (rc)
        return d.too_big ? too_big(c, r->max_body) : parse_fail(c, &e);
    return CVM_HTTP_DONE;
}

static int exchange(conn *c, const cvm_http_req *r, const url_parts *u, long *status, cvm_wr *out)
{
    cvm_wr q;
    cvm_wr_init(&q);
    bool v6 = strchr(u->host, ':') != NULL;
    bool dflt = !strcmp(u->port, "80");
    cvm_wr_printf(&q, "%s %s%s HTTP/1.1\r\nHost: %s%s%s%s%s\r\n", r->method, u->path[0] == '/' ? "" : "/",
                  u->path, v6 ? "[" : "", u->host, v6 ? "]" : "", dflt ? "" : ":", dflt ? "" : u->port);
    for (size_t i = 0; r->headers && r->headers[i]; i++) {
        if (strpbrk(r->headers[i], "\r\n")) {
            cvm_wr_free(&q);
            return fail(c, "request header contains CR or LF");
        }
        cvm_wr_printf(&q, "%s\r\n", r->headers[i]);
    }
    if (!strcmp(r->method, "POST"))
        cvm_wr_printf(&q, "Content-Length: %zu\r\n", r->body_len);
    cvm_wr_str(&q, "Connection: close\r\n\r\n");
    if (r->body_len)
        cvm_wr_bytes(&q, r->body, r->body_len);
    if (q.failed) {
        cvm_wr_free(&q);
        return fail(c, "out of memory");
    }
    int e = send_all(c, q.p, q.len);
    cvm_wr_free(&q);
    if (e)
        return e;
    return read_response(c, r, status, out);
}

int cvm_http_plain(const cvm_http_req *r, long *status, cvm_wr *out, char *msg, size_t msgcap)
{
    *status = 0;
    conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(msg, msgcap, "out of memory");
        return CVM_HTTP_FAILED;
    }
    c->fd = -1;
    c->msg = msg;
    c->msgcap = msgcap;
    c->total_ms = r->total_timeout_ms;
    c->deadline = now_ms() + r->total_timeout_ms;
    url_parts u;
    int e = parse_url(c, r->url, &u);
    if (!e)
        e = do_connect(c, &u, r->connect_timeout_ms);
    if (!e)
        e = exchange(c, r, &u, status, out);
    if (c->fd >= 0)
        close(c->fd);
    free(c);
    return e;
}

int cvm_http_do(const cvm_http_req *r, long *status, cvm_wr *out, char *msg, size_t msgcap)
{
    if (!strncasecmp(r->url, "http://", 7))
        return cvm_http_plain(r, status, out, msg, msgcap);
    if (!strncasecmp(r->url, "https://", 8))
        return cvm_http_curl(r, status, out, msg, msgcap);
    *status = 0;
    snprintf(msg, msgcap, "unsupported URL scheme (http:// or https:// only)");
    return CVM_HTTP_FAILED;
}
