#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

void cvm_rd_init(cvm_rd *r, const void *p, size_t len, const char *what, cvm_err *err)
{
    r->p = p;
    r->len = p ? len : 0;
    r->pos = 0;
    r->base = 0;
    r->what = what ? what : "input";
    r->err = err;
}

static int need(cvm_rd *r, const char *field, size_t n)
{
    if (n > cvm_rd_left(r))
        return cvm_err_set(r->err, CVM_E_TRUNCATED, r->what, field, cvm_rd_abs(r),
                           "needs %zu bytes, only %zu left", n, cvm_rd_left(r));
    return CVM_OK;
}

int cvm_rd_fail(cvm_rd *r, int code, const char *field, size_t abs_off, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return cvm_err_set(r->err, code, r->what, field,
                       abs_off == CVM_NO_OFFSET ? cvm_rd_abs(r) : abs_off, "%s", msg);
}

int cvm_rd_view(cvm_rd *r, const char *field, size_t n, const uint8_t **out)
{
    int rc = need(r, field, n);
    if (rc)
        return rc;
    *out = r->p + r->pos;
    r->pos += n;
    return CVM_OK;
}

int cvm_rd_copy(cvm_rd *r, const char *field, void *dst, size_t n)
{
    const uint8_t *v;
    int rc = cvm_rd_view(r, field, n, &v);
    if (rc)
        return rc;
    if (n)
        memcpy(dst, v, n);
    return CVM_OK;
}

int cvm_rd_skip(cvm_rd *r, const char *field, size_t n)
{
    const uint8_t *v;
    return cvm_rd_view(r, field, n, &v);
}

int cvm_rd_u8(cvm_rd *r, const char *field, uint8_t *out)
{
    const uint8_t *v;
    int rc = cvm_rd_view(r, field, 1, &v);
    if (!rc)
        *out = v[0];
    return rc;
}

static uint64_t le(const uint8_t *v, size_t n)
{
    uint64_t x = 0;
    for (size_t i = n; i-- > 0;)
        x = (x << 8) | v[i];
    return x;
}

static uint64_t be(const uint8_t *v, size_t n)
{
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = (x << 8) | v[i];
    return x;
}

#define RD_INT(name, type, n, conv)                                   \
    int name(cvm_rd *r, const char *field, type *out)                 \
    {                                                                 \
        const uint8_t *v;                                             \
        int rc = cvm_rd_view(r, field, n, &v);                        \
        if (!rc)                                                      \
            *out = (type)conv(v, n);                                  \
        return rc;                                                    \
    }
RD_INT(cvm_rd_u16le, uint16_t, 2, le)
RD_INT(cvm_rd_u16be, uint16_t, 2, be)
RD_INT(cvm_rd_u32le, uint32_t, 4, le)
RD_INT(cvm_rd_u32be, uint32_t, 4, be)
RD_INT(cvm_rd_u64le, uint64_t, 8, le)
RD_INT(cvm_rd_u64be, uint64_t, 8, be)

int cvm_rd_zeros(cvm_rd *r, const char *field, size_t n)
{
    int rc = need(r, field, n);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (r->p[r->pos + i] != 0)
            return cvm_err_set(r->err, CVM_E_VALUE, r->what, field, cvm_rd_abs(r) + i,
                               "reserved byte is 0x%02x, must be zero", r->p[r->pos + i]);
    r->pos += n;
    return CVM_OK;
}

int cvm_rd_sub(cvm_rd *r, const char *field, size_t n, cvm_rd *sub)
{
    size_t abs = cvm_rd_abs(r);
    const uint8_t *v;
    int rc = cvm_rd_view(r, field, n, &v);
    if (rc)
        return rc;
    sub->p = v;
    sub->len = n;
    sub->pos = 0;
    sub->base = abs;
    sub->what = r->what;
    sub->err = r->err;
    return CVM_OK;
}

int cvm_rd_tpm2b(cvm_rd *r, const char *field, size_t max, const uint8_t **out, uint16_t *n)
{
    size_t start = r->pos;
    uint16_t sz;
    int rc = cvm_rd_u16be(r, field, &sz);
    if (rc)
        return rc;
    if (sz > max) {
        r->pos = start;
        return cvm_err_set(r->err, CVM_E_VALUE, r->what, field, cvm_rd_abs(r),
                           "size %u exceeds the maximum %zu", sz, max);
    }
    rc = cvm_rd_view(r, field, sz, out);
    if (rc) {
        r->pos = start;
        return rc;
    }
    *n = sz;
    return CVM_OK;
}

int cvm_rd_end(cvm_rd *r, const char *field)
{
    if (cvm_rd_left(r))
        return cvm_err_set(r->err, CVM_E_TRAILING, r->what, field, cvm_rd_abs(r),
                           "%zu unexpected bytes after the end", cvm_rd_left(r));
    return CVM_OK;
}

int cvm_rd_zero_tail(cvm_rd *r, const char *field)
{
    return cvm_rd_zeros(r, field, cvm_rd_left(r));
}

/* ---- writer ---- */

#define CVM_WR_DEFAULT_MAX ((size_t)64 << 20)

void cvm_wr_init(cvm_wr *w)
{
    memset(w, 0, sizeof(*w));
}

void cvm_wr_free(cvm_wr *w)
{
    free(w->p);
    memset(w, 0, sizeof(*w));
}

int cvm_wr_reserve(cvm_wr *w, size_t n, uint8_t **out)
{
    if (w->failed)
        return CVM_E_STATE;
    size_t max = w->max ? w->max : CVM_WR_DEFAULT_MAX;
    if (n > max - w->len) {
        w->failed = 1;
        return CVM_E_LIMIT;
    }
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->len + n)
            cap = cap > max / 2 ? max : cap * 2;
        uint8_t *p = realloc(w->p, cap);
        if (!p) {
            w->failed = 1;
            return CVM_E_NOMEM;
        }
        w->p = p;
        w->cap = cap;
    }
    *out = w->p + w->len;
    w->len += n;
    return CVM_OK;
}

