/* Network access for cvm-collect (the only file that talks HTTP): Azure
 * IMDS THIM (formats.md §4) and AMD KDS (formats.md §3.3). Bodies are
 * returned raw; parsing is format/thim.h's and format/amdcert.h's job. */
#ifndef CVM_COLLECT_IMDS_H
#define CVM_COLLECT_IMDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

#define CVM_IMDS_DEFAULT_URL "http://169.254.169.254"
#define CVM_IMDS_THIM_PATH "/metadata/THIM/amd/certification"
#define CVM_KDS_DEFAULT_URL "https://kdsintf.amd.com"

typedef struct cvm_http_opts {
    long connect_timeout_ms; /* 0: 2000 */
    long total_timeout_ms;   /* per attempt; 0: 3000 */
    int attempts;            /* 0: 3 (IMDS), bounded to 1..10 */
    size_t max_body;         /* 0: 64 KiB; a bigger body is an error */
    FILE *log;               /* progress/retry notes (NULL: quiet) */
} cvm_http_opts;

/* GET base + path with `Metadata: true`, no proxy. 200 only; anything else
 * (status, timeout, oversize) after the last attempt is an error naming the
 * URL and what happened. Caller frees *body (NUL-terminated for
 * convenience; *len excludes it). */
int cvm_http_get(const char *url, const char *const *headers, const cvm_http_opts *o, uint8_t **body,
                 size_t *len, cvm_err *err);

/* IMDS THIM body (JSON) from `base` (NULL: CVM_IMDS_DEFAULT_URL). */
int cvm_imds_thim(const char *base, const cvm_http_opts *o, uint8_t **body, size_t *len, cvm_err *err);

/* TCB components for a KDS VCEK URL (decimal in the query string). */
typedef struct cvm_kds_tcb {
    unsigned bl, tee, snp, ucode, fmc; /* fmc: Turin only */
} cvm_kds_tcb;

/* Builds the VCEK URL: product "Milan"|"Genoa"|"Turin"; hwid = CHIP_ID
 * (64 bytes; Turin uses the first 8). Returns bytes written or -1. */
int cvm_kds_vcek_url(char *out, size_t cap, const char *base, const char *product, const uint8_t *chip_id,
                     size_t chip_len, const cvm_kds_tcb *tcb);

/* VCEK (DER) and cert_chain (PEM: ASK then ARK) from KDS. */
int cvm_kds_fetch(const char *base, const char *product, const uint8_t *chip_id, size_t chip_len,
                  const cvm_kds_tcb *tcb, const cvm_http_opts *o, uint8_t **vcek_der, size_t *vcek_len,
                  uint8_t **chain_pem, size_t *chain_len, cvm_err *err);

#endif
