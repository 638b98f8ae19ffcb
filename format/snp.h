/* AMD SEV-SNP ATTESTATION_REPORT (1184 bytes, little-endian), the
 * TCB_VERSION layouts and product identification.
 * Facts: spec/formats.md §2 (field table §2.1, TCB §2.2, policy §2.3,
 * platform info §2.4, key info §2.5, signature §2.6, products §2.7).
 *
 * Versions: 2, 3 and 5 are decoded. 4 is decoded with the v3 layout (the
 * ABI defines no field change between 3 and 4; none was ever observed).
 * 1 (a real 2022 Azure report exists) is decoded with the v2 layout and
 * flagged CVM_SNP_F_V1 (no firmware build bytes, zero committed/launch
 * TCB). 0 and anything above 5 are rejected as CVM_E_UNSUPPORTED.
 *
 * The parser rejects non-zero bytes in reserved byte ranges (0x04C,
 * 0x18B-0x19F or 0x188-0x19F before v3, 0x1EB, 0x1EF, 0x1F8-0x207 before
 * v5, 0x208-0x29F, 0x330-0x49F): every real report has them zero and the
 * signature covers them. Reserved BITS inside policy / platform info / key
 * info are not rejected, only flagged: judging them is the verifier's job.
 * The struct owns copies of every field, so cvm_snp_write reproduces the
 * input byte for byte. */
#ifndef CVM_SNP_H
#define CVM_SNP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "err.h"

#define CVM_SNP_REPORT_LEN 1184
#define CVM_SNP_SIGNED_LEN 0x2A0 /* bytes covered by the ECDSA signature */
#define CVM_SNP_SIG_OFFSET 0x2A0
#define CVM_SNP_SIG_COMPONENT_LEN 72 /* r and s: 72-byte little-endian fields */
#define CVM_SNP_P384_LEN 48

enum cvm_product {
    CVM_PRODUCT_UNKNOWN = 0,
    CVM_PRODUCT_MILAN,
    CVM_PRODUCT_GENOA, /* includes Bergamo/Siena (19h A0h-AFh): signed with Genoa keys */
    CVM_PRODUCT_TURIN,
};

/* Ranges per formats.md §2.7 (virtee): fam 19h model 00h-0Fh Milan,
 * 10h-1Fh or A0h-AFh Genoa; fam 1Ah model 00h-11h Turin. */
enum cvm_product cvm_product_from_cpuid(uint8_t family, uint8_t model);
/* "Milan", "Milan-B0", "Genoa", "Genoa-B1", "Turin", "SEV-Milan", case
 * insensitive; the stepping suffix after '-' is ignored. NULL -> UNKNOWN. */
enum cvm_product cvm_product_from_name(const char *name);
/* "Milan" / "Genoa" / "Turin" / "unknown" (the KDS path component). */
const char *cvm_product_name(enum cvm_product p);

/* One TCB_VERSION decoded. Milan/Genoa: bl=byte0 tee=byte1 snp=byte6
 * ucode=byte7, bytes 2-5 reserved. Turin: fmc=byte0 bl=byte1 tee=byte2
 * snp=byte3 ucode=byte7, bytes 4-6 reserved. `reserved` keeps the reserved
 * bytes (little-endian packed, in byte order) so encode(decode(x)) == x. */
typedef struct cvm_tcb {
    uint8_t bootloader;
    uint8_t tee;
    uint8_t snp;
    uint8_t microcode;
    uint8_t fmc;     /* Turin only; 0 otherwise */
    bool has_fmc;    /* the Turin layout was used */
    uint32_t reserved;
} cvm_tcb;

/* Turin layout when product == CVM_PRODUCT_TURIN, else the Milan/Genoa
 * layout (also for UNKNOWN: callers that do not know the product must not
 * trust the result and should say so). */
void cvm_tcb_decode(uint64_t raw, enum cvm_product product, cvm_tcb *out);
/* Inverse of cvm_tcb_decode (layout chosen by has_fmc). */
uint64_t cvm_tcb_encode(const cvm_tcb *t);
/* true when every SPL of `have` is >= the same SPL of `min` (fmc only when
 * both have it). This is the AMD rule: TCBs are not totally ordered. */