int cvm_wr_bytes(cvm_wr *w, const void *p, size_t n)
{
    uint8_t *d;
    int rc = cvm_wr_reserve(w, n, &d);
    if (!rc && n)
        memcpy(d, p, n);
    return rc;
}

int cvm_wr_zeros(cvm_wr *w, size_t n)
{
    uint8_t *d;
    int rc = cvm_wr_reserve(w, n, &d);
    if (!rc && n)
        memset(d, 0, n);
    return rc;
}

int cvm_wr_u8(cvm_wr *w, uint8_t v) { return cvm_wr_bytes(w, &v, 1); }

static int wr_le(cvm_wr *w, uint64_t v, size_t n)
{
    uint8_t b[8];
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return cvm_wr_bytes(w, b, n);
}

static int wr_be(cvm_wr *w, uint64_t v, size_t n)
{
    uint8_t b[8];
    for (size_t i = 0; i < n; i++)
        b[n - 1 - i] = (uint8_t)(v >> (8 * i));
    return cvm_wr_bytes(w, b, n);
}

int cvm_wr_u16le(cvm_wr *w, uint16_t v) { return wr_le(w, v, 2); }
int cvm_wr_u16be(cvm_wr *w, uint16_t v) { return wr_be(w, v, 2); }
int cvm_wr_u32le(cvm_wr *w, uint32_t v) { return wr_le(w, v, 4); }
int cvm_wr_u32be(cvm_wr *w, uint32_t v) { return wr_be(w, v, 4); }
int cvm_wr_u64le(cvm_wr *w, uint64_t v) { return wr_le(w, v, 8); }
int cvm_wr_u64be(cvm_wr *w, uint64_t v) { return wr_be(w, v, 8); }

int cvm_wr_str(cvm_wr *w, const char *s) { return cvm_wr_bytes(w, s, strlen(s)); }

int cvm_wr_printf(cvm_wr *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        w->failed = 1;
        return CVM_E_VALUE;
    }
    uint8_t *d;
    int rc = cvm_wr_reserve(w, (size_t)n + 1, &d);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    w->len -= 1; /* drop the NUL */
    return CVM_OK;
}

uint8_t *cvm_wr_take(cvm_wr *w, size_t *len)
{
    if (w->failed) {
        cvm_wr_free(w);
        *len = 0;
        return NULL;
    }
    uint8_t *p = w->p;
    *len = w->len;
    if (!p)
        p = calloc(1, 1);
    memset(w, 0, sizeof(*w));
    return p;
}

/* ---- files ---- */

int cvm_file_read(const char *path, size_t max, uint8_t **out, size_t *len, cvm_err *err)
{
    /* O_NONBLOCK so that a FIFO (or a device) given as evidence cannot hang
     * the open; it is refused below and cleared for the regular file */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return cvm_err_set(err, CVM_E_IO, path, "", CVM_NO_OFFSET, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return cvm_err_set(err, CVM_E_IO, path, "", CVM_NO_OFFSET, "not a regular file");
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    /* refuse an oversized file before allocating for it: a hostile 1 GiB
     * "bundle" must not cost max+1 bytes of memory first. The read loop
     * below still enforces the cap for a file that grows meanwhile. */
    if ((uintmax_t)st.st_size > (uintmax_t)max) {
        close(fd);
        return cvm_err_set(err, CVM_E_LIMIT, path, "", CVM_NO_OFFSET,
                           "file is larger than the %zu-byte limit", max);
    }
    size_t cap = (size_t)st.st_size < max ? (size_t)st.st_size + 1 : max + 1;
    uint8_t *p = malloc(cap ? cap : 1);
    if (!p) {
        close(fd);
        return cvm_err_set(err, CVM_E_NOMEM, path, "", CVM_NO_OFFSET, "out of memory");
    }
    size_t n = 0;
    for (;;) {
        if (n == cap) {
            if (cap > max)
                break;
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            uint8_t *q = realloc(p, ncap);
            if (!q) {
                free(p);
                close(fd);
                return cvm_err_set(err, CVM_E_NOMEM, path, "", CVM_NO_OFFSET, "out of memory");
            }
            p = q;
            cap = ncap;
        }
        ssize_t k = read(fd, p + n, cap - n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(p);
            close(fd);
            return cvm_err_set(err, CVM_E_IO, path, "", CVM_NO_OFFSET, "read failed: %s", strerror(e));
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    close(fd);
    if (n > max) {
        free(p);
        return cvm_err_set(err, CVM_E_LIMIT, path, "", CVM_NO_OFFSET,
                           "file is larger than the %zu-byte limit", max);
    }
    *out = p;
    *len = n;
    return CVM_OK;
}

int cvm_ct_memcmp(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= x[i] ^ y[i];
    return d != 0;
}

void cvm_hex(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = 0;
}

int cvm_hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

long cvm_unhex(const char *s, size_t slen, uint8_t *out, size_t cap)
{
    if (slen % 2 || slen / 2 > cap)
        return -1;
    for (size_t i = 0; i < slen / 2; i++) {
        int hi = cvm_hexval(s[2 * i]), lo = cvm_hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (long)(slen / 2);
}

void *cvm_grow(void *arr, size_t *cap, size_t n, size_t size, size_t first, size_t max)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : first;
    if (ncap > max)
        ncap = max;
    if (ncap <= n || ncap > SIZE_MAX / size)
        return NULL;
    void *p = realloc(arr, ncap * size);
    if (p)
        *cap = ncap;
    return p;
}
