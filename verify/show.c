/* `cvm-verify show FILE...` — an incident responder's first look inside
 * evidence: detect what each file is, decode it with the format library and
 * print it for a person, or as JSON. Nothing here judges the evidence; a
 * file that does not parse is reported with the parser's file/field/offset.
 *
 * Detection is by content, never by name alone: strong magics first (tar,
 * "HCLA", TPM_GENERATED, PEM armour, the Spec ID event), then structural
 * trial parses in a fixed order. The file name only breaks ties between
 * formats that have no magic (e.g. a .pcrs file vs. a bare signature). */
#include "show.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "amdcert.h"
#include "binding.h"
#include "buf.h"
#include "bundle.h"
#include "cel.h"
#include "eventlog.h"
#include "hcl.h"
#include "manifest.h"
#include "pcrs.h"
#include "runtime.h"
#include "snp.h"
#include "thim.h"
#include "tpm.h"

#define SHOW_MAX_FILE ((size_t)256 << 20)
#define SHOW_MAX_EVENTS 4096

/* One decoded file: its kind, a one-line summary and the decoded tree. */
typedef struct shown {
    const char *kind;
    json_t *body;
} shown;

typedef int (*decode_fn)(const uint8_t *p, size_t n, const char *what, shown *out, cvm_err *err);

static bool has_prefix(const uint8_t *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    return n >= k && memcmp(p, s, k) == 0;
}

static bool name_ends(const char *name, const char *suffix)
{
    size_t a = strlen(name), b = strlen(suffix);
    return a >= b && strcmp(name + a - b, suffix) == 0;
}

static size_t skip_ws(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    return i;
}

/* ---- decoders: each parses strictly and returns the format lib's error ---- */

static int dec_hcl(const uint8_t *p, size_t n, const char *what, shown *out, cvm_err *err)
{
    cvm_hcl_report r;
    int rc = cvm_hcl_parse(p, n, what, &r, err);
    if (rc)
        return rc;
    out->kind = "Azure HCL report (vTPM NV 0x01400001)";
    out->body = cvm_hcl_to_json(&r, CVM_PRODUCT_UNKNOWN);
    /* the runtime JSON is the part a responder reads first: decode it too */
    cvm_runtime rt;
    cvm_err e2;
    cvm_err_clear(&e2);
    if (out->body && cvm_runtime_parse(r.json, r.json_len, what, &rt, &e2) == 0) {
        json_object_set_new(out->body, "runtime_claims", cvm_runtime_to_json(&rt));
        cvm_runtime_free(&rt);
    }
    return out->body ? 0 : CVM_E_NOMEM;
}

static int dec_snp(const uint8_t *p, size_t n, const char *what, shown *out, cvm_err *err)
{
    cvm_snp_report r;
    int rc = cvm_snp_parse(p, n, what, &r, err);
    if (rc)
        return rc;
    out->kind = "AMD SEV-SNP attestation report";
    out->body = cvm_snp_to_json(&r, CVM_PRODUCT_UNKNOWN);
    return out->body ? 0 : CVM_E_NOMEM;
}

static int dec_runtime(const uint8_t *p, size_t n, const char *what, shown *out, cvm_err *err)
{
    cvm_runtime rt;
    int rc = cvm_runtime_parse(p, n, what, &rt, err);
    if (rc)
        return rc;
    out->kind = "Azure runtime claims JSON";
    out->body = cvm_runtime_to_json(&rt);
    cvm_runtime_free(&rt);
    return out->body ? 0 : CVM_E_NOMEM;
}

