/* HTTP/1.1 response head parser and incremental body decoder: the policy
 * is in http1.h. Every byte is read through cvm_rd; the body decoder is a
 * byte-level state machine (chunk data is taken in bulk) so that where it
 * stops and what it reports do not depend on how the input was split. */
#include "http1.h"

#include <stdio.h>
#include <string.h>

#define WHAT CVM_HTTP1_WHAT

/* ---- character classes (RFC 9110 §5.6.2, §5.5) --------------------------- */

static bool is_tchar(uint8_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_ows(uint8_t c) { return c == ' ' || c == '\t'; }

/* field-vchar / SP / HTAB: what a field value or reason phrase may hold */
static bool is_text(uint8_t c) { return is_ows(c) || (c >= 0x21 && c != 0x7f); }

/* a hex digit's value, or -1 (c | 0x20 folds A-F onto a-f only) */
static int hex_digit(uint8_t c)
{
    uint8_t l = (uint8_t)(c | 0x20);
    if (c >= '0' && c <= '9')
        return c - '0';
    return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
}

/* case-insensitive equality of the n viewed bytes with s */
static bool ieq(const uint8_t *p, size_t n, const char *s)
{
    if (n != strlen(s))
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t a = p[i], b = (uint8_t)s[i];
        if (a >= 'A' && a <= 'Z')
            a = (uint8_t)(a + 32);
        if (b >= 'A' && b <= 'Z')
            b = (uint8_t)(b + 32);
        if (a != b)
            return false;
    }
    return true;
}

/* The next byte, or false at the end (nothing recorded: the caller words
 * the error). */
static bool next_u8(cvm_rd *r, uint8_t *c)
{
    cvm_err *e = r->err;
    r->err = NULL;
    bool ok = cvm_rd_u8(r, "byte", c) == CVM_OK;
    r->err = e;
    return ok;
}

/* The first bytes of a line for a message, controls shown as '.'. */
static const char *excerpt(const cvm_rd *line, char out[44])
{
    cvm_rd c = *line;
    c.err = NULL;
    c.pos = 0;
    size_t n = cvm_rd_left(&c) > 40 ? 40 : cvm_rd_left(&c);
    const uint8_t *v = NULL;
    if (cvm_rd_view(&c, "excerpt", n, &v))
        n = 0;
    for (size_t i = 0; i < n; i++)
        out[i] = v[i] >= 0x20 && v[i] < 0x7f ? (char)v[i] : '.';
    out[n] = 0;
    return out;
}

/* ---- the head ------------------------------------------------------------ */

typedef struct head_rd {
    cvm_rd r;        /* over buf[0..min(len, max_head)) */
    bool over;       /* bytes beyond max_head exist */
    size_t max_head;
} head_rd;

/* Splits off the next line: *line views its bytes without the CRLF and the
 * cursor moves past the CRLF. `inside` names the line for truncations. */
static int next_line(head_rd *hr, const char *field, const char *inside, cvm_rd *line)
{
    cvm_rd scan = hr->r;
    scan.err = NULL;
    size_t n = 0;
    uint8_t c;
    while (cvm_rd_u8(&scan, field, &c) == CVM_OK) {
        if (c == '\n')
            return cvm_rd_fail(&hr->r, CVM_E_SYNTAX, field, cvm_rd_abs(&hr->r) + n,
                               "bare LF in the %s (lines must end with CRLF)", inside);
        if (c == '\r') {
            uint8_t lf;
            if (cvm_rd_u8(&scan, field, &lf))
                break;
            if (lf != '\n')
                return cvm_rd_fail(&hr->r, CVM_E_SYNTAX, field, cvm_rd_abs(&hr->r) + n,
                                   "CR without LF in the %s", inside);
            int rc = cvm_rd_sub(&hr->r, field, n, line);
            return rc ? rc : cvm_rd_skip(&hr->r, field, 2);
        }
        n++;
    }
    if (hr->over)
        return cvm_rd_fail(&hr->r, CVM_E_LIMIT, "head", hr->max_head, "the response head exceeds %zu bytes",
                           hr->max_head);
    return cvm_rd_fail(&hr->r, CVM_E_TRUNCATED, field, hr->r.base + hr->r.len, "inside the %s", inside);
}

