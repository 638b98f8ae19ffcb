/* tpm2-tools 5.4 PCR value files written by `tpm2_quote -o` / `tpm2_pcrread -o`.
 * spec: /work/shared/spec/formats.md §6, c-apis.md §6.
 *
 * "serialized" (the default -F): a host-endian (x86-64: little-endian) dump of
 * the tss2 C structs, padding included:
 *   0x000 TPML_PCR_SELECTION, 132 bytes: u32 count, 16 x {u16 hash, u8
 *         sizeofSelect, u8 pcrSelect[4], u8 pad}
 *   0x084 u32 number of TPML_DIGEST blocks
 *   0x088 N x TPML_DIGEST, 532 bytes each: u32 count (<= 8), 8 x {u16 size,
 *         u8 buffer[64]}
 * Each block is what one TPM2_PCR_Read returned; flattened, the digests are
 * the selected PCRs in selection order (bank order, ascending PCR).
 * "values" (-F values): the digests concatenated, in selection order. */
#ifndef CVM_PCRS_H
#define CVM_PCRS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "err.h"
#include "tpm.h"

#define CVM_PCRS_MAX_VALUES CVM_TPM_SELECTED_MAX /* 512 */
#define CVM_PCRS_DIGESTS_PER_BLOCK 8              /* TPML_DIGEST holds 8 */
#define CVM_PCRS_SELECTION_SIZE 132
#define CVM_PCRS_BLOCK_SIZE 532
#define CVM_PCRS_HEADER_SIZE 136

typedef struct cvm_pcrs_value {
    uint16_t alg;
    uint8_t pcr;
    uint8_t len; /* == cvm_tpm_hash_len(alg) */
    uint8_t bytes[CVM_TPM_HASH_MAX];
} cvm_pcrs_value;

/* Owns its data (no views). Large (~37 KiB): allocate on the heap or keep
 * one per thread. */
typedef struct cvm_pcrs {
    cvm_pcr_selection selection;
    size_t n_values;
    cvm_pcrs_value values[CVM_PCRS_MAX_VALUES]; /* selection order */
    /* digests per TPML_DIGEST block, as read (kept so cvm_pcrs_write
     * reproduces the file byte for byte). n_blocks == 0 when built by hand:
     * the writer then fills blocks of 8, as tpm2-tools does. */
    size_t n_blocks;
    uint8_t block_counts[CVM_PCRS_MAX_VALUES];
    /* Absolute offset of the first non-zero byte where tpm2-tools writes
     * zeros (selection pad bytes, unused selection entries, select bytes
     * beyond sizeofSelect, digest buffer tails, unused digest slots), or
     * CVM_NO_OFFSET. Such bytes are ignored, as tpm2_checkquote ignores them
     * (seedset "--odd-quote-pcrs-padding"); the caller may warn. The writer
     * always writes zeros there, so such a file does not round-trip. */
    size_t nonzero_padding_at;
} cvm_pcrs;

/* "serialized" .pcrs. Rejects: file size != 136 + 532 x blocks; selection
 * count > 16, sizeofSelect > 4, an unknown hash bank or a bank twice; a
 * block count of 0 or > 8; a digest size != the hash length of the bank it
 * maps to; total digests != PCRs selected. Padding: see nonzero_padding_at.
 * Views nothing: `buf` may be freed afterwards. */
int cvm_pcrs_parse(const uint8_t *buf, size_t len, const char *what, cvm_pcrs *out,
                   cvm_err *err);
/* "values" form, interpreted with `sel` (the quote's selection). The length
 * must equal the sum of the selected PCRs' digest sizes. */
int cvm_pcrs_parse_values(const uint8_t *buf, size_t len, const char *what,
                          const cvm_pcr_selection *sel, cvm_pcrs *out, cvm_err *err);
/* Fills values' alg/pcr/len from `sel` (in selection order) with zeroed
 * bytes, n_blocks = 0: the start of building a cvm_pcrs by hand. */
int cvm_pcrs_init(cvm_pcrs *p, const cvm_pcr_selection *sel, cvm_err *err);
/* Byte-identical to tpm2-tools 5.4's serialized output for the same values. */
int cvm_pcrs_write(const cvm_pcrs *p, cvm_wr *w);
int cvm_pcrs_write_values(const cvm_pcrs *p, cvm_wr *w);
/* Finds the value of PCR `index` in bank `alg`: CVM_OK, or CVM_E_VALUE when
 * not selected. *ptr views p. */
int cvm_pcrs_get(const cvm_pcrs *p, uint16_t alg, unsigned index, const uint8_t **ptr,
                 size_t *len);
/* H_alg(all values in selection order): compare with the quote's pcrDigest
 * (alg = the signature's hash). *out_len: capacity in, size out. */
int cvm_pcrs_digest(const cvm_pcrs *p, uint16_t alg, uint8_t *out, size_t *out_len);
/* {"selection":"sha256:0,1","banks":{"sha256":{"0":"hex",...}}} */
json_t *cvm_pcrs_to_json(const cvm_pcrs *p);

#endif