static int dec_thim(const uint8_t *p, size_t n, const char *what, shown *out, cvm_err *err)
{
    cvm_thim t;
    int rc = cvm_thim_parse(p, n, what, &t, err);
    if (rc)
        return rc;
    out->kind = "Azure IMDS THIM certification JSON";
    out->body = cvm_thim_to_json(&t);
    /* decode the certificates it carries */
    json_t *certs = json_array();
    const char *pems[2] = {t.vcek_cert, t.certificate_chain};
    for (int i = 0; i < 2 && certs; i++) {
        STACK_OF(X509) *sk = NULL;
        cvm_err e2;
        cvm_err_clear(&e2);
        if (pems[i] && cvm_certs_load((const uint8_t *)pems[i], strlen(pems[i]), what, &sk, &e2) == 0) {
            for (int k = 0; k < sk_X509_num(sk); k++)
                json_array_append_new(certs, cvm_cert_to_json(sk_X509_value(sk, k)));
            cvm_certs_free(sk);
        }
    }
    if (out->body && certs)
        json_object_set_new(out->body, "certificates", certs);
    else
        json_decref(certs);
    cvm_thim_free(&t);
    return out->body ? 0 : CVM_E_NOMEM;
}

static int dec_manifest(const uint8_t *p, size_t n, const char *what, shown *out, cvm_err *err)
{
    cvm_manifest m;
    int rc = cvm_manifest_parse(p, n, what, &m, err);
    if (rc)
        return rc;
    out->kind = "cvm-evidence bundle manifest";
    out->body = cvm_manifest_to_json(&m);
    cvm_manifest_free(&m);
    return out->body ? 0 : CVM_E_NOMEM;
}

static int dec_certs(const uint8_t *p, size_t n, const char *what, shown *out, cvm_err *err)
{
    STACK_OF(X509) *sk = NULL;
    int rc = cvm_certs_load(p, n, what, &sk, err);
    if (rc)
        return rc;
    out->kind = "X.509 certificate(s)";
    json_t *arr = json_array();
    for (int i = 0; arr && i < sk_X509_num(sk); i++)
        json_array_append_new(arr, cvm_cert_to_json(sk_X509_value(sk, i)));
    cvm_certs_free(sk);
    out->body = json_pack("{s:o}", "certificates", arr);
    return out->body ? 0 : CVM_E_NOMEM;
}

/* akpub.pem: a SubjectPublicKeyInfo as `tpm2_readpublic -f pem` writes it. */
static int dec_pubkey_pem(const uint8_t *p, size_t n, const char *what, shown *out, cvm_err *err)
{
    if (n > INT32_MAX)
        return cvm_err_set(err, CVM_E_LIMIT, what, "", CVM_NO_OFFSET, "too large");
    BIO *b = BIO_new_mem_buf(p, (int)n);
    EVP_PKEY *k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
    /* exactly one PUBLIC KEY block and nothing else but whitespace */
    bool trailing = false;
    if (k) {
        char c;
        while (BIO_read(b, &c, 1) == 1)
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
                trailing = true;
    }
    BIO_free(b);
    if (!k || trailing) {
        EVP_PKEY_free(k);
        return cvm_err_set(err, CVM_E_SYNTAX, what, "PUBLIC KEY", CVM_NO_OFFSET,
                           trailing ? "unexpected data after the PUBLIC KEY block"
                                    : "not a valid PEM SubjectPublicKeyInfo");
    }
    unsigned char *der = NULL;
    int dlen = i2d_PUBKEY(k, &der);
    uint8_t h[32];
    char hex[65] = "";
    if (dlen > 0 && EVP_Digest(der, (size_t)dlen, h, NULL, EVP_sha256(), NULL))
        cvm_hex(h, 32, hex);
    OPENSSL_free(der);
    out->kind = "public key (SubjectPublicKeyInfo PEM)";
    out->body = json_pack("{s:s,s:i,s:s}", "type", EVP_PKEY_get0_type_name(k) ? EVP_PKEY_get0_type_name(k) : "?",
                          "bits", EVP_PKEY_get_bits(k), "spki_sha256", hex);
    EVP_PKEY_free(k);
    return out->body ? 0 : CVM_E_NOMEM;
}

