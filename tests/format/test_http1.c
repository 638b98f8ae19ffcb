/* format/http1.c: HTTP/1.1 response heads and bodies as the collector's
 * plain-HTTP client receives them. Every rejection names its field and
 * absolute offset; every prefix of a framed response is a truncation at its
 * own end; the body decoder gives the same result however it is fed. */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "http1.h"

#define MAXH 16384
#define MAXB 65536

/* offset of the first occurrence of needle in the response (test inputs
 * are plain text without NULs unless a length is given) */
static size_t off_of(const char *resp, const char *needle)
{
    const char *p = strstr(resp, needle);
    if (!p)
        fail_msg("\"%s\" not in the response", needle);
    return (size_t)(p - resp);
}

typedef struct result {
    int rc;
    cvm_err err;
    cvm_http1_head h;
    uint8_t *body;
    size_t body_len;
} result;

static void run(const uint8_t *p, size_t n, size_t max_head, size_t max_body, bool head_req, result *res)
{
    uint8_t *c = malloc(n ? n : 1); /* exactly n bytes: ASan sees an over-read */
    assert_non_null(c);
    memcpy(c, p, n);
    memset(res, 0, sizeof *res);
    cvm_err_clear(&res->err);
    cvm_wr w;
    cvm_wr_init(&w);
    res->rc = cvm_http1_parse(c, n, max_head, max_body, head_req, &res->h, &w, &res->err);
    res->body = cvm_wr_take(&w, &res->body_len);
    free(c);
}

static void ok(const char *resp, result *res)
{
    run((const uint8_t *)resp, strlen(resp), MAXH, MAXB, false, res);
    if (res->rc) {
        char b[512];
        fail_msg("rejected: %s", cvm_err_format(&res->err, b, sizeof b));
    }
}

static void expect_n(const uint8_t *p, size_t n, size_t max_head, size_t max_body, int code, const char *field,
                     size_t off, const char *msg_part)
{
    result res;
    run(p, n, max_head, max_body, false, &res);
    free(res.body);
    char b[512];
    cvm_err_format(&res.err, b, sizeof b);
    if (res.rc != code || strcmp(res.err.field, field) || res.err.offset != off ||
        (msg_part && !strstr(res.err.msg, msg_part)))
        fail_msg("want %s %s@%zu \"%s\", got rc %d: %s", cvm_errcode_name(code), field, off,
                 msg_part ? msg_part : "", res.rc, b);
    assert_string_equal(res.err.what, "HTTP response");
}

static void expect(const char *resp, int code, const char *field, size_t off, const char *msg_part)
{
    expect_n((const uint8_t *)resp, strlen(resp), MAXH, MAXB, code, field, off, msg_part);
}

/* ---- accepted responses ---------------------------------------------------- */

static void t_content_length(void **state)
{
    (void)state;
    const char *r = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \t 2 \t\r\n\r\n{}";
    result res;
    ok(r, &res);
    assert_int_equal(res.h.status, 200);
    assert_int_equal(res.h.minor_version, 1);
    assert_int_equal(res.h.interim, 0);
    assert_true(res.h.has_content_length);
    assert_int_equal(res.h.content_length, 2);
    assert_int_equal(res.h.content_length_off, off_of(r, "2 \t\r"));
    assert_false(res.h.chunked);
    assert_false(res.h.connection_close);
    assert_int_equal(res.h.head_len, strlen(r) - 2);
    assert_int_equal(res.body_len, 2);
    assert_memory_equal(res.body, "{}", 2);
    free(res.body);

    /* the same length twice is one length (RFC 9110 §8.6); 0 is a body too */
    ok("HTTP/1.1 200 OK\r\nContent-Length: 3\r\ncontent-length: 003\r\n\r\nabc", &res);
    assert_int_equal(res.h.content_length, 3);
    assert_int_equal(res.h.content_length_off, 33);
    assert_int_equal(res.body_len, 3);
    free(res.body);
    ok("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", &res);
    assert_int_equal(res.body_len, 0);
    free(res.body);
    /* the largest value parses; it is the body cap that refuses it */
    const char *big = "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n";
    cvm_http1_head h;
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_http1_head_parse((const uint8_t *)big, strlen(big), MAXH, &h, &err), CVM_OK);
    assert_true(h.content_length == UINT64_MAX);
    expect(big, CVM_E_LIMIT, "content_length", off_of(big, "1844"), "exceeds the 65536-byte body cap");
}