/* HTTP-version SP status-code [SP reason-phrase] (RFC 9112 §4) */
static int parse_status_line(cvm_rd *l, cvm_http1_head *h)
{
    char ex[44];
    size_t start = cvm_rd_abs(l);
    const uint8_t *v;
    if (cvm_rd_left(l) < 8 || cvm_rd_view(l, "status_line.http_version", 8, &v))
        return cvm_rd_fail(l, CVM_E_SYNTAX, "status_line.http_version", start,
                           "malformed HTTP status line \"%s\": no HTTP-version", excerpt(l, ex));
    if (memcmp(v, "HTTP/", 5) || v[5] < '0' || v[5] > '9' || v[6] != '.' || v[7] < '0' || v[7] > '9')
        return cvm_rd_fail(l, CVM_E_SYNTAX, "status_line.http_version", start,
                           "malformed HTTP status line \"%s\": no HTTP-version", excerpt(l, ex));
    if (v[5] != '1' || v[7] > '1')
        return cvm_rd_fail(l, CVM_E_UNSUPPORTED, "status_line.http_version", start,
                           "HTTP status line \"%s\": only HTTP/1.0 and HTTP/1.1 are supported", excerpt(l, ex));
    h->minor_version = v[7] - '0';
    uint8_t c;
    size_t at = cvm_rd_abs(l);
    if (!next_u8(l, &c) || c != ' ')
        return cvm_rd_fail(l, CVM_E_SYNTAX, "status_line", at,
                           "malformed HTTP status line \"%s\": no SP after the HTTP-version", excerpt(l, ex));
    size_t code_at = cvm_rd_abs(l);
    int code = 0;
    for (int i = 0; i < 3; i++) {
        at = cvm_rd_abs(l);
        if (!next_u8(l, &c) || c < '0' || c > '9')
            return cvm_rd_fail(l, CVM_E_SYNTAX, "status_line.status_code", at,
                               "malformed HTTP status line \"%s\": status code is not 3 digits", excerpt(l, ex));
        code = code * 10 + (c - '0');
    }
    if (code < 100 || code > 599)
        return cvm_rd_fail(l, CVM_E_VALUE, "status_line.status_code", code_at,
                           "malformed HTTP status line \"%s\": status code %d is not 100..599", excerpt(l, ex),
                           code);
    h->status = code;
    if (!cvm_rd_left(l))
        return CVM_OK; /* no SP and reason: tolerated */
    at = cvm_rd_abs(l);
    if (!next_u8(l, &c) || c != ' ')
        return cvm_rd_fail(l, CVM_E_SYNTAX, "status_line.status_code", at,
                           "malformed HTTP status line \"%s\": status code is not 3 digits", excerpt(l, ex));
    while (cvm_rd_left(l)) {
        at = cvm_rd_abs(l);
        int rc = cvm_rd_u8(l, "status_line.reason_phrase", &c);
        if (rc)
            return rc;
        if (!is_text(c))
            return cvm_rd_fail(l, CVM_E_SYNTAX, "status_line.reason_phrase", at,
                               "malformed HTTP status line \"%s\": control byte 0x%02x in the reason phrase",
                               excerpt(l, ex), c);
    }
    return CVM_OK;
}

static int parse_content_length(cvm_rd *l, const uint8_t *v, size_t n, size_t voff, cvm_http1_head *h)
{
    if (!n)
        return cvm_rd_fail(l, CVM_E_SYNTAX, "content_length", voff, "empty Content-Length");
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return cvm_rd_fail(l, CVM_E_SYNTAX, "content_length", voff + i,
                               "malformed Content-Length: byte 0x%02x is not a digit", v[i]);
        unsigned d = v[i] - '0';
        if (x > (UINT64_MAX - d) / 10)
            return cvm_rd_fail(l, CVM_E_VALUE, "content_length", voff + i,
                               "Content-Length overflows 64 bits");
        x = x * 10 + d;
    }
    if (h->chunked)
        return cvm_rd_fail(l, CVM_E_VALUE, "content_length", voff,
                           "both Transfer-Encoding: chunked and Content-Length (RFC 9112 §6.3)");
    if (h->has_content_length && x != h->content_length)
        return cvm_rd_fail(l, CVM_E_VALUE, "content_length", voff,
                           "conflicting Content-Length headers (%llu, then %llu)",
                           (unsigned long long)h->content_length, (unsigned long long)x);
    if (!h->has_content_length)
        h->content_length_off = voff;
    h->has_content_length = true;
    h->content_length = x;
    return CVM_OK;
}

