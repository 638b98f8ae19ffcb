/* AMD certificate loading and AMD-private extension decoding.
 *
 * PEM framing and base64 are decoded by pem.c rather than with
 * PEM_read_bio_X509: OpenSSL's reader skips arbitrary text between blocks
 * (and accepts headers, other block types and non-canonical base64), and
 * we want any byte that is not whitespace or a CERTIFICATE block rejected
 * with its offset.
 * The DER inside each block (or the bare DER file) goes to d2i_X509, whose
 * end pointer must land exactly on the end of the block. */
#include "amdcert.h"
#include "jsonutil.h"
#include "pem.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

static const char PEM_LABEL[] = "CERTIFICATE";
static const char PEM_BEGIN[] = "-----BEGIN CERTIFICATE-----";

static int der_to_x509(const uint8_t *der, size_t len, const char *what, const char *field,
                       size_t off, X509 **out, cvm_err *err)
{
    const unsigned char *p = der;
    X509 *x;
    if (len == 0)
        return cvm_err_set(err, CVM_E_SYNTAX, what, field, off, "empty certificate");
    if (len > CVM_CERT_MAX_DER)
        return cvm_err_set(err, CVM_E_LIMIT, what, field, off, "certificate of %zu bytes exceeds %u",
                           len, CVM_CERT_MAX_DER);
    x = d2i_X509(NULL, &p, (long)len);
    if (!x) {
        unsigned long e = ERR_peek_last_error();
        char eb[160];
        ERR_error_string_n(e, eb, sizeof(eb));
        ERR_clear_error();
        return cvm_err_set(err, CVM_E_SYNTAX, what, field, off, "not a DER X.509 certificate (%s)",
                           e ? eb : "no detail");
    }
    if ((size_t)(p - der) != len) {
        size_t used = (size_t)(p - der);
        X509_free(x);
        return cvm_err_set(err, CVM_E_TRAILING, what, field, off,
                           "%zu bytes after the certificate's %zu DER bytes", len - used, used);
    }
    {
        /* d2i takes some BER (long-form lengths and the like) outside the
         * signed part; a re-encoding that differs means it was not DER */
        unsigned char *re = NULL;
        int rn = i2d_X509(x, &re);
        bool same = rn > 0 && (size_t)rn == len && memcmp(re, der, len) == 0;
        OPENSSL_free(re);
        if (!same) {
            X509_free(x);
            ERR_clear_error();
            return cvm_err_set(err, CVM_E_SYNTAX, what, field, off,
                               "certificate is not canonical DER (re-encodes differently)");
        }
    }
    *out = x;
    return CVM_OK;
}

