/* cvm-verify --batch: many bundles, verified by worker processes, one
 * JSON line per bundle in input order (spec/verify.md §1.1). */
#ifndef CVM_BATCH_H
#define CVM_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "verify.h"

/* --timeout default: a bundle verifies in milliseconds; minutes mean a hang */
#define CVM_BATCH_TIMEOUT_DEFAULT 120

typedef struct cvm_batch_opts {
    const cvm_verify_opts *vopts; /* applied to every bundle (bundle_path is set per bundle) */
    const char *const *paths;     /* bundles or directories; "-" reads one path per line from stdin */
    size_t npaths;
    unsigned jobs;                /* worker processes; 0 = online CPUs */
    const char *out_path;         /* JSON Lines file, NULL = stdout */
    int progress;                 /* 1 always, 0 never, -1 when stderr is a TTY */
    unsigned timeout_s;           /* a bundle with no result after this long is an error; 0 = none */
} cvm_batch_opts;

/* Expands `paths` (directories recursively: every entry named *.tar that
 * is not a directory, sorted bytewise by path) into *out (malloc'd array
 * of malloc'd strings). Explicit paths are kept even when they do not
 * exist, so they are reported, not dropped. 0 or -1 with errbuf. */
int cvm_batch_expand(const char *const *paths, size_t npaths, char ***out, size_t *n, char *errbuf,
                     size_t errlen);
void cvm_batch_list_free(char **list, size_t n);

/* Runs the batch. Returns the worst exit code of the bundles (3 > 2 > 1 >
 * 0), or CVM_EXIT_USAGE when the batch itself could not run. */
int cvm_batch_run(const cvm_batch_opts *b);

#endif
