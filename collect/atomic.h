/* Crash-safe file replacement for cvm-collect: the bundle and the runtime
 * log are either fully there (and fsync'd) or not there at all. */
#ifndef CVM_COLLECT_ATOMIC_H
#define CVM_COLLECT_ATOMIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum cvm_atomic_flags {
    CVM_ATOMIC_REPLACE = 1u << 0, /* replace an existing file (default: refuse, EEXIST) */
};

/* Writes `len` bytes to a temp file created with O_EXCL in the directory of
 * `path`, fsyncs it, sets `mode`, then links/renames it into place and
 * fsyncs the directory. On any failure the temp file is unlinked and
 * nothing appears at `path`. Without CVM_ATOMIC_REPLACE an existing `path`
 * is an error and is left untouched (link(2) refuses atomically).
 *
 * Test hook: env CVM_COLLECT_TEST_FAIL=before-rename makes the call fail
 * after the temp file is fully written, to prove the clean-up. */
int cvm_atomic_write(const char *path, const uint8_t *data, size_t len, unsigned mode, unsigned flags,
                     cvm_err *err);

/* fsyncs the directory holding `path` (after a rename). */
int cvm_fsync_parent(const char *path, cvm_err *err);

#endif
