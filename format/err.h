/* Errors are values: every parser fills a cvm_err naming the file (or
 * structure), the field and the byte offset where the input went wrong. */
#ifndef CVM_ERR_H
#define CVM_ERR_H

#include <stddef.h>

enum cvm_errcode {
    CVM_OK = 0,
    CVM_E_TRUNCATED = -1,   /* input ends before the field does */
    CVM_E_VALUE = -2,       /* a field holds a value we reject */
    CVM_E_TRAILING = -3,    /* bytes left after the structure ended */
    CVM_E_UNSUPPORTED = -4, /* well-formed but outside what we handle */
    CVM_E_NOMEM = -5,
    CVM_E_IO = -6,          /* a file could not be read or written */
    CVM_E_LIMIT = -7,       /* a size, count or depth cap was exceeded */
    CVM_E_SYNTAX = -8,      /* JSON, PEM, DER or tar syntax error */
    CVM_E_STATE = -9,       /* API misuse, e.g. writer already failed */
};

#define CVM_NO_OFFSET ((size_t)-1)

typedef struct cvm_err {
    int code;
    char what[96];   /* file name or structure, e.g. "report.bin" */
    char field[96];  /* e.g. "runtime_data.variable_data_size" */
    size_t offset;   /* absolute offset in `what`, or CVM_NO_OFFSET */
    char msg[256];
} cvm_err;

void cvm_err_clear(cvm_err *e);

/* Records the error (the first one wins: later calls on an error that is
 * already set do nothing) and returns `code`, so parsers can write
 * `return cvm_err_set(...)`. `e` may be NULL. */
int cvm_err_set(cvm_err *e, int code, const char *what, const char *field,
                size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Formats a field name for cvm_err_set into b ("records[3].digests[1]"). */
const char *cvm_fieldf(char *b, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Replaces e->what (used when a caller learns the file name late, e.g. a
 * bundle member parsed from memory). */
void cvm_err_set_what(cvm_err *e, const char *what);

/* "report.bin: runtime_data.variable_data_size at offset 0x4d0 (1232): value 9999 exceeds ..." */
const char *cvm_err_format(const cvm_err *e, char *buf, size_t n);

const char *cvm_errcode_name(int code);

#endif
