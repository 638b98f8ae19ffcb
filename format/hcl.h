/* Azure HCL attestation report: the blob in vTPM NV index 0x01400001.
 * Facts: spec/formats.md §1.2-§1.6, §1.9-§1.10; vectors MANIFEST.md "Azure
 * HCL report layout as observed".
 *
 *   0x000  32  header {signature "HCLA", version, report_size, request_type, status, reserved[12]}
 *   0x020 1184 hardware report (SNP ATTESTATION_REPORT, or TDX TDREPORT 1024 + 160 zero)
 *   0x4C0  20  runtime header {data_size, version, report_type, hash_type, variable_data_size}
 *   0x4D4  var runtime claims JSON (variable_data_size bytes, no NUL)
 *   ...        zero padding up to the NV index size (2048, 2600, 2900 seen)
 *
 * Accepted: header version 1 or 2; runtime version 1 only (version 2 puts a
 * capability word before the JSON and only appears in host requests);
 * report_type 2 (SNP: the hardware part is parsed with cvm_snp_parse_rd)
 * or 4 (TDX: recognised, the hardware part is kept as bytes, its unused
 * 160-byte tail must be zero); hash_type 1/2/3. data_size must equal
 * 20 + variable_data_size. report_size != 1236 + variable_data_size is
 * flagged, not rejected (Azure's doc disagrees with the bytes about what
 * it holds; the verifier decides). request_type != 2 is flagged.
 * Everything after the JSON must be zero (the error gives the offset).
 *
 * The parsed struct VIEWS the caller's buffer (hw_report, json): keep it
 * alive while the struct is used. */
#ifndef CVM_HCL_H
#define CVM_HCL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "err.h"
#include "snp.h"

#define CVM_HCL_SIGNATURE 0x414C4348u /* "HCLA" read as LE u32 */
#define CVM_HCL_HEADER_LEN 32
#define CVM_HCL_HW_OFFSET 32
#define CVM_HCL_HW_LEN 1184
#define CVM_HCL_RUNTIME_OFFSET 1216
#define CVM_HCL_RUNTIME_HEADER_LEN 20
#define CVM_HCL_JSON_OFFSET 1236
#define CVM_HCL_TDREPORT_LEN 1024
#define CVM_HCL_TDX_REPORTDATA_OFFSET 128 /* REPORTMACSTRUCT.reportdata inside the TDREPORT */
/* A cap on variable_data_size well above any NV index (2900 today) */
#define CVM_HCL_MAX_JSON (1u << 20)

enum cvm_hcl_report_type {
    CVM_HCL_REPORT_INVALID = 0,
    CVM_HCL_REPORT_VBS = 1,
    CVM_HCL_REPORT_SNP = 2,
    CVM_HCL_REPORT_TVM = 3,
    CVM_HCL_REPORT_TDX = 4,
    CVM_HCL_REPORT_CCA = 5,
};

enum cvm_hcl_hash_type {
    CVM_HCL_HASH_SHA256 = 1,
    CVM_HCL_HASH_SHA384 = 2,
    CVM_HCL_HASH_SHA512 = 3,
};

enum cvm_hcl_flag {
    CVM_HCL_F_REPORT_SIZE_MISMATCH = 1u << 0, /* report_size != 1236 + variable_data_size */
    CVM_HCL_F_REQUEST_TYPE = 1u << 1,         /* request_type != 2 (AK_CERT) */
    CVM_HCL_F_STATUS = 1u << 2,               /* status != 0 */
};

typedef struct cvm_hcl_report {
    /* header */
    uint32_t signature;    /* CVM_HCL_SIGNATURE */
    uint32_t version;      /* 1 or 2 */
    uint32_t report_size;
    uint32_t request_type;
    uint32_t status;
    /* hardware report area: 1184 bytes viewing the caller's buffer */
    const uint8_t *hw_report;
    /* runtime header */
    uint32_t data_size;
    uint32_t runtime_version; /* 1 */
    uint32_t report_type;     /* enum cvm_hcl_report_type: 2 or 4 after parsing */
    uint32_t hash_type;       /* enum cvm_hcl_hash_type */
    uint32_t variable_data_size;
    /* runtime claims JSON: the exact stored bytes (viewing the caller's buffer) */
    const uint8_t *json;
    size_t json_len;
    /* layout */
    size_t used_len;    /* 1236 + variable_data_size */
    size_t total_len;   /* the whole input, padding included */
    size_t padding_len; /* total_len - used_len, all zero */
    unsigned flags;     /* enum cvm_hcl_flag */
    /* decoded hardware report */
    bool is_snp;         /* report_type == 2: `snp` is valid */
    bool is_tdx;         /* report_type == 4: hw_report[0..1024) is a TDREPORT */
    cvm_snp_report snp;
} cvm_hcl_report;

int cvm_hcl_parse(const uint8_t *buf, size_t len, const char *what, cvm_hcl_report *out,
                  cvm_err *err);

/* Fills a report for writing: header version `version`, request_type 2,
 * status 0, runtime version 1, the given report/hash type, and sizes
 * computed from json_len. hw_report must point at 1184 bytes. */
void cvm_hcl_report_init(cvm_hcl_report *r, uint32_t version, uint32_t report_type,
                         uint32_t hash_type, const uint8_t *hw_report, const uint8_t *json,
                         size_t json_len);
/* Appends header + hw report + runtime header + json_len bytes of json +
 * zero padding up to nv_size (0: no padding) to w. The stored size fields
 * are written as they are (so tests can forge inconsistent ones); for a
 * parsed report the output equals the input byte for byte when nv_size is
 * its total_len. CVM_E_LIMIT when nv_size is smaller than the content. */
int cvm_hcl_write(const cvm_hcl_report *r, size_t nv_size, cvm_wr *w);

/* 32 / 48 / 64 for hash types 1 / 2 / 3, else 0. */
size_t cvm_hcl_hash_len(uint32_t hash_type);
/* "SHA-256" / "SHA-384" / "SHA-512" / "unknown" */
const char *cvm_hcl_hash_name(uint32_t hash_type);
/* "SNP" / "TDX" / "VBS" / "TVM" / "CCA" / "invalid" / "unknown" */
const char *cvm_hcl_report_type_name(uint32_t report_type);
/* H(json) with the report's hash type into out (cap >= 64); returns the
 * length or 0 for an unknown hash type. */
size_t cvm_hcl_json_digest(const cvm_hcl_report *r, uint8_t *out, size_t cap);

/* The 64-byte REPORT_DATA the runtime JSON hash is bound into: the SNP
 * report's report_data, or the TDREPORT's reportdata (hw_report + 128). */
const uint8_t *cvm_hcl_report_data(const cvm_hcl_report *r);

/* Header, runtime header, layout, flags, TEE type, the SNP report (via
 * cvm_snp_to_json with `hint`) and the JSON digest. New reference. */
json_t *cvm_hcl_to_json(const cvm_hcl_report *r, enum cvm_product hint);

#endif
