/* The collection sequence (spec/bundle-v1.md): HCL report (optionally
 * refreshed with the nonce), VCEK chain, AK, event logs, quote #1 over the
 * binding digest, quote.pcrs, manifest.json, seal quote, then one
 * deterministic tar written atomically. */
#ifndef CVM_COLLECT_WRITER_H
#define CVM_COLLECT_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "opsign.h"

typedef struct cvm_collect_opts {
    const char *tcti;        /* NULL: device:/dev/tpmrm0 */
    const char *imds_url;    /* tried first when set, or when no --vcek/--kds is given (then the Azure default) */
    const char *vcek_file;   /* PEM chain (VCEK[, ASK, ARK]) or one DER VCEK */
    bool kds;                /* fetch from AMD KDS for the report's product and REPORTED_TCB */
    const char *kds_url;     /* NULL: https://kdsintf.amd.com */
    uint8_t nonce[32];
    bool nonce_from_auditor; /* false: random (freshness unproven) */
    bool fresh;              /* refresh the HCL report with the nonce first */
    unsigned fresh_timeout_s; /* 0: 30 */
    const char *pcrs;         /* NULL: sha256:0-23 */
    const char *eventlog;     /* NULL: the kernel's, if readable; "" or "none": skip */
    bool eventlog_explicit;
    const char *runtime_log;  /* NULL: CVM_RUNTIME_LOG_DEFAULT if it exists; "none": skip */
    bool runtime_log_explicit;
    const char *case_id, *examiner, *note; /* custody claims (NULL: "") */
    const char *out;          /* bundle path, or an existing directory */
    bool force;               /* replace an existing output file */
    bool verbose;
    const cvm_signer *signer; /* --sign-key: CMS signature manifest.json.p7s (NULL: none) */
    FILE *log;                /* notes, warnings, the --verbose TPM trace (NULL: stderr) */
    FILE *summary;            /* the result summary (NULL: stdout) */
} cvm_collect_opts;

typedef struct cvm_collect_result {
    char path[4200];
    uint8_t sha256[32];
    size_t size;
    char bundle_id[40];
    unsigned long tpm_commands;
    int quote_attempts;
    int fresh_polls;
    const char *vcek_source; /* "imds", "file", "kds" */
} cvm_collect_result;

/* Runs the whole sequence. Returns an exit code (collect/status.h); on
 * failure err says what to do and nothing exists at the output path. */
int cvm_collect_run(const cvm_collect_opts *o, cvm_collect_result *res, cvm_err *err);

#endif