static const char CHUNKED[] = "HTTP/1.1 200 OK\r\n"
                              "Transfer-Encoding: Chunked\r\n"
                              "Connection: keep-alive, Close\r\n"
                              "\r\n"
                              "5;ext=1;q=\"a b\"\r\n"
                              "hello\r\n"
                              "1A \t;x\r\n"
                              "abcdefghijklmnopqrstuvwxyz\r\n"
                              "0\r\n"
                              "X-Trailer: t\r\n"
                              "X-Empty:\r\n"
                              "\r\n";

static void t_chunked(void **state)
{
    (void)state;
    result res;
    ok(CHUNKED, &res);
    assert_int_equal(res.h.status, 200);
    assert_true(res.h.chunked);
    assert_false(res.h.has_content_length);
    assert_true(res.h.connection_close);
    assert_int_equal(res.h.head_len, off_of(CHUNKED, "5;ext"));
    assert_int_equal(res.body_len, 31);
    assert_memory_equal(res.body, "helloabcdefghijklmnopqrstuvwxyz", 31);
    free(res.body);
    /* upper- and lower-case hex, leading zeros, an empty trailer section */
    ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n00a\r\n0123456789\r\nB\r\nabcdefghijk\r\n000\r\n\r\n",
       &res);
    assert_int_equal(res.body_len, 21);
    assert_memory_equal(res.body, "0123456789abcdefghijk", 21);
    free(res.body);
}

static void t_close_delimited_and_no_body(void **state)
{
    (void)state;
    result res;
    ok("HTTP/1.0 200 OK\r\nServer: stub\r\n\r\nabc\r\n\x80\xff", &res);
    assert_int_equal(res.h.minor_version, 0);
    assert_int_equal(res.body_len, 7);
    assert_memory_equal(res.body, "abc\r\n\x80\xff", 7);
    free(res.body);
    /* no reason phrase (nor its SP), obs-text in a value, empty value */
    ok("HTTP/1.1 404\r\nX-A: \xe2\x82\xac\r\nX-B:\r\n\r\n", &res);
    assert_int_equal(res.h.status, 404);
    assert_int_equal(res.body_len, 0);
    free(res.body);
    /* interim 1xx heads come first and are skipped */
    const char *r = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
                    "HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nz";
    ok(r, &res);
    assert_int_equal(res.h.interim, 2);
    assert_int_equal(res.h.status, 201);
    assert_int_equal(res.h.head_len, strlen(r) - 1);
    assert_int_equal(res.h.content_length_off, off_of(r, "1\r\n\r\nz"));
    assert_int_equal(res.body_len, 1);
    free(res.body);
    /* 204, 304 and a HEAD request have no body whatever the fields say */
    ok("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", &res);
    assert_int_equal(res.body_len, 0);
    free(res.body);
    ok("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", &res);
    free(res.body);
    const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
    run((const uint8_t *)head, strlen(head), MAXH, MAXB, true, &res);
    assert_int_equal(res.rc, CVM_OK);
    assert_int_equal(res.body_len, 0);
    free(res.body);
}

/* ---- rejections ------------------------------------------------------------ */

typedef struct reject {
    const char *resp;
    int code;
    const char *field;
    size_t off;     /* absolute, or relative to the first `at` when at is set */
    const char *at;
    const char *msg;
} reject;

static void expect_all(const reject *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        expect(t[i].resp, t[i].code, t[i].field, (t[i].at ? off_of(t[i].resp, t[i].at) : 0) + t[i].off, t[i].msg);
}

