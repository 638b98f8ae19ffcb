/* `cvm-collect timestamp`: RFC 3161 tokens over a finished bundle's
 * signatures (spec/bundle-v1.md §9). Runs wherever a TSA is reachable, any
 * time after collection; needs no TPM. */
#ifndef CVM_COLLECT_TSA_H
#define CVM_COLLECT_TSA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

typedef struct cvm_tsa_opts {
    const char *tsa_url;  /* POST application/timestamp-query */
    const char *in;       /* the bundle */
    const char *out;      /* NULL: <in minus .tar>.ts.tar */
    bool force;           /* replace an existing output file */
    long timeout_ms;      /* 0: 30000 */
    FILE *summary;        /* NULL: stdout */
} cvm_tsa_opts;

/* The RFC 3161 request for `data`: SHA-256 imprint, a random 64-bit nonce,
 * certReq true. DER in *der (caller frees); the nonce is returned so the
 * reply can be matched. */
int cvm_tsa_request(const uint8_t *data, size_t len, uint8_t **der, size_t *der_len, uint64_t *nonce,
                    cvm_err *err);
/* Checks a TimeStampResp against its request (status granted, version,
 * imprint, nonce). The TSA's signature is the verifier's job (--tsa-anchor). */
int cvm_tsa_check_reply(const uint8_t *req, size_t req_len, const uint8_t *resp, size_t resp_len, cvm_err *err);

/* Stamps seal.sig (and manifest.json.p7s when present) and writes a new
 * bundle atomically: the same members, byte for byte, plus
 * <member>.tsr. Returns a collect/status.h exit code. */
int cvm_tsa_stamp_bundle(const cvm_tsa_opts *o, cvm_err *err);

#endif
