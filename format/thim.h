/* Azure IMDS THIM response (GET /metadata/THIM/amd/certification,
 * spec/formats.md §4): {"vcekCert": PEM, "certificateChain": PEM (ASK then
 * ARK), "tcbm": 16 hex digits, "cacheControl": "86400"}.
 *
 * Parsing is strict JSON (duplicate keys rejected, nothing after the
 * object). The four known members are required with those types; members
 * we do not know are kept (in `extra`, written back sorted after the known
 * ones) so a capture re-serialises without losing data. This module does
 * not load the PEM certificates: pass vcek_cert / certificate_chain to
 * cvm_certs_load (format/amdcert.h). */
#ifndef CVM_THIM_H
#define CVM_THIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "err.h"

#define CVM_THIM_MAX_BYTES (256u * 1024u)

typedef struct cvm_thim {
    char *vcek_cert;          /* owned copy, NUL-terminated (PEM text) */
    size_t vcek_cert_len;
    char *certificate_chain;  /* owned copy, NUL-terminated (PEM text) */
    size_t certificate_chain_len;
    char tcbm_hex[17];        /* exactly as received (16 hex digits, case kept) */
    /* tcbm as a number: the hex string is the TCB_VERSION u64 printed
     * most-significant digit first, so tcbm == little-endian u64 of the
     * report's REPORTED_TCB bytes (e.g. "7308000000000003" -> bytes
     * 03 00 00 00 00 00 08 73: BL 3, TEE 0, SNP 8, ucode 0x73 on Milan). */
    uint64_t tcbm;
    /* owned copy. Real data has a JSON string of decimal digits ("86400");
     * a JSON integer is also accepted (kept as its decimal text, and
     * cache_control_is_int set so the writer gives an integer back). */
    char *cache_control;
    bool cache_control_is_int;
    json_t *extra;            /* unknown members (object, owned) or NULL */
} cvm_thim;

/* Parses `len` bytes exactly (at most CVM_THIM_MAX_BYTES). On success the
 * struct owns copies (free with cvm_thim_free). Errors name `what` and
 * the member. */
int cvm_thim_parse(const uint8_t *buf, size_t len, const char *what, cvm_thim *out, cvm_err *err);
void cvm_thim_free(cvm_thim *t);

/* The TCB_VERSION bytes as in the SNP report (little-endian of tcbm). */
void cvm_thim_tcbm_bytes(const cvm_thim *t, uint8_t out[8]);

/* Writes the same JSON shape: members vcekCert, tcbm, certificateChain,
 * cacheControl (the order IMDS uses), then `extra` sorted by key.
 * cvm_thim_write is the compact wire form (byte-identical to the ACI
 * host's base64-carried capture); cvm_thim_write_pretty is the 4-space
 * indented form of ACI's uvm_host_amd_certificate.json. Deterministic. */
int cvm_thim_write(const cvm_thim *t, cvm_wr *w);
int cvm_thim_write_pretty(const cvm_thim *t, cvm_wr *w);

/* For reports: {vcekCert, certificateChain, tcbm, tcbm_bytes (hex of the
 * 8 LE bytes), cacheControl, extra?} */
json_t *cvm_thim_to_json(const cvm_thim *t);

#endif
