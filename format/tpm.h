/* TPM 2.0 structures needed to verify a quote: TPMS_ATTEST (quote),
 * TPMT_SIGNATURE, TPMT_PUBLIC / TPM2B_PUBLIC, TPML_PCR_SELECTION, Names.
 * spec: /work/shared/spec/formats.md §5, c-apis.md §4.7.
 *
 * These are our own bounded parsers over cvm_rd (TPM wire format is
 * big-endian), deliberately not libtss2-mu: MU does not check magic, type or
 * trailing bytes (c-apis.md §4.7), and a fuzzer linked against the system
 * .so sees no coverage (c-apis.md §7). The unit tests cross-check every
 * parse against Tss2_MU_*_Unmarshal field by field. */
#ifndef CVM_TPM_H
#define CVM_TPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "err.h"

/* ---- constants (TPM 2.0 Part 2; formats.md §5.1) ---- */
#define CVM_TPM_ALG_ERROR 0x0000
#define CVM_TPM_ALG_RSA 0x0001
#define CVM_TPM_ALG_SHA1 0x0004
#define CVM_TPM_ALG_HMAC 0x0005
#define CVM_TPM_ALG_AES 0x0006
#define CVM_TPM_ALG_KEYEDHASH 0x0008
#define CVM_TPM_ALG_XOR 0x000A
#define CVM_TPM_ALG_SHA256 0x000B
#define CVM_TPM_ALG_SHA384 0x000C
#define CVM_TPM_ALG_SHA512 0x000D
#define CVM_TPM_ALG_NULL 0x0010
#define CVM_TPM_ALG_SM3_256 0x0012
#define CVM_TPM_ALG_SM4 0x0013
#define CVM_TPM_ALG_RSASSA 0x0014
#define CVM_TPM_ALG_RSAES 0x0015
#define CVM_TPM_ALG_RSAPSS 0x0016
#define CVM_TPM_ALG_OAEP 0x0017
#define CVM_TPM_ALG_ECDSA 0x0018
#define CVM_TPM_ALG_ECDH 0x0019
#define CVM_TPM_ALG_ECDAA 0x001A
#define CVM_TPM_ALG_SM2 0x001B
#define CVM_TPM_ALG_ECSCHNORR 0x001C
#define CVM_TPM_ALG_KDF1_SP800_56A 0x0020
#define CVM_TPM_ALG_KDF2 0x0021
#define CVM_TPM_ALG_KDF1_SP800_108 0x0022
#define CVM_TPM_ALG_ECC 0x0023
#define CVM_TPM_ALG_SYMCIPHER 0x0025
#define CVM_TPM_ALG_CAMELLIA 0x0026
#define CVM_TPM_ALG_SHA3_256 0x0027
#define CVM_TPM_ALG_SHA3_384 0x0028
#define CVM_TPM_ALG_SHA3_512 0x0029
#define CVM_TPM_ALG_CTR 0x0040
#define CVM_TPM_ALG_OFB 0x0041
#define CVM_TPM_ALG_CBC 0x0042
#define CVM_TPM_ALG_CFB 0x0043
#define CVM_TPM_ALG_ECB 0x0044

#define CVM_TPM_ECC_NIST_P256 0x0003
#define CVM_TPM_ECC_NIST_P384 0x0004
#define CVM_TPM_ECC_NIST_P521 0x0005

#define CVM_TPM_GENERATED_VALUE 0xFF544347u
#define CVM_TPM_ST_ATTEST_NV 0x8014
#define CVM_TPM_ST_ATTEST_COMMAND_AUDIT 0x8015
#define CVM_TPM_ST_ATTEST_SESSION_AUDIT 0x8016
#define CVM_TPM_ST_ATTEST_CERTIFY 0x8017
#define CVM_TPM_ST_ATTEST_QUOTE 0x8018
#define CVM_TPM_ST_ATTEST_TIME 0x8019
#define CVM_TPM_ST_ATTEST_CREATION 0x801A
#define CVM_TPM_ST_ATTEST_NV_DIGEST 0x801C