bool cvm_tcb_ge(const cvm_tcb *have, const cvm_tcb *min);
/* "bl=3 tee=0 snp=8 ucode=115" (+ " fmc=1" for Turin) into buf. */
const char *cvm_tcb_format(const cvm_tcb *t, char *buf, size_t n);

/* GUEST_POLICY (u64 @0x08), formats.md §2.3 */
typedef struct cvm_snp_policy {
    uint8_t abi_minor;
    uint8_t abi_major;
    bool smt;
    bool reserved_17;  /* must be 1 per the ABI; 0 is flagged */
    bool migrate_ma;
    bool debug;
    bool single_socket;
    bool cxl_allow;
    bool mem_aes_256_xts;
    bool rapl_dis;
    bool ciphertext_hiding;
    bool page_swap_disable;
    uint64_t reserved_bits; /* bits 63:26 as they stand (MBZ) */
} cvm_snp_policy;
void cvm_snp_policy_decode(uint64_t raw, cvm_snp_policy *out);

/* PLATFORM_INFO (u64 @0x40), formats.md §2.4 */
typedef struct cvm_snp_platform_info {
    bool smt_en;
    bool tsme_en;
    bool ecc_en;
    bool rapl_dis;
    bool ciphertext_hiding_en;
    bool alias_check_complete;
    bool tio_en;
    uint64_t reserved_bits; /* bit 6 and bits 63:8 */
} cvm_snp_platform_info;
void cvm_snp_platform_info_decode(uint64_t raw, cvm_snp_platform_info *out);

/* KEY_INFO (u32 @0x48), formats.md §2.5. Bit 1 is MASK_CHIP_KEY (the
 * platform's MASK_CHIP_KEY setting); there is no MASK_CHIP_ID bit in the
 * report, chip-ID masking shows only as an all-zero CHIP_ID. */
enum cvm_snp_signing_key {
    CVM_SNP_SIGNING_VCEK = 0,
    CVM_SNP_SIGNING_VLEK = 1,
    CVM_SNP_SIGNING_NONE = 7,
};
typedef struct cvm_snp_key_info {
    bool author_key_en;
    bool mask_chip_key;
    uint8_t signing_key;    /* 0 VCEK, 1 VLEK, 2-6 reserved, 7 none */
    uint32_t reserved_bits; /* bits 31:5 */
} cvm_snp_key_info;
void cvm_snp_key_info_decode(uint32_t raw, cvm_snp_key_info *out);
const char *cvm_snp_signing_key_name(uint8_t signing_key); /* "VCEK", "VLEK", "none", "reserved" */

/* Anomalies the parser records without rejecting (cvm_snp_report.flags). */
enum cvm_snp_flag {
    CVM_SNP_F_V1 = 1u << 0,             /* version 1: pre-release layout, no FW build bytes */
    CVM_SNP_F_V4 = 1u << 1,             /* version 4, decoded as v3 */
    CVM_SNP_F_POLICY_RESERVED = 1u << 2, /* policy bit 17 clear or bits 63:26 set */
    CVM_SNP_F_PLATFORM_RESERVED = 1u << 3,
    CVM_SNP_F_KEYINFO_RESERVED = 1u << 4, /* bits 31:5 set or signing_key 2..6 */
    CVM_SNP_F_SIG_ALGO_UNKNOWN = 1u << 5, /* signature_algo != 1 (ECDSA P-384/SHA-384) */
};