int cvm_certs_load(const uint8_t *buf, size_t len, const char *what, STACK_OF(X509) **out,
                   cvm_err *err)
{
    cvm_rd r;
    STACK_OF(X509) *sk;
    uint8_t *der = NULL;
    int rc = CVM_OK;
    size_t start;

    *out = NULL;
    if (!what)
        what = "certificates";
    if (len > CVM_CERTS_MAX_BYTES)
        return cvm_err_set(err, CVM_E_LIMIT, what, "certs", 0, "%zu bytes exceeds %u", len,
                           CVM_CERTS_MAX_BYTES);
    cvm_rd_init(&r, buf, len, what, err);
    cvm_pem_skip_ws(&r);
    start = r.pos;
    if (cvm_rd_left(&r) == 0)
        return cvm_err_set(err, CVM_E_TRUNCATED, what, "certs", 0, "no certificate");

    sk = sk_X509_new_null();
    if (!sk)
        return cvm_err_set(err, CVM_E_NOMEM, what, "certs", CVM_NO_OFFSET, "out of memory");

    if (!cvm_pem_peek(&r, "-----")) {
        /* DER: exactly one certificate spanning the whole input (no
         * leading whitespace either: DER files carry none) */
        X509 *x = NULL;
        if (start != 0 || r.p[0] != 0x30) {
            rc = cvm_err_set(err, CVM_E_SYNTAX, what, "cert[0]", 0,
                             "neither PEM (\"%s\") nor DER (SEQUENCE 0x30)", PEM_BEGIN);
            goto out;
        }
        if ((rc = der_to_x509(buf, len, what, "cert[0]", 0, &x, err)))
            goto out;
        if (!sk_X509_push(sk, x)) {
            X509_free(x);
            rc = cvm_err_set(err, CVM_E_NOMEM, what, "cert[0]", 0, "out of memory");
            goto out;
        }
        goto out;
    }

    der = malloc(CVM_CERT_MAX_DER);
    if (!der) {
        rc = cvm_err_set(err, CVM_E_NOMEM, what, "certs", CVM_NO_OFFSET, "out of memory");
        goto out;
    }
    while (cvm_rd_left(&r)) {
        char field[32];
        size_t block = cvm_rd_abs(&r), der_len = 0;
        int idx = sk_X509_num(sk);
        X509 *x = NULL;

        snprintf(field, sizeof(field), "cert[%d]", idx);
        if (idx >= CVM_CERTS_MAX) {
            rc = cvm_rd_fail(&r, CVM_E_LIMIT, field, block, "more than %d certificates",
                             CVM_CERTS_MAX);
            goto out;
        }
        if (!cvm_pem_peek(&r, PEM_BEGIN)) {
            rc = cvm_rd_fail(&r, CVM_E_SYNTAX, field, block,
                             "expected \"%s\" (only whitespace may separate blocks)", PEM_BEGIN);
            goto out;
        }
        if ((rc = cvm_pem_block(&r, PEM_LABEL, field, der, CVM_CERT_MAX_DER, &der_len)))
            goto out;
        if ((rc = der_to_x509(der, der_len, what, field, block, &x, err)))
            goto out;
        if (!sk_X509_push(sk, x)) {
            X509_free(x);
            rc = cvm_err_set(err, CVM_E_NOMEM, what, field, block, "out of memory");
            goto out;
        }
        /* end of the END line, then whitespace up to the next block */
        if ((rc = cvm_pem_after_block(&r, field)))
            goto out;
    }
out:
    free(der);
    if (rc) {
        sk_X509_pop_free(sk, X509_free);
        return rc;
    }
    *out = sk;
    return CVM_OK;
}

int cvm_cert_load_one(const uint8_t *buf, size_t len, const char *what, X509 **out, cvm_err *err)
{
    STACK_OF(X509) *sk = NULL;
    int rc;
    *out = NULL;
    if ((rc = cvm_certs_load(buf, len, what, &sk, err)))
        return rc;
    if (sk_X509_num(sk) != 1) {
        int n = sk_X509_num(sk);
        sk_X509_pop_free(sk, X509_free);
        return cvm_err_set(err, CVM_E_VALUE, what ? what : "certificate", "certs", CVM_NO_OFFSET,
                           "expected exactly one certificate, found %d", n);
    }
    *out = sk_X509_shift(sk);
    sk_X509_free(sk);
    return CVM_OK;
}

void cvm_certs_free(STACK_OF(X509) *sk) { sk_X509_pop_free(sk, X509_free); }

int cvm_cert_write_der(X509 *x, cvm_wr *w)
{
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    int rc;
    if (n <= 0)
        return CVM_E_VALUE;
    rc = cvm_wr_bytes(w, der, (size_t)n);
    OPENSSL_free(der);
    return rc;
}

int cvm_cert_write_pem(X509 *x, cvm_wr *w)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p;
    long n;
    int rc;
    if (!b)
        return CVM_E_NOMEM;
    if (PEM_write_bio_X509(b, x) != 1) {
        BIO_free(b);
        ERR_clear_error();
        return CVM_E_VALUE;
    }
    n = BIO_get_mem_data(b, &p);
    rc = n > 0 ? cvm_wr_bytes(w, p, (size_t)n) : CVM_E_VALUE;
    BIO_free(b);
    return rc;
}

int cvm_certs_write_pem(STACK_OF(X509) *sk, cvm_wr *w)
{
    for (int i = 0; i < sk_X509_num(sk); i++) {
        int rc = cvm_cert_write_pem(sk_X509_value(sk, i), w);
        if (rc)
            return rc;
    }
    return CVM_OK;
}

/* ---- roles ---------------------------------------------------------- */

