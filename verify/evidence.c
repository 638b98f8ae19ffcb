/* Loading the inputs into memory and decoding them with the format
 * library (spec/verify.md §2). Nothing is judged here: a decode failure is
 * kept with its input and reported by the first link that needs it. */
#include "verify.h"
#include "pem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/pem.h>

/* Defined in bundle.c: fills v->in[] from the bundle's members. */
int cvm_bundle_load(cvm_verify *v, char *errbuf, size_t errlen);

static int load_file(cvm_input *in, const char *path, char *errbuf, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(errbuf, errlen, "%s: not a regular file", path);
        return -1;
    }
    in->present = true;
    cvm_err_clear(&in->err);
    int rc = cvm_file_read(path, CVM_INPUT_MAX, &in->buf, &in->len, &in->err);
    if (rc == CVM_E_LIMIT) {
        /* an oversized evidence file is malformed evidence, not a usage error */
        in->decoded = true;
        in->rc = rc;
        cvm_err_set_what(&in->err, in->name);
        return 0;
    }
    if (rc != CVM_OK) {
        char eb[512];
        snprintf(errbuf, errlen, "%s", cvm_err_format(&in->err, eb, sizeof eb));
        return -1;
    }
    return 0;
}

static int load_dir(cvm_verify *v, char *errbuf, size_t errlen)
{
    struct stat st;
    if (stat(v->opts.dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(errbuf, errlen, "--dir %s: not a readable directory", v->opts.dir);
        return -1;
    }
    for (int i = 0; i < CVM_IN_COUNT; i++) {
        if (i == CVM_IN_CRL || i == CVM_IN_MANIFEST || i == CVM_IN_SEAL_MSG || i == CVM_IN_SEAL_SIG)
            continue; /* --crl only; the manifest and seal only mean something inside a bundle */
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", v->opts.dir, v->in[i].name) >= sizeof path) {
            snprintf(errbuf, errlen, "--dir path too long");
            return -1;
        }
        if (load_file(&v->in[i], path, errbuf, errlen) != 0)
            return -1;
    }
    /* an extracted bundle names the HCL report report.bin */
    if (!v->in[CVM_IN_HCL].present) {
        char path[4096];
        snprintf(path, sizeof path, "%s/report.bin", v->opts.dir);
        v->in[CVM_IN_HCL].name = "report.bin";
        if (load_file(&v->in[CVM_IN_HCL], path, errbuf, errlen) != 0)
            return -1;
        if (!v->in[CVM_IN_HCL].present)
            v->in[CVM_IN_HCL].name = "snp_report.bin";
    }
    return 0;
}

static void set_decoded(cvm_input *in, int rc, const cvm_err *err)
{
    in->decoded = true;
    in->rc = rc;
    if (rc != CVM_OK && err)
        in->err = *err;
}

/* A SubjectPublicKeyInfo in PEM (what tpm2_readpublic -f pem writes) or
 * DER, strictly (format/pem.h: canonical base64, and the DER must be the
 * key's own encoding, so no second spelling of the key verifies). */
static int decode_spki(cvm_input *in, EVP_PKEY **out)
{
    EVP_PKEY *pk = cvm_pcache_pubkey_get(in->buf, in->len);
    if (pk) {
        *out = pk;
        return CVM_OK;
    }
    cvm_err_clear(&in->err);
    int rc = cvm_spki_load(in->buf, in->len, in->name, &pk, &in->err);
    if (rc)
        return rc;
    cvm_pcache_pubkey_put(in->buf, in->len, pk);
    *out = pk;
    return CVM_OK;
}

static int decode_crl(const uint8_t *buf, size_t len, const char *what, X509_CRL **out,
                      cvm_err *err)
{
    X509_CRL *crl = NULL;
    if (len >= 10 && memcmp(buf, "-----BEGIN", 10) == 0) {
        BIO *b = BIO_new_mem_buf(buf, (int)len);
        if (b)
            crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
        BIO_free(b);
    } else {
        const uint8_t *p = buf;
        crl = d2i_X509_CRL(NULL, &p, (long)len);
        if (crl && (size_t)(p - buf) != len) {
            X509_CRL_free(crl);
            return cvm_err_set(err, CVM_E_TRAILING, what, "CertificateList", (size_t)(p - buf),
                               "trailing bytes after the DER CRL");
        }
    }
    if (!crl)
        return cvm_err_set(err, CVM_E_SYNTAX, what, "CertificateList", 0,
                           "not a DER or PEM X.509 CRL");
    *out = crl;
    return CVM_OK;
}

