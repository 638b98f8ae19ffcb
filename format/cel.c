/* TCG Canonical Event Log, TLV encoding. See cel.h and
 * /work/shared/spec/formats.md §7.2. */
#include "cel.h"
#include "jsonutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eventlog.h"
#include "rtlog.h"


const char *cvm_cel_content_type_name(uint8_t ct)
{
    switch (ct) {
    case CVM_CEL_CT_MGMT: return "cel";
    case CVM_CEL_CT_PCCLIENT_STD: return "pcclient_std";
    case CVM_CEL_CT_IMA_TEMPLATE: return "ima_template";
    case CVM_CEL_CT_IMA_TLV: return "ima_tlv";
    case CVM_CEL_CT_SYSTEMD:
    case CVM_CEL_CT_SYSTEMD_ALT: return "systemd";
    case CVM_CEL_CT_CVM: return "cvm";
    default: return NULL;
    }
}

void cvm_cel_free(cvm_cel *cel)
{
    if (!cel)
        return;
    free(cel->records);
    memset(cel, 0, sizeof(*cel));
}

const cvm_cel_digest *cvm_cel_record_digest(const cvm_cel_record *rec, uint16_t alg_id)
{
    for (size_t i = 0; i < rec->n_digests; i++)
        if (rec->digests[i].alg_id == alg_id)
            return &rec->digests[i];
    return NULL;
}

int cvm_cel_rd_tlv(cvm_rd *r, const char *field, uint8_t *type, cvm_rd *value)
{
    char f[128];
    size_t start = r->pos;
    uint8_t t;
    uint32_t len;
    int rc;
    if ((rc = cvm_rd_u8(r, cvm_fieldf(f, sizeof f, "%s.type", field), &t)))
        return rc;
    size_t len_off = cvm_rd_abs(r);
    if ((rc = cvm_rd_u32be(r, cvm_fieldf(f, sizeof f, "%s.length", field), &len))) {
        r->pos = start;
        return rc;
    }
    if (len > cvm_rd_left(r)) {
        rc = cvm_rd_fail(r, CVM_E_TRUNCATED, f, len_off, "%u exceeds the %zu bytes left", len,
                         cvm_rd_left(r));
        r->pos = start;
        return rc;
    }
    if ((rc = cvm_rd_sub(r, cvm_fieldf(f, sizeof f, "%s.value", field), len, value))) {
        r->pos = start;
        return rc;
    }
    *type = t;
    return CVM_OK;
}

int cvm_cel_rd_uint(cvm_rd *v, const char *field, size_t max_width, uint64_t *out)
{
    size_t n = cvm_rd_left(v);
    if (n == 0 || n > max_width)
        return cvm_rd_fail(v, CVM_E_VALUE, field, CVM_NO_OFFSET,
                           "integer of %zu bytes, must be 1..%zu", n, max_width);
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t b;
        int rc = cvm_rd_u8(v, field, &b);
        if (rc)
            return rc;
        x = (x << 8) | b;
    }
    *out = x;
    return CVM_OK;
}

int cvm_cel_wr_tlv(cvm_wr *w, uint8_t type, const void *value, size_t len)
{
    if (len > UINT32_MAX)
        return CVM_E_LIMIT;
    int rc = cvm_wr_u8(w, type);
    if (!rc)
        rc = cvm_wr_u32be(w, (uint32_t)len);
    if (!rc && len)
        rc = cvm_wr_bytes(w, value, len);
    return rc;
}

static bool content_type_known(uint8_t ct)
{
    return cvm_cel_content_type_name(ct) != NULL;
}

/* A content value is a list of nested TLVs; this checks it is well formed. */
static int check_nested(cvm_rd *v, const char *field)
{
    char f[128];
    for (size_t i = 0; cvm_rd_left(v) > 0; i++) {
        uint8_t t;
        cvm_rd sub;
        int rc = cvm_cel_rd_tlv(v, cvm_fieldf(f, sizeof f, "%s[%zu]", field, i), &t, &sub);
        if (rc)
            return rc;
    }
    return CVM_OK;
}