/* The single CN as printable ASCII; false when absent, repeated, or odd. */
static bool subject_cn(X509 *x, char *out, size_t cap)
{
    const X509_NAME *nm = X509_get_subject_name(x);
    int i = X509_NAME_get_index_by_NID(nm, NID_commonName, -1);
    const ASN1_STRING *s;
    const unsigned char *d;
    int n;
    if (i < 0 || X509_NAME_get_index_by_NID(nm, NID_commonName, i) >= 0)
        return false;
    s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i));
    if (!s)
        return false;
    switch (ASN1_STRING_type(s)) {
    case V_ASN1_UTF8STRING:
    case V_ASN1_PRINTABLESTRING:
    case V_ASN1_IA5STRING:
        break;
    default:
        return false;
    }
    d = ASN1_STRING_get0_data(s);
    n = ASN1_STRING_length(s);
    if (n <= 0 || (size_t)n >= cap)
        return false;
    for (int k = 0; k < n; k++)
        if (d[k] < 0x20 || d[k] > 0x7e)
            return false;
    memcpy(out, d, (size_t)n);
    out[n] = 0;
    return true;
}

static bool key_is_rsa(X509 *x)
{
    EVP_PKEY *pk = X509_get0_pubkey(x);
    return pk && (EVP_PKEY_is_a(pk, "RSA") || EVP_PKEY_is_a(pk, "RSA-PSS"));
}

static bool key_is_ec(X509 *x)
{
    EVP_PKEY *pk = X509_get0_pubkey(x);
    return pk && EVP_PKEY_is_a(pk, "EC");
}

enum cvm_cert_role cvm_cert_role_of(X509 *x)
{
    char cn[128];
    if (!x || !subject_cn(x, cn, sizeof(cn))) {
        ERR_clear_error();
        return CVM_CERT_ROLE_UNKNOWN;
    }
    enum cvm_cert_role r = CVM_CERT_ROLE_UNKNOWN;
    if (strcmp(cn, "SEV-VCEK") == 0)
        r = key_is_ec(x) ? CVM_CERT_ROLE_VCEK : CVM_CERT_ROLE_UNKNOWN;
    else if (strcmp(cn, "SEV-VLEK") == 0)
        r = key_is_ec(x) ? CVM_CERT_ROLE_VLEK : CVM_CERT_ROLE_UNKNOWN;
    else if (strncmp(cn, "SEV-VLEK-", 9) == 0 && cn[9])
        r = key_is_rsa(x) ? CVM_CERT_ROLE_ASVK : CVM_CERT_ROLE_UNKNOWN;
    else if (strncmp(cn, "ARK-", 4) == 0 && cn[4])
        r = key_is_rsa(x) && X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0
                ? CVM_CERT_ROLE_ARK
                : CVM_CERT_ROLE_UNKNOWN;
    else if (strncmp(cn, "SEV-", 4) == 0 && cn[4])
        r = key_is_rsa(x) ? CVM_CERT_ROLE_ASK : CVM_CERT_ROLE_UNKNOWN;
    ERR_clear_error();
    return r;
}

const char *cvm_cert_role_name(enum cvm_cert_role r)
{
    switch (r) {
    case CVM_CERT_ROLE_ARK: return "ARK";
    case CVM_CERT_ROLE_ASK: return "ASK";
    case CVM_CERT_ROLE_ASVK: return "ASVK";
    case CVM_CERT_ROLE_VCEK: return "VCEK";
    case CVM_CERT_ROLE_VLEK: return "VLEK";
    default: return "unknown";
    }
}

bool cvm_cert_cn_generation(X509 *x, char *out, size_t cap)
{
    char cn[128];
    const char *g = NULL;
    if (!x || !subject_cn(x, cn, sizeof(cn)))
        return false;
    if (strcmp(cn, "SEV-VCEK") == 0 || strcmp(cn, "SEV-VLEK") == 0)
        return false;
    if (strncmp(cn, "SEV-VLEK-", 9) == 0)
        g = cn + 9;
    else if (strncmp(cn, "ARK-", 4) == 0 || strncmp(cn, "SEV-", 4) == 0)
        g = cn + 4;
    if (!g || !*g || strlen(g) >= cap)
        return false;
    strcpy(out, g);
    return true;
}

/* ---- AMD extensions ------------------------------------------------- */

#define AMD_ARC "1.3.6.1.4.1.3704."

enum amd_field {
    F_STRUCT_VERSION, F_PRODUCT_NAME, F_BL, F_TEE, F_SNP, F_RSVD4, F_RSVD5, F_RSVD6, F_RSVD7,
    F_UCODE, F_FMC, F_HWID, F_CSP_ID, F_COUNT
};