static int dec_attest(const uint8_t *p, size_t n, const char *what, shown *out, cvm_err *err)
{
    cvm_tpm_attest a;
    int rc = cvm_tpm_attest_parse(p, n, what, &a, err);
    if (rc)
        return rc;
    out->kind = "TPM quote (TPMS_ATTEST, tpm2_quote -m)";
    out->body = cvm_tpm_attest_to_json(&a);
    return out->body ? 0 : CVM_E_NOMEM;
}

static int dec_signature(const uint8_t *p, size_t n, const char *what, shown *out, cvm_err *err)
{
    cvm_tpm_signature s;
    cvm_tpm_sig_format fmt;
    /* tss (marshalled TPMT_SIGNATURE) or plain (-f plain), as tpm2_checkquote accepts */
    int rc = cvm_tpm_signature_parse_file(p, n, what, NULL, CVM_TPM_ALG_SHA256, &s, &fmt, err);
    if (rc)
        return rc;
    out->kind = fmt == CVM_TPM_SIG_TSS ? "TPM signature (TPMT_SIGNATURE, tpm2_quote -s)"
                                              : "TPM signature (plain form, tpm2_quote -f plain)";
    out->body = cvm_tpm_signature_to_json(&s);
    return out->body ? 0 : CVM_E_NOMEM;
}

static int dec_public(const uint8_t *p, size_t n, const char *what, shown *out, cvm_err *err)
{
    cvm_tpm_public pub;
    int rc = cvm_tpm_public_parse(p, n, what, CVM_TPM_PUBLIC_TPM2B, &pub, err);
    if (rc)
        return rc;
    out->kind = "TPM public area (TPM2B_PUBLIC)";
    out->body = cvm_tpm_public_to_json(&pub);
    return out->body ? 0 : CVM_E_NOMEM;
}

static int dec_pcrs(const uint8_t *p, size_t n, const char *what, shown *out, cvm_err *err)
{
    cvm_pcrs *v = calloc(1, sizeof(*v));
    if (!v)
        return cvm_err_set(err, CVM_E_NOMEM, what, "", CVM_NO_OFFSET, "out of memory");
    int rc = cvm_pcrs_parse(p, n, what, v, err);
    if (!rc) {
        out->kind = "PCR values (tpm2_quote -o, serialized)";
        out->body = cvm_pcrs_to_json(v);
        rc = out->body ? 0 : CVM_E_NOMEM;
    }
    free(v);
    return rc;
}

static int dec_eventlog(const uint8_t *p, size_t n, const char *what, shown *out, cvm_err *err)
{
    cvm_eventlog log;
    int rc = cvm_eventlog_parse(p, n, what, &log, err);
    if (rc)
        return rc;
    out->kind = "TCG PC Client crypto-agile event log";
    out->body = cvm_eventlog_to_json(&log, SHOW_MAX_EVENTS);
    cvm_eventlog_free(&log);
    return out->body ? 0 : CVM_E_NOMEM;
}

static int dec_cel(const uint8_t *p, size_t n, const char *what, shown *out, cvm_err *err)
{
    cvm_cel cel;
    int rc = cvm_cel_parse(p, n, what, &cel, err);
    if (rc)
        return rc;
    out->kind = "TCG Canonical Event Log (runtime log)";
    out->body = cvm_cel_to_json(&cel);
    cvm_cel_free(&cel);
    return out->body ? 0 : CVM_E_NOMEM;
}

static int decode_any(const uint8_t *p, size_t n, const char *name, const char *what, shown *out,
                      cvm_err *err, int depth);

