/* The verifier: a context holding the inputs, what the format library
 * decoded from them, and one result per chain link (spec/verify.md).
 *
 * Layering (HACKING.md): evidence.c loads bytes and calls the format
 * parsers; every link (one .c per link, named after its id) only judges
 * decoded values and signatures; report_text.c / report_json.c print the
 * context. Nothing here writes evidence or touches the network. */
#ifndef CVM_VERIFY_H
#define CVM_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "amdcert.h"
#include "bundle.h"
#include "eventlog.h"
#include "manifest.h"
#include "rtlog.h"
#include "err.h"
#include "hcl.h"
#include "pcrs.h"
#include "runtime.h"
#include "snp.h"
#include "tpm.h"

/* Exit codes (spec/verify.md §6) */
#define CVM_EXIT_VERIFIED 0
#define CVM_EXIT_POLICY 1
#define CVM_EXIT_INVALID 2
#define CVM_EXIT_USAGE 3

/* Link ids in report order (spec/verify.md §3). */
enum cvm_link {
    CVM_L_BUNDLE_TAR = 0,
    CVM_L_BUNDLE_MANIFEST,
    CVM_L_AMD_CHAIN,
    CVM_L_AMD_CRL,
    CVM_L_SNP_SIGNATURE,
    CVM_L_SNP_TCB,
    CVM_L_SNP_REPORT,
    CVM_L_HCL_BINDING,
    CVM_L_AK_BINDING,
    CVM_L_QUOTE_SIGNATURE,
    CVM_L_QUOTE_PCRS,
    CVM_L_QUOTE_BINDING,
    CVM_L_QUOTE_NONCE,
    CVM_L_SEAL,
    CVM_L_EVENTLOG_UEFI,
    CVM_L_EVENTLOG_RUNTIME,
    CVM_L_POLICY,
    CVM_L_OPERATOR_SIGNATURE,
    CVM_L_TIMESTAMP,
    CVM_L_COUNT
};

enum cvm_status {
    CVM_ST_NOTRUN = 0,
    CVM_ST_PASS,
    CVM_ST_WARN,
    CVM_ST_SKIP,
    CVM_ST_FAIL,
};

/* Evidence files, by their seed / bundle member names (spec/verify.md §2). */
enum cvm_input_id {
    CVM_IN_HCL = 0,   /* snp_report.bin (--dir) / report.bin (bundle): NV 0x01400001 */
    CVM_IN_GUEST,     /* guest_report.bin: the bare 1184-byte SNP report */
    CVM_IN_RUNTIME,   /* runtime.json */
    CVM_IN_VCEK,      /* vcek.pem: VCEK (then ASK, ARK) */
    CVM_IN_AKPUB,     /* akpub.pem */
    CVM_IN_AKPUB_TPM, /* ak.pub: TPM2B_PUBLIC */
    CVM_IN_QUOTE_MSG,
    CVM_IN_QUOTE_SIG,
    CVM_IN_QUOTE_PCRS,
    CVM_IN_MANIFEST,
    CVM_IN_SEAL_MSG,
    CVM_IN_SEAL_SIG,
    CVM_IN_EVENTLOG,
    CVM_IN_CEL,
    CVM_IN_CRL,       /* --crl */
    CVM_IN_NONCE_HEX, /* nonce.hex: reported, never trusted */
    CVM_IN_COUNT
};

typedef struct cvm_input {
    const char *name;  /* member / file name */
    uint8_t *buf;      /* owned, unless borrowed */
    size_t len;
    bool present;
    /* buf points into v->bundle's member bytes (bundle mode): never freed
     * or reallocated through the input, it lives until cvm_bundle_free */
    bool borrowed;
    /* parse status of this input (set by evidence decoding) */
    bool decoded;
    int rc;            /* CVM_OK or a cvm_errcode */
    cvm_err err;
    int blamed_by;     /* link that reported the parse failure, or -1 */
} cvm_input;

#define CVM_MAX_ANCHORS 16

