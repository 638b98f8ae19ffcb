/* Bundle tar writer and strict reader: spec/bundle-v1.md §3.
 *
 * The reader lets libarchive walk the archive but does not trust it alone:
 * every entry's raw 512-byte header block is re-checked through cvm_rd, the
 * header positions must be contiguous, and the end of the archive is
 * checked by hand, because libarchive silently accepts truncation at an
 * entry boundary, a single end block and trailing garbage (c-apis.md §2.2). */
#include "bundle.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#define BLK 512u
#define ROUNDUP(x, m) (((x) + (m) - 1) / (m) * (m))

/* ustar header offsets (POSIX.1-1988) */
enum {
    H_NAME = 0, H_MODE = 100, H_UID = 108, H_GID = 116, H_SIZE = 124, H_MTIME = 136,
    H_CHKSUM = 148, H_TYPE = 156, H_LINK = 157, H_MAGIC = 257, H_VERSION = 263,
    H_UNAME = 265, H_GNAME = 297, H_DEVMAJ = 329, H_DEVMIN = 337, H_PREFIX = 345,
    H_PAD = 500,
};

static bool is_hex_lc(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool cvm_bundle_id_valid(const char *id)
{
    if (!id || strlen(id) != CVM_BUNDLE_ID_LEN)
        return false;
    for (size_t i = 0; i < CVM_BUNDLE_ID_LEN; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? id[i] != '-' : !is_hex_lc(id[i]))
            return false;
    }
    return true;
}

bool cvm_bundle_topdir_valid(const char *topdir)
{
    size_t pl = strlen(CVM_BUNDLE_TOPDIR_PREFIX);
    return topdir && strncmp(topdir, CVM_BUNDLE_TOPDIR_PREFIX, pl) == 0 &&
           cvm_bundle_id_valid(topdir + pl);
}