static int parse_transfer_encoding(cvm_rd *l, const uint8_t *v, size_t n, size_t voff, cvm_http1_head *h)
{
    if (!ieq(v, n, "chunked")) {
        char ex[44];
        cvm_rd sv;
        cvm_rd_init(&sv, v, n, WHAT, NULL);
        return cvm_rd_fail(l, CVM_E_UNSUPPORTED, "transfer_encoding", voff,
                           "unsupported Transfer-Encoding \"%s\" (only chunked)", excerpt(&sv, ex));
    }
    if (h->chunked)
        return cvm_rd_fail(l, CVM_E_VALUE, "transfer_encoding", voff,
                           "Transfer-Encoding repeated (chunked applied twice)");
    if (h->has_content_length)
        return cvm_rd_fail(l, CVM_E_VALUE, "transfer_encoding", voff,
                           "both Content-Length and Transfer-Encoding: chunked (RFC 9112 §6.3)");
    h->chunked = true;
    return CVM_OK;
}

/* Connection = #connection-option: look for the "close" token */
static void scan_connection(const uint8_t *v, size_t n, cvm_http1_head *h)
{
    cvm_rd r;
    cvm_rd_init(&r, v, n, WHAT, NULL);
    while (cvm_rd_left(&r)) {
        cvm_rd scan = r;
        size_t k = 0;
        uint8_t c;
        while (!cvm_rd_u8(&scan, "connection", &c) && c != ',')
            k++;
        const uint8_t *tok;
        if (cvm_rd_view(&r, "connection", k, &tok))
            return;
        size_t a = 0, b = k;
        while (a < b && is_ows(tok[a]))
            a++;
        while (b > a && is_ows(tok[b - 1]))
            b--;
        if (ieq(tok + a, b - a, "close"))
            h->connection_close = true;
        if (cvm_rd_left(&r))
            cvm_rd_skip(&r, "connection", 1); /* the comma */
    }
}

/* field-name ":" OWS field-value OWS (RFC 9112 §5) */
static int parse_field_line(cvm_rd *l, cvm_http1_head *h)
{
    char ex[44];
    size_t start = cvm_rd_abs(l);
    cvm_rd scan = *l;
    scan.err = NULL;
    uint8_t c = 0;
    if (!cvm_rd_u8(&scan, "field_line", &c) && is_ows(c))
        return cvm_rd_fail(l, CVM_E_SYNTAX, "field_line", start,
                           "malformed header \"%s\": obsolete line folding (RFC 9112 §5.2)", excerpt(l, ex));
    /* the name ends at the first colon; a line without one is no field */
    size_t nlen = 0;
    scan = *l;
    scan.err = NULL;
    while (!cvm_rd_u8(&scan, "field_name", &c) && c != ':')
        nlen++;
    if (c != ':')
        return cvm_rd_fail(l, CVM_E_SYNTAX, "field_line", start, "malformed header \"%s\": no colon",
                           excerpt(l, ex));
    if (!nlen)
        return cvm_rd_fail(l, CVM_E_SYNTAX, "field_name", start, "malformed header \"%s\": empty field name",
                           excerpt(l, ex));
    scan = *l;
    scan.err = NULL;
    for (size_t i = 0; i < nlen; i++) {
        if (cvm_rd_u8(&scan, "field_name", &c))
            return CVM_E_STATE;
        if (is_tchar(c))
            continue;
        if (is_ows(c))
            return cvm_rd_fail(l, CVM_E_SYNTAX, "field_name", start + i,
                               "malformed header \"%s\": whitespace between the field name and the colon "
                               "(RFC 9112 §5.1)",
                               excerpt(l, ex));
        return cvm_rd_fail(l, CVM_E_SYNTAX, "field_name", start + i,
                           "malformed header \"%s\": byte 0x%02x in the field name", excerpt(l, ex), c);
    }
    const uint8_t *name;
    int rc = cvm_rd_view(l, "field_name", nlen, &name);
    if (!rc)
        rc = cvm_rd_skip(l, "field_name", 1);
    if (rc)
        return rc;
    /* the value: every byte checked, OWS trimmed at both ends */
    size_t lead = 0, vlen = 0, i = 0;
    scan = *l;
    scan.err = NULL;
    while (!cvm_rd_u8(&scan, "field_value", &c)) {
        if (!is_text(c))
            return cvm_rd_fail(l, CVM_E_SYNTAX, "field_value", cvm_rd_abs(l) + i,
                               "malformed header \"%s\": control byte 0x%02x in the field value", excerpt(l, ex),
                               c);
        i++;
        if (!is_ows(c))
            vlen = i;
        else if (vlen == 0)
            lead = i;
    }
    const uint8_t *v;
    if ((rc = cvm_rd_skip(l, "field_value", lead)))
        return rc;
    size_t voff = cvm_rd_abs(l);
    vlen = vlen > lead ? vlen - lead : 0;
    if ((rc = cvm_rd_view(l, "field_value", vlen, &v)))
        return rc;
    if (ieq(name, nlen, "Content-Length"))
        return parse_content_length(l, v, vlen, voff, h);
    if (ieq(name, nlen, "Transfer-Encoding"))
        return parse_transfer_encoding(l, v, vlen, voff, h);
    if (ieq(name, nlen, "Connection"))
        scan_connection(v, vlen, h);
    return CVM_OK;
}

