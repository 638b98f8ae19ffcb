/* PCR23 runtime log profile of CEL-TLV: spec/runtime-log.md. */
#include "rtlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eventlog.h"


static void be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* spec/runtime-log.md §3.1: content of record 0 */
static int content_version(cvm_wr *c)
{
    static const uint8_t one = 1, zero = 0;
    cvm_wr inner;
    cvm_wr_init(&inner);
    int rc = cvm_cel_wr_tlv(&inner, CVM_CEL_VERSION_MAJOR, &one, 1);
    if (!rc)
        rc = cvm_cel_wr_tlv(&inner, CVM_CEL_VERSION_MINOR, &zero, 1);
    if (!rc)
        rc = cvm_cel_wr_tlv(c, CVM_CEL_MGMT_CEL_VERSION, inner.p, inner.len);
    cvm_wr_free(&inner);
    return rc;
}

/* §3.2: content of record 1 */
static int content_boot(cvm_wr *c, const cvm_rtlog_boot *b)
{
    uint8_t kind = CVM_RTLOG_KIND_LOG_START, rs[4], rt[4], ut[8];
    be(rs, b->reset_count, 4);
    be(rt, b->restart_count, 4);
    be(ut, b->unix_time, 8);
    int rc = cvm_cel_wr_tlv(c, CVM_RTLOG_CVM_KIND, &kind, 1);
    if (!rc)
        rc = cvm_cel_wr_tlv(c, CVM_RTLOG_CVM_BOOT_ID, b->boot_id, 16);
    if (!rc)
        rc = cvm_cel_wr_tlv(c, CVM_RTLOG_CVM_RESET_COUNT, rs, 4);
    if (!rc)
        rc = cvm_cel_wr_tlv(c, CVM_RTLOG_CVM_RESTART_COUNT, rt, 4);
    if (!rc)
        rc = cvm_cel_wr_tlv(c, CVM_RTLOG_CVM_UNIX_TIME, ut, 8);
    return rc;
}

/* §3.3: content of a file record */
static int content_file(cvm_wr *c, const char *path, size_t path_len, const uint8_t sha[32])
{
    int rc = cvm_cel_wr_tlv(c, CVM_CEL_IMA_PATH, path, path_len);
    if (!rc)
        rc = cvm_cel_wr_tlv(c, CVM_CEL_IMA_DATAHASH, sha, 32);
    return rc;
}

/* Builds the record around `content` (digest = SHA-256(content)). */
static int emit(cvm_wr *w, uint64_t recnum, uint8_t ct, const cvm_wr *content, uint8_t extend[32],
                cvm_err *err)
{
    uint8_t d[32];
    if (cvm_eventlog_hash(CVM_ALG_SHA256, content->p, content->len, d))
        return cvm_err_set(err, CVM_E_UNSUPPORTED, "runtime log", "digest", CVM_NO_OFFSET,
                           "SHA-256 unavailable");
    cvm_cel_record rec;
    memset(&rec, 0, sizeof rec);
    rec.recnum = recnum;
    rec.index = CVM_RTLOG_PCR;
    rec.n_digests = 1;
    rec.digests[0].alg_id = CVM_ALG_SHA256;
    rec.digests[0].size = 32;
    rec.digests[0].digest = d;
    rec.content_type = ct;
    rec.content = content->p;
    rec.content_len = (uint32_t)content->len;
    int rc = cvm_cel_write_record_err(w, &rec, err);
    if (!rc)
        memcpy(extend, d, 32);
    return rc;
}

int cvm_rtlog_write_start(cvm_wr *w, const cvm_rtlog_boot *boot, uint8_t extend[2][32], cvm_err *err)
{
    cvm_wr c0, c1;
    cvm_wr_init(&c0);
    cvm_wr_init(&c1);
    int rc = content_version(&c0);
    if (!rc)
        rc = content_boot(&c1, boot);
    if (rc)
        rc = cvm_err_set(err, rc, "runtime log", "content", CVM_NO_OFFSET, "cannot build content");
    if (!rc)
        rc = emit(w, 0, CVM_CEL_CT_MGMT, &c0, extend[0], err);
    if (!rc)
        rc = emit(w, 1, CVM_CEL_CT_CVM, &c1, extend[1], err);
    cvm_wr_free(&c0);
    cvm_wr_free(&c1);
    return rc;
}

static int check_path(const char *path, size_t len, cvm_err *err, const char *what, size_t off)
{
    if (len == 0 || len > CVM_RTLOG_PATH_MAX)
        return cvm_err_set(err, CVM_E_VALUE, what, "path", off, "length %zu, must be 1..%u", len,
                           CVM_RTLOG_PATH_MAX);
    if (memchr(path, 0, len))
        return cvm_err_set(err, CVM_E_VALUE, what, "path", off, "contains a NUL byte");
    return CVM_OK;
}

