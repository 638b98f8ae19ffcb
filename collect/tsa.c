/* RFC 3161 over HTTP (RFC 3161 §3.4: POST, application/timestamp-query ->
 * application/timestamp-reply) and the re-written bundle. The stamped
 * bytes are members' bytes, so the bundle stays the deterministic tar of
 * spec/bundle-v1.md §3 with every other member unchanged. */
#include "tsa.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ts.h>

#include "atomic.h"
#include "binding.h"
#include "bundle.h"
#include "buf.h"
#include "http.h"
#include "status.h"

#define TSA_MAX_REPLY (64u * 1024u)

static int ossl_err(cvm_err *err, const char *what, const char *field, const char *msg)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    ERR_clear_error();
    return cvm_err_set(err, CVM_E_VALUE, what, field, CVM_NO_OFFSET, "%s%s%s", msg, r ? ": " : "", r ? r : "");
}

int cvm_tsa_request(const uint8_t *data, size_t len, uint8_t **der, size_t *der_len, uint64_t *nonce,
                    cvm_err *err)
{
    *der = NULL;
    *der_len = 0;
    uint8_t h[32];
    if (cvm_sha256(data, len, h))
        return cvm_err_set(err, CVM_E_NOMEM, "tsq", "sha256", CVM_NO_OFFSET, "hash failed");
    if (RAND_bytes((unsigned char *)nonce, sizeof *nonce) != 1)
        return cvm_err_set(err, CVM_E_IO, "tsq", "nonce", CVM_NO_OFFSET, "no randomness for the nonce");
    *nonce &= 0x7fffffffffffffffull; /* a positive INTEGER */
    TS_REQ *req = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    ASN1_INTEGER *n = ASN1_INTEGER_new();
    int ok = req && mi && alg && n && TS_REQ_set_version(req, 1) &&
             X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) &&
             TS_MSG_IMPRINT_set_algo(mi, alg) && TS_MSG_IMPRINT_set_msg(mi, h, sizeof h) &&
             TS_REQ_set_msg_imprint(req, mi) && ASN1_INTEGER_set_uint64(n, *nonce) && TS_REQ_set_nonce(req, n) &&
             TS_REQ_set_cert_req(req, 1);
    unsigned char *p = NULL;
    int l = ok ? i2d_TS_REQ(req, &p) : -1;
    TS_REQ_free(req);
    TS_MSG_IMPRINT_free(mi);
    X509_ALGOR_free(alg);
    ASN1_INTEGER_free(n);
    if (l <= 0)
        return ossl_err(err, "tsq", "TimeStampReq", "cannot build the request");
    *der = malloc((size_t)l);
    if (*der)
        memcpy(*der, p, (size_t)l);
    OPENSSL_free(p);
    if (!*der)
        return cvm_err_set(err, CVM_E_NOMEM, "tsq", "DER", CVM_NO_OFFSET, "out of memory");
    *der_len = (size_t)l;
    return CVM_OK;
}

int cvm_tsa_check_reply(const uint8_t *req, size_t req_len, const uint8_t *resp, size_t resp_len, cvm_err *err)
{
    const unsigned char *p = req;
    TS_REQ *q = d2i_TS_REQ(NULL, &p, (long)req_len);
    p = resp;
    TS_RESP *r = d2i_TS_RESP(NULL, &p, (long)resp_len);
    int rc = CVM_OK;
    if (!q || !r || p != resp + resp_len) {
        rc = cvm_err_set(err, CVM_E_SYNTAX, "tsr", "TimeStampResp", CVM_NO_OFFSET,
                         "the TSA's reply is not one DER TimeStampResp");
        goto out;
    }
    long st = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(r)));
    if ((st != 0 && st != 1) || !TS_RESP_get_tst_info(r)) {
        rc = cvm_err_set(err, CVM_E_VALUE, "tsr", "status", CVM_NO_OFFSET, "the TSA refused: PKIStatus %ld", st);
        goto out;
    }
    /* no signature check here: the collector has no trust anchor to check
     * it against, and a wrong token only fails the verifier's link */
    TS_VERIFY_CTX *c = TS_REQ_to_TS_VERIFY_CTX(q, NULL);
    if (!c) {
        rc = ossl_err(err, "tsr", "verify", "cannot match the reply to the request");
        goto out;
    }
    TS_VERIFY_CTX_set_flags(c, TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_NONCE);
    int ok = TS_RESP_verify_response(c, r);
    TS_VERIFY_CTX_free(c);
    if (ok != 1)
        rc = ossl_err(err, "tsr", "TSTInfo", "the token does not answer our request (imprint or nonce)");
out:
    ERR_clear_error();
    TS_REQ_free(q);
    TS_RESP_free(r);
    return rc;
}