int cvm_http1_head_parse(const uint8_t *buf, size_t len, size_t max_head, cvm_http1_head *h, cvm_err *err)
{
    head_rd hr = {.over = len > max_head, .max_head = max_head};
    cvm_rd_init(&hr.r, buf, len > max_head ? max_head : len, WHAT, err);
    unsigned interim = 0;
    for (;;) {
        cvm_http1_head t = {0};
        cvm_rd line;
        int rc = next_line(&hr, "status_line", "status line", &line);
        if (!rc)
            rc = parse_status_line(&line, &t);
        while (!rc) {
            if ((rc = next_line(&hr, "field_line", "response headers", &line)))
                break;
            if (!cvm_rd_left(&line))
                break;
            rc = parse_field_line(&line, &t);
        }
        if (rc)
            return rc;
        if (t.status >= 200) {
            t.interim = interim;
            t.head_len = cvm_rd_pos(&hr.r);
            *h = t;
            return CVM_OK;
        }
        interim++; /* 1xx (100 Continue, 103 Early Hints): the final head follows */
    }
}

/* ---- the body ------------------------------------------------------------ */

enum {
    S_DONE,
    S_LENGTH,
    S_CLOSE,
    S_SIZE0,  /* first hex digit of a chunk size */
    S_SIZE,   /* more hex digits */
    S_BWS,    /* whitespace after the size: an extension must follow */
    S_EXT,    /* chunk extensions, skipped */
    S_SIZE_LF,
    S_DATA,
    S_DATA_CR,
    S_DATA_LF,
    S_TR_START, /* a trailer field line or the final CRLF */
    S_TR_NAME,
    S_TR_VALUE,
    S_TR_LF,
    S_END_LF,
};

int cvm_http1_body_init(cvm_http1_body *d, const cvm_http1_head *h, bool head_request, size_t max_body,
                        cvm_err *err)
{
    *d = (cvm_http1_body){.off = h->head_len, .max_body = max_body};
    if (head_request || h->status == 204 || h->status == 304 || h->status < 200) {
        d->framing = CVM_HTTP1_BODY_NONE;
        d->state = S_DONE;
    } else if (h->chunked) {
        d->framing = CVM_HTTP1_BODY_CHUNKED;
        d->state = S_SIZE0;
        d->mark = d->off;
    } else if (h->has_content_length) {
        d->framing = CVM_HTTP1_BODY_LENGTH;
        if (h->content_length > max_body) {
            d->too_big = true;
            d->failed = CVM_E_LIMIT;
            return cvm_err_set(err, CVM_E_LIMIT, WHAT, "content_length", h->content_length_off,
                               "Content-Length %llu exceeds the %zu-byte body cap",
                               (unsigned long long)h->content_length, max_body);
        }
        d->left = h->content_length;
        d->state = d->left ? S_LENGTH : S_DONE;
    } else {
        d->framing = CVM_HTTP1_BODY_CLOSE;
        d->state = S_CLOSE;
    }
    return CVM_OK;
}