static void decode(cvm_verify *v)
{
    cvm_err err;
    cvm_input *in;

    in = &v->in[CVM_IN_HCL];
    if (in->present && !in->decoded) {
        cvm_err_clear(&err);
        int rc = cvm_hcl_parse(in->buf, in->len, in->name, &v->hcl, &err);
        if (rc == CVM_OK && !v->hcl.is_snp)
            rc = cvm_err_set(&err, CVM_E_UNSUPPORTED, in->name, "runtime.report_type", 0x4C8,
                             "HCL report of type %s: only SEV-SNP is verified",
                             cvm_hcl_report_type_name(v->hcl.report_type));
        set_decoded(in, rc, &err);
    }
    in = &v->in[CVM_IN_GUEST];
    if (in->present && !in->decoded) {
        cvm_err_clear(&err);
        set_decoded(in, cvm_snp_parse(in->buf, in->len, in->name, &v->guest, &err), &err);
    }
    /* The HCL report is primary: it carries the runtime header (hash type)
     * and the exact JSON bytes. guest_report.bin / runtime.json are only
     * used alone when the HCL report is absent; when both are present the
     * links check they agree. */
    if (v->in[CVM_IN_HCL].present) {
        v->report_input = CVM_IN_HCL;
        if (v->in[CVM_IN_HCL].rc == CVM_OK) {
            v->report = v->hcl.snp;
            v->report_raw = v->hcl.hw_report;
            v->have_report = true;
            v->json = v->hcl.json;
            v->json_len = v->hcl.json_len;
            v->json_input = CVM_IN_HCL;
            v->json_hash_type = v->hcl.hash_type;
        }
    } else if (v->in[CVM_IN_GUEST].present) {
        v->report_input = CVM_IN_GUEST;
        if (v->in[CVM_IN_GUEST].rc == CVM_OK) {
            v->report = v->guest;
            v->report_raw = v->in[CVM_IN_GUEST].buf;
            v->have_report = true;
        }
        if (v->in[CVM_IN_RUNTIME].present && v->in[CVM_IN_RUNTIME].rc == CVM_OK) {
            v->json = v->in[CVM_IN_RUNTIME].buf;
            v->json_len = v->in[CVM_IN_RUNTIME].len;
            v->json_input = CVM_IN_RUNTIME;
            v->json_hash_type = CVM_HCL_HASH_SHA256;
            v->json_hash_assumed = true;
        }
    }
    if (v->json) {
        cvm_err_clear(&v->runtime_err);
        v->runtime_rc = cvm_runtime_parse(v->json, v->json_len,
                                          v->json_input == CVM_IN_HCL ? "runtime JSON in snp_report.bin"
                                                                      : "runtime.json",
                                          &v->runtime, &v->runtime_err);
        v->have_runtime = v->runtime_rc == CVM_OK;
    }

    in = &v->in[CVM_IN_VCEK];
    if (in->present && !in->decoded) {
        cvm_err_clear(&err);
        set_decoded(in, cvm_pcache_certs(in->buf, in->len, in->name, &v->ev_certs, &err), &err);
    }
    in = &v->in[CVM_IN_AKPUB];
    if (in->present && !in->decoded) {
        cvm_err_clear(&in->err);
        int rc = decode_spki(in, &v->akpub);
        in->decoded = true;
        in->rc = rc;
    }
    in = &v->in[CVM_IN_AKPUB_TPM];
    if (in->present && !in->decoded) {
        cvm_err_clear(&err);
        set_decoded(in, cvm_tpm_public_parse(in->buf, in->len, in->name, CVM_TPM_PUBLIC_TPM2B,
                                             &v->ak_tpm, &err),
                    &err);
    }
    in = &v->in[CVM_IN_QUOTE_MSG];
    if (in->present && !in->decoded) {
        cvm_err_clear(&err);
        set_decoded(in, cvm_tpm_attest_parse(in->buf, in->len, in->name, &v->attest, &err), &err);
    }
    in = &v->in[CVM_IN_QUOTE_SIG];
    if (in->present && !in->decoded) {
        cvm_err_clear(&err);
        const cvm_tpm_public *k =
            v->in[CVM_IN_AKPUB_TPM].present && v->in[CVM_IN_AKPUB_TPM].rc == CVM_OK ? &v->ak_tpm : NULL;
        set_decoded(in, cvm_tpm_signature_parse_file(in->buf, in->len, in->name, k, CVM_TPM_ALG_SHA256,
                                                     &v->qsig, &v->qsig_format, &err),
                    &err);
    }
    in = &v->in[CVM_IN_QUOTE_PCRS];
    if (in->present && !in->decoded) {
        cvm_err_clear(&err);
        v->pcrs = calloc(1, sizeof *v->pcrs);
        int rc = v->pcrs ? cvm_pcrs_parse(in->buf, in->len, in->name, v->pcrs, &err)
                         : cvm_err_set(&err, CVM_E_NOMEM, in->name, "", CVM_NO_OFFSET, "out of memory");
        set_decoded(in, rc, &err);
    }
    in = &v->in[CVM_IN_MANIFEST];
    if (in->present && !in->decoded) {
        cvm_err_clear(&err);
        set_decoded(in, cvm_manifest_parse(in->buf, in->len, in->name, &v->manifest, &err), &err);
    }
    in = &v->in[CVM_IN_SEAL_MSG];
    if (in->present && !in->decoded) {
        cvm_err_clear(&err);
        set_decoded(in, cvm_tpm_attest_parse(in->buf, in->len, in->name, &v->seal_attest, &err), &err);
    }
    in = &v->in[CVM_IN_SEAL_SIG];
    if (in->present && !in->decoded) {
        cvm_err_clear(&err);
        set_decoded(in, cvm_tpm_signature_parse(in->buf, in->len, in->name, &v->seal_sig, &err), &err);
    }
    in = &v->in[CVM_IN_EVENTLOG];
    if (in->present && !in->decoded) {
        cvm_err_clear(&err);
        set_decoded(in, cvm_eventlog_parse(in->buf, in->len, in->name, &v->elog, &err), &err);
    }
    in = &v->in[CVM_IN_CEL];
    if (in->present && !in->decoded) {
        cvm_err_clear(&err);
        set_decoded(in, cvm_rtlog_parse(in->buf, in->len, in->name, &v->rtlog, &err), &err);
    }
    in = &v->in[CVM_IN_CRL];
    if (in->present && !in->decoded) {
        cvm_err_clear(&err);
        set_decoded(in, decode_crl(in->buf, in->len, in->name, &v->crl, &err), &err);
    }
}

