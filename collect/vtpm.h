/* ESAPI access to the (v)TPM for cvm-collect: NV read/write, PCR read and
 * extend, the AK at 0x81000003 and quotes. One connection per process (swtpm
 * and the kernel resource manager both serve one client per connection).
 *
 * Named vtpm.* rather than tpm.* so it does not shadow format/tpm.h on the
 * include path.
 *
 * Every call returns CVM_OK or a negative cvm_errcode and fills `err`; the
 * TPM/TSS response code of the last failing command is kept in
 * cvm_vtpm_last_rc() so callers can turn "handle does not exist" into
 * "is this an Azure confidential VM?". */
#ifndef CVM_COLLECT_VTPM_H
#define CVM_COLLECT_VTPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <tss2/tss2_tpm2_types.h>

#include "err.h"
#include "pcrs.h" /* format/pcrs.h: cvm_pcrs */
#include "tpm.h"  /* format/tpm.h: cvm_pcr_selection */

/* formats.md §1.1 */
#define CVM_NV_HCL_REPORT 0x01400001u
#define CVM_NV_USER_DATA 0x01400002u
#define CVM_AK_HANDLE 0x81000003u
#define CVM_USER_DATA_SIZE 64u

#define CVM_DEFAULT_TCTI "device:/dev/tpmrm0"

typedef struct cvm_vtpm cvm_vtpm;

/* `tcti` is a tpm2-tools style TCTI string ("device:/dev/tpmrm0",
 * "swtpm:path=/tmp/x/sock"); NULL means CVM_DEFAULT_TCTI. `trace`, when not
 * NULL, receives one line per TPM command (code and response code). */
int cvm_vtpm_open(cvm_vtpm **out, const char *tcti, FILE *trace, cvm_err *err);
void cvm_vtpm_close(cvm_vtpm *t);

/* Commands sent to the TPM so far (counted at the TCTI, so ESAPI's own
 * ReadPublic calls behind Esys_TR_FromTPMPublic are included). */
unsigned long cvm_vtpm_commands(const cvm_vtpm *t);
/* TPM/TSS response code of the last failure (0 if none). */
uint32_t cvm_vtpm_last_rc(const cvm_vtpm *t);
/* true when rc means "that handle/index does not exist" or "never written" */
bool cvm_vtpm_rc_is_absent(uint32_t rc);

/* Size of an NV index (from NV_ReadPublic). */
int cvm_vtpm_nv_size(cvm_vtpm *t, uint32_t index, size_t *size, cvm_err *err);
/* Reads the whole index in TPM_PT_NV_BUFFER_MAX chunks, the first chunk at
 * offset 0 (which is what makes OpenHCL regenerate 0x01400001). Caller frees. */
int cvm_vtpm_nv_read(cvm_vtpm *t, uint32_t index, uint8_t **out, size_t *len, cvm_err *err);
/* Writes `len` (<= 64) bytes at offset 0 of 0x01400002-style user-data
 * indexes, with owner auth. When the index is absent (or smaller than `len`,
 * or lacks ownerread, which OpenHCL needs) it is (re)defined: 64 bytes,
 * ownerread|ownerwrite|authread|authwrite, nameAlg SHA-256. *defined tells
 * whether that happened. */
int cvm_vtpm_nv_write_user_data(cvm_vtpm *t, uint32_t index, const uint8_t *data, size_t len,
                                bool *defined, cvm_err *err);

/* PCR values for `sel` into `out` (format/pcrs.h, initialised here with
 * cvm_pcrs_init), in selection order, any banks. PCR_Read returns at most 8
 * per call, so this loops; out->block_counts records what each call gave,
 * as tpm2_quote's .pcrs file does. `out` is large: allocate it. */
int cvm_vtpm_pcr_read(cvm_vtpm *t, const cvm_pcr_selection *sel, cvm_pcrs *out, uint32_t *update_counter,
                      cvm_err *err);
int cvm_vtpm_pcr_extend_sha256(cvm_vtpm *t, unsigned pcr, const uint8_t digest[32], cvm_err *err);

/* The AK's public area: TPM2B_PUBLIC marshalled (ak.pub) and its
 * SubjectPublicKeyInfo PEM as `tpm2_readpublic -f pem` writes it
 * (akpub.pem). Both malloc'd; pem is NUL-terminated, pem_len excludes it. */
typedef struct cvm_vtpm_ak {
    TPM2B_PUBLIC pub;
    uint8_t *tpm2b;
    size_t tpm2b_len;
    char *pem;
    size_t pem_len;
} cvm_vtpm_ak;
int cvm_vtpm_ak_read(cvm_vtpm *t, uint32_t handle, cvm_vtpm_ak *out, cvm_err *err);
void cvm_vtpm_ak_free(cvm_vtpm_ak *ak);
/* SPKI PEM of an RSA TPM2B_PUBLIC (exponent 0 means 65537). Exposed for tests. */
int cvm_vtpm_rsa_pem(const TPM2B_PUBLIC *pub, char **pem, size_t *pem_len, cvm_err *err);

/* TPM2_Quote with the AK (its own scheme) over `sel`, qualifyingData =
 * `qdata` (<= 64 bytes). attest = marshalled TPMS_ATTEST (quote.msg),
 * sig = marshalled TPMT_SIGNATURE (quote.sig). Both malloc'd. */
typedef struct cvm_vtpm_quoted {
    uint8_t *attest;
    size_t attest_len;
    uint8_t *sig;
    size_t sig_len;
    TPMS_ATTEST info; /* unmarshalled attest, for pcrDigest and clockInfo */
    uint16_t sig_hash; /* the signature's hash alg (= the one pcrDigest uses) */
} cvm_vtpm_quoted;
int cvm_vtpm_quote(cvm_vtpm *t, uint32_t ak_handle, const TPML_PCR_SELECTION *sel,
                   const uint8_t *qdata, size_t qlen, cvm_vtpm_quoted *out, cvm_err *err);
void cvm_vtpm_quote_free(cvm_vtpm_quoted *q);

/* TPM2_ReadClock: resetCount/restartCount in clear (a quote's clockInfo is
 * obfuscated for keys outside the endorsement/platform hierarchies). */
int cvm_vtpm_read_clock(cvm_vtpm *t, TPMS_TIME_INFO *out, cvm_err *err);

/* format/tpm.h's selection (parsed from "sha256:0-23" by
 * cvm_pcr_selection_from_string) as the TSS type ESAPI takes. */
int cvm_vtpm_selection_from(const cvm_pcr_selection *s, TPML_PCR_SELECTION *t);

#endif
