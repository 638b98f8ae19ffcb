/* The one bounded cursor (cvm_rd) every parser reads through, and the one
 * growable writer (cvm_wr) every writer builds with. Modelled on OpenSSH's
 * sshbuf and s2n's stuffer: parsers never index raw pointers; each read
 * names its field so a failure says what and where.
 *
 * A cvm_rd views bytes it does not own. `base` is the absolute offset of
 * the view's first byte in the enclosing file, so sub-readers report file
 * offsets, not offsets inside the substructure. */
#ifndef CVM_BUF_H
#define CVM_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct cvm_rd {
    const uint8_t *p;
    size_t len;
    size_t pos;
    size_t base;
    const char *what; /* file or structure name for error messages */
    cvm_err *err;     /* where failures are recorded (may be NULL) */
} cvm_rd;

void cvm_rd_init(cvm_rd *r, const void *p, size_t len, const char *what, cvm_err *err);

static inline size_t cvm_rd_left(const cvm_rd *r) { return r->len - r->pos; }
static inline size_t cvm_rd_pos(const cvm_rd *r) { return r->pos; }
/* absolute offset of the cursor in the enclosing file */
static inline size_t cvm_rd_abs(const cvm_rd *r) { return r->base + r->pos; }

/* All return CVM_OK or a negative cvm_errcode (recorded in r->err). On
 * failure the cursor does not move and *out is untouched. */
int cvm_rd_u8(cvm_rd *r, const char *field, uint8_t *out);
int cvm_rd_u16le(cvm_rd *r, const char *field, uint16_t *out);
int cvm_rd_u16be(cvm_rd *r, const char *field, uint16_t *out);
int cvm_rd_u32le(cvm_rd *r, const char *field, uint32_t *out);
int cvm_rd_u32be(cvm_rd *r, const char *field, uint32_t *out);
int cvm_rd_u64le(cvm_rd *r, const char *field, uint64_t *out);
int cvm_rd_u64be(cvm_rd *r, const char *field, uint64_t *out);
/* zero-copy view of the next n bytes */
int cvm_rd_view(cvm_rd *r, const char *field, size_t n, const uint8_t **out);
int cvm_rd_copy(cvm_rd *r, const char *field, void *dst, size_t n);
int cvm_rd_skip(cvm_rd *r, const char *field, size_t n);
/* n bytes that must all be zero (reserved fields, padding) */
int cvm_rd_zeros(cvm_rd *r, const char *field, size_t n);
/* a sub-reader over the next n bytes; the parent advances past them */
int cvm_rd_sub(cvm_rd *r, const char *field, size_t n, cvm_rd *sub);
/* a TPM2B: u16 big-endian size then that many bytes, size <= max */
int cvm_rd_tpm2b(cvm_rd *r, const char *field, size_t max, const uint8_t **out, uint16_t *n);
/* the structure must end here */
int cvm_rd_end(cvm_rd *r, const char *field);
/* remaining bytes must all be zero (padding); consumes them */
int cvm_rd_zero_tail(cvm_rd *r, const char *field);
/* records a value error at the current position (or at abs_off when not
 * CVM_NO_OFFSET) and returns CVM_E_VALUE */
int cvm_rd_fail(cvm_rd *r, int code, const char *field, size_t abs_off, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

typedef struct cvm_wr {
    uint8_t *p;
    size_t len;
    size_t cap;
    size_t max; /* hard cap; 0 = 64 MiB */
    int failed; /* sticky: once a write fails, all later ones do */
} cvm_wr;

void cvm_wr_init(cvm_wr *w);
void cvm_wr_free(cvm_wr *w);
int cvm_wr_u8(cvm_wr *w, uint8_t v);
int cvm_wr_u16le(cvm_wr *w, uint16_t v);
int cvm_wr_u16be(cvm_wr *w, uint16_t v);
int cvm_wr_u32le(cvm_wr *w, uint32_t v);
int cvm_wr_u32be(cvm_wr *w, uint32_t v);
int cvm_wr_u64le(cvm_wr *w, uint64_t v);
int cvm_wr_u64be(cvm_wr *w, uint64_t v);
int cvm_wr_bytes(cvm_wr *w, const void *p, size_t n);
int cvm_wr_zeros(cvm_wr *w, size_t n);
int cvm_wr_str(cvm_wr *w, const char *s); /* without the NUL */
int cvm_wr_printf(cvm_wr *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* reserve n bytes and return a pointer to them (valid until the next write) */
int cvm_wr_reserve(cvm_wr *w, size_t n, uint8_t **out);
/* hand the buffer to the caller (who frees it with free()); w is reset */
uint8_t *cvm_wr_take(cvm_wr *w, size_t *len);

/* Reads a whole file (at most `max` bytes; larger is CVM_E_LIMIT). */
int cvm_file_read(const char *path, size_t max, uint8_t **out, size_t *len, cvm_err *err);

/* Constant-time comparison: 0 when equal. */
int cvm_ct_memcmp(const void *a, const void *b, size_t n);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void cvm_hex(const uint8_t *p, size_t n, char *out);
/* Room for one more element in `arr`, an array of `*cap` elements of
 * `size` bytes with n in use: doubles from `first`, never past `max`
 * elements (the caller has checked n < max). Returns the array, moved or
 * not, or NULL out of memory (then `arr` is unchanged and still owned). */
void *cvm_grow(void *arr, size_t *cap, size_t n, size_t size, size_t first, size_t max);

/* The value of one hex digit (either case), or -1. */
int cvm_hexval(char c);
/* Strict hex decode (upper or lower case, even length, no spaces). Returns
 * the number of bytes written, or -1. */
long cvm_unhex(const char *s, size_t slen, uint8_t *out, size_t cap);

#endif