static int parse_digests(cvm_rd *v, const char *field, cvm_cel_record *rec)
{
    char f[128], f2[160];
    size_t n = 0;
    while (cvm_rd_left(v) > 0) {
        uint8_t t;
        cvm_rd d;
        size_t off = cvm_rd_abs(v);
        cvm_fieldf(f, sizeof f, "%s[%zu]", field, n);
        int rc = cvm_cel_rd_tlv(v, f, &t, &d);
        if (rc)
            return rc;
        if (n >= CVM_CEL_MAX_DIGESTS)
            return cvm_rd_fail(v, CVM_E_LIMIT, field, off, "more than %u digests", CVM_CEL_MAX_DIGESTS);
        size_t sz = cvm_eventlog_alg_size(t);
        if (!sz)
            return cvm_rd_fail(v, CVM_E_VALUE, cvm_fieldf(f2, sizeof f2, "%s.type", f), off,
                               "unknown hash algorithm %u", t);
        if (cvm_cel_record_digest(rec, t))
            return cvm_rd_fail(v, CVM_E_VALUE, cvm_fieldf(f2, sizeof f2, "%s.type", f), off,
                               "%s listed twice", cvm_eventlog_alg_name(t));
        if (cvm_rd_left(&d) != sz)
            return cvm_rd_fail(v, CVM_E_VALUE, cvm_fieldf(f2, sizeof f2, "%s.length", f), off + 1,
                               "%s digest of %zu bytes, must be %zu", cvm_eventlog_alg_name(t),
                               cvm_rd_left(&d), sz);
        rec->digests[n].alg_id = t;
        rec->digests[n].size = (uint16_t)sz;
        if ((rc = cvm_rd_view(&d, f, sz, &rec->digests[n].digest)))
            return rc;
        rec->n_digests = ++n;
    }
    if (n == 0)
        return cvm_rd_fail(v, CVM_E_VALUE, field, CVM_NO_OFFSET, "no digest");
    return CVM_OK;
}

static int parse_record(cvm_rd *r, size_t i, const cvm_cel_record *prev, cvm_cel_record *rec)
{
    char f[96], f2[128];
    uint8_t t;
    cvm_rd v;
    uint64_t x;
    int rc;
    memset(rec, 0, sizeof(*rec));
    rec->offset = cvm_rd_abs(r);
    size_t start = cvm_rd_pos(r);

    /* RECNUM */
    if ((rc = cvm_cel_rd_tlv(r, cvm_fieldf(f, sizeof f, "records[%zu].recnum", i), &t, &v)))
        return rc;
    if (t != CVM_CEL_T_RECNUM)
        return cvm_rd_fail(r, CVM_E_VALUE, cvm_fieldf(f2, sizeof f2, "%s.type", f), rec->offset,
                           "%s top-level type %u where a record starts (RECNUM, 0)",
                           t <= CVM_CEL_T_DIGESTS || content_type_known(t) ? "misplaced" : "unknown", t);
    rec->recnum_width = (uint8_t)cvm_rd_left(&v);
    if ((rc = cvm_cel_rd_uint(&v, f, 8, &rec->recnum)))
        return rc;
    if (prev && rec->recnum <= prev->recnum)
        return cvm_rd_fail(r, CVM_E_VALUE, f, rec->offset + 5,
                           "%llu after %llu: record numbers must strictly increase",
                           (unsigned long long)rec->recnum, (unsigned long long)prev->recnum);

    /* PCR or NV_INDEX */
    size_t off = cvm_rd_abs(r);
    if ((rc = cvm_cel_rd_tlv(r, cvm_fieldf(f, sizeof f, "records[%zu].pcr", i), &t, &v)))
        return rc;
    if (t != CVM_CEL_T_PCR && t != CVM_CEL_T_NV_INDEX)
        return cvm_rd_fail(r, CVM_E_VALUE, cvm_fieldf(f2, sizeof f2, "%s.type", f), off,
                           "type %u, expected PCR (1) or NV_INDEX (2)", t);
    rec->is_nv_index = t == CVM_CEL_T_NV_INDEX;
    if (rec->is_nv_index)
        cvm_fieldf(f, sizeof f, "records[%zu].nv_index", i);
    rec->index_width = (uint8_t)cvm_rd_left(&v);
    if ((rc = cvm_cel_rd_uint(&v, f, 4, &x)))
        return rc;
    rec->index = (uint32_t)x;
    if (!rec->is_nv_index && rec->index > 23)
        return cvm_rd_fail(r, CVM_E_VALUE, f, off + 5, "PCR %u is not 0..23", rec->index);

    /* DIGESTS */
    off = cvm_rd_abs(r);
    if ((rc = cvm_cel_rd_tlv(r, cvm_fieldf(f, sizeof f, "records[%zu].digests", i), &t, &v)))
        return rc;
    if (t != CVM_CEL_T_DIGESTS)
        return cvm_rd_fail(r, CVM_E_VALUE, cvm_fieldf(f2, sizeof f2, "%s.type", f), off,
                           "type %u, expected DIGESTS (3)", t);
    if ((rc = parse_digests(&v, f, rec)))
        return rc;

    /* CONTENT */
    off = cvm_rd_abs(r);
    if ((rc = cvm_cel_rd_tlv(r, cvm_fieldf(f, sizeof f, "records[%zu].content", i), &t, &v)))
        return rc;
    if (!content_type_known(t))
        return cvm_rd_fail(r, CVM_E_VALUE, cvm_fieldf(f2, sizeof f2, "%s.type", f), off,
                           "%s content type %u", t <= CVM_CEL_T_DIGESTS ? "misplaced" : "unknown", t);
    rec->content_type = t;
    rec->content_len = (uint32_t)cvm_rd_left(&v);
    cvm_rd walk = v;
    if ((rc = cvm_rd_view(&v, f, rec->content_len, &rec->content)) || (rc = check_nested(&walk, f)))
        return rc;
    rec->len = cvm_rd_pos(r) - start;
    return CVM_OK;
}