bool cvm_bundle_name_valid(const char *name)
{
    if (!name)
        return false;
    size_t n = strlen(name);
    if (n < 1 || n > CVM_BUNDLE_NAME_MAX || name[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static bool casefold_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

/* ---------------------------------------------------------------- writer */

static la_ssize_t wr_cb(struct archive *a, void *ud, const void *buf, size_t n)
{
    if (cvm_wr_bytes((cvm_wr *)ud, buf, n) != CVM_OK) {
        archive_set_error(a, 12 /* ENOMEM */, "bundle exceeds the writer's size cap");
        return -1;
    }
    return (la_ssize_t)n;
}

static int cmp_member_ptr(const void *a, const void *b)
{
    const cvm_member *x = *(const cvm_member *const *)a, *y = *(const cvm_member *const *)b;
    return strcmp(x->name, y->name);
}

int cvm_bundle_write(const char *topdir, const cvm_member *members, size_t n, cvm_wr *out,
                     cvm_err *err)
{
    const char *W = "bundle writer";
    if (!cvm_bundle_topdir_valid(topdir))
        return cvm_err_set(err, CVM_E_VALUE, W, "topdir", CVM_NO_OFFSET,
                           "top directory is not cvm-evidence-<lower-case uuid> (spec §3.2)");
    if (!out)
        return cvm_err_set(err, CVM_E_STATE, W, "out", CVM_NO_OFFSET, "no output buffer");
    if (n == 0 || !members)
        return cvm_err_set(err, CVM_E_VALUE, W, "members", CVM_NO_OFFSET, "no members");
    if (n > CVM_BUNDLE_MAX_MEMBERS)
        return cvm_err_set(err, CVM_E_LIMIT, W, "members", CVM_NO_OFFSET,
                           "%zu members exceed the cap of %u", n, CVM_BUNDLE_MAX_MEMBERS);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const char *nm = members[i].name;
        if (!cvm_bundle_name_valid(nm))
            return cvm_err_set(err, CVM_E_VALUE, W, nm ? nm : "(null)", CVM_NO_OFFSET,
                               "member name not in [A-Za-z0-9._-]{1,50} or starts with '.'");
        if (members[i].len && !members[i].data)
            return cvm_err_set(err, CVM_E_VALUE, W, nm, CVM_NO_OFFSET, "no data");
        if (members[i].len > CVM_BUNDLE_MAX_MEMBER)
            return cvm_err_set(err, CVM_E_LIMIT, W, nm, CVM_NO_OFFSET,
                               "size %zu exceeds the member cap %u", members[i].len,
                               CVM_BUNDLE_MAX_MEMBER);
        total += members[i].len;
        if (total > CVM_BUNDLE_MAX_TOTAL)
            return cvm_err_set(err, CVM_E_LIMIT, W, nm, CVM_NO_OFFSET,
                               "total member size exceeds the cap %u", CVM_BUNDLE_MAX_TOTAL);
        for (size_t j = 0; j < i; j++)
            if (casefold_eq(members[j].name, nm))
                return cvm_err_set(err, CVM_E_VALUE, W, nm, CVM_NO_OFFSET,
                                   "duplicate of member '%s' (case-folded)", members[j].name);
    }
    const cvm_member **sorted = calloc(n, sizeof(*sorted));
    if (!sorted)
        return cvm_err_set(err, CVM_E_NOMEM, W, "members", CVM_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < n; i++)
        sorted[i] = &members[i];
    qsort(sorted, n, sizeof(*sorted), cmp_member_ptr);

    cvm_wr tmp;
    cvm_wr_init(&tmp);
    tmp.max = CVM_BUNDLE_MAX_TAR;
    int rc = CVM_OK;
    struct archive *a = archive_write_new();
    struct archive_entry *e = NULL;
    if (!a || archive_write_set_format_ustar(a) != ARCHIVE_OK ||
        archive_write_add_filter_none(a) != ARCHIVE_OK ||
        archive_write_set_bytes_per_block(a, BLK) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
        archive_write_open(a, &tmp, NULL, wr_cb, NULL) != ARCHIVE_OK) {
        rc = cvm_err_set(err, CVM_E_IO, W, "libarchive", CVM_NO_OFFSET, "setup failed: %s",
                         a && archive_error_string(a) ? archive_error_string(a) : "?");
        goto out;
    }
    for (size_t i = 0; i < n && rc == CVM_OK; i++) {
        char path[CVM_BUNDLE_TOPDIR_LEN + 1 + CVM_BUNDLE_NAME_MAX + 1];
        snprintf(path, sizeof(path), "%s/%s", topdir, sorted[i]->name);
        e = archive_entry_new();
        if (!e) {
            rc = cvm_err_set(err, CVM_E_NOMEM, W, sorted[i]->name, CVM_NO_OFFSET, "out of memory");
            break;
        }
        archive_entry_set_pathname(e, path);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0444);
        archive_entry_set_size(e, (la_int64_t)sorted[i]->len);
        archive_entry_set_mtime(e, 0, 0);
        archive_entry_set_uid(e, 0);
        archive_entry_set_gid(e, 0);
        archive_entry_set_uname(e, "");
        archive_entry_set_gname(e, "");
        if (archive_write_header(a, e) != ARCHIVE_OK ||
            (sorted[i]->len &&
             archive_write_data(a, sorted[i]->data, sorted[i]->len) != (la_ssize_t)sorted[i]->len))
            rc = cvm_err_set(err, CVM_E_IO, W, sorted[i]->name, CVM_NO_OFFSET,
                             "libarchive: %s",
                             archive_error_string(a) ? archive_error_string(a) : "short write");
        archive_entry_free(e);
        e = NULL;
    }
    /* close writes the end marker and flushes: its result matters */
    if (rc == CVM_OK && archive_write_close(a) != ARCHIVE_OK)
        rc = cvm_err_set(err, CVM_E_IO, W, "close", CVM_NO_OFFSET, "libarchive: %s",
                         archive_error_string(a) ? archive_error_string(a) : "?");
    if (rc == CVM_OK && tmp.failed)
        rc = cvm_err_set(err, CVM_E_LIMIT, W, "size", CVM_NO_OFFSET, "bundle too large");
    if (rc == CVM_OK && cvm_wr_bytes(out, tmp.p, tmp.len) != CVM_OK)
        rc = cvm_err_set(err, CVM_E_LIMIT, W, "out", CVM_NO_OFFSET,
                         "output buffer cap reached");
out:
    if (a)
        archive_write_free(a);
    cvm_wr_free(&tmp);
    free(sorted);
    return rc;
}

/* ---------------------------------------------------------------- reader */

typedef struct rctx {
    const uint8_t *buf;
    size_t len;
    const char *what;
    cvm_err *err;
    cvm_rd tar; /* the whole input, for raw header checks */
} rctx;

/* The member's path as the raw header block names it, printable only, for
 * error messages ("header" when there is no block to read). */
static void raw_label(const rctx *c, size_t pos, char *out, size_t cap)
{
    snprintf(out, cap, "header");
    const uint8_t *h = NULL;
    cvm_rd r = c->tar;
    r.pos = 0;
    r.err = NULL; /* a label is best effort */
    if (pos == CVM_NO_OFFSET || cvm_rd_skip(&r, "header", pos) != CVM_OK ||
        cvm_rd_view(&r, "header", BLK, &h) != CVM_OK)
        return;
    size_t k = 0;
    for (size_t i = 0; i < 100 && h[i] && k + 1 < cap; i++)
        out[k++] = (h[i] >= 0x20 && h[i] < 0x7f) ? (char)h[i] : '?';
    if (k == 0)
        snprintf(out, cap, "header");
    else
        out[k] = 0;
}

static int rfail(const rctx *c, int code, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int rfail(const rctx *c, int code, size_t pos, const char *fmt, ...)
{
    char label[104], msg[256];
    raw_label(c, pos, label, sizeof(label));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return cvm_err_set(c->err, code, c->what, label, pos, "%s", msg);
}

/* Strict octal: one or more digits then only NUL/space terminators. */
static int octal_field(const uint8_t *f, size_t w, uint64_t *v)
{
    size_t i = 0;
    uint64_t x = 0;
    while (i < w && f[i] >= '0' && f[i] <= '7') {
        if (x >> 60)
            return -1;
        x = x * 8 + (uint64_t)(f[i] - '0');
        i++;
    }
    if (i == 0)
        return -1;
    for (; i < w; i++)
        if (f[i] != 0 && f[i] != ' ')
            return -1;
    *v = x;
    return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* the magic of any POSIX/GNU tar header, for error reporting only */
static bool is_ustarish(const uint8_t *h) { return memcmp(h + H_MAGIC, "ustar", 5) == 0; }

static const char *typeflag_name(uint8_t t)
{
    switch (t) {
    case '1': return "hardlink";
    case '2': return "symlink";
    case '3': return "character device";
    case '4': return "block device";
    case '5': return "directory";
    case '6': return "FIFO";
    case '7': return "contiguous file";
    case 'x': return "pax extended header";
    case 'g': return "pax global header";
    case 'L': return "GNU long name";
    case 'K': return "GNU long link name";
    case 'S': return "GNU sparse file";
    case 0: return "old-style regular file";
    default: return "unknown type";
    }
}

/* §3.4 step 2: the raw header block at `pos`, independent of libarchive.
 * Yields the raw path (NUL-terminated) and size. */
static int check_raw_header(rctx *c, size_t pos, char path[101], uint64_t *size)
{
    const uint8_t *h;
    cvm_rd r = c->tar;
    r.pos = 0;
    if (pos > c->len || cvm_rd_skip(&r, "header", pos) != CVM_OK ||
        cvm_rd_view(&r, "header", BLK, &h) != CVM_OK)
        return rfail(c, CVM_E_TRUNCATED, pos, "header block truncated");

    uint64_t sum = 0, want;
    for (size_t i = 0; i < BLK; i++)
        sum += (i >= H_CHKSUM && i < H_CHKSUM + 8) ? (uint64_t)' ' : h[i];
    if (octal_field(h + H_CHKSUM, 8, &want) != 0 || want != sum)
        return rfail(c, CVM_E_VALUE, pos, "chksum: header checksum does not verify");
    if (h[H_TYPE] != '0')
        return rfail(c, CVM_E_UNSUPPORTED, pos, "typeflag '%c' (%s) not allowed: regular files only",
                     h[H_TYPE] >= 0x20 && h[H_TYPE] < 0x7f ? h[H_TYPE] : '?',
                     typeflag_name(h[H_TYPE]));
    if (memcmp(h + H_MAGIC, "ustar\0", 6) != 0 || memcmp(h + H_VERSION, "00", 2) != 0)
        return rfail(c, CVM_E_UNSUPPORTED, pos, "magic/version: not POSIX ustar \"ustar\\0\" \"00\"");
    /* name: bytes up to the first NUL, then NUL only (no hidden bytes) */
    size_t nl = 0;
    while (nl < 100 && h[H_NAME + nl])
        nl++;
    if (!all_zero(h + H_NAME + nl, 100 - nl))
        return rfail(c, CVM_E_VALUE, pos, "name: bytes after the terminating NUL");
    memcpy(path, h + H_NAME, nl);
    path[nl] = 0;
    if (!all_zero(h + H_PREFIX, 155))
        return rfail(c, CVM_E_VALUE, pos, "prefix: must be empty");
    if (!all_zero(h + H_LINK, 100))
        return rfail(c, CVM_E_VALUE, pos, "linkname: must be empty");
    if (!all_zero(h + H_UNAME, 32) || !all_zero(h + H_GNAME, 32))
        return rfail(c, CVM_E_VALUE, pos, "uname/gname: must be empty");
    if (!all_zero(h + H_PAD, 12))
        return rfail(c, CVM_E_VALUE, pos, "header bytes 500..511 must be zero");
    uint64_t v;
    if (octal_field(h + H_MODE, 8, &v) != 0 || v != 0444)
        return rfail(c, CVM_E_VALUE, pos, "mode: must be octal 0444");
    if (octal_field(h + H_UID, 8, &v) != 0 || v != 0)
        return rfail(c, CVM_E_VALUE, pos, "uid: must be 0");
    if (octal_field(h + H_GID, 8, &v) != 0 || v != 0)
        return rfail(c, CVM_E_VALUE, pos, "gid: must be 0");
    if (octal_field(h + H_MTIME, 12, &v) != 0 || v != 0)
        return rfail(c, CVM_E_VALUE, pos, "mtime: must be 0 (spec §3.1)");
    for (int k = 0; k < 2; k++) {
        const uint8_t *f = h + (k ? H_DEVMIN : H_DEVMAJ);
        if (!all_zero(f, 8) && (octal_field(f, 8, &v) != 0 || v != 0))
            return rfail(c, CVM_E_VALUE, pos, "%s: must be 0", k ? "devminor" : "devmajor");
    }
    if (octal_field(h + H_SIZE, 12, size) != 0)
        return rfail(c, CVM_E_VALUE, pos, "size: not a strict octal number");
    return CVM_OK;
}

/* §3.2: "<topdir>/<flat>"; sets or checks the common top dir. */
static int check_path(rctx *c, size_t pos, const char *path, cvm_bundle *b, const char **flat)
{
    const char *slash = strchr(path, '/');
    if (!slash)
        return rfail(c, CVM_E_VALUE, pos, "name: not inside a top directory");
    size_t tl = (size_t)(slash - path);
    char top[128];
    if (tl >= sizeof(top))
        return rfail(c, CVM_E_VALUE, pos, "name: top directory too long");
    memcpy(top, path, tl);
    top[tl] = 0;
    if (!cvm_bundle_topdir_valid(top))
        return rfail(c, CVM_E_VALUE, pos,
                     "name: top directory is not cvm-evidence-<lower-case uuid>");
    if (b->topdir[0] == 0) {
        memcpy(b->topdir, top, tl + 1);
        memcpy(b->bundle_id, top + strlen(CVM_BUNDLE_TOPDIR_PREFIX), CVM_BUNDLE_ID_LEN + 1);
    } else if (strcmp(b->topdir, top) != 0) {
        return rfail(c, CVM_E_VALUE, pos, "name: second top directory (first was %s)", b->topdir);
    }
    if (!cvm_bundle_name_valid(slash + 1))
        return rfail(c, CVM_E_VALUE, pos,
                     "name: member name not flat [A-Za-z0-9._-]{1,50} or starts with '.'");
    *flat = slash + 1;
    return CVM_OK;
}

static const char *la_msg(struct archive *a)
{
    const char *s = archive_error_string(a);
    return s ? s : "(no message)";
}

int cvm_bundle_read(const uint8_t *buf, size_t len, const char *what, cvm_bundle *out,
                    cvm_err *err)
{
    rctx c = {.buf = buf, .len = len, .what = what ? what : "bundle", .err = err};
    if (!out)
        return cvm_err_set(err, CVM_E_STATE, c.what, "out", CVM_NO_OFFSET, "no output struct");
    memset(out, 0, sizeof(*out));
    if (!buf || len == 0)
        return cvm_err_set(err, CVM_E_TRUNCATED, c.what, "tar", 0, "empty input");
    if (len > CVM_BUNDLE_MAX_TAR)
        return cvm_err_set(err, CVM_E_LIMIT, c.what, "tar", 0,
                           "%zu bytes exceed the %u-byte bundle cap", len, CVM_BUNDLE_MAX_TAR);
    cvm_rd_init(&c.tar, buf, len, c.what, err);

    out->members = calloc(CVM_BUNDLE_MAX_MEMBERS, sizeof(*out->members));
    if (!out->members)
        return cvm_err_set(err, CVM_E_NOMEM, c.what, "tar", CVM_NO_OFFSET, "out of memory");

    int rc = CVM_OK;
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    if (!a || archive_read_support_format_tar(a) != ARCHIVE_OK) {
        rc = cvm_err_set(err, CVM_E_NOMEM, c.what, "libarchive", CVM_NO_OFFSET, "setup failed");
        goto done;
    }
    /* no filter is enabled: compressed input is "Unrecognized archive format" */
    if (archive_read_open_memory(a, buf, len) != ARCHIVE_OK) {
        /* a first header that is ours but damaged says more than libarchive's
         * "Unrecognized archive format" */
        char raw[101];
        uint64_t size;
        const uint8_t *blk = NULL;
        cvm_rd eb = c.tar;
        eb.err = NULL; /* probing only */
        if (cvm_rd_view(&eb, "header", BLK, &blk) == CVM_OK && is_ustarish(blk) &&
            (rc = check_raw_header(&c, 0, raw, &size)) != CVM_OK)
            goto done;
        rc = cvm_err_set(err, CVM_E_SYNTAX, c.what, "tar", 0, "not a tar archive: %s",
                         la_msg(a));
        goto done;
    }
    size_t expect = 0; /* where the next header must start (§3.4 step 3) */
    for (;;) {
        int r = archive_read_next_header(a, &e);
        la_int64_t hp = archive_read_header_position(a);
        size_t pos = hp < 0 ? CVM_NO_OFFSET : (size_t)hp;
        if (r == ARCHIVE_EOF) {
            /* libarchive consumes headers it does not return as entries (a
             * bare pax 'g', say) and then reports the end: name the block */
            char raw[101];
            uint64_t size;
            const uint8_t *blk = NULL;
            cvm_rd eb = c.tar;
            eb.pos = 0;
            eb.err = NULL; /* probing only */
            if (cvm_rd_skip(&eb, "header", expect) == CVM_OK &&
                cvm_rd_view(&eb, "header", BLK, &blk) == CVM_OK && !all_zero(blk, BLK)) {
                rc = check_raw_header(&c, expect, raw, &size);
                if (rc == CVM_OK)
                    rc = rfail(&c, CVM_E_VALUE, expect,
                               "libarchive ended the archive at this header");
                goto done;
            }
            break;
        }
        if (r != ARCHIVE_OK) {
            /* WARN and RETRY too: a damaged header is not skipped over. Our
             * own look at the block usually says more precisely why. */
            size_t at = pos != CVM_NO_OFFSET && pos < len ? pos : expect;
            char raw[101];
            uint64_t size;
            rc = check_raw_header(&c, at, raw, &size);
            if (rc == CVM_OK)
                rc = rfail(&c, r == ARCHIVE_FATAL || r == ARCHIVE_FAILED ? CVM_E_SYNTAX
                                                                          : CVM_E_VALUE,
                           at, "libarchive (%d): %s", r, la_msg(a));
            goto done;
        }
        if (pos != expect) {
            rc = rfail(&c, CVM_E_VALUE, pos == CVM_NO_OFFSET ? expect : pos,
                       "header at offset %zu, expected %zu (hidden extension blocks?)", pos,
                       expect);
            goto done;
        }
        char raw[101];
        uint64_t size;
        if ((rc = check_raw_header(&c, pos, raw, &size)) != CVM_OK)
            goto done;
        const char *lpath = archive_entry_pathname(e);
        if (archive_format(a) != ARCHIVE_FORMAT_TAR_USTAR) {
            rc = rfail(&c, CVM_E_UNSUPPORTED, pos, "format: libarchive sees %s, not ustar",
                       archive_format_name(a) ? archive_format_name(a) : "?");
            goto done;
        }
        if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) ||
            archive_entry_symlink(e) || archive_entry_sparse_count(e) != 0 ||
            !archive_entry_size_is_set(e) || archive_entry_size(e) < 0 ||
            (uint64_t)archive_entry_size(e) != size) {
            rc = rfail(&c, CVM_E_UNSUPPORTED, pos,
                       "type: not a plain regular file as libarchive reads it");
            goto done;
        }
        if (!lpath || strcmp(lpath, raw) != 0) {
            rc = rfail(&c, CVM_E_VALUE, pos, "name: libarchive's pathname differs from the header");
            goto done;
        }
        const char *flat = NULL;
        if ((rc = check_path(&c, pos, raw, out, &flat)) != CVM_OK)
            goto done;
        if (out->n >= CVM_BUNDLE_MAX_MEMBERS) {
            rc = rfail(&c, CVM_E_LIMIT, pos, "more than %u members", CVM_BUNDLE_MAX_MEMBERS);
            goto done;
        }
        if (size > CVM_BUNDLE_MAX_MEMBER) {
            rc = rfail(&c, CVM_E_LIMIT, pos, "size %llu exceeds the member cap %u",
                       (unsigned long long)size, CVM_BUNDLE_MAX_MEMBER);
            goto done;
        }
        if (out->total + size > CVM_BUNDLE_MAX_TOTAL) {
            rc = rfail(&c, CVM_E_LIMIT, pos, "total member size exceeds the cap %u",
                       CVM_BUNDLE_MAX_TOTAL);
            goto done;
        }
        for (size_t i = 0; i < out->n; i++) {
            if (casefold_eq(out->members[i].name, flat)) {
                rc = rfail(&c, CVM_E_VALUE, pos, "duplicate member (%s)%s",
                           out->members[i].name,
                           strcmp(out->members[i].name, flat) ? ", case-folded" : "");
                goto done;
            }
        }
        if (out->n && strcmp(out->members[out->n - 1].name, flat) > 0) {
            rc = rfail(&c, CVM_E_VALUE, pos, "members not sorted by name (after %s)",
                       out->members[out->n - 1].name);
            goto done;
        }
        char *nm = strdup(flat);
        uint8_t *data = malloc(size ? (size_t)size : 1);
        cvm_member *m = &out->members[out->n];
        if (!nm || !data) {
            free(nm);
            free(data);
            rc = rfail(&c, CVM_E_NOMEM, pos, "out of memory");
            goto done;
        }
        m->name = nm;
        m->data = data;
        m->len = (size_t)size;
        out->n++;
        out->total += (size_t)size;
        size_t got = 0;
        while (got < size) {
            la_ssize_t k = archive_read_data(a, data + got, (size_t)size - got);
            if (k <= 0) {
                rc = rfail(&c, CVM_E_TRUNCATED, pos, "data: %zu of %llu bytes, libarchive: %s",
                           got, (unsigned long long)size, k < 0 ? la_msg(a) : "early end");
                goto done;
            }
            got += (size_t)k;
        }
        uint8_t extra;
        la_ssize_t k = archive_read_data(a, &extra, 1);
        if (k != 0) {
            rc = rfail(&c, k < 0 ? CVM_E_TRUNCATED : CVM_E_VALUE, pos,
                       "data: %s after %llu bytes", k < 0 ? la_msg(a) : "more data",
                       (unsigned long long)size);
            goto done;
        }
        /* libarchive skips the data padding unread; hidden bytes there
         * would survive a round trip through other tools */
        cvm_rd pad = c.tar;
        pad.pos = 0;
        size_t pad_len = ROUNDUP((size_t)size, BLK) - (size_t)size;
        const uint8_t *padp = NULL;
        if (cvm_rd_skip(&pad, "data", pos + BLK + (size_t)size) != CVM_OK ||
            cvm_rd_view(&pad, "padding", pad_len, &padp) != CVM_OK || !all_zero(padp, pad_len)) {
            rc = rfail(&c, CVM_E_VALUE, pos, "data padding after %llu bytes is not zero",
                       (unsigned long long)size);
            goto done;
        }
        expect = pos + BLK + ROUNDUP((size_t)size, BLK);
    }

    /* §3.4 step 7: the strict end check */
    {
        la_int64_t hp = archive_read_header_position(a);
        la_int64_t consumed = archive_filter_bytes(a, 0);
        if (out->n == 0) {
            rc = cvm_err_set(err, CVM_E_VALUE, c.what, "tar", 0, "archive has no members");
            goto done;
        }
        if (hp < 0 || (size_t)hp != expect) {
            rc = cvm_err_set(err, CVM_E_VALUE, c.what, "end marker", expect,
                             "end marker not where the last member ends");
            goto done;
        }
        if (consumed < hp || (size_t)(consumed - hp) != 2 * BLK || (size_t)consumed > len) {
            rc = cvm_err_set(err, CVM_E_TRUNCATED, c.what, "end marker", expect,
                             "end marker is %lld bytes, not two 512-byte zero blocks",
                             (long long)(consumed - hp));
            goto done;
        }
        cvm_rd tail = c.tar;
        tail.pos = 0;
        if (cvm_rd_skip(&tail, "end marker", expect) != CVM_OK ||
            cvm_rd_zeros(&tail, "end marker", 2 * BLK) != CVM_OK ||
            cvm_rd_zero_tail(&tail, "trailing bytes") != CVM_OK) {
            rc = CVM_E_TRAILING;
            if (err && err->code)
                err->code = CVM_E_TRAILING;
            goto done;
        }
        if (len % BLK != 0 || len > ROUNDUP((size_t)consumed, 10240u)) {
            rc = cvm_err_set(err, CVM_E_TRAILING, c.what, "trailing bytes", (size_t)consumed,
                             "length %zu: zero padding must end on a 512-byte block within "
                             "the 10240-byte record", len);
            goto done;
        }
    }
done:
    if (a)
        archive_read_free(a);
    if (rc != CVM_OK)
        cvm_bundle_free(out);
    return rc;
}

int cvm_bundle_get(const cvm_bundle *b, const char *name, const uint8_t **p, size_t *len)
{
    for (size_t i = 0; b && name && i < b->n; i++) {
        if (strcmp(b->members[i].name, name) == 0) {
            if (p)
                *p = b->members[i].data;
            if (len)
                *len = b->members[i].len;
            return CVM_OK;
        }
    }
    return CVM_E_VALUE;
}

void cvm_bundle_free(cvm_bundle *b)
{
    if (!b)
        return;
    for (size_t i = 0; b->members && i < b->n; i++) {
        free((void *)b->members[i].name);
        free((void *)b->members[i].data);
    }
    free(b->members);
    memset(b, 0, sizeof(*b));
}