int cvm_rtlog_write_file(cvm_wr *w, uint64_t recnum, const char *path, size_t path_len,
                         const uint8_t file_sha256[32], uint8_t extend[32], cvm_err *err)
{
    int rc = check_path(path, path_len, err, "runtime log", CVM_NO_OFFSET);
    if (rc)
        return rc;
    if (recnum < 2)
        return cvm_err_set(err, CVM_E_VALUE, "runtime log", "recnum", CVM_NO_OFFSET,
                           "file records start at 2 (after cel_version and log_start)");
    cvm_wr c;
    cvm_wr_init(&c);
    rc = content_file(&c, path, path_len, file_sha256);
    if (rc)
        rc = cvm_err_set(err, rc, "runtime log", "content", CVM_NO_OFFSET, "cannot build content");
    else
        rc = emit(w, recnum, CVM_CEL_CT_IMA_TLV, &c, extend, err);
    cvm_wr_free(&c);
    return rc;
}

void cvm_rtlog_free(cvm_rtlog *log)
{
    if (!log)
        return;
    cvm_cel_free(&log->cel);
    free(log->files);
    memset(log, 0, sizeof(*log));
}

/* Loose decoders: the canonical re-encoding comparison in parse enforces
 * exact layout, so these only pull values out. */
static int decode_boot(const cvm_cel_record *rec, cvm_rtlog_boot *b)
{
    cvm_rd r, v;
    uint8_t t;
    uint64_t x;
    cvm_rd_init(&r, rec->content, rec->content_len, "content", NULL);
    memset(b, 0, sizeof(*b));
    while (cvm_rd_left(&r) > 0) {
        if (cvm_cel_rd_tlv(&r, "c", &t, &v))
            return -1;
        if (t == CVM_RTLOG_CVM_BOOT_ID && v.len == 16)
            memcpy(b->boot_id, v.p, 16);
        else if (t >= CVM_RTLOG_CVM_RESET_COUNT && t <= CVM_RTLOG_CVM_UNIX_TIME &&
                 cvm_cel_rd_uint(&v, "v", t == CVM_RTLOG_CVM_UNIX_TIME ? 8 : 4, &x) == CVM_OK) {
            if (t == CVM_RTLOG_CVM_RESET_COUNT)
                b->reset_count = (uint32_t)x;
            else if (t == CVM_RTLOG_CVM_RESTART_COUNT)
                b->restart_count = (uint32_t)x;
            else
                b->unix_time = x;
        }
    }
    return 0;
}

static int decode_file(const cvm_cel_record *rec, cvm_rtlog_file *f)
{
    cvm_rd r, v;
    uint8_t t;
    cvm_rd_init(&r, rec->content, rec->content_len, "content", NULL);
    memset(f, 0, sizeof(*f));
    f->recnum = rec->recnum;
    while (cvm_rd_left(&r) > 0) {
        if (cvm_cel_rd_tlv(&r, "c", &t, &v))
            return -1;
        if (t == CVM_CEL_IMA_PATH && !f->path) {
            f->path = (const char *)v.p;
            f->path_len = v.len;
        } else if (t == CVM_CEL_IMA_DATAHASH && v.len == 32 && !f->sha256)
            f->sha256 = v.p;
    }
    return f->path && f->sha256 ? 0 : -1;
}