#define CVM_TPM_RH_OWNER 0x40000001u
#define CVM_TPM_RH_NULL 0x40000007u
#define CVM_TPM_RH_ENDORSEMENT 0x4000000Bu
#define CVM_TPM_RH_PLATFORM 0x4000000Cu

/* TPMA_OBJECT bits */
#define CVM_TPMA_OBJECT_FIXEDTPM (1u << 1)
#define CVM_TPMA_OBJECT_STCLEAR (1u << 2)
#define CVM_TPMA_OBJECT_FIXEDPARENT (1u << 4)
#define CVM_TPMA_OBJECT_SENSITIVEDATAORIGIN (1u << 5)
#define CVM_TPMA_OBJECT_USERWITHAUTH (1u << 6)
#define CVM_TPMA_OBJECT_ADMINWITHPOLICY (1u << 7)
#define CVM_TPMA_OBJECT_FIRMWARELIMITED (1u << 8)
#define CVM_TPMA_OBJECT_NODA (1u << 10)
#define CVM_TPMA_OBJECT_ENCRYPTEDDUPLICATION (1u << 11)
#define CVM_TPMA_OBJECT_RESTRICTED (1u << 16)
#define CVM_TPMA_OBJECT_DECRYPT (1u << 17)
#define CVM_TPMA_OBJECT_SIGN_ENCRYPT (1u << 18)
#define CVM_TPMA_OBJECT_X509SIGN (1u << 19)

/* Limits (tss2 tpm2_types.h sizes, so anything MU accepts fits) */
#define CVM_TPM_HASH_MAX 64        /* sizeof(TPMU_HA) */
#define CVM_TPM_NAME_MAX 66        /* sizeof(TPMU_NAME) = TPMT_HA */
#define CVM_TPM_DATA_MAX 64        /* TPM2B_DATA (extraData) */
#define CVM_TPM_RSA_MAX_BYTES 512  /* TPM2_MAX_RSA_KEY_BYTES */
#define CVM_TPM_ECC_MAX_BYTES 128  /* TPM2_MAX_ECC_KEY_BYTES */
#define CVM_TPM_PCR_BANKS_MAX 16   /* TPM2_NUM_PCR_BANKS */
#define CVM_TPM_PCR_SELECT_MAX 4   /* TPM2_PCR_SELECT_MAX: 32 PCRs per bank */
#define CVM_TPM_PCRS_PER_BANK (8 * CVM_TPM_PCR_SELECT_MAX)
#define CVM_TPM_SELECTED_MAX (CVM_TPM_PCR_BANKS_MAX * CVM_TPM_PCRS_PER_BANK)

/* "sha256", "rsassa", ... or NULL when unknown. */
const char *cvm_tpm_alg_name(uint16_t alg);
/* Inverse of cvm_tpm_alg_name (case-insensitive); CVM_TPM_ALG_ERROR (0) when unknown. */
uint16_t cvm_tpm_alg_from_name(const char *name);
/* Digest size of a hash algorithm, 0 when alg is not a hash we know. */
size_t cvm_tpm_hash_len(uint16_t alg);
/* OpenSSL digest name ("SHA256", "SM3", ...) or NULL. */
const char *cvm_tpm_hash_ossl_name(uint16_t alg);
/* One-shot digest of `len` bytes with a TPM hash alg via EVP. *out_len is
 * the capacity on input and the digest size on output. */
int cvm_tpm_hash(uint16_t alg, const void *p, size_t len, uint8_t *out, size_t *out_len);

/* ---- TPML_PCR_SELECTION ---- */
typedef struct cvm_pcr_bank_sel {
    uint16_t hash;
    uint8_t size_of_select; /* 0..CVM_TPM_PCR_SELECT_MAX */
    uint8_t select[CVM_TPM_PCR_SELECT_MAX]; /* bit i of byte j = PCR 8j+i; bytes >= size_of_select are 0 */
} cvm_pcr_bank_sel;

