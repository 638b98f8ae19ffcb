/* TCG Canonical Event Log (CEL), TLV encoding: reader, writer, replay and
 * the CEL-JSON view. Facts: /work/shared/spec/formats.md §7.2; our use of it
 * (runtime.cel, PCR23) is specified in spec/runtime-log.md and built by
 * format/rtlog.h.
 *
 * TLV = type u8 || length u32 big-endian || value[length].
 * Record = RECNUM(0) || PCR(1) or NV_INDEX(2) || DIGESTS(3) || CONTENT(type >= 4).
 * RECNUM/PCR/NV_INDEX values are unsigned big-endian integers of 1..8 /
 * 1..4 / 1..4 bytes; DIGESTS is a list of nested TLVs whose type is the
 * TPM_ALG_ID (all known ids fit a byte) and whose value is the digest;
 * CONTENT's value is a list of nested TLVs whose meaning depends on the
 * content type.
 *
 * A parsed cvm_cel VIEWS `buf`: keep it alive. */
#ifndef CVM_CEL_H
#define CVM_CEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "err.h"

#define CVM_CEL_MAX_RECORDS 100000u
/* = CVM_BUNDLE_MAX_MEMBER (spec/bundle-v1.md §3.3): `measure` stops
 * growing the log where the collector could no longer bundle it */
#define CVM_CEL_MAX_SIZE (8u * 1024u * 1024u)
#define CVM_CEL_MAX_DIGESTS 5u

/* top-level TLV types */
#define CVM_CEL_T_RECNUM 0u
#define CVM_CEL_T_PCR 1u
#define CVM_CEL_T_NV_INDEX 2u
#define CVM_CEL_T_DIGESTS 3u
/* content types (the type byte of the CONTENT TLV) */
#define CVM_CEL_CT_MGMT 4u
#define CVM_CEL_CT_PCCLIENT_STD 5u
#define CVM_CEL_CT_IMA_TEMPLATE 7u
#define CVM_CEL_CT_IMA_TLV 8u
#define CVM_CEL_CT_SYSTEMD 9u     /* Safford's cel.h */
#define CVM_CEL_CT_SYSTEMD_ALT 11u /* libcel's number for the same content */
/* Project content type for runtime-log records that no standard content
 * type describes (log start / boot identity): spec/runtime-log.md §3. */
#define CVM_CEL_CT_CVM 0xC0u

/* CEL management content (type 4) nested types */
#define CVM_CEL_MGMT_CEL_VERSION 1u
#define CVM_CEL_MGMT_FIRMWARE_END 2u
#define CVM_CEL_MGMT_CEL_TIMESTAMP 0x80u
#define CVM_CEL_MGMT_STATE_TRANS 0x81u
#define CVM_CEL_VERSION_MAJOR 0u
#define CVM_CEL_VERSION_MINOR 1u

/* IMA_TLV content (type 8) nested types */
#define CVM_CEL_IMA_PATH 0u
#define CVM_CEL_IMA_DATAHASH 1u
#define CVM_CEL_IMA_DATASIG 2u
#define CVM_CEL_IMA_OWNER 3u
#define CVM_CEL_IMA_GROUP 4u
#define CVM_CEL_IMA_MODE 5u
#define CVM_CEL_IMA_TIMESTAMP 6u
#define CVM_CEL_IMA_LABEL 7u

typedef struct cvm_cel_digest {
    uint16_t alg_id; /* TPM_ALG_ID: sha1 4, sha256 11, sha384 12, sha512 13, sm3_256 18 */
    uint16_t size;   /* must equal the algorithm's digest size */
    const uint8_t *digest;
} cvm_cel_digest;

typedef struct cvm_cel_record {
    uint64_t recnum;
    bool is_nv_index; /* index is an NV index (TLV 2) instead of a PCR (TLV 1) */
    uint32_t index;   /* PCR number or NV index */
    size_t n_digests;
    cvm_cel_digest digests[CVM_CEL_MAX_DIGESTS];
    uint8_t content_type;
    const uint8_t *content; /* value of the CONTENT TLV (nested TLVs) */
    uint32_t content_len;
    /* Encoded integer widths, so a parsed record re-encodes byte-exactly.
     * 0 when writing means the default: recnum 8 bytes, PCR 1 byte, NV
     * index 4 bytes. */
    uint8_t recnum_width;
    uint8_t index_width;
    /* filled by the parser */
    size_t offset; /* absolute offset of the record's RECNUM TLV */
    size_t len;    /* encoded record length */
} cvm_cel_record;

typedef struct cvm_cel {
    cvm_cel_record *records; /* owned */
    size_t n_records;
} cvm_cel;

/* Strict parse of a CEL-TLV stream: every top-level TLV in record order,
 * recnum strictly increasing, PCR <= 23, 1..5 digests of known algorithms
 * with exact sizes and no duplicate, content type one of those above,
 * content a well-formed list of nested TLVs, no trailing bytes, at most
 * CVM_CEL_MAX_RECORDS records and CVM_CEL_MAX_SIZE bytes. An empty input
 * is a valid empty log. */
int cvm_cel_parse(const uint8_t *buf, size_t len, const char *what, cvm_cel *out, cvm_err *err);
void cvm_cel_free(cvm_cel *cel);

/* Appends one record (byte-exact inverse of the parser). Rejects (CVM_E_VALUE,
 * err may be NULL) widths too small for the value, bad digest sizes and
 * more than CVM_CEL_MAX_DIGESTS digests. */
int cvm_cel_write_record(cvm_wr *w, const cvm_cel_record *rec);
int cvm_cel_write_record_err(cvm_wr *w, const cvm_cel_record *rec, cvm_err *err);

/* TLV helpers for building and walking nested content. */
int cvm_cel_wr_tlv(cvm_wr *w, uint8_t type, const void *value, size_t len);
/* Reads one TLV; the value is bounded by the bytes left in r. */
int cvm_cel_rd_tlv(cvm_rd *r, const char *field, uint8_t *type, cvm_rd *value);
/* Unsigned big-endian integer of 1..max_width bytes. */
int cvm_cel_rd_uint(cvm_rd *value, const char *field, size_t max_width, uint64_t *out);

/* The record's digest for alg_id, or NULL. */
const cvm_cel_digest *cvm_cel_record_digest(const cvm_cel_record *rec, uint16_t alg_id);

/* Replays the records (all of them; _n: the first n) that extend PCR `pcr`
 * into bank `alg`: out = initial (NULL = zeros); for each such record,
 * out = H(out || digest). initial and out hold the bank's digest size
 * (32 for sha256, 48 for sha384, ...). A record for that PCR without a
 * digest for alg is an error (it could not have been extended
 * consistently). */
int cvm_cel_replay(const cvm_cel *cel, uint16_t alg, uint32_t pcr, const uint8_t *initial,
                   uint8_t *out, cvm_err *err);
int cvm_cel_replay_n(const cvm_cel *cel, size_t n, uint16_t alg, uint32_t pcr,
                     const uint8_t *initial, uint8_t *out, cvm_err *err);

/* "cel", "pcclient_std", "ima_template", "ima_tlv", "systemd", "cvm" or NULL */
const char *cvm_cel_content_type_name(uint8_t content_type);

/* CEL-JSON array: [{"recnum", "pcr"|"nv_index", "digests": [{"hashAlg",
 * "digest"}], "content_type", "content": {...}}]. Content of known types is
 * decoded (cel mgmt, ima_tlv path/datahash, cvm boot); otherwise
 * {"raw": hex}. NULL on allocation failure. */
json_t *cvm_cel_to_json(const cvm_cel *cel);

#endif
