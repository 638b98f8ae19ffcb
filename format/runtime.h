/* The Azure HCL runtime claims JSON (the variable data of the HCL report).
 * Facts: spec/formats.md §1.7; c-apis.md §3 (jansson), §1.7 (JWK).
 *
 * Parsed strictly: json_loadb with the exact length and
 * JSON_REJECT_DUPLICATES; the top level must be an object. Recognised
 * members are type-checked (a wrong type is an error whose field is the
 * JSON path, e.g. "keys[0].n" or "vm-configuration.secure-boot"); unknown
 * members are kept (see `unknown`, `vm_config_unknown`), never rejected,
 * because every paravisor generation added some.
 *
 * keys[]: each entry an object with string `kid` (unique across keys) and
 * string `kty`; for kty "RSA" `n` and `e` are required and decoded with our
 * strict base64url (no padding, canonical trailing bits); `e` big-endian.
 * key_ops is kept (array of strings) but not interpreted: Azure has put
 * "encrypt" on the signing AK.
 * user-data: hex string, either case, exactly 128 digits = 64 bytes.
 *
 * Errors carry no byte offset (offsets mean little inside JSON): syntax
 * errors give jansson's line, column and byte position in the message. */
#ifndef CVM_RUNTIME_H
#define CVM_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

/* Limits far above anything Azure emits (1200-byte JSON, 2 keys). */
#define CVM_RUNTIME_MAX_KEYS 64
#define CVM_RUNTIME_USER_DATA_LEN 64

typedef enum cvm_tristate {
    CVM_TRI_ABSENT = 0,
    CVM_TRI_FALSE = 1,
    CVM_TRI_TRUE = 2,
} cvm_tristate;

typedef struct cvm_jwk {
    const char *kid;     /* points into the runtime's json tree */
    const char *kty;
    json_t *key_ops;     /* borrowed; NULL when absent; array of strings */
    uint8_t *n;          /* owned; NULL unless kty "RSA" */
    size_t n_len;
    uint8_t *e;          /* owned, big-endian */
    size_t e_len;
    json_t *json;        /* borrowed: the whole JWK object */
} cvm_jwk;

typedef struct cvm_runtime {
    json_t *root; /* owned reference to the parsed document */

    bool has_keys;
    cvm_jwk *keys; /* owned array */
    size_t n_keys;

    bool has_vm_configuration;
    json_t *vm_configuration;  /* borrowed; NULL when absent */
    cvm_tristate secure_boot;
    cvm_tristate tpm_enabled;
    cvm_tristate console_enabled;
    cvm_tristate tpm_persisted;
    const char *vm_unique_id;        /* NULL when absent */
    bool has_current_time;
    int64_t current_time;
    const char *root_cert_thumbprint; /* NULL when absent ("" is kept as "") */
    json_t *vm_config_unknown;        /* owned object of the members not listed above */

    bool has_user_data;
    uint8_t user_data[CVM_RUNTIME_USER_DATA_LEN];

    json_t *unknown; /* owned object of top-level members other than keys / vm-configuration / user-data */
} cvm_runtime;

/* buf/len: the exact JSON bytes (e.g. cvm_hcl_report.json/json_len).
 * On failure *out is left empty (nothing to free, but freeing is safe). */
int cvm_runtime_parse(const uint8_t *buf, size_t len, const char *what, cvm_runtime *out,
                      cvm_err *err);
void cvm_runtime_free(cvm_runtime *rt);

/* The key with this kid, or NULL. */
const cvm_jwk *cvm_runtime_find_key(const cvm_runtime *rt, const char *kid);

/* Decoded view for display: keys with n as hex and bit length, e as an
 * integer when it fits, key_ops; vm-configuration tri-states as
 * true/false/null; user-data as lower-case hex; unknown members as-is.
 * New reference. */
json_t *cvm_runtime_to_json(const cvm_runtime *rt);

const char *cvm_tristate_name(cvm_tristate t); /* "absent" / "false" / "true" */

#endif