static void t_status_line(void **state)
{
    (void)state;
    static const reject t[] = {
        {"HTTP/1.1 2OO OK\r\n\r\n", CVM_E_SYNTAX, "status_line.status_code", 10, NULL,
         "malformed HTTP status line \"HTTP/1.1 2OO OK\""},
        {"ICY 200 OK\r\n\r\n", CVM_E_SYNTAX, "status_line.http_version", 0, NULL, "no HTTP-version"},
        {"HTTPS/1.1 200 OK\r\n\r\n", CVM_E_SYNTAX, "status_line.http_version", 0, NULL, "no HTTP-version"},
        {"HTTP/1.1\r\n\r\n", CVM_E_SYNTAX, "status_line", 8, NULL, "no SP after the HTTP-version"},
        {"HTTP/2.0 200 OK\r\n\r\n", CVM_E_UNSUPPORTED, "status_line.http_version", 0, NULL, "only HTTP/1.0 and"},
        {"HTTP/1.2 200 OK\r\n\r\n", CVM_E_UNSUPPORTED, "status_line.http_version", 0, NULL, "only HTTP/1.0 and"},
        {"HTTP/1.1  200 OK\r\n\r\n", CVM_E_SYNTAX, "status_line.status_code", 9, NULL, "not 3 digits"},
        {"HTTP/1.1 20\r\n\r\n", CVM_E_SYNTAX, "status_line.status_code", 11, NULL, "not 3 digits"},
        {"HTTP/1.1 2000 OK\r\n\r\n", CVM_E_SYNTAX, "status_line.status_code", 12, NULL, "not 3 digits"},
        {"HTTP/1.1 600 Nope\r\n\r\n", CVM_E_VALUE, "status_line.status_code", 9, NULL, "600 is not 100..599"},
        {"HTTP/1.1 099 X\r\n\r\n", CVM_E_VALUE, "status_line.status_code", 9, NULL, "99 is not 100..599"},
        {"HTTP/1.1 200 O\x01K\r\n\r\n", CVM_E_SYNTAX, "status_line.reason_phrase", 14, NULL, "control byte 0x01"},
        /* an interim head is held to the same rules, offsets stay absolute */
        {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2x0 OK\r\n\r\n", CVM_E_SYNTAX, "status_line.status_code", 35,
         NULL, "status code"},
    };
    expect_all(t, sizeof t / sizeof t[0]);
}

static void t_line_ends(void **state)
{
    (void)state;
    /* bare LF: rejected, not taken as a line end (see http1.h) */
    static const reject t[] = {
        {"HTTP/1.1 200 OK\nContent-Length: 2\n\n{}", CVM_E_SYNTAX, "status_line", 15, NULL, "bare LF"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\n\r\n{}", CVM_E_SYNTAX, "field_line", 34, NULL, "bare LF"},
        {"HTTP/1.1 200 OK\r\n\n", CVM_E_SYNTAX, "field_line", 17, NULL, "bare LF"},
        {"HTTP/1.1 200 OK\rX\r\n\r\n", CVM_E_SYNTAX, "status_line", 15, NULL, "CR without LF"},
        {"HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", CVM_E_SYNTAX, "field_line", 21, NULL, "CR without LF"},
    };
    expect_all(t, sizeof t / sizeof t[0]);
}

static void t_fields(void **state)
{
    (void)state;
    static const reject t[] = {
        {"HTTP/1.1 200 OK\r\nXFoo\r\n\r\n", CVM_E_SYNTAX, "field_line", 17, NULL, "no colon"},
        {"HTTP/1.1 200 OK\r\nX Foo bar\r\n\r\n", CVM_E_SYNTAX, "field_line", 17, NULL, "no colon"},
        {"HTTP/1.1 200 OK\r\n: v\r\n\r\n", CVM_E_SYNTAX, "field_name", 17, NULL, "empty field name"},
        {"HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\n{}", CVM_E_SYNTAX, "field_name", 31, NULL,
         "whitespace between the field name and the colon"},
        {"HTTP/1.1 200 OK\r\nX(y): 1\r\n\r\n", CVM_E_SYNTAX, "field_name", 18, NULL, "byte 0x28 in the field name"},
        {"HTTP/1.1 200 OK\r\nX-A: 1\r\n  continued\r\n\r\n", CVM_E_SYNTAX, "field_line", 25, NULL,
         "obsolete line folding"},
        {"HTTP/1.1 200 OK\r\nX-A: 1\r\n\tcontinued\r\n\r\n", CVM_E_SYNTAX, "field_line", 25, NULL,
         "obsolete line folding"},
        {"HTTP/1.1 200 OK\r\nX-A: a\x7f\r\n\r\n", CVM_E_SYNTAX, "field_value", 23, NULL, "control byte 0x7f"},
    };
    expect_all(t, sizeof t / sizeof t[0]);
    const uint8_t nul[] = "HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n";
    expect_n(nul, sizeof nul - 1, MAXH, MAXB, CVM_E_SYNTAX, "field_value", 23, "control byte 0x00");
}

static void t_framing_fields(void **state)
{
    (void)state;
    static const reject t[] = {
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", CVM_E_VALUE, "content_length", 0,
         "3\r", "conflicting Content-Length headers (2, then 3)"},
        /* RFC 9112 §6.3: both framings is a smuggling sign, in either order */
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", CVM_E_VALUE,
         "transfer_encoding", 0, "chunked", "RFC 9112 §6.3"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n0\r\n\r\n", CVM_E_VALUE,
         "content_length", 0, "2\r", "RFC 9112 §6.3"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", CVM_E_UNSUPPORTED, "transfer_encoding", 0, "gzip",
         "unsupported Transfer-Encoding \"gzip\" (only chunked)"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", CVM_E_UNSUPPORTED, "transfer_encoding", 0,
         "gzip", "\"gzip, chunked\""},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         CVM_E_VALUE, "transfer_encoding", 0, "chunked\r\n\r\n", "chunked applied twice"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 2a\r\n\r\n{}", CVM_E_SYNTAX, "content_length", 0, "a\r",
         "byte 0x61 is not a digit"},
        {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n{}", CVM_E_SYNTAX, "content_length", 0, "-1", "not a digit"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\n{}", CVM_E_SYNTAX, "content_length", 0, ", 2",
         "not a digit"},
        {"HTTP/1.1 200 OK\r\nContent-Length:  \r\n\r\n{}", CVM_E_SYNTAX, "content_length", 0, "\r\n\r\n",
         "empty Content-Length"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n{}", CVM_E_VALUE, "content_length", 0,
         "6\r", "overflows 64 bits"},
    };
    expect_all(t, sizeof t / sizeof t[0]);
}

