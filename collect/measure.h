/* `cvm-collect measure`: extend PCR23 with files and keep the runtime log
 * (runtime.cel, format/rtlog.h, spec/runtime-log.md) that explains it. */
#ifndef CVM_COLLECT_MEASURE_H
#define CVM_COLLECT_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"

typedef struct cvm_measure_opts {
    const char *tcti;        /* NULL: default device */
    const char *runtime_log; /* NULL: CVM_RUNTIME_LOG_DEFAULT */
    unsigned pcr;            /* must be 23 (the runtime log profile) */
    bool resume;             /* extend records that were logged but never extended */
    bool verbose;
    FILE *out; /* one line per measured file, then the PCR value */
    FILE *log; /* notes and warnings */
} cvm_measure_opts;

/* Returns an exit code (collect/status.h) and fills err on failure. */
int cvm_measure_files(const cvm_measure_opts *o, const char *const *files, size_t n, cvm_err *err);

/* Takes the runtime log's advisory lock (PATH.lock, fcntl): exclusive for
 * measure, shared for the collector while it reads the log and quotes.
 * Returns the fd (>= 0) or -1 (shared: when the lock file cannot be
 * opened, the caller proceeds without it). */
int cvm_runtime_log_lock(const char *log_path, bool exclusive, cvm_err *err);

#endif