static const struct {
    const char *oid;
    const char *name;
} amd_fields[F_COUNT] = {
    [F_STRUCT_VERSION] = {AMD_ARC "1.1", "structVersion"},
    [F_PRODUCT_NAME] = {AMD_ARC "1.2", "productName"},
    [F_BL] = {AMD_ARC "1.3.1", "blSPL"},
    [F_TEE] = {AMD_ARC "1.3.2", "teeSPL"},
    [F_SNP] = {AMD_ARC "1.3.3", "snpSPL"},
    [F_RSVD4] = {AMD_ARC "1.3.4", "spl_4"},
    [F_RSVD5] = {AMD_ARC "1.3.5", "spl_5"},
    [F_RSVD6] = {AMD_ARC "1.3.6", "spl_6"},
    [F_RSVD7] = {AMD_ARC "1.3.7", "spl_7"},
    [F_UCODE] = {AMD_ARC "1.3.8", "ucodeSPL"},
    [F_FMC] = {AMD_ARC "1.3.9", "fmcSPL"},
    [F_HWID] = {AMD_ARC "1.4", "hwID"},
    [F_CSP_ID] = {AMD_ARC "1.5", "cspID"},
};

/* Reads one DER TLV header with the expected tag; the content must fill
 * the rest of the reader exactly. Definite lengths, minimal encoding. */
static int der_tlv(cvm_rd *r, uint8_t want_tag, const char *tname, size_t *clen)
{
    uint8_t tag, l0;
    size_t n = 0;
    int rc;
    if ((rc = cvm_rd_u8(r, "tag", &tag)))
        return rc;
    if (tag != want_tag)
        return cvm_rd_fail(r, CVM_E_VALUE, "tag", cvm_rd_abs(r) - 1,
                           "tag 0x%02x, expected 0x%02x (%s)", tag, want_tag, tname);
    if ((rc = cvm_rd_u8(r, "length", &l0)))
        return rc;
    if (l0 < 0x80) {
        n = l0;
    } else if (l0 == 0x81) {
        uint8_t l1;
        if ((rc = cvm_rd_u8(r, "length", &l1)))
            return rc;
        if (l1 < 0x80)
            return cvm_rd_fail(r, CVM_E_VALUE, "length", cvm_rd_abs(r) - 2,
                               "non-minimal DER length");
        n = l1;
    } else {
        return cvm_rd_fail(r, CVM_E_VALUE, "length", cvm_rd_abs(r) - 1,
                           "length form 0x%02x not accepted here", l0);
    }
    if (n != cvm_rd_left(r))
        return cvm_rd_fail(r, n > cvm_rd_left(r) ? CVM_E_TRUNCATED : CVM_E_TRAILING, "length",
                           cvm_rd_abs(r), "DER length %zu but %zu content bytes", n,
                           cvm_rd_left(r));
    *clen = n;
    return CVM_OK;
}

/* DER INTEGER, non-negative, minimal, value <= max. */
static int der_uint(cvm_rd *r, uint64_t max, uint64_t *out)
{
    size_t n = 0;
    const uint8_t *c;
    uint64_t v = 0;
    int rc;
    if ((rc = der_tlv(r, 0x02, "INTEGER", &n)))
        return rc;
    if (n == 0)
        return cvm_rd_fail(r, CVM_E_VALUE, "INTEGER", CVM_NO_OFFSET, "empty INTEGER");
    if ((rc = cvm_rd_view(r, "INTEGER", n, &c)))
        return rc;
    if (c[0] & 0x80)
        return cvm_rd_fail(r, CVM_E_VALUE, "INTEGER", CVM_NO_OFFSET, "negative INTEGER");
    if (n > 1 && c[0] == 0 && !(c[1] & 0x80))
        return cvm_rd_fail(r, CVM_E_VALUE, "INTEGER", CVM_NO_OFFSET, "non-minimal INTEGER");
    if (n > 9 || (n == 9 && c[0] != 0))
        return cvm_rd_fail(r, CVM_E_VALUE, "INTEGER", CVM_NO_OFFSET, "INTEGER too large");
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | c[i];
    if (v > max)
        return cvm_rd_fail(r, CVM_E_VALUE, "INTEGER", CVM_NO_OFFSET,
                           "value %" PRIu64 " exceeds %" PRIu64, v, max);
    *out = v;
    return CVM_OK;
}