int cvm_cel_parse(const uint8_t *buf, size_t len, const char *what, cvm_cel *out, cvm_err *err)
{
    cvm_rd r;
    int rc = CVM_OK;
    size_t cap = 0;
    memset(out, 0, sizeof(*out));
    cvm_rd_init(&r, buf, len, what ? what : "runtime.cel", err);
    if (len > CVM_CEL_MAX_SIZE)
        return cvm_rd_fail(&r, CVM_E_LIMIT, "log", 0, "%zu bytes exceeds the %u-byte cap", len,
                           CVM_CEL_MAX_SIZE);
    while (cvm_rd_left(&r) > 0) {
        if (out->n_records >= CVM_CEL_MAX_RECORDS) {
            rc = cvm_rd_fail(&r, CVM_E_LIMIT, "records", CVM_NO_OFFSET, "more than %u records",
                             CVM_CEL_MAX_RECORDS);
            goto fail;
        }
        cvm_cel_record *nr = cvm_grow(out->records, &cap, out->n_records, sizeof(*nr), 16, CVM_CEL_MAX_RECORDS);
        if (!nr) {
            rc = cvm_err_set(err, CVM_E_NOMEM, r.what, "records", CVM_NO_OFFSET, "out of memory");
            goto fail;
        }
        out->records = nr;
        const cvm_cel_record *prev = out->n_records ? &out->records[out->n_records - 1] : NULL;
        if ((rc = parse_record(&r, out->n_records, prev, &out->records[out->n_records])))
            goto fail;
        out->n_records++;
    }
    return CVM_OK;
fail:
    cvm_cel_free(out);
    return rc;
}

static int wr_uint(cvm_wr *w, uint8_t type, uint64_t v, uint8_t width)
{
    uint8_t b[8];
    for (int i = width - 1; i >= 0; i--) {
        b[i] = (uint8_t)v;
        v >>= 8;
    }
    return cvm_cel_wr_tlv(w, type, b, width);
}

static bool fits(uint64_t v, uint8_t width)
{
    return width >= 8 || v >> (8 * width) == 0;
}