typedef struct cvm_verify_opts {
    const char *bundle_path; /* a bundle tar */
    const char *dir;         /* or a directory of loose seed files */
    bool have_nonce;
    uint8_t nonce[64];
    size_t nonce_len;
    const char *policy_path;
    const char *anchor_paths[CVM_MAX_ANCHORS];
    size_t n_anchors;
    const char *chain_path;
    const char *crl_path;
    bool have_at;
    time_t at;
    bool at_created;         /* --at created: manifest.json "created" (a collector claim) */
    /* spec/verify.md §3.18: operator CMS signer anchors (cert, CA cert or public key) */
    const char *signer_anchor_paths[CVM_MAX_ANCHORS];
    size_t n_signer_anchors;
    /* spec/verify.md §3.19: RFC 3161 TSA anchors (root or TSA cert) */
    const char *tsa_anchor_paths[CVM_MAX_ANCHORS];
    size_t n_tsa_anchors;
    /* the clock reading used as "now" when !have_at (a batch reads the
     * clock once, so every bundle is judged at the same instant) */
    bool have_clock;
    time_t clock;
} cvm_verify_opts;

/* A trust anchor: a pinned ARK SubjectPublicKeyInfo hash. */
typedef struct cvm_anchor {
    char name[64];          /* "ARK-Milan" or the anchor cert's subject CN */
    char source[160];       /* "built-in pin" or "--trust-anchor FILE" */
    enum cvm_product product; /* UNKNOWN = any product (a --trust-anchor without a generation in its CN) */
    uint8_t spki_sha256[32];
    bool used;
} cvm_anchor;

typedef struct cvm_link_result {
    enum cvm_status status;
    char reason[1024];
    json_t *details; /* object, owned */
} cvm_link_result;

typedef struct cvm_verify {
    cvm_verify_opts opts;
    time_t vtime;
    /* spec/verify.md §4.2: "explicit" (--at), "timestamp" (a verified RFC 3161
     * token over seal.sig), "collector-claim" (--at created), "now" */
    const char *time_kind;
    bool have_tsa_time;          /* a verified token over seal.sig (timestamp.c) */
    time_t tsa_time;
    STACK_OF(X509) *tsa_anchors;    /* --tsa-anchor (owned) */
    STACK_OF(X509) *signer_anchors; /* --signer-anchor certificates (owned) */
    EVP_PKEY *signer_keys[CVM_MAX_ANCHORS]; /* --signer-anchor public keys (owned) */
    size_t n_signer_keys;
    const char *input_kind; /* "dir" or "bundle" */

    cvm_input in[CVM_IN_COUNT];
    cvm_link_result res[CVM_L_COUNT];

    cvm_anchor anchors[3 + CVM_MAX_ANCHORS];
    size_t n_anchors;
    STACK_OF(X509) *chain_certs; /* from --chain (owned) */

    /* decoded evidence (evidence.c) */
    cvm_hcl_report hcl;          /* valid when in[CVM_IN_HCL].decoded && rc == 0 */
    cvm_snp_report guest;        /* valid when in[CVM_IN_GUEST] decoded ok */
    bool have_report;            /* `report` / `report_raw` usable */
    cvm_snp_report report;       /* the SNP report every link judges */
    const uint8_t *report_raw;   /* its 1184 bytes */
    int report_input;            /* CVM_IN_HCL or CVM_IN_GUEST */
    const uint8_t *json;         /* runtime JSON bytes (HCL's, else runtime.json) */
    size_t json_len;
    int json_input;              /* CVM_IN_HCL or CVM_IN_RUNTIME, -1 */
    uint32_t json_hash_type;     /* from the HCL runtime header; SHA-256 assumed otherwise */
    bool json_hash_assumed;
    bool have_runtime;
    cvm_runtime runtime;         /* parsed JSON (owner input: json_input) */
    cvm_err runtime_err;
    int runtime_rc;
    STACK_OF(X509) *ev_certs;    /* vcek.pem certificates (owned) */
    X509_CRL *crl;               /* --crl (owned) */
    EVP_PKEY *akpub;             /* akpub.pem */
    cvm_tpm_public ak_tpm;       /* ak.pub */
    cvm_tpm_attest attest;       /* quote.msg */
    cvm_tpm_signature qsig;      /* quote.sig */
    cvm_tpm_sig_format qsig_format;
    cvm_pcrs *pcrs;              /* quote.pcrs (heap: large) */
    cvm_tpm_attest seal_attest;  /* seal.msg */
    cvm_tpm_signature seal_sig;  /* seal.sig */
    cvm_tpm_sig_format seal_fmt;
    cvm_manifest manifest;       /* manifest.json (valid when its input decoded ok) */
    cvm_eventlog elog;           /* eventlog.bin */
    cvm_rtlog rtlog;             /* runtime.cel */
    size_t rtlog_extended;       /* records of runtime.cel that replay to the quote (eventlog.runtime) */

    /* bundle mode */
    /* the bundle file is hashed as soon as it is read and freed once
     * cvm_bundle_read has copied its members out, so a maximal tar is never
     * held together with its members and their inputs (spec/bundle-v1.md §3) */
    size_t tar_len;
    bool have_tar_sha256;
    uint8_t tar_sha256[32];
    bool have_bundle;
    cvm_bundle bundle;
    int bundle_rc;
    cvm_err bundle_err;

    /* established by links */
    X509 *leaf;                  /* VCEK or VLEK (borrowed from ev_certs / chain_certs) */
    bool leaf_is_vlek;
    bool have_leaf_ext;
    cvm_amd_ext leaf_ext;
    X509 *ask;                   /* intermediate used */
    X509 *ark;                   /* ARK used */
    enum cvm_product product;
    EVP_PKEY *hcl_akpub;         /* HCLAkPub as a key (ak_binding.c), owned */
    EVP_PKEY *quote_key;         /* key the quote was checked with (borrowed) */
    const char *quote_key_src;

    json_t *policy;      /* --policy, loaded by policy.c */
    json_t *facts;       /* object */
    json_t *limitations; /* array of strings */
    int verdict_exit;
    const char *verdict; /* "verified", "policy not met", "invalid", "incomplete" */
} cvm_verify;