static int der_ia5(cvm_rd *r, char *out, size_t cap)
{
    size_t n = 0;
    const uint8_t *c;
    int rc;
    if ((rc = der_tlv(r, 0x16, "IA5String", &n)))
        return rc;
    if (n == 0 || n >= cap)
        return cvm_rd_fail(r, CVM_E_VALUE, "IA5String", CVM_NO_OFFSET,
                           "length %zu outside 1..%zu", n, cap - 1);
    if ((rc = cvm_rd_view(r, "IA5String", n, &c)))
        return rc;
    for (size_t i = 0; i < n; i++)
        if (c[i] < 0x20 || c[i] > 0x7e)
            return cvm_rd_fail(r, CVM_E_VALUE, "IA5String", CVM_NO_OFFSET,
                               "byte 0x%02x at %zu is not printable ASCII", c[i], i);
    memcpy(out, c, n);
    out[n] = 0;
    return CVM_OK;
}

static int amd_field_decode(enum amd_field f, const uint8_t *d, size_t n, cvm_amd_ext *e,
                            cvm_err *sub)
{
    cvm_rd r;
    uint64_t v = 0;
    int rc;
    cvm_rd_init(&r, d, n, "extnValue", sub);
    switch (f) {
    case F_STRUCT_VERSION:
        if ((rc = der_uint(&r, UINT32_MAX, &v)))
            return rc;
        e->struct_version = (uint32_t)v;
        e->has_struct_version = true;
        return CVM_OK;
    case F_PRODUCT_NAME:
        if ((rc = der_ia5(&r, e->product_name, sizeof(e->product_name))))
            return rc;
        e->has_product_name = true;
        return CVM_OK;
    case F_CSP_ID:
        if ((rc = der_ia5(&r, e->csp_id, sizeof(e->csp_id))))
            return rc;
        e->has_csp_id = true;
        return CVM_OK;
    case F_HWID:
        /* raw bytes in every real certificate; a DER OCTET STRING wrapper
         * is unwrapped only in its exact 04 40 / 04 08 form */
        if (n == 66 && d[0] == 0x04 && d[1] == 0x40) {
            d += 2, n -= 2;
            e->hwid_was_wrapped = true;
        } else if (n == 10 && d[0] == 0x04 && d[1] == 0x08) {
            d += 2, n -= 2;
            e->hwid_was_wrapped = true;
        }
        if (n != 64 && n != 8)
            return cvm_rd_fail(&r, CVM_E_VALUE, "hwID", 0,
                               "%zu bytes, expected 64 (Milan/Genoa) or 8 (Turin)", n);
        memcpy(e->hwid, d, n);
        e->hwid_len = n;
        e->has_hwid = true;
        return CVM_OK;
    default:
        break;
    }
    if ((rc = der_uint(&r, 255, &v)))
        return rc;
    switch (f) {
    case F_BL: e->bl_spl = (uint8_t)v, e->has_bl_spl = true; break;
    case F_TEE: e->tee_spl = (uint8_t)v, e->has_tee_spl = true; break;
    case F_SNP: e->snp_spl = (uint8_t)v, e->has_snp_spl = true; break;
    case F_UCODE: e->ucode_spl = (uint8_t)v, e->has_ucode_spl = true; break;
    case F_FMC: e->fmc_spl = (uint8_t)v, e->has_fmc_spl = true; break;
    case F_RSVD4: case F_RSVD5: case F_RSVD6: case F_RSVD7:
        e->spl_rsvd[f - F_RSVD4] = (uint8_t)v;
        e->has_spl_rsvd[f - F_RSVD4] = true;
        break;
    default:
        break;
    }
    return CVM_OK;
}