static const char TE[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

/* TE ++ body: the chunked body after a fixed head */
static void expect_chunked(const char *body, size_t max_body, int code, const char *field, const char *at,
                           size_t delta, const char *msg_part)
{
    char r[1024];
    snprintf(r, sizeof r, "%s%s", TE, body);
    expect_n((const uint8_t *)r, strlen(r), MAXH, max_body, code, field, strlen(TE) + off_of(body, at) + delta,
             msg_part);
}

static void t_chunk_rejections(void **state)
{
    (void)state;
    expect_chunked("11111111111111111\r\n", MAXB, CVM_E_VALUE, "chunk_size", "1\r", 0, "overflows 64 bits");
    expect_chunked("zz\r\n", MAXB, CVM_E_SYNTAX, "chunk_size", "zz", 0, "not a hex digit");
    expect_chunked("\r\n", MAXB, CVM_E_SYNTAX, "chunk_size", "\r", 0, "not a hex digit");
    expect_chunked("5x\r\n", MAXB, CVM_E_SYNTAX, "chunk_size", "x", 0, "after the hex digits");
    expect_chunked("5\n", MAXB, CVM_E_SYNTAX, "chunk_size", "\n", 0, "bare LF");
    expect_chunked("5\rx", MAXB, CVM_E_SYNTAX, "chunk_size", "\r", 0, "CR without LF");
    expect_chunked("5 \r\nhello\r\n0\r\n\r\n", MAXB, CVM_E_SYNTAX, "chunk_ext", "\r", 0, "not followed by ';'");
    expect_chunked("5;a\x01\r\nhello\r\n0\r\n\r\n", MAXB, CVM_E_SYNTAX, "chunk_ext", "\x01", 0, "control byte 0x01");
    expect_chunked("5\r\nhelloX\r\n0\r\n\r\n", MAXB, CVM_E_SYNTAX, "chunk_data", "X", 0,
                   "data longer than its size 5");
    expect_chunked("5\r\nhello\rX0\r\n\r\n", MAXB, CVM_E_SYNTAX, "chunk_data", "\rX", 0, "CR without LF");
    expect_chunked("5\r\nhello0\r\n\r\n", MAXB, CVM_E_SYNTAX, "chunk_data", "0\r", 0, "no CRLF after it");
    /* the chunk size line cap: 127 bytes pass, 128 do not */
    char line[400];
    snprintf(line, sizeof line, "1;%0125d\r\nz\r\n0\r\n\r\n", 0);
    result res;
    char r[1024];
    snprintf(r, sizeof r, "%s%s", TE, line);
    ok(r, &res);
    assert_int_equal(res.body_len, 1);
    free(res.body);
    snprintf(line, sizeof line, "1;%0126d\r\nz\r\n0\r\n\r\n", 0);
    expect_chunked(line, MAXB, CVM_E_LIMIT, "chunk_size", "1;", 0, "exceeds 127 bytes");
    /* trailer section: field lines by the header rules, capped */
    expect_chunked("0\r\n X: 1\r\n\r\n", MAXB, CVM_E_SYNTAX, "trailer_section", " X", 0, "obsolete line folding");
    expect_chunked("0\r\nX : 1\r\n\r\n", MAXB, CVM_E_SYNTAX, "trailer_section", " :", 0, "whitespace");
    expect_chunked("0\r\nXY\r\n\r\n", MAXB, CVM_E_SYNTAX, "trailer_section", "XY", 0, "without a colon");
    expect_chunked("0\r\n:v\r\n\r\n", MAXB, CVM_E_SYNTAX, "trailer_section", ":v", 0, "empty field name");
    expect_chunked("0\r\nX: a\x01\r\n\r\n", MAXB, CVM_E_SYNTAX, "trailer_section", "\x01", 0, "control byte");
    expect_chunked("0\r\nX: a\n\r\n", MAXB, CVM_E_SYNTAX, "trailer_section", "a\n", 1, "bare LF");
    expect_chunked("0\r\n\rX", MAXB, CVM_E_SYNTAX, "trailer_section", "\rX", 0, "CR without LF");
    size_t tn = CVM_HTTP1_MAX_TRAILER + 64;
    char *big = malloc(strlen(TE) + tn + 16);
    assert_non_null(big);
    int k = sprintf(big, "%s0\r\nX: ", TE);
    memset(big + k, 'a', tn);
    strcpy(big + k + tn, "\r\n\r\n");
    expect_n((const uint8_t *)big, strlen(big), MAXH, MAXB, CVM_E_LIMIT, "trailer_section",
             strlen(TE) + 3 + CVM_HTTP1_MAX_TRAILER, "trailer section exceeds 16384 bytes");
    free(big);
    /* trailing bytes after a complete body */
    expect_chunked("0\r\n\r\nextra", MAXB, CVM_E_TRAILING, "body", "extra", 0, "5 bytes after the end");
}

static void t_caps(void **state)
{
    (void)state;
    /* the head cap covers everything up to the empty line, interim heads too */
    const char *r = "HTTP/1.1 200 OK\r\nX-Pad: aaaaaaaaaaaaaaaaaaaa\r\nContent-Length: 2\r\n\r\n{}";
    size_t hl = off_of(r, "{}");
    result res;
    run((const uint8_t *)r, strlen(r), hl, MAXB, false, &res);
    assert_int_equal(res.rc, CVM_OK);
    free(res.body);
    expect_n((const uint8_t *)r, strlen(r), hl - 1, MAXB, CVM_E_LIMIT, "head", hl - 1,
             "the response head exceeds");
    expect_n((const uint8_t *)r, strlen(r), 20, MAXB, CVM_E_LIMIT, "head", 20, "the response head exceeds 20 bytes");
    const char *i = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n";
    expect_n((const uint8_t *)i, strlen(i), strlen(i) - 1, MAXB, CVM_E_LIMIT, "head", strlen(i) - 1, "exceeds");
    /* within the cap but incomplete: a truncation at the end, more may come */
    expect_n((const uint8_t *)r, hl - 1, hl, MAXB, CVM_E_TRUNCATED, "field_line", hl - 1, "inside the response headers");

    /* the body cap: a declared length or chunk size fails before its data */
    expect_n((const uint8_t *)r, strlen(r), MAXH, 1, CVM_E_LIMIT, "content_length", off_of(r, "2\r"),
             "Content-Length 2 exceeds the 1-byte body cap");
    run((const uint8_t *)r, strlen(r), MAXH, 2, false, &res);
    assert_int_equal(res.rc, CVM_OK);
    free(res.body);
    expect_chunked("4\r\nabcd\r\n7\r\nefghijk\r\n0\r\n\r\n", 10, CVM_E_LIMIT, "chunk_size", "7\r", 0,
                   "a chunk of 7 bytes takes the body over the 10-byte cap");
    const char *c = "HTTP/1.1 200 OK\r\n\r\n0123456789abc";
    expect_n((const uint8_t *)c, strlen(c), MAXH, 10, CVM_E_LIMIT, "body", off_of(c, "abc"), "exceeds the 10-byte cap");
    /* fuzz_http: a cap of 0 emitted 0 bytes into an empty writer (UBSan:
     * NULL + 0 in cvm_wr_reserve) before failing */
    expect_n((const uint8_t *)c, strlen(c), MAXH, 0, CVM_E_LIMIT, "body", off_of(c, "0123"), "exceeds the 0-byte cap");
    run((const uint8_t *)c, strlen(c) - 3, MAXH, 10, false, &res);
    assert_int_equal(res.rc, CVM_OK);
    assert_int_equal(res.body_len, 10);
    free(res.body);

    /* too_big tells the body cap apart from the other limits */
    cvm_http1_head h;
    cvm_http1_body d;
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_http1_head_parse((const uint8_t *)r, strlen(r), MAXH, &h, &err), CVM_OK);
    assert_int_equal(cvm_http1_body_init(&d, &h, false, 1, &err), CVM_E_LIMIT);
    assert_true(d.too_big);
    cvm_err_clear(&err);
    assert_int_equal(cvm_http1_body_init(&d, &h, false, 2, &err), CVM_OK);
    assert_int_equal(d.framing, CVM_HTTP1_BODY_LENGTH);
    assert_false(d.too_big);
}