static int emit(cvm_http1_body *d, cvm_rd *r, size_t n, cvm_wr *out)
{
    const uint8_t *v;
    int rc = cvm_rd_view(r, "body", n, &v);
    if (rc)
        return rc;
    if (out && n && cvm_wr_bytes(out, v, n))
        return cvm_rd_fail(r, CVM_E_NOMEM, "body", CVM_NO_OFFSET, "out of memory");
    d->got += n;
    return CVM_OK;
}

static int bare_lf(cvm_rd *r, const char *field, size_t at, const char *inside)
{
    return cvm_rd_fail(r, CVM_E_SYNTAX, field, at, "bare LF in the %s (lines must end with CRLF)", inside);
}

/* one byte of a trailer field line (the same rules as header fields) */
static int trailer_byte(cvm_http1_body *d, cvm_rd *r, uint8_t c, size_t at)
{
    const char *f = "trailer_section";
    switch (d->state) {
    case S_TR_START:
        d->mark = at;
        if (c == '\r')
            d->state = S_END_LF;
        else if (is_tchar(c))
            d->state = S_TR_NAME;
        else if (is_ows(c))
            return cvm_rd_fail(r, CVM_E_SYNTAX, f, at, "obsolete line folding in the trailer section");
        else if (c == '\n')
            return bare_lf(r, f, at, "trailer section");
        else if (c == ':')
            return cvm_rd_fail(r, CVM_E_SYNTAX, f, at, "empty field name in the trailer section");
        else
            return cvm_rd_fail(r, CVM_E_SYNTAX, f, at, "byte 0x%02x in a trailer field name", c);
        return CVM_OK;
    case S_TR_NAME:
        if (c == ':')
            d->state = S_TR_VALUE;
        else if (is_ows(c))
            return cvm_rd_fail(r, CVM_E_SYNTAX, f, at,
                               "whitespace between a trailer field name and the colon (RFC 9112 §5.1)");
        else if (c == '\r')
            return cvm_rd_fail(r, CVM_E_SYNTAX, f, d->mark, "trailer field line without a colon");
        else if (c == '\n')
            return bare_lf(r, f, at, "trailer section");
        else if (!is_tchar(c))
            return cvm_rd_fail(r, CVM_E_SYNTAX, f, at, "byte 0x%02x in a trailer field name", c);
        return CVM_OK;
    case S_TR_VALUE:
        if (c == '\r')
            d->state = S_TR_LF;
        else if (c == '\n')
            return bare_lf(r, f, at, "trailer section");
        else if (!is_text(c))
            return cvm_rd_fail(r, CVM_E_SYNTAX, f, at, "control byte 0x%02x in a trailer field value", c);
        return CVM_OK;
    case S_TR_LF:
    case S_END_LF:
        if (c != '\n')
            return cvm_rd_fail(r, CVM_E_SYNTAX, f, at - 1, "CR without LF in the trailer section");
        d->state = d->state == S_TR_LF ? S_TR_START : S_DONE;
        return CVM_OK;
    }
    return CVM_E_STATE;
}