int cvm_amdcert_ext_parse(X509 *x, const char *what, cvm_amd_ext *out, cvm_err *err)
{
    bool seen[F_COUNT] = {false};
    int n;
    if (!what)
        what = "certificate";
    memset(out, 0, sizeof(*out));
    n = X509_get_ext_count(x);
    for (int i = 0; i < n; i++) {
        X509_EXTENSION *ext = X509_get_ext(x, i);
        ASN1_OBJECT *obj = ext ? X509_EXTENSION_get_object(ext) : NULL;
        const ASN1_OCTET_STRING *os;
        char oid[128], field[160];
        int olen;
        int f;

        if (!obj)
            return cvm_err_set(err, CVM_E_VALUE, what, "extensions", CVM_NO_OFFSET,
                               "extension %d has no OID", i);
        olen = OBJ_obj2txt(oid, sizeof(oid), obj, 1);
        if (olen <= 0)
            return cvm_err_set(err, CVM_E_VALUE, what, "extensions", CVM_NO_OFFSET,
                               "extension %d: OID does not print", i);
        if (strncmp(oid, AMD_ARC, strlen(AMD_ARC)) != 0)
            continue;
        if ((size_t)olen >= sizeof(oid))
            return cvm_err_set(err, CVM_E_VALUE, what, "extensions", CVM_NO_OFFSET,
                               "extension %d: AMD OID longer than %zu characters", i,
                               sizeof(oid) - 1);
        for (f = 0; f < F_COUNT; f++)
            if (strcmp(oid, amd_fields[f].oid) == 0)
                break;
        os = X509_EXTENSION_get_data(ext);
        if (f == F_COUNT) {
            for (size_t k = 0; k < out->n_unknown; k++)
                if (strcmp(out->unknown_oid[k], oid) == 0)
                    return cvm_err_set(err, CVM_E_VALUE, what, oid, CVM_NO_OFFSET,
                                       "AMD extension %s appears more than once", oid);
            if (out->n_unknown >= CVM_AMD_UNKNOWN_MAX)
                return cvm_err_set(err, CVM_E_LIMIT, what, oid, CVM_NO_OFFSET,
                                   "more than %d unknown AMD extensions", CVM_AMD_UNKNOWN_MAX);
            if (strlen(oid) >= sizeof(out->unknown_oid[0]))
                return cvm_err_set(err, CVM_E_VALUE, what, "extensions", CVM_NO_OFFSET,
                                   "unknown AMD OID %s too long", oid);
            strcpy(out->unknown_oid[out->n_unknown++], oid);
            continue;
        }
        snprintf(field, sizeof(field), "%s (%s)", amd_fields[f].name, oid);
        if (seen[f])
            return cvm_err_set(err, CVM_E_VALUE, what, field, CVM_NO_OFFSET,
                               "AMD extension appears more than once");
        seen[f] = true;
        if (!os || ASN1_STRING_length(os) < 0)
            return cvm_err_set(err, CVM_E_VALUE, what, field, CVM_NO_OFFSET, "no extnValue");
        {
            cvm_err sub;
            int rc;
            cvm_err_clear(&sub);
            rc = amd_field_decode((enum amd_field)f, ASN1_STRING_get0_data(os),
                                  (size_t)ASN1_STRING_length(os), out, &sub);
            if (rc)
                return cvm_err_set(err, rc, what, field, CVM_NO_OFFSET,
                                   "%s (at byte %zu of the %d-byte extnValue, %s)", sub.msg,
                                   sub.offset == CVM_NO_OFFSET ? 0 : sub.offset,
                                   ASN1_STRING_length(os), sub.field);
        }
    }
    return CVM_OK;
}

const char *cvm_amd_ext_product_family(const cvm_amd_ext *e)
{
    static const char *const fams[] = {"Milan", "Genoa", "Turin"};
    if (!e || !e->has_product_name)
        return NULL;
    for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
        size_t n = strlen(fams[i]);
        /* exact name, or the name followed by a "-<stepping>" suffix */
        if (strncmp(e->product_name, fams[i], n) == 0 &&
            (e->product_name[n] == 0 || (e->product_name[n] == '-' && e->product_name[n + 1])))
            return fams[i];
    }
    return NULL;
}

json_t *cvm_amd_ext_to_json(const cvm_amd_ext *e)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (e->has_struct_version)
        json_object_set_new(o, "structVersion", json_integer(e->struct_version));
    if (e->has_product_name)
        json_object_set_new(o, "productName", json_string(e->product_name));
    if (e->has_bl_spl)
        json_object_set_new(o, "blSPL", json_integer(e->bl_spl));
    if (e->has_tee_spl)
        json_object_set_new(o, "teeSPL", json_integer(e->tee_spl));
    if (e->has_snp_spl)
        json_object_set_new(o, "snpSPL", json_integer(e->snp_spl));
    for (int i = 0; i < 4; i++) {
        if (e->has_spl_rsvd[i]) {
            char k[16];
            snprintf(k, sizeof(k), "spl_%d", i + 4);
            json_object_set_new(o, k, json_integer(e->spl_rsvd[i]));
        }
    }
    if (e->has_ucode_spl)
        json_object_set_new(o, "ucodeSPL", json_integer(e->ucode_spl));
    if (e->has_fmc_spl)
        json_object_set_new(o, "fmcSPL", json_integer(e->fmc_spl));
    if (e->has_hwid) {
        json_object_set_new(o, "hwID", cvm_hex_json(e->hwid, e->hwid_len));
        if (e->hwid_was_wrapped)
            json_object_set_new(o, "hwID_octet_string_wrapped", json_true());
    }
    if (e->has_csp_id)
        json_object_set_new(o, "cspID", json_string(e->csp_id));
    if (e->n_unknown) {
        json_t *a = json_array();
        for (size_t i = 0; i < e->n_unknown; i++)
            json_array_append_new(a, json_string(e->unknown_oid[i]));
        json_object_set_new(o, "unknown", a);
    }
    return o;
}

