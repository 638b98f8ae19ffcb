/* HTTP/1.1 responses (format/http1.c): the head parse, then the body
 * decoded in one piece and again fed in pieces whose sizes come from the
 * input's own bytes; both must end identically (result, error, offset,
 * decoded bytes, bytes consumed). Errors point inside the input, a
 * truncated head is reported at the end of the input, and the head's
 * verdict does not depend on the bytes after it. */
#include "buf.h"
#include "fuzz.h"
#include "http1.h"

#define MAX_HEAD 4096 /* below -max_len (8192) so the head cap is reached */

typedef struct fed {
    int rc;     /* of the feeds */
    int frc;    /* of the feeds, then finish */
    cvm_err err;
    size_t used;
    bool done;
    cvm_wr out;
} fed;

/* piece sizes: the input's bytes in turn, 0..31 (empty pieces included) */
static void decode(const cvm_http1_head *h, size_t max_body, const uint8_t *data, size_t size,
                   const uint8_t *body, size_t n, bool pieces, fed *f)
{
    memset(f, 0, sizeof(*f));
    cvm_err_clear(&f->err);
    cvm_wr_init(&f->out);
    cvm_http1_body d;
    f->rc = cvm_http1_body_init(&d, h, false, max_body, &f->err);
    FUZZ_CHECK(d.off == h->head_len);
    size_t pos = 0;
    for (size_t k = 0; !f->rc && !cvm_http1_body_done(&d) && pos < n; k++) {
        size_t m = n - pos;
        if (pieces && k < 4 * n + 16 && data[k % size] % 32 < m)
            m = data[k % size] % 32;
        size_t u = 0;
        size_t off0 = d.off;
        f->rc = cvm_http1_body_feed(&d, body + pos, m, &u, &f->out, &f->err);
        if (!f->rc) {
            FUZZ_CHECK(u <= m && d.off == off0 + u);
            FUZZ_CHECK(u == m || cvm_http1_body_done(&d));
            f->used += u;
        }
        pos += m;
    }
    f->done = cvm_http1_body_done(&d);
    f->frc = f->rc ? f->rc : cvm_http1_body_finish(&d, &f->err);
    FUZZ_CHECK(d.got == f->out.len && f->out.len <= max_body);
    FUZZ_CHECK(!d.too_big || f->frc == CVM_E_LIMIT);
    if (f->frc == CVM_OK && d.framing == CVM_HTTP1_BODY_LENGTH)
        FUZZ_CHECK(f->out.len == h->content_length);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    cvm_err err;
    cvm_err_clear(&err);
    cvm_http1_head h;
    int rc = cvm_http1_head_parse(data, size, MAX_HEAD, &h, &err);
    fuzz_check_rc_len(rc, &err, size);
    if (rc == CVM_E_TRUNCATED)
        FUZZ_CHECK(err.offset == size && size <= MAX_HEAD);
    if (rc == CVM_E_LIMIT)
        FUZZ_CHECK(err.offset == MAX_HEAD && size > MAX_HEAD);
    if (rc)
        return 0;
    FUZZ_CHECK(h.head_len >= 16 && h.head_len <= size && h.head_len <= MAX_HEAD);
    FUZZ_CHECK(h.status >= 200 && h.status <= 599 && (h.minor_version == 0 || h.minor_version == 1));
    FUZZ_CHECK(!(h.chunked && h.has_content_length));
    FUZZ_CHECK(!h.has_content_length || h.content_length_off < h.head_len);

    /* the head ends where it says: the same without the body, and one byte
     * short of it is a truncation there */
    cvm_http1_head h2;
    cvm_err_clear(&err);
    FUZZ_CHECK(cvm_http1_head_parse(data, h.head_len, MAX_HEAD, &h2, &err) == CVM_OK);
    FUZZ_CHECK(h2.status == h.status && h2.minor_version == h.minor_version && h2.interim == h.interim &&
               h2.has_content_length == h.has_content_length && h2.content_length == h.content_length &&
               h2.content_length_off == h.content_length_off && h2.chunked == h.chunked &&
               h2.connection_close == h.connection_close && h2.head_len == h.head_len);
    cvm_err_clear(&err);
    FUZZ_CHECK(cvm_http1_head_parse(data, h.head_len - 1, MAX_HEAD, &h2, &err) == CVM_E_TRUNCATED);
    FUZZ_CHECK(err.offset == h.head_len - 1);

    /* a body cap the input picks, so that every cap path is reachable */
    static const size_t caps[4] = {0, 7, 300, 65536};
    size_t max_body = caps[data[size - 1] & 3];
    const uint8_t *body = data + h.head_len;
    size_t n = size - h.head_len;
    fed a, b;
    decode(&h, max_body, data, size, body, n, false, &a);
    decode(&h, max_body, data, size, body, n, true, &b);
    fuzz_check_rc_len(a.frc, &a.err, size);
    FUZZ_CHECK(a.rc == b.rc && a.frc == b.frc && a.done == b.done);
    FUZZ_CHECK(a.rc || a.used == b.used);
    FUZZ_CHECK(a.err.code == b.err.code && a.err.offset == b.err.offset);
    FUZZ_CHECK(strcmp(a.err.field, b.err.field) == 0 && strcmp(a.err.msg, b.err.msg) == 0);
    FUZZ_CHECK(a.out.len == b.out.len && (a.out.len == 0 || memcmp(a.out.p, b.out.p, a.out.len) == 0));
    if (a.frc == CVM_E_TRUNCATED)
        FUZZ_CHECK(a.err.offset == size);

    /* the whole-buffer entry point agrees, bytes after the body aside */
    cvm_wr w;
    cvm_wr_init(&w);
    cvm_err_clear(&err);
    rc = cvm_http1_parse(data, size, MAX_HEAD, max_body, false, NULL, &w, &err);
    fuzz_check_rc_len(rc, &err, size);
    if (a.rc == CVM_OK && a.done && a.used < n)
        FUZZ_CHECK(rc == CVM_E_TRAILING && err.offset == h.head_len + a.used);
    else
        FUZZ_CHECK(rc == a.frc && err.offset == a.err.offset);
    FUZZ_CHECK(w.len == a.out.len);
    cvm_wr_free(&w);
    cvm_wr_free(&a.out);
    cvm_wr_free(&b.out);
    return 0;
}