int cvm_cel_write_record_err(cvm_wr *w, const cvm_cel_record *rec, cvm_err *err)
{
    const char *what = "cel record";
    uint8_t rw = rec->recnum_width ? rec->recnum_width : 8;
    uint8_t iw = rec->index_width ? rec->index_width : (rec->is_nv_index ? 4 : 1);
    if (rw > 8 || !fits(rec->recnum, rw))
        return cvm_err_set(err, CVM_E_VALUE, what, "recnum", CVM_NO_OFFSET,
                           "%llu does not fit %u bytes", (unsigned long long)rec->recnum, rw);
    if (iw > 4 || !fits(rec->index, iw))
        return cvm_err_set(err, CVM_E_VALUE, what, rec->is_nv_index ? "nv_index" : "pcr",
                           CVM_NO_OFFSET, "%u does not fit %u bytes", rec->index, iw);
    if (!rec->is_nv_index && rec->index > 23)
        return cvm_err_set(err, CVM_E_VALUE, what, "pcr", CVM_NO_OFFSET, "PCR %u is not 0..23",
                           rec->index);
    if (rec->n_digests == 0 || rec->n_digests > CVM_CEL_MAX_DIGESTS)
        return cvm_err_set(err, CVM_E_VALUE, what, "digests", CVM_NO_OFFSET,
                           "%zu digests, must be 1..%u", rec->n_digests, CVM_CEL_MAX_DIGESTS);
    size_t dlen = 0;
    for (size_t i = 0; i < rec->n_digests; i++) {
        const cvm_cel_digest *d = &rec->digests[i];
        size_t sz = cvm_eventlog_alg_size(d->alg_id);
        if (!sz || d->size != sz || !d->digest)
            return cvm_err_set(err, CVM_E_VALUE, what, "digests", CVM_NO_OFFSET,
                               "digest %zu: algorithm 0x%04x with %u bytes", i, d->alg_id, d->size);
        for (size_t j = 0; j < i; j++)
            if (rec->digests[j].alg_id == d->alg_id)
                return cvm_err_set(err, CVM_E_VALUE, what, "digests", CVM_NO_OFFSET,
                                   "algorithm 0x%04x twice", d->alg_id);
        dlen += 5 + sz;
    }
    if (!content_type_known(rec->content_type))
        return cvm_err_set(err, CVM_E_VALUE, what, "content_type", CVM_NO_OFFSET,
                           "unknown content type %u", rec->content_type);
    cvm_rd cr;
    cvm_err cerr;
    cvm_err_clear(&cerr);
    cvm_rd_init(&cr, rec->content, rec->content ? rec->content_len : 0, "content", &cerr);
    if (check_nested(&cr, "content"))
        return cvm_err_set(err, CVM_E_VALUE, what, "content", CVM_NO_OFFSET,
                           "not a list of TLVs: %s at %zu: %s", cerr.field, cerr.offset, cerr.msg);
    int rc = wr_uint(w, CVM_CEL_T_RECNUM, rec->recnum, rw);
    if (!rc)
        rc = wr_uint(w, rec->is_nv_index ? CVM_CEL_T_NV_INDEX : CVM_CEL_T_PCR, rec->index, iw);
    if (!rc)
        rc = cvm_wr_u8(w, CVM_CEL_T_DIGESTS);
    if (!rc)
        rc = cvm_wr_u32be(w, (uint32_t)dlen);
    for (size_t i = 0; !rc && i < rec->n_digests; i++)
        rc = cvm_cel_wr_tlv(w, (uint8_t)rec->digests[i].alg_id, rec->digests[i].digest,
                            rec->digests[i].size);
    if (!rc)
        rc = cvm_cel_wr_tlv(w, rec->content_type, rec->content, rec->content ? rec->content_len : 0);
    if (rc)
        return cvm_err_set(err, rc, what, "record", CVM_NO_OFFSET, "write failed");
    return CVM_OK;
}

int cvm_cel_write_record(cvm_wr *w, const cvm_cel_record *rec)
{
    return cvm_cel_write_record_err(w, rec, NULL);
}