/* ---- fingerprints and description ----------------------------------- */

/* SHA-256 of n DER bytes that an i2d_ call allocated (n <= 0: it failed) */
static int der_sha256(unsigned char *der, int n, uint8_t out[32])
{
    unsigned int mdlen = 0;
    if (n <= 0) {
        ERR_clear_error();
        return CVM_E_VALUE;
    }
    int ok = EVP_Digest(der, (size_t)n, out, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32;
    OPENSSL_free(der);
    return ok ? CVM_OK : CVM_E_VALUE;
}

int cvm_cert_spki_sha256(X509 *x, uint8_t out[32])
{
    unsigned char *der = NULL;
    int n = x ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der) : -1;
    return der_sha256(der, n, out);
}

int cvm_cert_sha256(X509 *x, uint8_t out[32])
{
    unsigned char *der = NULL;
    int n = x ? i2d_X509(x, &der) : -1;
    return der_sha256(der, n, out);
}

static json_t *name_json(const X509_NAME *nm)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p;
    long n;
    json_t *j = NULL;
    if (!b)
        return NULL;
    if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) >= 0) {
        n = BIO_get_mem_data(b, &p);
        j = json_stringn(p, n > 0 ? (size_t)n : 0);
    }
    BIO_free(b);
    return j;
}

static json_t *time_json(const ASN1_TIME *t)
{
    struct tm tm;
    char s[32];
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return json_null();
    if (strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return json_null();
    return json_string(s);
}

static json_t *serial_json(X509 *x)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *h;
    json_t *j;
    if (!bn)
        return json_null();
    h = BN_bn2hex(bn);
    BN_free(bn);
    if (!h)
        return json_null();
    for (char *c = h; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    j = json_string(h);
    OPENSSL_free(h);
    return j;
}

static const char *nid_name(int nid)
{
    const char *s = nid == NID_undef ? NULL : OBJ_nid2sn(nid);
    return s ? s : "unknown";
}

static json_t *algor_md_json(const X509_ALGOR *a)
{
    const ASN1_OBJECT *o;
    if (!a)
        return json_string("sha1"); /* RFC 4055 default */
    X509_ALGOR_get0(&o, NULL, NULL, a);
    return json_string(nid_name(OBJ_obj2nid(o)));
}

static json_t *sigalg_json(X509 *x)
{
    const X509_ALGOR *alg = NULL;
    const ASN1_OBJECT *o;
    const void *pval = NULL;
    int ptype = 0;
    json_t *j = json_object();
    int nid;

    X509_get0_signature(NULL, &alg, x);
    X509_ALGOR_get0(&o, &ptype, &pval, alg);
    nid = OBJ_obj2nid(o);
    {
        char oid[80];
        OBJ_obj2txt(oid, sizeof(oid), o, 1);
        json_object_set_new(j, "oid", json_string(oid));
    }
    json_object_set_new(j, "name", json_string(nid_name(nid)));
    if (nid == NID_rsassaPss) {
        RSA_PSS_PARAMS *pss = NULL;
        if (ptype == V_ASN1_SEQUENCE)
            pss = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS), alg->parameter);
        if (!pss) {
            json_object_set_new(j, "pss_error", json_string("parameters do not decode"));
        } else {
            json_object_set_new(j, "hash", algor_md_json(pss->hashAlgorithm));
            if (pss->maskGenAlgorithm) {
                const ASN1_OBJECT *mo;
                X509_ALGOR_get0(&mo, NULL, NULL, pss->maskGenAlgorithm);
                json_object_set_new(j, "mgf", json_string(nid_name(OBJ_obj2nid(mo))));
                X509_ALGOR *mh = NULL;
                if (pss->maskGenAlgorithm->parameter &&
                    pss->maskGenAlgorithm->parameter->type == V_ASN1_SEQUENCE)
                    mh = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR),
                                                   pss->maskGenAlgorithm->parameter);
                json_object_set_new(j, "mgf1_hash", mh ? algor_md_json(mh) : json_null());
                X509_ALGOR_free(mh);
            } else {
                json_object_set_new(j, "mgf", json_string("mgf1"));
                json_object_set_new(j, "mgf1_hash", json_string("sha1"));
            }
            {
                int64_t salt = 20, trailer = 1;
                if (pss->saltLength && !ASN1_INTEGER_get_int64(&salt, pss->saltLength))
                    salt = -1;
                if (pss->trailerField && !ASN1_INTEGER_get_int64(&trailer, pss->trailerField))
                    trailer = -1;
                json_object_set_new(j, "salt_length", json_integer(salt));
                json_object_set_new(j, "trailer_field", json_integer(trailer));
            }
            RSA_PSS_PARAMS_free(pss);
        }
    }
    {
        int mdnid = 0, pknid = 0, secbits = 0;
        uint32_t flags = 0;
        if (X509_get_signature_info(x, &mdnid, &pknid, &secbits, &flags) == 1)
            json_object_set_new(j, "digest", json_string(nid_name(mdnid)));
    }
    ERR_clear_error();
    return j;
}

