/* Member roles and the two digests the TPM quotes carry
 * (spec/bundle-v1.md §2, §5). Plain SHA-256 via OpenSSL EVP. */
#ifndef CVM_BINDING_H
#define CVM_BINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle.h"

#define CVM_BINDING_TAG "cvm-evidence/quote/v1" /* + its NUL byte */
#define CVM_SEAL_TAG "cvm-evidence/seal/v1"     /* + its NUL byte */
#define CVM_HCL_USERDATA_TAG "cvm-evidence/hcl/v1" /* + its NUL byte */
#define CVM_NONCE_LEN 32u

typedef enum cvm_member_phase {
    CVM_PHASE_UNKNOWN = 0,  /* not a v1 member name: an error (§2) */
    CVM_PHASE_PREQUOTE,     /* bound by quote #1 (§5.1) */
    CVM_PHASE_QUOTE,        /* quote.msg / quote.sig / quote.pcrs */
    CVM_PHASE_MANIFEST,     /* manifest.json */
    CVM_PHASE_SEAL,         /* seal.msg / seal.sig */
    CVM_PHASE_RESERVED,     /* manifest.json.p7s, <member>.tsr */
} cvm_member_phase;

/* Role string of §2 ("hcl.report", ...), or NULL for an unknown name. */
const char *cvm_member_role(const char *name);
cvm_member_phase cvm_member_phase_of(const char *name);
bool cvm_member_is_prequote(const char *name);
/* Mandatory in every v1 bundle (§2 "req." MUST). */
bool cvm_member_is_required(const char *name);
/* Listed in manifest.json's members (pre-quote and quote phases, §4.1). */
bool cvm_member_is_manifested(const char *name);
/* NULL-terminated list of the mandatory names, sorted. */
extern const char *const cvm_member_required_names[];

/* §5.1: SHA-256(tag\0 ‖ nonce ‖ Σ sorted pre-quote: name ‖ 0x00 ‖ SHA-256(data)).
 * Filters `members` to pre-quote names itself (input order does not matter).
 * nonce_len must be CVM_NONCE_LEN; duplicate pre-quote names are CVM_E_VALUE. */
int cvm_binding_digest(const uint8_t *nonce, size_t nonce_len, const cvm_member *members,
                       size_t n, uint8_t out[32]);

/* §5.2: SHA-256("cvm-evidence/seal/v1\0" ‖ manifest bytes). */
int cvm_seal_digest(const uint8_t *manifest, size_t len, uint8_t out[32]);

/* §5.3: SHA-512("cvm-evidence/hcl/v1\0" ‖ nonce), written to NV 0x01400002. */
int cvm_hcl_user_data(const uint8_t *nonce, size_t nonce_len, uint8_t out[64]);

/* Plain SHA-256 (EVP); CVM_OK or CVM_E_NOMEM. */
int cvm_sha256(const uint8_t *p, size_t n, uint8_t out[32]);

#endif