int cvm_rtlog_parse(const uint8_t *buf, size_t len, const char *what, cvm_rtlog *out, cvm_err *err)
{
    char f[64];
    int rc;
    memset(out, 0, sizeof(*out));
    what = what ? what : "runtime.cel";
    if ((rc = cvm_cel_parse(buf, len, what, &out->cel, err)))
        return rc;
    const cvm_cel *cel = &out->cel;
    if (cel->n_records < 2) {
        rc = cvm_err_set(err, CVM_E_VALUE, what, "records", len,
                         "%zu records; a runtime log starts with cel_version and log_start",
                         cel->n_records);
        goto fail;
    }
    out->n_files = cel->n_records - 2;
    if (out->n_files) {
        out->files = calloc(out->n_files, sizeof(*out->files));
        if (!out->files) {
            rc = cvm_err_set(err, CVM_E_NOMEM, what, "records", CVM_NO_OFFSET, "out of memory");
            goto fail;
        }
    }
    for (size_t i = 0; i < cel->n_records; i++) {
        const cvm_cel_record *rec = &cel->records[i];
        if (rec->recnum != i) {
            rc = cvm_err_set(err, CVM_E_VALUE, what, cvm_fieldf(f, sizeof f, "records[%zu].recnum", i),
                             rec->offset, "is %llu, must be %zu (records are numbered from 0)",
                             (unsigned long long)rec->recnum, i);
            goto fail;
        }
        if (rec->is_nv_index || rec->index != CVM_RTLOG_PCR) {
            rc = cvm_err_set(err, CVM_E_VALUE, what, cvm_fieldf(f, sizeof f, "records[%zu].pcr", i),
                             rec->offset, "%s %u, must be PCR 23",
                             rec->is_nv_index ? "NV index" : "PCR", rec->index);
            goto fail;
        }
        if (rec->n_digests != 1 || rec->digests[0].alg_id != CVM_ALG_SHA256) {
            rc = cvm_err_set(err, CVM_E_VALUE, what, cvm_fieldf(f, sizeof f, "records[%zu].digests", i),
                             rec->offset, "must be exactly one sha256 digest");
            goto fail;
        }
        uint8_t want_ct = i == 0 ? CVM_CEL_CT_MGMT : i == 1 ? CVM_CEL_CT_CVM : CVM_CEL_CT_IMA_TLV;
        if (rec->content_type != want_ct) {
            rc = cvm_err_set(err, CVM_E_VALUE, what, cvm_fieldf(f, sizeof f, "records[%zu].content_type", i),
                             rec->offset, "is %u (%s), record %zu must be %s", rec->content_type,
                             cvm_cel_content_type_name(rec->content_type), i,
                             cvm_cel_content_type_name(want_ct));
            goto fail;
        }
        uint8_t d[32];
        if (cvm_eventlog_hash(CVM_ALG_SHA256, rec->content, rec->content_len, d) ||
            memcmp(d, rec->digests[0].digest, 32) != 0) {
            rc = cvm_err_set(err, CVM_E_VALUE, what,
                             cvm_fieldf(f, sizeof f, "records[%zu].digests.sha256", i), rec->offset,
                             "is not SHA-256 of the record's content");
            goto fail;
        }
        /* Rebuild the record canonically from its decoded values: any other
         * encoding (integer widths, extra or reordered fields) is rejected. */
        cvm_wr c, wr;
        cvm_wr_init(&c);
        cvm_wr_init(&wr);
        uint8_t ext[2][32];
        int bad;
        if (i == 0) {
            bad = content_version(&c) != 0;
            if (!bad)
                bad = emit(&wr, 0, CVM_CEL_CT_MGMT, &c, ext[0], NULL) != 0;
        } else if (i == 1) {
            bad = decode_boot(rec, &out->boot) != 0 || content_boot(&c, &out->boot) != 0;
            if (!bad)
                bad = emit(&wr, 1, CVM_CEL_CT_CVM, &c, ext[1], NULL) != 0;
        } else {
            cvm_rtlog_file *fl = &out->files[i - 2];
            bad = decode_file(rec, fl) != 0 ||
                  check_path(fl->path, fl->path_len, NULL, what, rec->offset) != 0;
            if (!bad)
                bad = cvm_rtlog_write_file(&wr, i, fl->path, fl->path_len, fl->sha256, ext[0], NULL) != 0;
        }
        bad = bad || wr.len != rec->len || memcmp(wr.p, buf + rec->offset, rec->len) != 0;
        cvm_wr_free(&c);
        cvm_wr_free(&wr);
        if (bad) {
            rc = cvm_err_set(err, CVM_E_VALUE, what, cvm_fieldf(f, sizeof f, "records[%zu]", i),
                             rec->offset, "not the canonical %s record of spec/runtime-log.md §3",
                             i == 0 ? "cel_version" : i == 1 ? "log_start" : "file");
            goto fail;
        }
    }
    return CVM_OK;
fail:
    cvm_rtlog_free(out);
    return rc;
}

int cvm_rtlog_replay(const cvm_rtlog *log, size_t n, uint8_t out[32], cvm_err *err)
{
    return cvm_cel_replay_n(&log->cel, n, CVM_ALG_SHA256, CVM_RTLOG_PCR, NULL, out, err);
}

int cvm_rtlog_match_prefix(const cvm_rtlog *log, const uint8_t pcr23[32], size_t *n, cvm_err *err)
{
    uint8_t v[32] = {0};
    for (size_t i = 0;; i++) {
        if (memcmp(v, pcr23, 32) == 0) {
            *n = i;
            return CVM_OK;
        }
        if (i == log->cel.n_records)
            break;
        /* cvm_rtlog_parse guaranteed: PCR 23, exactly one sha256 digest */
        int rc = cvm_eventlog_extend(CVM_ALG_SHA256, v, log->cel.records[i].digests[0].digest);
        if (rc)
            return cvm_err_set(err, rc, "runtime log replay", "alg", CVM_NO_OFFSET, "SHA-256 failed");
    }
    return cvm_err_set(err, CVM_E_VALUE, "runtime log replay", "pcr23", CVM_NO_OFFSET,
                       "no prefix of the %zu records replays to the quoted PCR23", log->cel.n_records);
}

int cvm_rtlog_boot_id_parse(const char *s, size_t len, uint8_t out[16])
{
    if (len == 37 && s[36] == '\n')
        len = 36;
    if (len != 36)
        return CVM_E_VALUE;
    size_t k = 0;
    for (size_t i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return CVM_E_VALUE;
            i++;
            continue;
        }
        int hi = cvm_hexval(s[i]), lo = cvm_hexval(s[i + 1]);
        if (hi < 0 || lo < 0)
            return CVM_E_VALUE;
        out[k++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    return CVM_OK;
}

void cvm_rtlog_boot_id_format(const uint8_t id[16], char out[37])
{
    static const char hx[] = "0123456789abcdef";
    size_t k = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[k++] = '-';
        out[k++] = hx[id[i] >> 4];
        out[k++] = hx[id[i] & 15];
    }
    out[k] = 0;
}