static int post(const char *url, const uint8_t *q, size_t qlen, long timeout_ms, uint8_t **out, size_t *out_len,
                cvm_err *err)
{
    /* many TSAs are plain http:// (the token is signed; transport security
     * adds nothing): those go through the in-process client */
    static const char *const hd[] = {"Content-Type: application/timestamp-query",
                                     "Accept: application/timestamp-reply", NULL};
    cvm_http_req rq = {.method = "POST",
                       .url = url,
                       .headers = hd,
                       .body = q,
                       .body_len = qlen,
                       .connect_timeout_ms = timeout_ms < 10000 ? timeout_ms : 10000L,
                       .total_timeout_ms = timeout_ms,
                       .max_body = TSA_MAX_REPLY};
    cvm_wr w;
    cvm_wr_init(&w);
    long code = 0;
    char msg[300] = "";
    int hc = cvm_http_do(&rq, &code, &w, msg, sizeof msg);
    int rc = CVM_OK;
    if (hc == CVM_HTTP_TOO_BIG)
        rc = cvm_err_set(err, CVM_E_LIMIT, url, "reply", CVM_NO_OFFSET, "the reply exceeds %u bytes", TSA_MAX_REPLY);
    else if (hc != CVM_HTTP_DONE)
        rc = cvm_err_set(err, CVM_E_IO, url, "POST", CVM_NO_OFFSET, "%s", msg);
    else if (code != 200)
        rc = cvm_err_set(err, CVM_E_IO, url, "POST", CVM_NO_OFFSET, "HTTP status %ld", code);
    else if (!w.len)
        rc = cvm_err_set(err, CVM_E_VALUE, url, "reply", CVM_NO_OFFSET, "empty reply");
    if (rc) {
        cvm_wr_free(&w);
        return rc;
    }
    *out = cvm_wr_take(&w, out_len);
    return CVM_OK;
}

/* spec/bundle-v1.md §9: the signatures, in this order */
static const char *const k_stamped[] = {"seal.sig", "manifest.json.p7s"};

int cvm_tsa_stamp_bundle(const cvm_tsa_opts *o, cvm_err *err)
{
    uint8_t *tar = NULL;
    size_t tar_len = 0;
    if (cvm_file_read(o->in, CVM_BUNDLE_MAX_TAR, &tar, &tar_len, err))
        return CVM_EXIT_USAGE;
    cvm_bundle b;
    if (cvm_bundle_read(tar, tar_len, o->in, &b, err)) {
        free(tar);
        return CVM_EXIT_USAGE;
    }
    free(tar);
    int st = CVM_EXIT_FAIL;
    cvm_member ms[CVM_BUNDLE_MAX_MEMBERS];
    uint8_t *tokens[2] = {NULL, NULL};
    char names[2][64];
    size_t n = b.n;
    if (n > CVM_BUNDLE_MAX_MEMBERS - 2) {
        cvm_err_set(err, CVM_E_LIMIT, o->in, "members", CVM_NO_OFFSET, "too many members to add tokens");
        goto out;
    }
    memcpy(ms, b.members, n * sizeof *ms);
    const uint8_t *d;
    size_t dl;
    if (cvm_bundle_get(&b, "seal.sig", &d, &dl) != CVM_OK) {
        cvm_err_set(err, CVM_E_VALUE, o->in, "seal.sig", CVM_NO_OFFSET, "no seal.sig: not a cvm-evidence bundle");
        st = CVM_EXIT_USAGE;
        goto out;
    }
    FILE *sum = o->summary ? o->summary : stdout;
    for (size_t i = 0; i < 2; i++) {
        if (cvm_bundle_get(&b, k_stamped[i], &d, &dl) != CVM_OK)
            continue;
        snprintf(names[i], sizeof names[i], "%s.tsr", k_stamped[i]);
        const uint8_t *old;
        size_t ol;
        if (cvm_bundle_get(&b, names[i], &old, &ol) == CVM_OK) {
            /* tokens are never replaced: an archive keeps the earliest proof */
            cvm_err_set(err, CVM_E_VALUE, o->in, names[i], CVM_NO_OFFSET, "already stamped");
            st = CVM_EXIT_USAGE;
            goto out;
        }
        uint8_t *q = NULL;
        size_t ql = 0;
        uint64_t nonce;
        size_t tl = 0;
        if (cvm_tsa_request(d, dl, &q, &ql, &nonce, err))
            goto out;
        int rc = post(o->tsa_url, q, ql, o->timeout_ms ? o->timeout_ms : 30000, &tokens[i], &tl, err);
        if (!rc)
            rc = cvm_tsa_check_reply(q, ql, tokens[i], tl, err);
        free(q);
        if (rc) {
            st = CVM_EXIT_COLLATERAL;
            goto out;
        }
        ms[n++] = (cvm_member){.name = names[i], .data = tokens[i], .len = tl};
        fprintf(sum, "stamped: %s (%zu bytes) -> %s (%zu bytes)\n", k_stamped[i], dl, names[i], tl);
    }
    cvm_wr w;
    cvm_wr_init(&w);
    if (cvm_bundle_write(b.topdir, ms, n, &w, err)) {
        cvm_wr_free(&w);
        goto out;
    }
    char path[4200];
    size_t il = strlen(o->in);
    if (o->out)
        snprintf(path, sizeof path, "%s", o->out);
    else if (il > 4 && strcmp(o->in + il - 4, ".tar") == 0)
        snprintf(path, sizeof path, "%.*s.ts.tar", (int)(il - 4), o->in);
    else
        snprintf(path, sizeof path, "%s.ts.tar", o->in);
    uint8_t h[32];
    char hx[65];
    if (cvm_sha256(w.p, w.len, h) == CVM_OK)
        cvm_hex(h, 32, hx);
    else
        hx[0] = 0;
    if (cvm_atomic_write(path, w.p, w.len, 0444, o->force ? CVM_ATOMIC_REPLACE : 0, err)) {
        cvm_wr_free(&w);
        st = CVM_EXIT_OUTPUT;
        goto out;
    }
    fprintf(sum, "bundle: %s\nsha256: %s\nsize: %zu\n", path, hx, w.len);
    cvm_wr_free(&w);
    st = CVM_EXIT_OK;
out:
    free(tokens[0]);
    free(tokens[1]);
    cvm_bundle_free(&b);
    return st;
}