int cvm_evidence_load(cvm_verify *v, char *errbuf, size_t errlen)
{
    if (v->opts.bundle_path) {
        if (cvm_bundle_load(v, errbuf, errlen) != 0)
            return -1;
    } else if (v->opts.dir) {
        if (load_dir(v, errbuf, errlen) != 0)
            return -1;
    } else {
        snprintf(errbuf, errlen, "no evidence given (BUNDLE.tar or --dir DIR)");
        return -1;
    }
    if (v->opts.crl_path) {
        cvm_input *in = &v->in[CVM_IN_CRL];
        if (!in->borrowed)
            free(in->buf);
        memset(in, 0, sizeof *in);
        in->name = "crl";
        in->blamed_by = -1;
        if (load_file(in, v->opts.crl_path, errbuf, errlen) != 0)
            return -1;
        if (!in->present) {
            snprintf(errbuf, errlen, "--crl %s: no such file", v->opts.crl_path);
            return -1;
        }
    }
    if (v->opts.chain_path) {
        uint8_t *buf = NULL;
        size_t len = 0;
        cvm_err err;
        cvm_err_clear(&err);
        if (cvm_file_read(v->opts.chain_path, CVM_CERTS_MAX_BYTES, &buf, &len, &err) != CVM_OK ||
            cvm_certs_load(buf, len, v->opts.chain_path, &v->chain_certs, &err) != CVM_OK) {
            char eb[512];
            snprintf(errbuf, errlen, "--chain %s: %s", v->opts.chain_path,
                     cvm_err_format(&err, eb, sizeof eb));
            free(buf);
            return -1;
        }
        free(buf);
    }
    decode(v);
    return 0;
}
