#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cvm_err_clear(cvm_err *e)
{
    if (!e)
        return;
    memset(e, 0, sizeof(*e));
    e->offset = CVM_NO_OFFSET;
}

static void copy_str(char *dst, size_t n, const char *src)
{
    if (!src)
        src = "";
    snprintf(dst, n, "%s", src);
}

int cvm_err_set(cvm_err *e, int code, const char *what, const char *field,
                size_t offset, const char *fmt, ...)
{
    if (!e || e->code != 0)
        return code;
    e->code = code;
    copy_str(e->what, sizeof(e->what), what);
    copy_str(e->field, sizeof(e->field), field);
    e->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return code;
}

void cvm_err_set_what(cvm_err *e, const char *what)
{
    if (e)
        copy_str(e->what, sizeof(e->what), what);
}

const char *cvm_errcode_name(int code)
{
    switch (code) {
    case CVM_OK: return "ok";
    case CVM_E_TRUNCATED: return "truncated";
    case CVM_E_VALUE: return "bad value";
    case CVM_E_TRAILING: return "trailing bytes";
    case CVM_E_UNSUPPORTED: return "unsupported";
    case CVM_E_NOMEM: return "out of memory";
    case CVM_E_IO: return "I/O error";
    case CVM_E_LIMIT: return "limit exceeded";
    case CVM_E_SYNTAX: return "syntax error";
    case CVM_E_STATE: return "invalid state";
    default: return "error";
    }
}

const char *cvm_err_format(const cvm_err *e, char *buf, size_t n)
{
    if (!e || e->code == 0) {
        snprintf(buf, n, "no error");
        return buf;
    }
    char off[64] = "";
    if (e->offset != CVM_NO_OFFSET)
        snprintf(off, sizeof(off), " at offset 0x%zx (%zu)", e->offset, e->offset);
    snprintf(buf, n, "%s%s%s%s%s: %s", e->what[0] ? e->what : "input",
             e->field[0] ? ": field " : "", e->field, off,
             "", e->msg[0] ? e->msg : cvm_errcode_name(e->code));
    return buf;
}

const char *cvm_fieldf(char *b, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, n, fmt, ap);
    va_end(ap);
    return b;
}