/* ---- truncations ----------------------------------------------------------- */

/* a prefix of a framed response is a truncation at its own end */
static int parse_prefix(const uint8_t *p, size_t n, void *ctx)
{
    (void)ctx;
    cvm_err err;
    cvm_err_clear(&err);
    cvm_wr w;
    cvm_wr_init(&w);
    int rc = cvm_http1_parse(p, n, MAXH, MAXB, false, NULL, &w, &err);
    cvm_wr_free(&w);
    if (rc != CVM_E_TRUNCATED || err.offset != n)
        fail_msg("%zu-byte prefix: rc %d at %zu (%s: %s)", n, rc, err.offset, err.field, err.msg);
    return rc;
}

static void t_truncations(void **state)
{
    (void)state;
    const char *cl = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
    cvm_test_truncations((const uint8_t *)cl, strlen(cl), parse_prefix, NULL);
    cvm_test_truncations((const uint8_t *)CHUNKED, strlen(CHUNKED), parse_prefix, NULL);
    /* what is missing, in words the client puts after "the server closed
     * the connection" */
    const char *t = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789";
    expect(t, CVM_E_TRUNCATED, "body", strlen(t), "90 bytes short of the body");
    char r[256];
    snprintf(r, sizeof r, "%s10\r\n0123", TE);
    expect(r, CVM_E_TRUNCATED, "chunk_data", strlen(r), "12 bytes short of the 16-byte chunk");
    expect("HTTP/1.1 200", CVM_E_TRUNCATED, "status_line", 12, "inside the status line");
    snprintf(r, sizeof r, "%s5;a", TE);
    expect(r, CVM_E_TRUNCATED, "chunk_size", strlen(r), "inside the chunk size line");
    snprintf(r, sizeof r, "%s0\r\nX: 1\r\n", TE);
    expect(r, CVM_E_TRUNCATED, "trailer_section", strlen(r), "inside the chunked trailer section");
}