static int dec_bundle(const uint8_t *p, size_t n, const char *what, shown *out, cvm_err *err, int depth)
{
    cvm_bundle b;
    int rc = cvm_bundle_read(p, n, what, &b, err);
    if (rc)
        return rc;
    out->kind = "cvm-evidence bundle (tar)";
    json_t *members = json_array();
    for (size_t i = 0; members && i < b.n; i++) {
        const cvm_member *m = &b.members[i];
        char mwhat[256];
        snprintf(mwhat, sizeof(mwhat), "%s:%s", what, m->name);
        uint8_t h[32];
        char hex[65];
        cvm_sha256(m->data, m->len, h);
        cvm_hex(h, 32, hex);
        json_t *o = json_pack("{s:s,s:I,s:s,s:s?}", "name", m->name, "size", (json_int_t)m->len,
                              "sha256", hex, "role", cvm_member_role(m->name));
        shown s = {0};
        cvm_err me;
        cvm_err_clear(&me);
        if (decode_any(m->data, m->len, m->name, mwhat, &s, &me, depth + 1) == 0) {
            json_object_set_new(o, "kind", json_string(s.kind));
            json_object_set_new(o, "decoded", s.body);
        } else {
            char msg[512];
            json_object_set_new(o, "error", json_string(cvm_err_format(&me, msg, sizeof(msg))));
        }
        json_array_append_new(members, o);
    }
    out->body = json_pack("{s:s,s:s,s:o}", "topdir", b.topdir, "bundle_id", b.bundle_id, "members", members);
    cvm_bundle_free(&b);
    return out->body ? 0 : CVM_E_NOMEM;
}

/* Formats without a magic, tried in this order; the name hint (suffix) puts
 * one first so a .sig is not shown as something else by accident. */
static const struct {
    const char *suffix;
    decode_fn fn;
} trial[] = {
    {".pcrs", dec_pcrs},
    {".sig", dec_signature},
    {".pub", dec_public},
    {".cel", dec_cel},
    {"_sig", dec_signature},
};

