/* --signer-anchor / --tsa-anchor files (spec/verify.md §3.18, §3.19): the
 * only trust the operator.signature and timestamp links use. Read once,
 * before any link, so an unreadable anchor is a usage error (exit 3) like
 * every other option file. */
#include "verify.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "buf.h"

#define ANCHOR_FILE_MAX (1u << 20)

/* PEM certificates (one or more), a PEM PUBLIC KEY, or one DER certificate. */
static int load_one(const char *opt, const char *path, STACK_OF(X509) *certs, EVP_PKEY **keys, size_t *nkeys,
                    char *errbuf, size_t errlen)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    cvm_err e;
    cvm_err_clear(&e);
    if (cvm_file_read(path, ANCHOR_FILE_MAX, &buf, &len, &e) != CVM_OK) {
        char b[1200];
        snprintf(errbuf, errlen, "%s %s: %s", opt, path, cvm_err_format(&e, b, sizeof b));
        return -1;
    }
    int found = 0;
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    X509 *x;
    while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_push(certs, x)) {
            X509_free(x);
            break;
        }
        found++;
    }
    BIO_free(bio);
    if (!found && keys) {
        bio = BIO_new_mem_buf(buf, (int)len);
        EVP_PKEY *k = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
        if (k) {
            if (*nkeys < CVM_MAX_ANCHORS)
                keys[(*nkeys)++] = k;
            else
                EVP_PKEY_free(k);
            found++;
        }
    }
    if (!found) {
        const unsigned char *p = buf;
        x = d2i_X509(NULL, &p, (long)len);
        if (x && p == buf + len && sk_X509_push(certs, x))
            found++;
        else
            X509_free(x);
    }
    free(buf);
    ERR_clear_error();
    if (!found) {
        snprintf(errbuf, errlen, "%s %s: no certificate%s (PEM or DER)", opt, path, keys ? " or PEM public key" : "");
        return -1;
    }
    return 0;
}

int cvm_archive_anchors_load(cvm_verify *v, char *errbuf, size_t errlen)
{
    v->tsa_anchors = sk_X509_new_null();
    v->signer_anchors = sk_X509_new_null();
    if (!v->tsa_anchors || !v->signer_anchors) {
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < v->opts.n_tsa_anchors; i++)
        if (load_one("--tsa-anchor", v->opts.tsa_anchor_paths[i], v->tsa_anchors, NULL, NULL, errbuf, errlen))
            return -1;
    for (size_t i = 0; i < v->opts.n_signer_anchors; i++)
        if (load_one("--signer-anchor", v->opts.signer_anchor_paths[i], v->signer_anchors, v->signer_keys,
                     &v->n_signer_keys, errbuf, errlen))
            return -1;
    return 0;
}

void cvm_archive_anchors_free(cvm_verify *v)
{
    if (v->tsa_anchors)
        sk_X509_pop_free(v->tsa_anchors, X509_free);
    if (v->signer_anchors)
        sk_X509_pop_free(v->signer_anchors, X509_free);
    for (size_t i = 0; i < v->n_signer_keys; i++)
        EVP_PKEY_free(v->signer_keys[i]);
    v->tsa_anchors = v->signer_anchors = NULL;
    v->n_signer_keys = 0;
}

X509_STORE *cvm_archive_store(STACK_OF(X509) *anchors, time_t at)
{
    X509_STORE *st = X509_STORE_new();
    if (!st)
        return NULL;
    for (int i = 0; i < sk_X509_num(anchors); i++)
        if (X509_STORE_add_cert(st, sk_X509_value(anchors, i)) != 1) {
            X509_STORE_free(st);
            return NULL;
        }
    X509_VERIFY_PARAM *pm = X509_STORE_get0_param(st);
    /* a pinned end-entity certificate (the TSA's or the operator's own) is
     * a complete anchor: it need not chain to a self-signed root */
    X509_VERIFY_PARAM_set_flags(pm, X509_V_FLAG_PARTIAL_CHAIN);
    X509_VERIFY_PARAM_set_time(pm, at);
    return st;
}

void cvm_x509_identity(X509 *x, json_t *d, char *subject, size_t n)
{
    char *s = X509_NAME_oneline(X509_get_subject_name(x), NULL, 0);
    snprintf(subject, n, "%s", s ? s : "?");
    OPENSSL_free(s);
    unsigned char *der = NULL;
    int l = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
    uint8_t h[32];
    if (d)
        json_object_set_new(d, "subject", json_string(subject));
    if (l > 0 && cvm_sha256(der, (size_t)l, h) == CVM_OK && d)
        json_object_set_new(d, "spki_sha256", cvm_json_hex(h, 32));
    OPENSSL_free(der);
    char nb[40], na[40];
    time_t t;
    if (d && cvm_asn1_time_to_t(X509_get0_notBefore(x), &t) == 0) {
        cvm_time_format(t, nb, sizeof nb);
        json_object_set_new(d, "not_before", json_string(nb));
    }
    if (d && cvm_asn1_time_to_t(X509_get0_notAfter(x), &t) == 0) {
        cvm_time_format(t, na, sizeof na);
        json_object_set_new(d, "not_after", json_string(na));
    }
}

/* The last OpenSSL error's reason and its data (e.g. "Verify error:
 * certificate has expired"); the queue is cleared. */
const char *cvm_ossl_reason(char *buf, size_t n)
{
    unsigned long e, last = 0;
    const char *data = NULL, *ldata = NULL;
    int flags = 0, lflags = 0;
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        last = e;
        ldata = data;
        lflags = flags;
    }
    const char *r = last ? ERR_reason_error_string(last) : NULL;
    if (ldata && (lflags & ERR_TXT_STRING) && *ldata)
        snprintf(buf, n, "%s (%s)", r ? r : "OpenSSL error", ldata);
    else
        snprintf(buf, n, "%s", r ? r : "unknown OpenSSL error");
    return buf;
}