/* ---- split invariance ------------------------------------------------------ */

typedef struct fed {
    int rc, frc;
    cvm_err err;
    size_t used;
    bool done;
    cvm_wr out;
} fed;

/* decodes body[0..n) (which starts at offset base of its response) fed in
 * the pieces cut at cuts[0..ncut) (ascending) */
static void feed_split(const cvm_http1_head *h, const uint8_t *body, size_t n, size_t max_body,
                       const size_t *cuts, size_t ncut, fed *f)
{
    memset(f, 0, sizeof *f);
    cvm_err_clear(&f->err);
    cvm_wr_init(&f->out);
    cvm_http1_body d;
    f->rc = cvm_http1_body_init(&d, h, false, max_body, &f->err);
    size_t from = 0;
    for (size_t i = 0; i <= ncut && !f->rc && !cvm_http1_body_done(&d); i++) {
        size_t to = i < ncut ? cuts[i] : n;
        size_t u = 0;
        f->rc = cvm_http1_body_feed(&d, body + from, to - from, &u, &f->out, &f->err);
        if (!f->rc)
            f->used += u;
        from = to;
    }
    f->done = cvm_http1_body_done(&d);
    f->frc = f->rc ? f->rc : cvm_http1_body_finish(&d, &f->err);
}

static void same(const fed *a, const fed *b, const char *what, size_t i)
{
    if (a->rc != b->rc || a->frc != b->frc || (!a->rc && a->used != b->used) || a->done != b->done ||
        a->err.code != b->err.code || a->err.offset != b->err.offset || strcmp(a->err.field, b->err.field) ||
        strcmp(a->err.msg, b->err.msg) || a->out.len != b->out.len ||
        (a->out.len && memcmp(a->out.p, b->out.p, a->out.len)))
        fail_msg("%s: split at %zu differs: rc %d/%d frc %d/%d used %zu/%zu %s@%zu/%s@%zu", what, i, a->rc, b->rc,
                 a->frc, b->frc, a->used, b->used, a->err.field, a->err.offset, b->err.field, b->err.offset);
}

