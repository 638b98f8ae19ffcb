/* A strict HTTP/1.1 client for http:// URLs (IMDS, plain-HTTP TSAs). One
 * request per connection (`Connection: close`), an overall deadline over
 * connect, send and receive, a bounded response head, Content-Length,
 * chunked, or close-delimited bodies, and a body cap that aborts as soon as
 * it is known to be exceeded. No proxy, no redirects, no keep-alive. */
#include "http.h"

#include <ctype.h>
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
    uint8_t buf[CVM_HTTP_MAX_HEAD];
    size_t pos, len;
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

/* Refills the buffer (only when empty). 1 data, 0 EOF, -1 error (msg set). */
static int fill(conn *c)
{
    if (c->pos < c->len)
        return 1;
    c->pos = c->len = 0;
    for (;;) {
        int w = wait_fd(c, POLLIN, c->deadline);
        if (w == 0)
            return timeout(c), -1;
        if (w < 0)
            return fail(c, "poll: %s", strerror(errno)), -1;
        ssize_t n = recv(c->fd, c->buf, sizeof c->buf, 0);
        if (n > 0) {
            c->len = (size_t)n;
            return 1;
        }
        if (n == 0)
            return 0;
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

/* ---- response parsing --------------------------------------------------- */

/* Reads one CRLF-terminated line (without CRLF) into line (cap bytes incl.
 * NUL). A bare LF, a NUL or an over-long line is a protocol error. */
static int read_line(conn *c, char *line, size_t cap, size_t *used_total, const char *what)
{
    size_t n = 0;
    for (;;) {
        int f = fill(c);
        if (f < 0)
            return CVM_HTTP_FAILED;
        if (f == 0)
            return fail(c, "the server closed the connection inside the %s", what);
        uint8_t ch = c->buf[c->pos++];
        if (used_total && ++*used_total > CVM_HTTP_MAX_HEAD)
            return fail(c, "the response head exceeds %d bytes", CVM_HTTP_MAX_HEAD);
        if (ch == '\r') {
            int g = fill(c);
            if (g < 0)
                return CVM_HTTP_FAILED;
            if (g == 0 || c->buf[c->pos] != '\n')
                return fail(c, "malformed %s: CR without LF", what);
            c->pos++;
            if (used_total)
                ++*used_total;
            line[n] = 0;
            return CVM_HTTP_DONE;
        }
        if (ch == '\n' || ch == 0)
            return fail(c, "malformed %s: bare LF or NUL", what);
        if (n + 1 >= cap)
            return fail(c, "the %s exceeds %zu bytes", what, cap - 1);
        line[n++] = (char)ch;
    }
}

static bool is_tchar(int ch)
{
    return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static int parse_status(conn *c, const char *l, long *status)
{
    /* HTTP/1.x SP 3DIGIT SP reason (RFC 9112 §4); 1.0 is what Python's
     * http.server and some stubs answer */
    if (strncmp(l, "HTTP/1.", 7) || (l[7] != '0' && l[7] != '1') || l[8] != ' ' || !isdigit((unsigned char)l[9]) ||
        !isdigit((unsigned char)l[10]) || !isdigit((unsigned char)l[11]) || (l[12] != ' ' && l[12] != 0))
        return fail(c, "malformed HTTP status line \"%.40s\"", l);
    *status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
    if (*status < 100 || *status > 599)
        return fail(c, "malformed HTTP status line \"%.40s\"", l);
    return CVM_HTTP_DONE;
}

typedef struct head {
    long status;
    bool chunked, has_len;
    unsigned long long content_length;
} head;

static int parse_header(conn *c, char *l, head *h)
{
    if (l[0] == ' ' || l[0] == '\t')
        return fail(c, "malformed header: obsolete line folding");
    char *colon = strchr(l, ':');
    if (!colon || colon == l)
        return fail(c, "malformed header line \"%.40s\"", l);
    for (char *p = l; p < colon; p++)
        if (!is_tchar((unsigned char)*p))
            return fail(c, "malformed header name \"%.*s\"", (int)(colon - l > 40 ? 40 : colon - l), l);
    *colon = 0;
    char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t vl = strlen(v);
    while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
        v[--vl] = 0;
    if (!strcasecmp(l, "Content-Length")) {
        if (!vl || vl > 19 || strspn(v, "0123456789") != vl)
            return fail(c, "malformed Content-Length \"%.40s\"", v);
        unsigned long long n = strtoull(v, NULL, 10);
        if (h->has_len && n != h->content_length)
            return fail(c, "conflicting Content-Length headers");
        h->has_len = true;
        h->content_length = n;
    } else if (!strcasecmp(l, "Transfer-Encoding")) {
        if (strcasecmp(v, "chunked"))
            return fail(c, "unsupported Transfer-Encoding \"%.40s\"", v);
        h->chunked = true;
    }
    return CVM_HTTP_DONE;
}

static int too_big(conn *c, size_t max)
{
    snprintf(c->msg, c->msgcap, "response larger than %zu bytes", max);
    return CVM_HTTP_TOO_BIG;
}

/* Appends up to n bytes of body (n: SIZE_MAX = until EOF). */
static int read_body(conn *c, cvm_wr *out, unsigned long long n, bool to_eof, size_t max, size_t *got)
{
    while (to_eof || n) {
        int f = fill(c);
        if (f < 0)
            return CVM_HTTP_FAILED;
        if (f == 0) {
            if (to_eof)
                return CVM_HTTP_DONE;
            return fail(c, "the server closed the connection %llu bytes short of the body", n);
        }
        size_t k = c->len - c->pos;
        if (!to_eof && k > n)
            k = (size_t)n;
        if (*got + k > max)
            return too_big(c, max);
        if (cvm_wr_bytes(out, c->buf + c->pos, k) != 0)
            return fail(c, "out of memory");
        c->pos += k;
        *got += k;
        if (!to_eof)
            n -= k;
    }
    return CVM_HTTP_DONE;
}

static int read_chunked(conn *c, cvm_wr *out, size_t max, size_t *got)
{
    char line[128];
    for (;;) {
        int e = read_line(c, line, sizeof line, NULL, "chunk size line");
        if (e)
            return e;
        size_t hl = strspn(line, "0123456789abcdefABCDEF");
        if (!hl || hl > 15 || (line[hl] && line[hl] != ';' && line[hl] != ' ' && line[hl] != '\t'))
            return fail(c, "malformed chunk size \"%.40s\"", line);
        unsigned long long n = strtoull(line, NULL, 16);
        if (n == 0)
            break;
        if (*got + n > max)
            return too_big(c, max);
        if ((e = read_body(c, out, n, false, max, got)))
            return e;
        if ((e = read_line(c, line, sizeof line, NULL, "chunk terminator")))
            return e;
        if (line[0])
            return fail(c, "malformed chunk: data longer than its size");
    }
    /* trailer section up to the empty line; its fields are ignored */
    size_t used = 0;
    for (;;) {
        char tl[1024];
        int e = read_line(c, tl, sizeof tl, &used, "chunked trailer");
        if (e)
            return e;
        if (!tl[0])
            return CVM_HTTP_DONE;
    }
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

    head h = {0};
    size_t used = 0;
    char line[CVM_HTTP_MAX_HEAD + 1];
    /* 1xx interim responses (100 Continue) precede the final one */
    for (;;) {
        if ((e = read_line(c, line, sizeof line, &used, "status line")))
            return e;
        if ((e = parse_status(c, line, &h.status)))
            return e;
        for (;;) {
            if ((e = read_line(c, line, sizeof line, &used, "response headers")))
                return e;
            if (!line[0])
                break;
            if ((e = parse_header(c, line, &h)))
                return e;
        }
        if (h.status >= 200)
            break;
        h = (head){0};
    }
    *status = h.status;
    if (h.chunked && h.has_len)
        return fail(c, "both Content-Length and Transfer-Encoding: chunked");
    size_t got = 0;
    if (!strcmp(r->method, "HEAD") || h.status == 204 || h.status == 304)
        return CVM_HTTP_DONE;
    if (h.chunked)
        return read_chunked(c, out, r->max_body, &got);
    if (h.has_len) {
        if (h.content_length > r->max_body)
            return too_big(c, r->max_body); /* before reading a byte of it */
        return read_body(c, out, h.content_length, false, r->max_body, &got);
    }
    return read_body(c, out, 0, true, r->max_body, &got);
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