/* ---- engine.c ---- */
const char *cvm_link_id(int link);
/* Links whose PASS (or WARN) the verdict "verified" needs, in this input mode. */
bool cvm_link_mandatory(const cvm_verify *v, int link);
const char *cvm_status_name(enum cvm_status s);

void cvm_verify_init(cvm_verify *v);
void cvm_verify_free(cvm_verify *v);
/* Loads (evidence.c), runs every link in order, computes the verdict.
 * Returns the exit code. On a usage or I/O problem prints to `errbuf` and
 * returns CVM_EXIT_USAGE. */
int cvm_verify_run(cvm_verify *v, char *errbuf, size_t errlen);

/* Link helpers: set the result (first call wins), printf reason. */
void cvm_link_set(cvm_verify *v, int link, enum cvm_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
json_t *cvm_link_details(cvm_verify *v, int link);
bool cvm_link_ok(const cvm_verify *v, int link); /* PASS or WARN */
/* Checks an input a link needs. Returns true when usable. Otherwise sets
 * the link's result: FAIL with the parse error (if this is the first link
 * to report that input), SKIP "depends on <link>" when another link
 * already reported it, or SKIP "<name> absent". */
bool cvm_link_need(cvm_verify *v, int link, int input);
/* SKIP with "depends on <dep>: ..." unless dep passed. */
bool cvm_link_depends(cvm_verify *v, int link, int dep);
void cvm_limitation(cvm_verify *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* lower-case hex JSON string */
json_t *cvm_json_hex(const uint8_t *p, size_t n);
/* RFC 3339 UTC "2026-11-28T06:00:00Z" */
void cvm_time_format(time_t t, char *buf, size_t n);
/* Strict RFC 3339: YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm). 0 on success. */
int cvm_time_parse(const char *s, time_t *out);

/* ---- evidence.c ---- */
/* Reads the inputs (dir or bundle) and the option files; decodes each
 * input with the format library, keeping per-input errors. Returns 0, or
 * -1 on a usage / I/O error (message in errbuf). */
int cvm_evidence_load(cvm_verify *v, char *errbuf, size_t errlen);
#define CVM_INPUT_MAX (4u * 1024u * 1024u)

/* ---- parse_cache.c: memoised decodings (same results, new references) ---- */
int cvm_pcache_certs(const uint8_t *buf, size_t len, const char *what, STACK_OF(X509) **out, cvm_err *err);
EVP_PKEY *cvm_pcache_pubkey_get(const uint8_t *buf, size_t len); /* NULL: not cached */
void cvm_pcache_pubkey_put(const uint8_t *buf, size_t len, EVP_PKEY *pk);

/* ---- policy.c ---- */
/* Loads and checks --policy (usage error on a bad file). */
int cvm_policy_load(cvm_verify *v, char *errbuf, size_t errlen);

/* ---- trust.c ---- */
/* Built-in pins (Milan, Genoa, Turin) then the --trust-anchor files.
 * Returns 0 or -1 with errbuf. */
int cvm_trust_init(cvm_verify *v, char *errbuf, size_t errlen);
/* The anchor whose SPKI hash equals `spki` and that may anchor `product`,
 * or NULL. */
cvm_anchor *cvm_trust_find(cvm_verify *v, const uint8_t spki[32], enum cvm_product product);
/* Hex of the built-in pin for a product ("" if none). */
const char *cvm_trust_builtin_hex(enum cvm_product p);

/* ---- archive_anchors.c ---- */
/* Loads --tsa-anchor and --signer-anchor (usage error on a bad file). */
int cvm_archive_anchors_load(cvm_verify *v, char *errbuf, size_t errlen);
void cvm_archive_anchors_free(cvm_verify *v);
/* A private store (no default paths) holding `anchors`, partial chains
 * allowed (a pinned leaf is an anchor), verification time `at`. */
X509_STORE *cvm_archive_store(STACK_OF(X509) *anchors, time_t at);
/* subject (oneline), SPKI SHA-256 and validity into d; subject into buf */
void cvm_x509_identity(X509 *x, json_t *d, char *subject, size_t n);
const char *cvm_ossl_reason(char *buf, size_t n);

/* ---- timestamp.c ---- */
/* Verifies the RFC 3161 tokens before any link runs (their genTime may
 * become the verification time) and records the `timestamp` link result. */
void cvm_timestamp_prepare(cvm_verify *v);
/* ASN1_TIME -> time_t; 0 on success */
int cvm_asn1_time_to_t(const ASN1_TIME *a, time_t *out);

/* ---- one function per link ---- */
void cvm_link_bundle_tar(cvm_verify *v);
void cvm_link_bundle_manifest(cvm_verify *v);
void cvm_link_amd_chain(cvm_verify *v);
void cvm_link_amd_crl(cvm_verify *v);
void cvm_link_snp_signature(cvm_verify *v);
void cvm_link_snp_tcb(cvm_verify *v);
void cvm_link_snp_report(cvm_verify *v);
void cvm_link_hcl_binding(cvm_verify *v);
void cvm_link_ak_binding(cvm_verify *v);
void cvm_link_quote_signature(cvm_verify *v);
void cvm_link_quote_pcrs(cvm_verify *v);
void cvm_link_quote_binding(cvm_verify *v);
void cvm_link_quote_nonce(cvm_verify *v);
void cvm_link_seal(cvm_verify *v);
void cvm_link_eventlog_uefi(cvm_verify *v);
void cvm_link_eventlog_runtime(cvm_verify *v);
void cvm_link_policy(cvm_verify *v);
void cvm_link_operator_signature(cvm_verify *v);
void cvm_link_timestamp(cvm_verify *v);

/* ---- reports ---- */
/* JSON report (spec/verify.md §7). New reference. */
json_t *cvm_report_json(const cvm_verify *v);
/* Self-contained HTML page (--html). 0, or -1 on a write error. */
int cvm_report_html(const cvm_verify *v, FILE *f);
/* Text report to f; colour when `colour`; only the verdict when `quiet`. */
void cvm_report_text(const cvm_verify *v, FILE *f, bool colour, bool quiet);

#endif