typedef struct cvm_pcr_selection {
    uint32_t count; /* 0..CVM_TPM_PCR_BANKS_MAX */
    cvm_pcr_bank_sel sel[CVM_TPM_PCR_BANKS_MAX];
} cvm_pcr_selection;

typedef struct cvm_pcr_ref {
    uint16_t alg;
    uint8_t pcr;
} cvm_pcr_ref;

/* TPM wire form (big-endian u32 count, then {u16 hash, u8 sizeofSelect,
 * bytes}), read from the cursor. Rejects count > 16 and sizeofSelect > 4
 * (CVM_E_LIMIT; the tss2 limits, as MU does), a hash we do not know
 * (CVM_E_UNSUPPORTED) and a bank listed twice (CVM_E_VALUE; MU accepts
 * both). `field` prefixes the error field names, e.g.
 * "quote.pcrSelect.pcrSelections[0].sizeofSelect". */
int cvm_pcr_selection_read(cvm_rd *r, const char *field, cvm_pcr_selection *out);
/* Whole buffer = one TPML_PCR_SELECTION, no trailing bytes. */
int cvm_pcr_selection_parse(const uint8_t *buf, size_t len, const char *what,
                            cvm_pcr_selection *out, cvm_err *err);
int cvm_pcr_selection_write(const cvm_pcr_selection *s, cvm_wr *w);
/* Number of selected PCRs over all banks. */
size_t cvm_pcr_selection_count(const cvm_pcr_selection *s);
/* Selected PCRs in selection order (entry order, then ascending PCR) — the
 * order of the values hashed into pcrDigest. Writes at most `cap` refs and
 * returns the total number selected. */
size_t cvm_pcr_selection_list(const cvm_pcr_selection *s, cvm_pcr_ref *out, size_t cap);
bool cvm_pcr_selection_has(const cvm_pcr_selection *s, uint16_t alg, unsigned pcr);
/* Same banks in the same order, each selecting the same set of PCRs.
 * sizeofSelect itself is not compared (a 3-byte and a 4-byte select with the
 * same bits are equal): only the order of values hashed matters. */
bool cvm_pcr_selection_equal(const cvm_pcr_selection *a, const cvm_pcr_selection *b);
/* tpm2-tools text form: "sha256:0,1,2+sha1:7", ranges "sha256:0-23",
 * "sha256:all" (= 0-23). Ranges are our extension (tpm2-tools 5.4 rejects
 * them). Bank order is kept; sizeofSelect is 3 unless a PCR >= 24 is named
 * (then 4). Errors: CVM_E_SYNTAX / CVM_E_VALUE / CVM_E_LIMIT, field "selection". */
int cvm_pcr_selection_from_string(const char *s, cvm_pcr_selection *out, cvm_err *err);
/* Inverse: "sha256:0,1,2+sha1:7" (comma lists: tpm2-tools 5.4 rejects
 * ranges). A bank with no PCR selected prints as "sha256:" (and parses
 * back). Returns CVM_OK or CVM_E_LIMIT when `n` is too small;
 * CVM_PCR_SELECTION_STR_MAX is always enough. */
#define CVM_PCR_SELECTION_STR_MAX 2048
int cvm_pcr_selection_to_string(const cvm_pcr_selection *s, char *buf, size_t n);

/* ---- TPMS_ATTEST (quote) ---- */
/* Views `buf` (qualified_signer, extra_data, pcr_digest): keep it alive. */
typedef struct cvm_tpm_attest {
    uint32_t magic;
    uint16_t type;
    const uint8_t *qualified_signer; /* TPM2B_NAME: nameAlg (BE) || digest */
    uint16_t qualified_signer_len;   /* <= CVM_TPM_NAME_MAX */
    const uint8_t *extra_data;       /* the qualifyingData (nonce) */
    uint16_t extra_data_len;         /* <= CVM_TPM_DATA_MAX */
    uint64_t clock;
    uint32_t reset_count;
    uint32_t restart_count;
    uint8_t safe;
    uint64_t firmware_version;
    /* TPMS_QUOTE_INFO */
    cvm_pcr_selection pcr_select;
    const uint8_t *pcr_digest;
    uint16_t pcr_digest_len; /* <= CVM_TPM_HASH_MAX */
} cvm_tpm_attest;