/* one byte of a chunk size line */
static int size_byte(cvm_http1_body *d, cvm_rd *r, uint8_t c, size_t at)
{
    if (c != '\r' && d->state != S_SIZE_LF && ++d->line > CVM_HTTP1_MAX_CHUNK_LINE)
        return cvm_rd_fail(r, CVM_E_LIMIT, "chunk_size", d->mark, "the chunk size line exceeds %d bytes",
                           CVM_HTTP1_MAX_CHUNK_LINE);
    int h = hex_digit(c);
    switch (d->state) {
    case S_SIZE0:
        if (h < 0)
            return c == '\n' ? bare_lf(r, "chunk_size", at, "chunk size line")
                             : cvm_rd_fail(r, CVM_E_SYNTAX, "chunk_size", at,
                                           "malformed chunk size: byte 0x%02x is not a hex digit", c);
        d->size = (uint64_t)h;
        d->state = S_SIZE;
        return CVM_OK;
    case S_SIZE:
        if (h >= 0) {
            if (d->size > UINT64_MAX >> 4)
                return cvm_rd_fail(r, CVM_E_VALUE, "chunk_size", at, "chunk size overflows 64 bits");
            d->size = d->size << 4 | (uint64_t)h;
            return CVM_OK;
        }
        /* the size is complete: the cap is checked before any of its data */
        if (d->size > d->max_body - d->got) {
            d->too_big = true;
            return cvm_rd_fail(r, CVM_E_LIMIT, "chunk_size", d->mark,
                               "a chunk of %llu bytes takes the body over the %zu-byte cap",
                               (unsigned long long)d->size, d->max_body);
        }
        if (c == '\r')
            d->state = S_SIZE_LF;
        else if (c == ';')
            d->state = S_EXT;
        else if (is_ows(c))
            d->state = S_BWS;
        else if (c == '\n')
            return bare_lf(r, "chunk_size", at, "chunk size line");
        else
            return cvm_rd_fail(r, CVM_E_SYNTAX, "chunk_size", at,
                               "malformed chunk size: byte 0x%02x after the hex digits", c);
        return CVM_OK;
    case S_BWS:
        if (c == ';')
            d->state = S_EXT;
        else if (c == '\n')
            return bare_lf(r, "chunk_ext", at, "chunk size line");
        else if (!is_ows(c))
            return cvm_rd_fail(r, CVM_E_SYNTAX, "chunk_ext", at,
                               "whitespace after the chunk size not followed by ';'");
        return CVM_OK;
    case S_EXT:
        if (c == '\r')
            d->state = S_SIZE_LF;
        else if (c == '\n')
            return bare_lf(r, "chunk_ext", at, "chunk size line");
        else if (!is_text(c))
            return cvm_rd_fail(r, CVM_E_SYNTAX, "chunk_ext", at, "control byte 0x%02x in a chunk extension", c);
        return CVM_OK;
    case S_SIZE_LF:
        if (c != '\n')
            return cvm_rd_fail(r, CVM_E_SYNTAX, "chunk_size", at - 1, "CR without LF in the chunk size line");
        if (d->size == 0) {
            d->state = S_TR_START;
        } else {
            d->left = d->size;
            d->state = S_DATA;
        }
        return CVM_OK;
    }
    return CVM_E_STATE;
}

static int step(cvm_http1_body *d, cvm_rd *r, cvm_wr *out)
{
    if (d->state == S_LENGTH || d->state == S_DATA) {
        size_t n = cvm_rd_left(r);
        if (n > d->left)
            n = (size_t)d->left;
        int rc = emit(d, r, n, out);
        if (rc)
            return rc;
        d->left -= n;
        if (!d->left)
            d->state = d->state == S_LENGTH ? S_DONE : S_DATA_CR;
        return CVM_OK;
    }
    if (d->state == S_CLOSE) {
        size_t n = cvm_rd_left(r);
        if (n > d->max_body - d->got) {
            int rc = emit(d, r, (size_t)(d->max_body - d->got), out);
            if (rc)
                return rc;
            d->too_big = true;
            return cvm_rd_fail(r, CVM_E_LIMIT, "body", CVM_NO_OFFSET, "the body exceeds the %zu-byte cap",
                               d->max_body);
        }
        return emit(d, r, n, out);
    }
    size_t at = cvm_rd_abs(r);
    uint8_t c;
    int rc = cvm_rd_u8(r, "body", &c);
    if (rc)
        return rc;
    switch (d->state) {
    case S_SIZE0:
    case S_SIZE:
    case S_BWS:
    case S_EXT:
    case S_SIZE_LF:
        return size_byte(d, r, c, at);
    case S_DATA_CR:
        if (c != '\r')
            return cvm_rd_fail(r, CVM_E_SYNTAX, "chunk_data", at,
                               "malformed chunk: data longer than its size %llu (no CRLF after it)",
                               (unsigned long long)d->size);
        d->state = S_DATA_LF;
        return CVM_OK;
    case S_DATA_LF:
        if (c != '\n')
            return cvm_rd_fail(r, CVM_E_SYNTAX, "chunk_data", at - 1, "CR without LF after the chunk data");
        d->state = S_SIZE0;
        d->mark = at + 1;
        d->line = 0;
        d->size = 0;
        return CVM_OK;
    default:
        if (++d->trailer > CVM_HTTP1_MAX_TRAILER)
            return cvm_rd_fail(r, CVM_E_LIMIT, "trailer_section", at, "the trailer section exceeds %d bytes",
                               CVM_HTTP1_MAX_TRAILER);
        return trailer_byte(d, r, c, at);
    }
}

