/* manifest.json (spec/bundle-v1.md §4): strict parser and canonical writer.
 * The parser rejects any bytes that are not the canonical serialisation of
 * a schema-valid manifest (§4.2), so parse → write is byte-identical. */
#ifndef CVM_MANIFEST_H
#define CVM_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "binding.h" /* roles and digests: users of the manifest need them too */
#include "buf.h"
#include "bundle.h"
#include "err.h"

#define CVM_MANIFEST_FORMAT "cvm-evidence/bundle/v1"
#define CVM_MANIFEST_MAX (1u << 20)     /* bytes */
#define CVM_MANIFEST_CLAIM_MAX 1024u    /* bytes of UTF-8 per claim string */

typedef struct cvm_manifest_member {
    char *name;
    char *role;
    uint8_t sha256[32];
    uint64_t size;
} cvm_manifest_member;

typedef enum cvm_nonce_source {
    CVM_NONCE_AUDITOR = 1,
    CVM_NONCE_RANDOM = 2,
} cvm_nonce_source;

/* Every string is owned (malloc'd) and freed by cvm_manifest_free. Claim
 * strings (collector_*, custody_*, created) are UNAUTHENTICATED (§6). */
typedef struct cvm_manifest {
    char *bundle_id;
    char *created;            /* "YYYY-MM-DDTHH:MM:SSZ" */
    char *collector_name;
    char *collector_version;
    char *custody_case_id;
    char *custody_examiner;
    char *custody_note;
    uint8_t nonce[32];
    cvm_nonce_source nonce_source;
    bool fresh_report;
    char *pcr_selection;      /* e.g. "sha256:0,1,2,3,4,5,6,7" */
    uint8_t binding[32];
    cvm_manifest_member *members; /* sorted by name, unique */
    size_t n_members;
} cvm_manifest;

/* Strict parse of exactly `len` bytes (§4). `what` names the file in errors;
 * the error's field is the JSON path (e.g. "members[2].sha256"). On failure
 * `out` is left zeroed (safe to free). */
int cvm_manifest_parse(const uint8_t *buf, size_t len, const char *what, cvm_manifest *out,
                       cvm_err *err);

/* Appends the canonical bytes (§4.2) to `w`. Validates the struct first by
 * the same rules as the parser (the output always parses). */
int cvm_manifest_write(const cvm_manifest *m, cvm_wr *w, cvm_err *err);

/* A new jansson object (caller json_decref's), or NULL on allocation
 * failure. Does not validate. */
json_t *cvm_manifest_to_json(const cvm_manifest *m);

/* Fills m->members from the bundle members that belong in the manifest
 * (pre-quote and quote phases, §4.1): name, role, size, SHA-256, sorted.
 * Other names are skipped; unknown names are CVM_E_VALUE. Replaces any
 * previous list. */
int cvm_manifest_set_members(cvm_manifest *m, const cvm_member *members, size_t n,
                             cvm_err *err);

/* Canonical JSON serialisation of any jansson value restricted to objects,
 * arrays, strings, integers and booleans (§4.2). CVM_E_VALUE for reals/null. */
int cvm_json_canonical(const json_t *j, cvm_wr *w);

void cvm_manifest_free(cvm_manifest *m);

#endif