/* `tpm2_quote -m` bytes (TPMS_ATTEST without the TPM2B size). Requires magic
 * TPM_GENERATED, type ATTEST_QUOTE (other attest types: CVM_E_UNSUPPORTED),
 * TPM2B sizes within the tss2 limits, safe in {0,1}, no trailing bytes. */
int cvm_tpm_attest_parse(const uint8_t *buf, size_t len, const char *what,
                         cvm_tpm_attest *out, cvm_err *err);
json_t *cvm_tpm_attest_to_json(const cvm_tpm_attest *a);

/* ---- TPMT_SIGNATURE ---- */
struct cvm_tpm_public;
/* Owns its bytes (no view). */
typedef struct cvm_tpm_signature {
    uint16_t sig_alg;  /* RSASSA, RSAPSS or ECDSA */
    uint16_t hash_alg;
    uint8_t rsa_sig[CVM_TPM_RSA_MAX_BYTES];
    uint16_t rsa_sig_len;
    uint8_t ecdsa_r[CVM_TPM_ECC_MAX_BYTES];
    uint16_t ecdsa_r_len;
    uint8_t ecdsa_s[CVM_TPM_ECC_MAX_BYTES];
    uint16_t ecdsa_s_len;
} cvm_tpm_signature;

/* Marshalled TPMT_SIGNATURE (`tpm2_quote -s` default "tss" form). RSASSA,
 * RSAPSS, ECDSA only (others CVM_E_UNSUPPORTED); hash alg must be a known
 * hash; no trailing bytes. */
int cvm_tpm_signature_parse(const uint8_t *buf, size_t len, const char *what,
                            cvm_tpm_signature *out, cvm_err *err);

typedef enum cvm_tpm_sig_format {
    CVM_TPM_SIG_TSS = 1,   /* marshalled TPMT_SIGNATURE */
    CVM_TPM_SIG_PLAIN = 2, /* RSA: raw signature bytes; ECDSA: DER ECDSA-Sig-Value */
} cvm_tpm_sig_format;

/* A `tpm2_quote -s` file in either format, detected like tpm2_checkquote:
 * 1. if the whole file parses as a TPMT_SIGNATURE it is "tss";
 * 2. else it is "plain": with `key` (may be NULL) of type RSA the file must
 *    be exactly the modulus length, sig_alg = the key's scheme (RSASSA when
 *    the scheme is NULL); with an ECC key it must be DER SEQUENCE{INTEGER r,
 *    INTEGER s}. Without a key: a DER SEQUENCE of two INTEGERs is ECDSA,
 *    otherwise 128/256/384/512 bytes is RSASSA (RSAPSS is then
 *    indistinguishable; callers with the key should pass it).
 *    hash_alg = plain_hash_alg (a plain file does not say; tpm2 -g); when
 *    0: the key's scheme hash, else SHA-256 (tpm2-tools' default).
 * A plain RSA file of a 2048-bit key is misread as "tss" only if its bytes
 * begin 0014|0016 <hash alg> 00fa, i.e. odds of about 2^-40. */
int cvm_tpm_signature_parse_file(const uint8_t *buf, size_t len, const char *what,
                                 const struct cvm_tpm_public *key, uint16_t plain_hash_alg,
                                 cvm_tpm_signature *out, cvm_tpm_sig_format *format,
                                 cvm_err *err);
/* Marshals as TPMT_SIGNATURE (the "tss" form), byte-identical to
 * Tss2_MU_TPMT_SIGNATURE_Marshal. */
int cvm_tpm_signature_write(const cvm_tpm_signature *s, cvm_wr *w);
/* The "plain" form: RSA raw bytes, ECDSA DER. */
int cvm_tpm_signature_write_plain(const cvm_tpm_signature *s, cvm_wr *w);
json_t *cvm_tpm_signature_to_json(const cvm_tpm_signature *s);