static int decode_any(const uint8_t *p, size_t n, const char *name, const char *what, shown *out,
                      cvm_err *err, int depth)
{
    if (n == 0)
        return cvm_err_set(err, CVM_E_TRUNCATED, what, "", 0, "empty file: not a recognised evidence format");
    /* ustar magic at 257: a whole bundle (never nested) */
    if (n >= 512 && (memcmp(p + 257, "ustar", 5) == 0)) {
        if (depth > 0)
            return cvm_err_set(err, CVM_E_UNSUPPORTED, what, "", 0, "nested archive not decoded");
        return dec_bundle(p, n, what, out, err, depth);
    }
    if (has_prefix(p, n, "HCLA"))
        return dec_hcl(p, n, what, out, err);
    if (n >= 4 && p[0] == 0xff && p[1] == 0x54 && p[2] == 0x43 && p[3] == 0x47)
        return dec_attest(p, n, what, out, err);
    size_t ws = skip_ws(p, n);
    if (has_prefix(p + ws, n - ws, "-----BEGIN CERTIFICATE-----"))
        return dec_certs(p, n, what, out, err);
    if (has_prefix(p + ws, n - ws, "-----BEGIN PUBLIC KEY-----"))
        return dec_pubkey_pem(p, n, what, out, err);
    if (ws < n && p[ws] == '{') {
        /* JSON: pick the schema by its distinguishing member */
        json_error_t je;
        json_t *j = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &je);
        bool thim = j && json_object_get(j, "vcekCert");
        bool manifest = j && json_object_get(j, "format") && json_object_get(j, "members");
        json_decref(j);
        if (thim)
            return dec_thim(p, n, what, out, err);
        if (manifest)
            return dec_manifest(p, n, what, out, err);
        return dec_runtime(p, n, what, out, err);
    }
    /* TCG PC Client log: first event is EV_NO_ACTION (3) on PCR0 with "Spec ID Event03" */
    if (n >= 48 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0 && p[4] == 3 &&
        memcmp(p + 32, "Spec ID Event03", 15) == 0)
        return dec_eventlog(p, n, what, out, err);
    /* DER certificate: SEQUENCE with a long-form length */
    if (n >= 4 && p[0] == 0x30 && p[1] == 0x82) {
        cvm_err e2;
        cvm_err_clear(&e2);
        if (dec_certs(p, n, what, out, &e2) == 0)
            return 0;
    }
    /* hex text of a binary file (e.g. a report pasted from a log): decode and retry once */
    if (depth == 0 && n >= 2 && n <= (1u << 20)) {
        size_t k = 0, digits = 0;
        for (; k < n; k++) {
            if (isxdigit(p[k]))
                digits++;
            else if (!isspace(p[k]))
                break;
        }
        if (k == n && digits >= 64 && digits % 2 == 0) {
            char *hex = malloc(digits);
            uint8_t *bin = malloc(digits / 2);
            int rc = CVM_E_NOMEM;
            if (hex && bin) {
                size_t j = 0;
                for (k = 0; k < n; k++)
                    if (isxdigit(p[k]))
                        hex[j++] = (char)p[k];
                cvm_unhex(hex, digits, bin, digits / 2);
                rc = decode_any(bin, digits / 2, name, what, out, err, depth + 1);
            }
            free(hex);
            free(bin);
            return rc;
        }
    }
    /* bare SNP report: exactly 1184 bytes (guest_report.bin) */
    if (n == CVM_SNP_REPORT_LEN)
        return dec_snp(p, n, what, out, err);

    /* `tpm2_quote -F values` / trustee "pcrs" dumps: bare SHA-256 digests, no
     * selection inside, so only shown when the name says so, with the
     * assumed selection spelt out */
    if (strstr(name, "pcrs") && n % 32 == 0 && n / 32 >= 1 && n / 32 <= 24) {
        char selstr[32];
        snprintf(selstr, sizeof(selstr), "sha256:0-%zu", n / 32 - 1);
        cvm_pcr_selection sel;
        cvm_pcrs *v = calloc(1, sizeof(*v));
        cvm_err e2;
        cvm_err_clear(&e2);
        bool ok = v && cvm_pcrs_parse(p, n, what, v, &e2) != 0; /* not the serialized form */
        cvm_err_clear(&e2);
        ok = ok && cvm_pcr_selection_from_string(selstr, &sel, &e2) == 0 &&
             cvm_pcrs_parse_values(p, n, what, &sel, v, &e2) == 0;
        if (ok) {
            out->kind = "PCR values (values form; the file has no selection: sha256 from PCR0 assumed)";
            out->body = cvm_pcrs_to_json(v);
        }
        free(v);
        if (ok)
            return out->body ? 0 : CVM_E_NOMEM;
    }
    /* no magic: name hint first, then every structural parser in order */
    for (size_t i = 0; i < sizeof(trial) / sizeof(trial[0]); i++)
        if (name_ends(name, trial[i].suffix)) {
            cvm_err_clear(err);
            if (trial[i].fn(p, n, what, out, err) == 0)
                return 0;
            return err->code ? err->code : CVM_E_VALUE;
        }
    for (size_t i = 0; i < sizeof(trial) / sizeof(trial[0]); i++) {
        cvm_err e2;
        cvm_err_clear(&e2);
        if (trial[i].fn(p, n, what, out, &e2) == 0)
            return 0;
    }
    return cvm_err_set(err, CVM_E_UNSUPPORTED, what, "", CVM_NO_OFFSET,
                       "not a recognised evidence format (HCL report, SNP report, runtime/THIM/manifest "
                       "JSON, certificate, public key, TPM quote/signature/public/PCR file, event log, "
                       "CEL log or bundle)");
}

/* ---- text rendering of the decoded tree ---- */

static bool is_scalar(const json_t *v)
{
    return !json_is_object(v) && !json_is_array(v);
}

static void print_scalar(FILE *f, const json_t *v)
{
    if (json_is_string(v))
        fputs(json_string_value(v), f);
    else if (json_is_integer(v))
        fprintf(f, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        fprintf(f, "%g", json_real_value(v));
    else if (json_is_true(v))
        fputs("true", f);
    else if (json_is_false(v))
        fputs("false", f);
    else
        fputs("null", f);
}

static void print_tree(FILE *f, const json_t *v, int indent);

static bool scalar_array(const json_t *a)
{
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x) if (!is_scalar(x)) return false;
    return true;
}