int cvm_cel_replay_n(const cvm_cel *cel, size_t n, uint16_t alg, uint32_t pcr,
                     const uint8_t *initial, uint8_t *out, cvm_err *err)
{
    const char *what = "cel replay";
    size_t sz = cvm_eventlog_alg_size(alg);
    if (!sz)
        return cvm_err_set(err, CVM_E_UNSUPPORTED, what, "alg", CVM_NO_OFFSET,
                           "unknown bank 0x%04x", alg);
    if (pcr > 23)
        return cvm_err_set(err, CVM_E_VALUE, what, "pcr", CVM_NO_OFFSET, "PCR %u is not 0..23", pcr);
    if (n > cel->n_records)
        n = cel->n_records;
    if (initial)
        memcpy(out, initial, sz);
    else
        memset(out, 0, sz);
    for (size_t i = 0; i < n; i++) {
        const cvm_cel_record *rec = &cel->records[i];
        if (rec->is_nv_index || rec->index != pcr)
            continue;
        const cvm_cel_digest *d = cvm_cel_record_digest(rec, alg);
        char f[64];
        if (!d)
            return cvm_err_set(err, CVM_E_VALUE, what, cvm_fieldf(f, sizeof f, "records[%zu].digests", i),
                               rec->offset, "record %llu extends PCR %u but has no %s digest",
                               (unsigned long long)rec->recnum, pcr, cvm_eventlog_alg_name(alg));
        int rc = cvm_eventlog_extend(alg, out, d->digest);
        if (rc)
            return cvm_err_set(err, rc, what, "alg", CVM_NO_OFFSET, "hash 0x%04x failed", alg);
    }
    return CVM_OK;
}

int cvm_cel_replay(const cvm_cel *cel, uint16_t alg, uint32_t pcr, const uint8_t *initial,
                   uint8_t *out, cvm_err *err)
{
    return cvm_cel_replay_n(cel, cel->n_records, alg, pcr, initial, out, err);
}

/* ---- CEL-JSON ---- */

static bool printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] == 0x7f)
            return false;
    return true;
}

/* Integer value of a nested TLV, or -1 on a bad width. */
static bool nested_uint(const cvm_rd *v, size_t maxw, uint64_t *out)
{
    cvm_rd c = *v;
    c.err = NULL;
    return cvm_cel_rd_uint(&c, "value", maxw, out) == CVM_OK;
}

static json_t *decode_mgmt_entry(uint8_t t, cvm_rd *v)
{
    json_t *o = json_object();
    uint64_t x;
    if (!o)
        return NULL;
    switch (t) {
    case CVM_CEL_MGMT_CEL_VERSION: {
        json_t *d = json_object();
        json_object_set_new(o, "type", json_string("cel_version"));
        json_object_set_new(o, "data", d);
        while (d && cvm_rd_left(v) > 0) {
            uint8_t st;
            cvm_rd sv;
            if (cvm_cel_rd_tlv(v, "cel_version", &st, &sv) || !nested_uint(&sv, 8, &x))
                break;
            json_object_set_new(d, st == CVM_CEL_VERSION_MAJOR ? "major"
                                   : st == CVM_CEL_VERSION_MINOR ? "minor" : "unknown",
                                json_integer((json_int_t)x));
        }
        break;
    }
    case CVM_CEL_MGMT_FIRMWARE_END:
        json_object_set_new(o, "type", json_string("firmware_end"));
        break;
    case CVM_CEL_MGMT_CEL_TIMESTAMP:
        json_object_set_new(o, "type", json_string("cel_timestamp"));
        if (nested_uint(v, 8, &x))
            json_object_set_new(o, "data", json_integer((json_int_t)x));
        break;
    case CVM_CEL_MGMT_STATE_TRANS:
        json_object_set_new(o, "type", json_string("state_trans"));
        if (nested_uint(v, 4, &x))
            json_object_set_new(o, "data", x == 0   ? json_string("suspend")
                                           : x == 1 ? json_string("hibernate")
                                           : x == 2 ? json_string("kexec")
                                                    : json_integer((json_int_t)x));
        break;
    default:
        json_object_set_new(o, "type", json_integer(t));
        json_object_set_new(o, "data", cvm_hex_json(v->p, v->len));
        break;
    }
    return o;
}