/* ---- TPMT_PUBLIC / TPM2B_PUBLIC ---- */
/* Views `buf` (tpmt, auth_policy, rsa_modulus, ecc_x, ecc_y): keep it alive. */
typedef struct cvm_tpm_public {
    const uint8_t *tpmt; /* the exact marshalled TPMT_PUBLIC bytes (what Name hashes) */
    size_t tpmt_len;
    uint16_t type;       /* CVM_TPM_ALG_RSA or CVM_TPM_ALG_ECC */
    uint16_t name_alg;
    uint32_t object_attributes;
    const uint8_t *auth_policy;
    uint16_t auth_policy_len;
    /* symmetric (TPMT_SYM_DEF_OBJECT); key_bits/mode 0 when alg is NULL */
    uint16_t sym_alg;
    uint16_t sym_key_bits;
    uint16_t sym_mode;
    /* signing / decryption scheme; scheme_hash 0 when scheme is NULL */
    uint16_t scheme;
    uint16_t scheme_hash;
    /* RSA */
    uint16_t rsa_key_bits;
    uint32_t rsa_exponent_raw; /* as marshalled; 0 means the default */
    uint32_t rsa_exponent;     /* effective: 65537 when raw is 0 */
    const uint8_t *rsa_modulus;
    uint16_t rsa_modulus_len;
    /* ECC */
    uint16_t ecc_curve_id;
    uint16_t ecc_kdf;
    uint16_t ecc_kdf_hash;
    const uint8_t *ecc_x;
    uint16_t ecc_x_len;
    const uint8_t *ecc_y;
    uint16_t ecc_y_len;
} cvm_tpm_public;

#define CVM_TPM_PUBLIC_TPM2B 0 /* u16 size || TPMT_PUBLIC (tpm2_readpublic -f tss) */
#define CVM_TPM_PUBLIC_TPMT 1  /* bare TPMT_PUBLIC (tpm2_readpublic -f tpmt) */

/* RSA and ECC only (KEYEDHASH/SYMCIPHER: CVM_E_UNSUPPORTED). nameAlg must be
 * a known hash; modulus <= 512 bytes, ECC points <= 128; no trailing bytes
 * (for TPM2B, the size must equal the TPMT_PUBLIC length exactly). */
int cvm_tpm_public_parse(const uint8_t *buf, size_t len, const char *what, int flags,
                         cvm_tpm_public *out, cvm_err *err);
/* Name = nameAlg (2 bytes BE) || H_nameAlg(tpmt_public bytes). *out_len:
 * capacity in, length out (CVM_TPM_NAME_MAX is always enough). */
int cvm_tpm_public_name(const uint8_t *tpmt_public, size_t len, uint16_t name_alg,
                        uint8_t *out, size_t *out_len);
/* Qualified Name = nameAlg || H_nameAlg(parent_qn || name) (formats.md §5.5);
 * the alg is taken from the first two bytes of `name`. */
int cvm_tpm_qualified_name(const uint8_t *parent_qn, size_t parent_qn_len,
                           const uint8_t *name, size_t name_len, uint8_t *out, size_t *out_len);
/* QN of a primary key: its parent QN is the 4-byte hierarchy handle (e.g.
 * CVM_TPM_RH_ENDORSEMENT for the Azure AK). */
int cvm_tpm_primary_qualified_name(uint32_t hierarchy, const uint8_t *name, size_t name_len,
                                   uint8_t *out, size_t *out_len);
/* type, nameAlg, attributes (hex and decoded by name), policy, scheme, key
 * parameters, RSA modulus SHA-256 fingerprint, Name hex. */
json_t *cvm_tpm_public_to_json(const cvm_tpm_public *p);

/* ---- pcrDigest ---- */
/* H_alg(values[0] || ... || values[n-1]). *out_len: capacity in, size out. */
int cvm_tpm_pcr_digest(uint16_t alg, const uint8_t *const *values, const size_t *lens, size_t n,
                       uint8_t *out, size_t *out_len);

#endif
