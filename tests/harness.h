/* Shared test helpers: locating real vectors (skipping cleanly when
 * ../shared/vectors is absent), reading files, temp dirs. */
#ifndef CVM_TEST_HARNESS_H
#define CVM_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "buf.h"
#include "err.h"

/* Path of a file under the shared vectors folder, or NULL when the folder
 * (or that file) is absent. The returned string is static per call slot. */
const char *cvm_test_vector(const char *rel);
/* Like cvm_test_vector but calls skip() with a message when absent. */
#define CVM_VECTOR_OR_SKIP(var, rel)                                                  \
    const char *var = cvm_test_vector(rel);                                           \
    do {                                                                              \
        if (!var) {                                                                   \
            print_message("SKIP: ../shared/vectors/%s not present\n", rel);           \
            skip();                                                                   \
        }                                                                             \
    } while (0)

/* Reads a file or fails the test. Caller frees. */
uint8_t *cvm_test_read(const char *path, size_t *len);
/* Path relative to the source tree / build tree. The result lives in a ring
 * of 16 static slots: copy it if you keep it across more calls. */
const char *cvm_test_src(const char *rel);
const char *cvm_test_build(const char *rel);
/* A fresh temp dir under /tmp (short path for AF_UNIX sockets). The path
 * stays valid for the life of the process (never reused). */
const char *cvm_test_tmpdir(void);
/* Runs a shell command; returns its exit status (or -1). */
int cvm_test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Every prefix of buf (0..len-1 bytes) must be rejected by parse without
 * crashing; parse returns 0 on accept. Fails the test otherwise. */
void cvm_test_truncations(const uint8_t *buf, size_t len,
                          int (*parse)(const uint8_t *, size_t, void *), void *ctx);

#endif