typedef struct cvm_snp_report {
    uint32_t version;            /* 0x000 */
    uint32_t guest_svn;          /* 0x004 */
    uint64_t policy;             /* 0x008 */
    uint8_t family_id[16];       /* 0x010 */
    uint8_t image_id[16];        /* 0x020 */
    uint32_t vmpl;               /* 0x030 */
    uint32_t signature_algo;     /* 0x034 */
    uint64_t current_tcb;        /* 0x038 */
    uint64_t platform_info;      /* 0x040 */
    uint32_t key_info;           /* 0x048 (AMD: "signer info"); 0x04C reserved */
    uint8_t report_data[64];     /* 0x050 */
    uint8_t measurement[48];     /* 0x090 */
    uint8_t host_data[32];       /* 0x0C0 */
    uint8_t id_key_digest[48];   /* 0x0E0 */
    uint8_t author_key_digest[48]; /* 0x110 */
    uint8_t report_id[32];       /* 0x140 */
    uint8_t report_id_ma[32];    /* 0x160 */
    uint64_t reported_tcb;       /* 0x180 */
    uint8_t cpuid_fam_id;        /* 0x188 (v3+; reserved zero before) */
    uint8_t cpuid_mod_id;        /* 0x189 */
    uint8_t cpuid_step;          /* 0x18A */
    uint8_t chip_id[64];         /* 0x1A0 */
    uint64_t committed_tcb;      /* 0x1E0 */
    uint8_t current_build;       /* 0x1E8 */
    uint8_t current_minor;       /* 0x1E9 */
    uint8_t current_major;       /* 0x1EA */
    uint8_t committed_build;     /* 0x1EC */
    uint8_t committed_minor;     /* 0x1ED */
    uint8_t committed_major;     /* 0x1EE */
    uint64_t launch_tcb;         /* 0x1F0 */
    uint64_t launch_mit_vector;  /* 0x1F8 (v5+; reserved zero before) */
    uint64_t current_mit_vector; /* 0x200 (v5+) */
    uint8_t signature_r[72];     /* 0x2A0 little-endian */
    uint8_t signature_s[72];     /* 0x2E8 little-endian; 0x330-0x49F reserved */

    /* decoded views, filled by cvm_snp_parse (cvm_snp_write ignores them) */
    cvm_snp_policy policy_bits;
    cvm_snp_platform_info platform;
    cvm_snp_key_info key;
    bool has_cpuid;       /* version >= 3 */
    bool has_mit_vector;  /* version >= 5 */
    unsigned flags;       /* enum cvm_snp_flag */
} cvm_snp_report;

/* Exactly CVM_SNP_REPORT_LEN bytes. `what` names the file for errors.
 * Returns CVM_OK or a negative cvm_errcode with err filled. */
int cvm_snp_parse(const uint8_t *buf, size_t len, const char *what, cvm_snp_report *out,
                  cvm_err *err);
/* Same, reading the next 1184 bytes of `r` (offsets in errors stay
 * absolute, e.g. inside an HCL report). */
int cvm_snp_parse_rd(cvm_rd *r, cvm_snp_report *out);
/* Byte-exact inverse of cvm_snp_parse: writes the raw fields (not the
 * decoded views); reserved ranges are written as zero. Never fails. */
void cvm_snp_write(const cvm_snp_report *rep, uint8_t out[CVM_SNP_REPORT_LEN]);

/* r and s as 48-byte big-endian P-384 scalars. Fails (CVM_E_VALUE, field
 * "signature.r"/"signature.s", offset of the byte) when bytes 48..71 of the
 * little-endian field are not zero. */
int cvm_snp_signature_be(const cvm_snp_report *rep, uint8_t r[CVM_SNP_P384_LEN],
                         uint8_t s[CVM_SNP_P384_LEN], cvm_err *err);
/* Inverse (for the fake CVM): stores big-endian r/s as 72-byte LE fields. */
void cvm_snp_set_signature_be(cvm_snp_report *rep, const uint8_t r[CVM_SNP_P384_LEN],
                              const uint8_t s[CVM_SNP_P384_LEN]);

/* Product from the report alone: CPUID for v3+, else UNKNOWN (a v2 report
 * does not say; the VCEK productName or the chain that verifies does). */
enum cvm_product cvm_snp_product(const cvm_snp_report *rep);

/* Every field for display: hex byte arrays, TCBs per component, policy /
 * platform / key bits by name, product guess. `hint` is used when the
 * report does not identify the product (v2); pass CVM_PRODUCT_UNKNOWN if
 * none. Returns a new reference (NULL on allocation failure). */
json_t *cvm_snp_to_json(const cvm_snp_report *rep, enum cvm_product hint);

#endif
