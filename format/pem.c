/* Strict PEM blocks and SubjectPublicKeyInfo files (pem.h). */
#include "pem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

/* RFC 7468 says 64; leave room for 76-column writers, refuse runaway lines */
#define PEM_MAX_LINE 76
#define PEM_MAX_LABEL 64

static bool is_ws(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static int b64val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

bool cvm_pem_peek(const cvm_rd *r, const char *s)
{
    size_t n = strlen(s);
    return cvm_rd_left(r) >= n && memcmp(r->p + r->pos, s, n) == 0;
}

void cvm_pem_skip_ws(cvm_rd *r)
{
    while (cvm_rd_left(r) && is_ws(r->p[r->pos]))
        r->pos++;
}

/* Consumes "\n" or "\r\n"; at end of input, `eof_ok` decides. */
static int rd_eol(cvm_rd *r, const char *field, bool eof_ok)
{
    uint8_t c;
    if (cvm_rd_left(r) == 0)
        return eof_ok ? CVM_OK
                      : cvm_rd_fail(r, CVM_E_TRUNCATED, field, CVM_NO_OFFSET, "input ends inside a PEM block");
    if (cvm_pem_peek(r, "\r\n"))
        return cvm_rd_skip(r, field, 2);
    cvm_rd_u8(r, field, &c);
    if (c == '\n')
        return CVM_OK;
    return cvm_rd_fail(r, CVM_E_SYNTAX, field, cvm_rd_abs(r) - 1, "expected end of line, found byte 0x%02x", c);
}

int cvm_pem_after_block(cvm_rd *r, const char *field)
{
    int rc;
    if (cvm_rd_left(r) && (rc = rd_eol(r, field, true)))
        return rc;
    cvm_pem_skip_ws(r);
    return CVM_OK;
}

/* Decodes the base64 body (cursor just after the BEGIN line) into `der`,
 * and consumes the END line `end`. */
static int pem_body(cvm_rd *r, const char *field, const char *end, uint8_t *der, size_t cap, size_t *der_len)
{
    size_t n = 0;
    uint32_t acc = 0;
    unsigned nacc = 0, npad = 0;
    int rc;

    for (;;) {
        size_t line_start = cvm_rd_abs(r), col = 0;
        if (cvm_rd_left(r) == 0)
            return cvm_rd_fail(r, CVM_E_TRUNCATED, field, CVM_NO_OFFSET, "input ends before \"%s\"", end);
        if (cvm_pem_peek(r, "-----")) {
            if (!cvm_pem_peek(r, end))
                return cvm_rd_fail(r, CVM_E_SYNTAX, field, CVM_NO_OFFSET, "expected \"%s\"", end);
            cvm_rd_skip(r, field, strlen(end));
            break;
        }
        while (cvm_rd_left(r) && r->p[r->pos] != '\n' && r->p[r->pos] != '\r') {
            uint8_t c;
            int v;
            cvm_rd_u8(r, field, &c);
            if (++col > PEM_MAX_LINE)
                return cvm_rd_fail(r, CVM_E_SYNTAX, field, line_start, "base64 line longer than %d characters",
                                   PEM_MAX_LINE);
            if (c == '=') {
                if (nacc < 2 || ++npad > 2 || nacc + npad > 4)
                    return cvm_rd_fail(r, CVM_E_SYNTAX, field, cvm_rd_abs(r) - 1, "misplaced base64 padding");
                continue;
            }
            v = b64val(c);
            if (v < 0)
                return cvm_rd_fail(r, CVM_E_SYNTAX, field, cvm_rd_abs(r) - 1,
                                   "byte 0x%02x is not base64 (PEM headers are not accepted)", c);
            if (npad)
                return cvm_rd_fail(r, CVM_E_SYNTAX, field, cvm_rd_abs(r) - 1, "base64 data after padding");
            acc = (acc << 6) | (uint32_t)v;
            if (++nacc == 4) {
                if (n + 3 > cap)
                    return cvm_rd_fail(r, CVM_E_LIMIT, field, cvm_rd_abs(r) - 1, "PEM block larger than %zu bytes",
                                       cap);
                der[n++] = (uint8_t)(acc >> 16);
                der[n++] = (uint8_t)(acc >> 8);
                der[n++] = (uint8_t)acc;
                acc = 0;
                nacc = 0;
            }
        }
        if (col == 0)
            return cvm_rd_fail(r, CVM_E_SYNTAX, field, line_start, "empty line inside a PEM block");
        if ((rc = rd_eol(r, field, false)))
            return rc;
        if (npad && nacc + npad == 4) {
            /* padding closes the data: the next line must be the END line */
            if (cvm_rd_left(r) == 0)
                return cvm_rd_fail(r, CVM_E_TRUNCATED, field, CVM_NO_OFFSET, "input ends before \"%s\"", end);
            if (!cvm_pem_peek(r, end))
                return cvm_rd_fail(r, CVM_E_SYNTAX, field, CVM_NO_OFFSET, "base64 data after padding");
        }
    }
    if (nacc == 1 || (npad && nacc + npad != 4))
        return cvm_rd_fail(r, CVM_E_SYNTAX, field, CVM_NO_OFFSET, "incomplete base64 quantum");
    if (nacc && !npad)
        /* RFC 7468 PEM is always padded */
        return cvm_rd_fail(r, CVM_E_SYNTAX, field, CVM_NO_OFFSET, "missing base64 padding");
    if (nacc) {
        if (n + nacc - 1 > cap)
            return cvm_rd_fail(r, CVM_E_LIMIT, field, CVM_NO_OFFSET, "PEM block larger than %zu bytes", cap);
        if ((nacc == 2 && (acc & 0xF)) || (nacc == 3 && (acc & 0x3)))
            return cvm_rd_fail(r, CVM_E_SYNTAX, field, CVM_NO_OFFSET, "non-zero trailing base64 bits");
        if (nacc == 2) {
            der[n++] = (uint8_t)(acc >> 4);
        } else {
            der[n++] = (uint8_t)(acc >> 10);
            der[n++] = (uint8_t)(acc >> 2);
        }
    }
    *der_len = n;
    return CVM_OK;
}

int cvm_pem_block(cvm_rd *r, const char *label, const char *field, uint8_t *der, size_t cap, size_t *der_len)
{
    char begin[PEM_MAX_LABEL + 16], end[PEM_MAX_LABEL + 16];
    int rc;
    if (strlen(label) > PEM_MAX_LABEL)
        return cvm_rd_fail(r, CVM_E_VALUE, field, CVM_NO_OFFSET, "PEM label too long");
    snprintf(begin, sizeof begin, "-----BEGIN %s-----", label);
    snprintf(end, sizeof end, "-----END %s-----", label);
    if (!cvm_pem_peek(r, begin))
        return cvm_rd_fail(r, CVM_E_SYNTAX, field, cvm_rd_abs(r), "expected \"%s\"", begin);
    cvm_rd_skip(r, field, strlen(begin));
    if ((rc = rd_eol(r, field, false)))
        return rc;
    return pem_body(r, field, end, der, cap, der_len);
}

int cvm_spki_load(const uint8_t *buf, size_t len, const char *what, EVP_PKEY **out, cvm_err *err)
{
    cvm_rd r;
    uint8_t *der = NULL, *re = NULL;
    size_t der_len = 0;
    const uint8_t *spki = buf;
    EVP_PKEY *pk = NULL;
    int rc = CVM_OK;

    *out = NULL;
    cvm_rd_init(&r, buf, len, what, err);
    if (len > CVM_SPKI_MAX_DER * 2)
        return cvm_err_set(err, CVM_E_LIMIT, what, "PUBLIC KEY", 0, "%zu bytes exceeds %u", len,
                           CVM_SPKI_MAX_DER * 2);
    if (cvm_pem_peek(&r, "-----")) {
        if (!(der = malloc(CVM_SPKI_MAX_DER)))
            return cvm_err_set(err, CVM_E_NOMEM, what, "PUBLIC KEY", CVM_NO_OFFSET, "out of memory");
        if ((rc = cvm_pem_block(&r, "PUBLIC KEY", "PUBLIC KEY", der, CVM_SPKI_MAX_DER, &der_len)))
            goto out;
        if ((rc = cvm_pem_after_block(&r, "PUBLIC KEY")))
            goto out;
        if (cvm_rd_left(&r)) {
            rc = cvm_rd_fail(&r, CVM_E_TRAILING, "PUBLIC KEY", cvm_rd_abs(&r), "unexpected bytes after the PEM block");
            goto out;
        }
        spki = der;
    } else {
        der_len = len;
    }
    {
        const unsigned char *p = spki;
        pk = der_len ? d2i_PUBKEY(NULL, &p, (long)der_len) : NULL;
        if (!pk) {
            ERR_clear_error();
            rc = cvm_err_set(err, CVM_E_SYNTAX, what, "SubjectPublicKeyInfo", 0,
                             der ? "the PEM block is not a DER SubjectPublicKeyInfo"
                                 : "neither PEM (\"-----BEGIN PUBLIC KEY-----\") nor DER SubjectPublicKeyInfo");
            goto out;
        }
        if ((size_t)(p - spki) != der_len) {
            size_t used = (size_t)(p - spki);
            rc = cvm_err_set(err, CVM_E_TRAILING, what, "SubjectPublicKeyInfo", der ? 0 : used,
                             "%zu bytes after the key's %zu DER bytes", der_len - used, used);
            goto out;
        }
    }
    {
        int rn = i2d_PUBKEY(pk, &re);
        if (rn <= 0 || (size_t)rn != der_len || memcmp(re, spki, der_len) != 0) {
            size_t at = 0;
            while (rn > 0 && at < der_len && at < (size_t)rn && re[at] == spki[at])
                at++;
            ERR_clear_error();
            rc = cvm_err_set(err, CVM_E_SYNTAX, what, "SubjectPublicKeyInfo", der ? 0 : at,
                             "not the DER encoding of its key (re-encodes differently from DER byte %zu)", at);
            goto out;
        }
    }
out:
    OPENSSL_free(re);
    free(der);
    if (rc) {
        EVP_PKEY_free(pk);
        return rc;
    }
    *out = pk;
    return CVM_OK;
}
