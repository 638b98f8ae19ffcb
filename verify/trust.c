/* Trust anchors: the AMD ARKs pinned by the SHA-256 of their DER
 * SubjectPublicKeyInfo, plus anchors the auditor adds with --trust-anchor
 * (spec/verify.md §4). No AMD certificate is compiled in: the ARK
 * certificate itself arrives with the evidence or --chain and is trusted
 * only because its key matches a pin.
 *
 * The pins were computed from every copy of each ARK under
 * ../shared/vectors/amd-roots (virtee-sev, go-sev-guest VCEK and VLEK
 * chains, trustee, ms-tee-attestation-verification): all copies of a
 * product's ARK carry the same key. The same ARK anchors the VCEK (via the
 * ASK) and the VLEK (via the ASVK) paths. */
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    enum cvm_product product;
    const char *name;
    const char *spki_sha256;
} pins[] = {
    {CVM_PRODUCT_MILAN, "ARK-Milan", "9f056bee44377e29308cb5ffa895bdfb62d18881fa6bed8d6f075b0204089cb9"},
    {CVM_PRODUCT_GENOA, "ARK-Genoa", "429a69c9422aa258ee4d8db5fcda9c6470ef15f8cd5a9cebd6cbc7d90b863831"},
    {CVM_PRODUCT_TURIN, "ARK-Turin", "4f125410563a2ab9a50356f9243f6fe0b6f73de98603f53f90339c70e9d7ad08"},
};

const char *cvm_trust_builtin_hex(enum cvm_product p)
{
    for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++)
        if (pins[i].product == p)
            return pins[i].spki_sha256;
    return "";
}

int cvm_trust_init(cvm_verify *v, char *errbuf, size_t errlen)
{
    v->n_anchors = 0;
    for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++) {
        cvm_anchor *a = &v->anchors[v->n_anchors++];
        memset(a, 0, sizeof *a);
        snprintf(a->name, sizeof a->name, "%s", pins[i].name);
        snprintf(a->source, sizeof a->source, "built-in pin");
        a->product = pins[i].product;
        if (cvm_unhex(pins[i].spki_sha256, 64, a->spki_sha256, 32) != 32) {
            snprintf(errbuf, errlen, "internal error: bad built-in pin");
            return -1;
        }
    }
    for (size_t i = 0; i < v->opts.n_anchors; i++) {
        const char *path = v->opts.anchor_paths[i];
        uint8_t *buf = NULL;
        size_t len = 0;
        cvm_err err;
        cvm_err_clear(&err);
        X509 *x = NULL;
        STACK_OF(X509) *sk = NULL;
        int frc = cvm_file_read(path, CVM_CERTS_MAX_BYTES, &buf, &len, &err);
        /* memoised (a batch loads the same anchor for every bundle); the
         * uncached call below only words the error */
        if (frc == CVM_OK && cvm_pcache_certs(buf, len, path, &sk, &err) == CVM_OK && sk_X509_num(sk) == 1 &&
            X509_up_ref(sk_X509_value(sk, 0)) == 1)
            x = sk_X509_value(sk, 0);
        if (sk)
            cvm_certs_free(sk);
        if (frc != CVM_OK || (!x && cvm_cert_load_one(buf, len, path, &x, &err) != CVM_OK)) {
            char eb[512];
            snprintf(errbuf, errlen, "--trust-anchor %s: %s", path,
                     cvm_err_format(&err, eb, sizeof eb));
            free(buf);
            return -1;
        }
        free(buf);
        cvm_anchor *a = &v->anchors[v->n_anchors++];
        memset(a, 0, sizeof *a);
        char gen[64] = "";
        a->product = CVM_PRODUCT_UNKNOWN;
        if (cvm_cert_cn_generation(x, gen, sizeof gen))
            a->product = cvm_product_from_name(gen);
        X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, a->name,
                                  sizeof a->name);
        if (!a->name[0])
            snprintf(a->name, sizeof a->name, "(no CN)");
        snprintf(a->source, sizeof a->source, "--trust-anchor %s", path);
        int rc = cvm_cert_spki_sha256(x, a->spki_sha256);
        X509_free(x);
        if (rc != CVM_OK) {
            snprintf(errbuf, errlen, "--trust-anchor %s: cannot hash its public key", path);
            return -1;
        }
    }
    return 0;
}

cvm_anchor *cvm_trust_find(cvm_verify *v, const uint8_t spki[32], enum cvm_product product)
{
    for (size_t i = 0; i < v->n_anchors; i++) {
        cvm_anchor *a = &v->anchors[i];
        if (memcmp(a->spki_sha256, spki, 32) != 0)
            continue;
        /* A pinned ARK anchors only its own product line: a Genoa ARK must
         * never anchor a Milan VCEK. An auditor's anchor whose CN names no
         * generation anchors any product (the auditor chose it). */
        if (a->product == CVM_PRODUCT_UNKNOWN || a->product == product)
            return a;
    }
    return NULL;
}