static json_t *pubkey_json(X509 *x)
{
    EVP_PKEY *pk = X509_get0_pubkey(x);
    json_t *j = json_object();
    if (!pk) {
        ERR_clear_error();
        json_object_set_new(j, "error", json_string("public key does not decode"));
        return j;
    }
    const char *tn = EVP_PKEY_get0_type_name(pk);
    json_object_set_new(j, "type", json_string(tn ? tn : "unknown"));
    json_object_set_new(j, "bits", json_integer(EVP_PKEY_get_bits(pk)));
    if (EVP_PKEY_is_a(pk, "EC")) {
        char g[64];
        size_t gl = 0;
        if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, g, sizeof(g), &gl) == 1)
            json_object_set_new(j, "curve", json_string(g));
    }
    ERR_clear_error();
    return j;
}

json_t *cvm_cert_to_json(X509 *x)
{
    json_t *j = json_object();
    uint8_t h[32];
    cvm_amd_ext e;
    cvm_err err;

    if (!j || !x)
        return j;
    json_object_set_new(j, "subject", name_json(X509_get_subject_name(x)));
    json_object_set_new(j, "issuer", name_json(X509_get_issuer_name(x)));
    json_object_set_new(j, "serial", serial_json(x));
    json_object_set_new(j, "not_before", time_json(X509_get0_notBefore(x)));
    json_object_set_new(j, "not_after", time_json(X509_get0_notAfter(x)));
    json_object_set_new(j, "signature_algorithm", sigalg_json(x));
    json_object_set_new(j, "public_key", pubkey_json(x));
    if (cvm_cert_spki_sha256(x, h) == CVM_OK)
        json_object_set_new(j, "spki_sha256", cvm_hex_json(h, 32));
    if (cvm_cert_sha256(x, h) == CVM_OK)
        json_object_set_new(j, "cert_sha256", cvm_hex_json(h, 32));
    json_object_set_new(j, "role", json_string(cvm_cert_role_name(cvm_cert_role_of(x))));
    cvm_err_clear(&err);
    if (cvm_amdcert_ext_parse(x, "certificate", &e, &err) != CVM_OK) {
        char b[512];
        json_object_set_new(j, "amd_extensions_error", json_string(cvm_err_format(&err, b, sizeof(b))));
    } else if (e.has_struct_version || e.has_product_name || e.has_bl_spl || e.has_tee_spl ||
               e.has_snp_spl || e.has_ucode_spl || e.has_fmc_spl || e.has_hwid || e.has_csp_id ||
               e.n_unknown || e.has_spl_rsvd[0] || e.has_spl_rsvd[1] || e.has_spl_rsvd[2] ||
               e.has_spl_rsvd[3]) {
        json_object_set_new(j, "amd_extensions", cvm_amd_ext_to_json(&e));
    }
    ERR_clear_error();
    return j;
}