int cvm_http1_body_feed(cvm_http1_body *d, const uint8_t *p, size_t n, size_t *used, cvm_wr *out, cvm_err *err)
{
    if (used)
        *used = 0;
    if (d->failed)
        return d->failed;
    cvm_rd r;
    cvm_rd_init(&r, p, n, WHAT, err);
    r.base = d->off;
    int rc = CVM_OK;
    while (cvm_rd_left(&r) && d->state != S_DONE && !rc)
        rc = step(d, &r, out);
    d->off += cvm_rd_pos(&r);
    if (used)
        *used = cvm_rd_pos(&r);
    d->failed = rc;
    return rc;
}

bool cvm_http1_body_done(const cvm_http1_body *d) { return !d->failed && d->state == S_DONE; }

int cvm_http1_body_finish(cvm_http1_body *d, cvm_err *err)
{
    if (d->failed)
        return d->failed;
    const char *field = NULL;
    char msg[128];
    switch (d->state) {
    case S_DONE:
        return CVM_OK;
    case S_CLOSE:
        d->state = S_DONE;
        return CVM_OK;
    case S_LENGTH:
        field = "body";
        snprintf(msg, sizeof msg, "%llu bytes short of the body", (unsigned long long)d->left);
        break;
    case S_DATA:
        field = "chunk_data";
        snprintf(msg, sizeof msg, "%llu bytes short of the %llu-byte chunk", (unsigned long long)d->left,
                 (unsigned long long)d->size);
        break;
    case S_DATA_CR:
    case S_DATA_LF:
        field = "chunk_data";
        snprintf(msg, sizeof msg, "before the CRLF after the chunk data");
        break;
    case S_SIZE0:
    case S_SIZE:
    case S_BWS:
    case S_EXT:
    case S_SIZE_LF:
        field = "chunk_size";
        snprintf(msg, sizeof msg, "inside the chunk size line");
        break;
    default:
        field = "trailer_section";
        snprintf(msg, sizeof msg, "inside the chunked trailer section");
        break;
    }
    d->failed = CVM_E_TRUNCATED;
    return cvm_err_set(err, CVM_E_TRUNCATED, WHAT, field, d->off, "%s", msg);
}

int cvm_http1_parse(const uint8_t *buf, size_t len, size_t max_head, size_t max_body, bool head_request,
                    cvm_http1_head *h, cvm_wr *body, cvm_err *err)
{
    cvm_http1_head hd;
    int rc = cvm_http1_head_parse(buf, len, max_head, &hd, err);
    if (rc)
        return rc;
    if (h)
        *h = hd;
    cvm_http1_body d;
    if ((rc = cvm_http1_body_init(&d, &hd, head_request, max_body, err)))
        return rc;
    cvm_rd r;
    cvm_rd_init(&r, buf, len, WHAT, err);
    const uint8_t *rest;
    size_t used = 0, n = len - hd.head_len;
    if ((rc = cvm_rd_skip(&r, "head", hd.head_len)) || (rc = cvm_rd_view(&r, "body", n, &rest)))
        return rc;
    if ((rc = cvm_http1_body_feed(&d, rest, n, &used, body, err)))
        return rc;
    if (used < n)
        return cvm_err_set(err, CVM_E_TRAILING, WHAT, "body", d.off, "%zu bytes after the end of the body",
                           n - used);
    return cvm_http1_body_finish(&d, err);
}
