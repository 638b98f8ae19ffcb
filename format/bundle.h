/* The bundle tar (spec/bundle-v1.md §3): a deterministic ustar writer and a
 * strict in-memory reader that accepts only the §3 profile (the writer's
 * bytes plus the numeric-field termination and end-padding latitude §3.1
 * names, which carry no meaning). The
 * reader never touches the filesystem and never extracts. */
#ifndef CVM_BUNDLE_H
#define CVM_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* spec/bundle-v1.md §3.3. Sized so the verifier's peak RSS on the largest
 * accepted tar (tar + member copies + ~9 MB baseline) stays ≤ 64 MiB; the
 * collector refuses to write past them (cvm_bundle_write). */
#define CVM_BUNDLE_MAX_MEMBERS 32u
#define CVM_BUNDLE_MAX_MEMBER (8u << 20)
#define CVM_BUNDLE_MAX_TOTAL (24u << 20)
#define CVM_BUNDLE_MAX_TAR (26u << 20)
/* flat member name length cap (§3.2) */
#define CVM_BUNDLE_NAME_MAX 50u
#define CVM_BUNDLE_ID_LEN 36u
#define CVM_BUNDLE_TOPDIR_PREFIX "cvm-evidence-"
#define CVM_BUNDLE_TOPDIR_LEN (13u + CVM_BUNDLE_ID_LEN)

/* One member: a flat name (no directory) and its bytes. Shared by the
 * writer, the reader, the binding digest and the manifest builder. */
typedef struct cvm_member {
    const char *name;
    const uint8_t *data;
    size_t len;
} cvm_member;

/* A parsed bundle. Owns everything: member names and data are copies, freed
 * by cvm_bundle_free. Members are in archive order (= sorted by name). */
typedef struct cvm_bundle {
    char topdir[CVM_BUNDLE_TOPDIR_LEN + 1];   /* "cvm-evidence-<bundle_id>" */
    char bundle_id[CVM_BUNDLE_ID_LEN + 1];    /* the <bundle_id> part */
    cvm_member *members;
    size_t n;
    size_t total;                             /* sum of member sizes */
} cvm_bundle;

/* `bundle_id` is a lower-case 8-4-4-4-12 hex UUID string (§1). */
bool cvm_bundle_id_valid(const char *id);
/* `topdir` is "cvm-evidence-" + a valid bundle id (§3.2). */
bool cvm_bundle_topdir_valid(const char *topdir);
/* Flat name grammar [A-Za-z0-9._-]{1,50}, not starting with '.' (§3.2). */
bool cvm_bundle_name_valid(const char *name);

/* Appends the deterministic ustar bytes of `members` (any order: they are
 * sorted by name) under `topdir` to `out` (§3.1). Same input, same bytes.
 * Rejects invalid names, duplicates (also case-folded) and cap overruns
 * before writing anything. */
int cvm_bundle_write(const char *topdir, const cvm_member *members, size_t n,
                     cvm_wr *out, cvm_err *err);

/* Parses a bundle from memory with every check of §3.4. `what` names the tar
 * in errors (e.g. the file name). On success `out` owns copies; on failure
 * `out` is left empty (safe to cvm_bundle_free). */
int cvm_bundle_read(const uint8_t *buf, size_t len, const char *what, cvm_bundle *out,
                    cvm_err *err);

/* Looks a member up by flat name. Returns CVM_OK, or CVM_E_VALUE when absent
 * (err untouched: absence is for the caller to judge). The view stays valid
 * until cvm_bundle_free. */
int cvm_bundle_get(const cvm_bundle *b, const char *name, const uint8_t **p, size_t *len);

void cvm_bundle_free(cvm_bundle *b);

#endif
