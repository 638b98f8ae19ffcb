/* AMD SEV-SNP certificates: loading PEM/DER certificate files (THIM's
 * vcekCert + certificateChain, KDS cert_chain, a single KDS VCEK in DER),
 * naming each certificate's role, and decoding the AMD-private VCEK/VLEK
 * extensions (OID arc 1.3.6.1.4.1.3704.1, spec/formats.md §3.2).
 *
 * This module only DESCRIBES certificates. It never verifies a signature
 * and never decides trust: roles come from the subject CN and key type and
 * are labels for reports; the verifier decides by pins and signatures. */
#ifndef CVM_AMDCERT_H
#define CVM_AMDCERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "buf.h"
#include "err.h"

/* A certificate file holds at most this many certificates (THIM gives 3,
 * trustee's PEMs 3, KDS cert_chain 2) and at most this many bytes. */
#define CVM_CERTS_MAX 16
#define CVM_CERTS_MAX_BYTES (256u * 1024u)
/* One DER certificate larger than this is rejected (AMD's are < 2 KiB). */
#define CVM_CERT_MAX_DER (64u * 1024u)

/* Loads one or more certificates from `buf`:
 *  - PEM: one or more "-----BEGIN CERTIFICATE-----" blocks; only ASCII
 *    whitespace may appear before, between and after blocks (no other
 *    PEM types, no "Bag Attributes" text, no headers inside a block);
 *  - DER: exactly one certificate that spans the whole buffer.
 * Order is kept. On success *out is a new stack owning the certificates
 * (free with cvm_certs_free). Errors name `what`, the certificate index
 * (field "cert[i]") and the byte offset of the offending block. */
int cvm_certs_load(const uint8_t *buf, size_t len, const char *what, STACK_OF(X509) **out,
                   cvm_err *err);
/* Same, but exactly one certificate must be present. */
int cvm_cert_load_one(const uint8_t *buf, size_t len, const char *what, X509 **out, cvm_err *err);
void cvm_certs_free(STACK_OF(X509) *sk);

/* Writers (deterministic): PEM with 64-column base64 as OpenSSL writes
 * it, or DER. */
int cvm_cert_write_pem(X509 *x, cvm_wr *w);
int cvm_certs_write_pem(STACK_OF(X509) *sk, cvm_wr *w);
int cvm_cert_write_der(X509 *x, cvm_wr *w);

enum cvm_cert_role {
    CVM_CERT_ROLE_UNKNOWN = 0,
    CVM_CERT_ROLE_ARK,  /* CN "ARK-<Gen>", RSA, self-issued */
    CVM_CERT_ROLE_ASK,  /* CN "SEV-<Gen>", RSA (signs VCEKs) */
    CVM_CERT_ROLE_ASVK, /* CN "SEV-VLEK-<Gen>", RSA (signs VLEKs) */
    CVM_CERT_ROLE_VCEK, /* CN "SEV-VCEK", EC */
    CVM_CERT_ROLE_VLEK, /* CN "SEV-VLEK", EC */
};

/* Descriptive only (see top of file). */
enum cvm_cert_role cvm_cert_role_of(X509 *x);
/* "ARK", "ASK", "ASVK", "VCEK", "VLEK", "unknown" */
const char *cvm_cert_role_name(enum cvm_cert_role r);
/* For ARK/ASK/ASVK: the generation from the CN ("Milan", "Genoa",
 * "Turin", or whatever follows the prefix, copied into out). Returns
 * false when the CN has no generation suffix (VCEK/VLEK) or is absent. */
bool cvm_cert_cn_generation(X509 *x, char *out, size_t cap);

/* Decoded AMD-private extensions. Every field has a has_* flag: absent is
 * not the same as zero. */
#define CVM_AMD_HWID_MAX 64
#define CVM_AMD_STR_MAX 128
#define CVM_AMD_UNKNOWN_MAX 8
typedef struct cvm_amd_ext {
    bool has_struct_version;
    uint32_t struct_version;           /* .1, DER INTEGER (any non-negative u32) */
    bool has_product_name;
    char product_name[CVM_AMD_STR_MAX]; /* .2, IA5String, e.g. "Milan-B0", "Genoa", "Turin" */
    bool has_bl_spl, has_tee_spl, has_snp_spl, has_ucode_spl, has_fmc_spl;
    uint8_t bl_spl;    /* .3.1 */
    uint8_t tee_spl;   /* .3.2 */
    uint8_t snp_spl;   /* .3.3 */
    uint8_t ucode_spl; /* .3.8 */
    uint8_t fmc_spl;   /* .3.9 (Turin) */
    /* .3.4 .. .3.7, reserved SPLs: index 0 is .3.4 */
    bool has_spl_rsvd[4];
    uint8_t spl_rsvd[4];
    bool has_hwid;
    size_t hwid_len;                   /* 64 (Milan/Genoa) or 8 (Turin) */
    uint8_t hwid[CVM_AMD_HWID_MAX];    /* .4, raw bytes (not DER) */
    bool hwid_was_wrapped;             /* hwID came as DER OCTET STRING (never seen in real certs) */
    bool has_csp_id;
    char csp_id[CVM_AMD_STR_MAX];      /* .5, IA5String (VLEK) */
    /* extensions under 1.3.6.1.4.1.3704 we do not know: kept by OID (dotted) */
    size_t n_unknown;
    char unknown_oid[CVM_AMD_UNKNOWN_MAX][64];
} cvm_amd_ext;

/* Decodes the AMD extensions of `x` (zeroes *out first). Walks the whole
 * extension list: a duplicated AMD OID, an SPL that is not a DER INTEGER
 * in 0..255, a productName/cspID that is not an IA5String of printable
 * ASCII, an hwID that is not 64 or 8 bytes, or more than
 * CVM_AMD_UNKNOWN_MAX unknown AMD OIDs is rejected, naming the OID
 * (field) and `what`. A certificate without AMD extensions (ARK, ASK)
 * decodes to all has_* false. */
int cvm_amdcert_ext_parse(X509 *x, const char *what, cvm_amd_ext *out, cvm_err *err);

/* "Milan" / "Genoa" / "Turin" from productName, stripping a stepping
 * suffix ("Milan-B0" -> "Milan"); NULL when absent or unrecognised. */
const char *cvm_amd_ext_product_family(const cvm_amd_ext *e);

json_t *cvm_amd_ext_to_json(const cvm_amd_ext *e);

/* SHA-256 of the DER SubjectPublicKeyInfo (what the verifier pins for the
 * ARKs), and of the whole DER certificate. Return CVM_OK or CVM_E_VALUE. */
int cvm_cert_spki_sha256(X509 *x, uint8_t out[32]);
int cvm_cert_sha256(X509 *x, uint8_t out[32]);

/* A description for reports: subject, issuer (RFC 2253 strings), serial
 * (lower-case hex, "0" for zero), not_before/not_after (RFC 3339 UTC),
 * signature algorithm (with RSASSA-PSS hash, mgf1_hash, salt_length,
 * trailer_field), public key (type, bits, curve), spki_sha256,
 * cert_sha256, role, amd_extensions (when any; hwID as hex), or
 * amd_extensions_error (the cvm_err text) when they do not decode. NULL
 * only on allocation failure. */
json_t *cvm_cert_to_json(X509 *x);

#endif
