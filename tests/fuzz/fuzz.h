/* Shared bits of the libFuzzer targets: invariant checks that abort (so a
 * broken round trip is a crash libFuzzer records and minimises, not a
 * silent pass) and error-struct sanity. */
#ifndef CVM_FUZZ_H
#define CVM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);   \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* A rejection must be a negative cvm_errcode with its text filled in; an
 * acceptance must leave the error untouched. */
static inline void fuzz_check_rc(int rc, const cvm_err *e)
{
    if (rc == 0) {
        FUZZ_CHECK(e->code == 0);
        return;
    }
    FUZZ_CHECK(rc < 0 && rc >= CVM_E_STATE);
    FUZZ_CHECK(e->code == rc);
    FUZZ_CHECK(memchr(e->what, 0, sizeof(e->what)) && memchr(e->field, 0, sizeof(e->field)) &&
               memchr(e->msg, 0, sizeof(e->msg)));
    char buf[512];
    FUZZ_CHECK(cvm_err_format(e, buf, sizeof(buf)) != NULL);
}

/* Same, and an offset (when given) must lie inside the input. */
static inline void fuzz_check_rc_len(int rc, const cvm_err *e, size_t len)
{
    fuzz_check_rc(rc, e);
    if (rc)
        FUZZ_CHECK(e->offset == CVM_NO_OFFSET || e->offset <= len);
}

/* Takes a to_json result (our describer ran over every member) and drops
 * it. NULL is allowed only as an allocation failure, which ASan builds do
 * not produce, so it is treated as a bug. Not serialised: json_dumps is
 * jansson's code, not ours, and cost 35-40 % of the time of the small
 * targets (fuzz_snp 200k runs: 9.2 s with it, 5.8 s without); the unit
 * tests compare the dumped bytes. */
static inline void fuzz_dump_json(json_t *j)
{
    FUZZ_CHECK(j != NULL);
    json_decref(j);
}

#endif