static json_t *decode_content(const cvm_cel_record *rec)
{
    cvm_rd r;
    cvm_rd_init(&r, rec->content, rec->content_len, "content", NULL);
    uint8_t t;
    cvm_rd v;
    uint64_t x;
    if (rec->content_type == CVM_CEL_CT_MGMT) {
        json_t *arr = json_array();
        while (arr && cvm_rd_left(&r) > 0 && cvm_cel_rd_tlv(&r, "mgmt", &t, &v) == CVM_OK)
            json_array_append_new(arr, decode_mgmt_entry(t, &v));
        if (arr && json_array_size(arr) == 1) {
            json_t *one = json_incref(json_array_get(arr, 0));
            json_decref(arr);
            return one;
        }
        return arr;
    }
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (rec->content_type == CVM_CEL_CT_IMA_TLV || rec->content_type == CVM_CEL_CT_CVM) {
        static const char *const ima[] = {"path", "datahash", "datasig", "owner",
                                          "group", "mode", "timestamp", "label"};
        static const char *const cvm[] = {"kind", "boot_id", "reset_count", "restart_count",
                                          "unix_time"};
        bool is_ima = rec->content_type == CVM_CEL_CT_IMA_TLV;
        while (cvm_rd_left(&r) > 0 && cvm_cel_rd_tlv(&r, "content", &t, &v) == CVM_OK) {
            const char *k = is_ima ? (t < 8 ? ima[t] : NULL) : (t < 5 ? cvm[t] : NULL);
            char kb[16];
            if (!k) {
                snprintf(kb, sizeof kb, "%u", t);
                k = kb;
            }
            json_t *val;
            if (is_ima && (t == CVM_CEL_IMA_PATH || t == CVM_CEL_IMA_LABEL) && printable(v.p, v.len))
                val = json_stringn((const char *)v.p, v.len);
            else if (!is_ima && t == CVM_RTLOG_CVM_BOOT_ID && v.len == 16) {
                char id[37];
                cvm_rtlog_boot_id_format(v.p, id);
                val = json_string(id);
            } else if (!is_ima && t == CVM_RTLOG_CVM_KIND && v.len == 1 &&
                       v.p[0] == CVM_RTLOG_KIND_LOG_START)
                val = json_string("log_start");
            else if (!is_ima && t >= 2 && t <= 4 && nested_uint(&v, 8, &x))
                val = json_integer((json_int_t)x);
            else
                val = cvm_hex_json(v.p, v.len);
            json_object_set_new(o, k, val);
        }
        return o;
    }
    if (rec->content_type == CVM_CEL_CT_PCCLIENT_STD) {
        while (cvm_rd_left(&r) > 0 && cvm_cel_rd_tlv(&r, "content", &t, &v) == CVM_OK) {
            if (t == 0 && nested_uint(&v, 4, &x)) {
                const char *nm = cvm_eventlog_type_name((uint32_t)x);
                json_object_set_new(o, "event_type", nm ? json_string(nm) : json_integer((json_int_t)x));
            } else if (t == 1) {
                json_object_set_new(o, "event_data", cvm_hex_json(v.p, v.len));
            }
        }
        return o;
    }
    json_object_set_new(o, "raw", cvm_hex_json(rec->content, rec->content_len));
    return o;
}

json_t *cvm_cel_to_json(const cvm_cel *cel)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    for (size_t i = 0; i < cel->n_records; i++) {
        const cvm_cel_record *rec = &cel->records[i];
        json_t *o = json_object(), *dg = json_array();
        int bad = !o || !dg || json_array_append_new(arr, o);
        if (bad) {
            json_decref(dg);
            json_decref(arr);
            return NULL;
        }
        bad |= json_object_set_new(o, "recnum", json_integer((json_int_t)rec->recnum));
        bad |= json_object_set_new(o, rec->is_nv_index ? "nv_index" : "pcr", json_integer(rec->index));
        for (size_t j = 0; j < rec->n_digests; j++) {
            json_t *d = json_object();
            bad |= !d || json_array_append_new(dg, d);
            if (d) {
                bad |= json_object_set_new(d, "hashAlg",
                                           json_string(cvm_eventlog_alg_name(rec->digests[j].alg_id)));
                bad |= json_object_set_new(d, "digest",
                                           cvm_hex_json(rec->digests[j].digest, rec->digests[j].size));
            }
        }
        bad |= json_object_set_new(o, "digests", dg);
        bad |= json_object_set_new(o, "content_type",
                                   json_string(cvm_cel_content_type_name(rec->content_type)));
        bad |= json_object_set_new(o, "content", decode_content(rec));
        if (bad) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}
