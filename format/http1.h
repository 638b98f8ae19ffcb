/* HTTP/1.1 responses (RFC 9112) as cvm-collect's plain-HTTP client
 * (collect/http.c) receives them: a pure parser for the response head and
 * an incremental body decoder, no I/O. The client moves bytes from the
 * socket into these; everything it learns about the response comes from
 * here, and every rejection names the field and its absolute offset in the
 * response (interim 1xx heads included), "what" = "HTTP response".
 *
 * Policy (strict, smaller than what RFC 9112 lets a recipient accept):
 * - lines end with CRLF. A bare LF (which §2.2 lets a recipient accept) and
 *   a CR not followed by LF are rejected: two parsers that split lines
 *   differently are how responses get smuggled, and IMDS and the TSAs we
 *   talk to send CRLF.
 * - status line `HTTP/1.0|1.1 SP 3DIGIT [SP reason]`, status 100..599; the
 *   reason phrase may be absent (with its SP), as some stubs send it.
 *   1xx heads are interim: skipped, their bytes count towards max_head.
 * - field lines `token ":" OWS value OWS`: no whitespace before the colon,
 *   no obs-fold, values of VCHAR / obs-text / SP / HTAB only (no CTL, NUL).
 * - Content-Length: digits only, fits in 64 bits; repeated with the same
 *   value is accepted, a different value is rejected.
 * - Transfer-Encoding: exactly "chunked" (any case), once; anything else is
 *   CVM_E_UNSUPPORTED. Transfer-Encoding together with Content-Length is
 *   rejected (§6.3: a sign of request smuggling / response splitting).
 * - Connection: its tokens are scanned for "close" (informational).
 * - chunked: chunk-size in hex with a 64-bit overflow check, `BWS ;` then
 *   extensions that are skipped (their bytes must not be controls), the
 *   whole size line <= CVM_HTTP1_MAX_CHUNK_LINE bytes before its CRLF, CRLF
 *   after each chunk's data, a trailer section of field lines (checked as
 *   above, then ignored) of at most CVM_HTTP1_MAX_TRAILER bytes.
 * - the body cap is enforced before reading: a Content-Length or a chunk
 *   size that would take the body over max_body fails at once.
 *
 * Error codes: CVM_E_TRUNCATED the input ends inside the head or body (for
 * the head: more bytes may complete it; its offset is then `len`),
 * CVM_E_SYNTAX grammar, CVM_E_VALUE a value we reject (status range,
 * conflicting lengths), CVM_E_UNSUPPORTED a transfer coding, CVM_E_LIMIT a
 * cap (head, chunk size line, trailer, body). Messages read well after "the
 * server closed the connection " when the code is CVM_E_TRUNCATED. */
#ifndef CVM_HTTP1_H
#define CVM_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define CVM_HTTP1_WHAT "HTTP response"
/* bytes of a chunk size line before its CRLF (size + extensions) */
#define CVM_HTTP1_MAX_CHUNK_LINE 127
/* bytes of the chunked trailer section, its final CRLF included */
#define CVM_HTTP1_MAX_TRAILER 16384

typedef struct cvm_http1_head {
    int status;                /* of the final head: 200..599 */
    int minor_version;         /* HTTP/1.<minor_version>: 0 or 1 */
    unsigned interim;          /* 1xx heads skipped before it */
    bool has_content_length;
    uint64_t content_length;
    size_t content_length_off; /* absolute offset of its (first) value */
    bool chunked;              /* Transfer-Encoding: chunked */
    bool connection_close;     /* a Connection field lists "close" */
    size_t head_len;           /* bytes up to and including the empty line */
} cvm_http1_head;

/* Parses the response head at the start of buf[0..len): interim 1xx heads,
 * then the final one. The head (all of it) must end within max_head bytes:
 * CVM_E_LIMIT at offset max_head when len > max_head and it does not;
 * CVM_E_TRUNCATED at offset len when it has not ended yet and len <=
 * max_head (feed more bytes and call again). Bytes after head_len are the
 * body and are not looked at. */
int cvm_http1_head_parse(const uint8_t *buf, size_t len, size_t max_head, cvm_http1_head *h,
                         cvm_err *err);

typedef enum cvm_http1_framing {
    CVM_HTTP1_BODY_NONE,    /* HEAD request, 204, 304: no body */
    CVM_HTTP1_BODY_LENGTH,  /* Content-Length */
    CVM_HTTP1_BODY_CHUNKED, /* Transfer-Encoding: chunked */
    CVM_HTTP1_BODY_CLOSE,   /* neither: the body ends when the connection does */
} cvm_http1_framing;

/* The incremental body decoder. Fields are private except those marked. */
typedef struct cvm_http1_body {
    cvm_http1_framing framing; /* public */
    size_t off;                /* public: absolute offset of the next byte to feed */
    uint64_t got;              /* public: body bytes decoded so far */
    bool too_big;              /* public: failed because the body exceeds max_body */
    size_t max_body;
    int state;
    int failed;                /* sticky error code */
    uint64_t left;             /* LENGTH: bytes to go; CHUNKED: bytes left in the chunk */
    uint64_t size;             /* chunk size being read */
    size_t mark;               /* offset of the current chunk size line / trailer field */
    size_t line;               /* bytes of the current line so far */
    size_t trailer;            /* bytes of the trailer section so far */
} cvm_http1_body;

/* Picks the framing (RFC 9112 §6.3) for the head of a response to a HEAD
 * request (head_request) or another method; the body starts at offset
 * h->head_len. A Content-Length over max_body is CVM_E_LIMIT here, before a
 * byte of the body is read (too_big set). */
int cvm_http1_body_init(cvm_http1_body *d, const cvm_http1_head *h, bool head_request, size_t max_body,
                        cvm_err *err);

/* Feeds the next n bytes of the response. Decoded body bytes are appended
 * to out; *used (may be NULL) gets how many input bytes belong to the body
 * (fewer than n only once the body is complete: the rest is not the
 * body's). The result and the error are the same however the input is
 * split. After a failure every call returns the same code. */
int cvm_http1_body_feed(cvm_http1_body *d, const uint8_t *p, size_t n, size_t *used, cvm_wr *out,
                        cvm_err *err);

/* True once the body is complete (never for CLOSE before finish). */
bool cvm_http1_body_done(const cvm_http1_body *d);

/* The input ended (the connection closed): CVM_OK when the body is
 * complete (a CLOSE body always is), else CVM_E_TRUNCATED at d->off saying
 * what is missing. */
int cvm_http1_body_finish(cvm_http1_body *d, cvm_err *err);

/* A whole response in one buffer: head, then the body in one feed, then
 * finish at the end of buf. Bytes after a complete Content-Length or
 * chunked body are CVM_E_TRAILING. h and body may be NULL. */
int cvm_http1_parse(const uint8_t *buf, size_t len, size_t max_head, size_t max_body, bool head_request,
                    cvm_http1_head *h, cvm_wr *body, cvm_err *err);

#endif