static void split_all(const char *resp, size_t max_body, int want_frc)
{
    const uint8_t *p = (const uint8_t *)resp;
    size_t n = strlen(resp);
    cvm_http1_head h;
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_http1_head_parse(p, n, MAXH, &h, &err), CVM_OK);
    const uint8_t *body = p + h.head_len;
    size_t bn = n - h.head_len;
    fed whole, f;
    feed_split(&h, body, bn, max_body, NULL, 0, &whole);
    assert_int_equal(whole.frc, want_frc);
    /* every single split point */
    for (size_t i = 0; i <= bn; i++) {
        feed_split(&h, body, bn, max_body, &i, 1, &f);
        same(&whole, &f, resp, i);
        cvm_wr_free(&f.out);
    }
    /* every pair of split points (three pieces, empty ones included) */
    for (size_t i = 0; i <= bn; i++)
        for (size_t j = i; j <= bn; j++) {
            size_t cuts[2] = {i, j};
            feed_split(&h, body, bn, max_body, cuts, 2, &f);
            same(&whole, &f, resp, i * 1000 + j);
            cvm_wr_free(&f.out);
        }
    /* one byte at a time */
    size_t *cuts = malloc(bn * sizeof *cuts + 1);
    assert_non_null(cuts);
    for (size_t i = 0; i < bn; i++)
        cuts[i] = i;
    feed_split(&h, body, bn, max_body, cuts, bn, &f);
    same(&whole, &f, resp, (size_t)-1);
    cvm_wr_free(&f.out);
    free(cuts);
    cvm_wr_free(&whole.out);
}

static void t_split_invariance(void **state)
{
    (void)state;
    split_all(CHUNKED, MAXB, CVM_OK);
    char r[512];
    /* bytes after the body are not consumed, however they arrive */
    snprintf(r, sizeof r, "%s3;e=\"v\"\r\nabc\r\n0\r\nT: x\r\n\r\nHTTP/1.1 200 OK\r\n", TE);
    split_all(r, MAXB, CVM_OK);
    /* failures stop at the same byte with the same words */
    snprintf(r, sizeof r, "%s3\r\nabc\r\n4\r\nabcdX\r\n0\r\n\r\n", TE);
    split_all(r, MAXB, CVM_E_SYNTAX);
    snprintf(r, sizeof r, "%s3\r\nabc\r\n11111111111111111\r\n", TE);
    split_all(r, MAXB, CVM_E_VALUE);
    snprintf(r, sizeof r, "%s3\r\nabc\r\n8\r\nabcdefgh\r\n0\r\n\r\n", TE);
    split_all(r, 10, CVM_E_LIMIT);
    snprintf(r, sizeof r, "%s3\r\nabc\r\n10\r\nabcd", TE);
    split_all(r, MAXB, CVM_E_TRUNCATED);
    split_all("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello world", MAXB, CVM_OK);
    split_all("HTTP/1.1 200 OK\r\n\r\nhello world, closed", 12, CVM_E_LIMIT);
    split_all("HTTP/1.1 200 OK\r\n\r\nhello world, closed", MAXB, CVM_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_content_length),
        cmocka_unit_test(t_chunked),
        cmocka_unit_test(t_close_delimited_and_no_body),
        cmocka_unit_test(t_status_line),
        cmocka_unit_test(t_line_ends),
        cmocka_unit_test(t_fields),
        cmocka_unit_test(t_framing_fields),
        cmocka_unit_test(t_chunk_rejections),
        cmocka_unit_test(t_caps),
        cmocka_unit_test(t_truncations),
        cmocka_unit_test(t_split_invariance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