static void print_value_after_key(FILE *f, const json_t *v, int indent)
{
    if (is_scalar(v)) {
        fputc(' ', f);
        print_scalar(f, v);
        fputc('\n', f);
    } else if (json_is_array(v) && scalar_array(v) && json_array_size(v) <= 8) {
        size_t i;
        json_t *x;
        fputs(" [", f);
        json_array_foreach(v, i, x)
        {
            if (i)
                fputs(", ", f);
            print_scalar(f, x);
        }
        fputs("]\n", f);
    } else {
        fputc('\n', f);
        print_tree(f, v, indent + 2);
    }
}

static void print_tree(FILE *f, const json_t *v, int indent)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x)
        {
            fprintf(f, "%*s%s:", indent, "", k);
            print_value_after_key(f, x, indent);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            if (is_scalar(x)) {
                fprintf(f, "%*s- ", indent, "");
                print_scalar(f, x);
                fputc('\n', f);
            } else {
                fprintf(f, "%*s- [%zu]\n", indent, "", i);
                print_tree(f, x, indent + 2);
            }
        }
    } else {
        fprintf(f, "%*s", indent, "");
        print_scalar(f, v);
        fputc('\n', f);
    }
}

static void usage(FILE *f)
{
    fputs("usage: cvm-verify show [--json] FILE...\n"
          "Decodes any supported evidence file and prints it: Azure HCL report, SNP report,\n"
          "runtime JSON, THIM JSON, certificates (PEM/DER), public key PEM, tpm2-tools\n"
          "quote .msg/.sig/.pcrs, TPM2B_PUBLIC, TCG event log, CEL runtime log, manifest.json\n"
          "or a whole bundle. Exit: 0 all decoded, 2 a file is malformed, 3 usage or I/O error.\n",
          f);
}

int cvm_show_main(int argc, char **argv)
{
    bool as_json = false;
    int first = 1;
    for (; first < argc; first++) {
        if (strcmp(argv[first], "--json") == 0)
            as_json = true;
        else if (strcmp(argv[first], "-h") == 0 || strcmp(argv[first], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[first], "--") == 0) {
            first++;
            break;
        } else if (argv[first][0] == '-' && argv[first][1]) {
            fprintf(stderr, "cvm-verify show: unknown option %s\n", argv[first]);
            usage(stderr);
            return 3;
        } else
            break;
    }
    if (first >= argc) {
        usage(stderr);
        return 3;
    }
    int worst = 0;
    json_t *all = as_json ? json_array() : NULL;
    for (int i = first; i < argc; i++) {
        const char *path = argv[i];
        uint8_t *buf = NULL;
        size_t len = 0;
        cvm_err err;
        cvm_err_clear(&err);
        char msg[768];
        if (cvm_file_read(path, SHOW_MAX_FILE, &buf, &len, &err) != 0) {
            fprintf(stderr, "cvm-verify show: %s\n", cvm_err_format(&err, msg, sizeof(msg)));
            if (all)
                json_array_append_new(all, json_pack("{s:s,s:s}", "file", path, "error", msg));
            worst = 3;
            continue;
        }
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        shown s = {0};
        int rc = decode_any(buf, len, base, path, &s, &err, 0);
        free(buf);
        if (rc != 0) {
            cvm_err_format(&err, msg, sizeof(msg));
            fprintf(stderr, "cvm-verify show: %s\n", msg);
            if (all)
                json_array_append_new(all, json_pack("{s:s,s:s}", "file", path, "error", msg));
            if (worst < 2)
                worst = 2;
            continue;
        }
        if (all) {
            json_array_append_new(all, json_pack("{s:s,s:s,s:o}", "file", path, "kind", s.kind, "decoded", s.body));
        } else {
            printf("%s: %s (%zu bytes)\n", path, s.kind, len);
            print_tree(stdout, s.body, 2);
            json_decref(s.body);
            if (i + 1 < argc)
                putchar('\n');
        }
    }
    if (all) {
        char *txt = json_dumps(all, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (txt) {
            puts(txt);
            free(txt);
        }
        json_decref(all);
    }
    return worst;
}
