#include "hcl.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#define TRY(x)                 \
    do {                       \
        int rc_ = (x);         \
        if (rc_)               \
            return rc_;        \
    } while (0)

size_t cvm_hcl_hash_len(uint32_t hash_type)
{
    switch (hash_type) {
    case CVM_HCL_HASH_SHA256: return 32;
    case CVM_HCL_HASH_SHA384: return 48;
    case CVM_HCL_HASH_SHA512: return 64;
    default: return 0;
    }
}

const char *cvm_hcl_hash_name(uint32_t hash_type)
{
    switch (hash_type) {
    case CVM_HCL_HASH_SHA256: return "SHA-256";
    case CVM_HCL_HASH_SHA384: return "SHA-384";
    case CVM_HCL_HASH_SHA512: return "SHA-512";
    default: return "unknown";
    }
}

const char *cvm_hcl_report_type_name(uint32_t t)
{
    switch (t) {
    case CVM_HCL_REPORT_INVALID: return "invalid";
    case CVM_HCL_REPORT_VBS: return "VBS";
    case CVM_HCL_REPORT_SNP: return "SNP";
    case CVM_HCL_REPORT_TVM: return "TVM";
    case CVM_HCL_REPORT_TDX: return "TDX";
    case CVM_HCL_REPORT_CCA: return "CCA";
    default: return "unknown";
    }
}

int cvm_hcl_parse(const uint8_t *buf, size_t len, const char *what, cvm_hcl_report *out,
                  cvm_err *err)
{
    cvm_rd rr, *r = &rr;
    cvm_rd_init(r, buf, len, what ? what : "hcl_report", err);
    cvm_hcl_report o;
    memset(&o, 0, sizeof(o));
    o.total_len = len;

    TRY(cvm_rd_u32le(r, "header.signature", &o.signature));
    if (o.signature != CVM_HCL_SIGNATURE)
        return cvm_rd_fail(r, CVM_E_VALUE, "header.signature", 0,
                           "signature is 0x%08x, expected 0x%08x (\"HCLA\")", o.signature,
                           CVM_HCL_SIGNATURE);
    TRY(cvm_rd_u32le(r, "header.version", &o.version));
    if (o.version != 1 && o.version != 2)
        return cvm_rd_fail(r, CVM_E_UNSUPPORTED, "header.version", 4,
                           "header version %u is not supported (1 and 2 are)", o.version);
    TRY(cvm_rd_u32le(r, "header.report_size", &o.report_size));
    TRY(cvm_rd_u32le(r, "header.request_type", &o.request_type));
    TRY(cvm_rd_u32le(r, "header.status", &o.status));
    TRY(cvm_rd_zeros(r, "header.reserved", 12));

    /* the hardware area is interpreted only once report_type is known */
    cvm_rd hw;
    TRY(cvm_rd_sub(r, "hw_report", CVM_HCL_HW_LEN, &hw));
    o.hw_report = hw.p;

    TRY(cvm_rd_u32le(r, "runtime.data_size", &o.data_size));
    TRY(cvm_rd_u32le(r, "runtime.version", &o.runtime_version));
    if (o.runtime_version != 1)
        return cvm_rd_fail(r, CVM_E_UNSUPPORTED, "runtime.version", CVM_HCL_RUNTIME_OFFSET + 4,
                           "runtime data version %u is not supported (the NV report uses 1)",
                           o.runtime_version);
    TRY(cvm_rd_u32le(r, "runtime.report_type", &o.report_type));
    if (o.report_type != CVM_HCL_REPORT_SNP && o.report_type != CVM_HCL_REPORT_TDX)
        return cvm_rd_fail(r, CVM_E_UNSUPPORTED, "runtime.report_type",
                           CVM_HCL_RUNTIME_OFFSET + 8,
                           "report type %u (%s) is not supported (2 = SNP, 4 = TDX are)",
                           o.report_type, cvm_hcl_report_type_name(o.report_type));
    TRY(cvm_rd_u32le(r, "runtime.hash_type", &o.hash_type));
    if (!cvm_hcl_hash_len(o.hash_type))
        return cvm_rd_fail(r, CVM_E_VALUE, "runtime.hash_type", CVM_HCL_RUNTIME_OFFSET + 12,
                           "hash type %u is not 1 (SHA-256), 2 (SHA-384) or 3 (SHA-512)",
                           o.hash_type);
    TRY(cvm_rd_u32le(r, "runtime.variable_data_size", &o.variable_data_size));
    size_t vds_off = CVM_HCL_RUNTIME_OFFSET + 16;
    if (o.variable_data_size > cvm_rd_left(r))
        return cvm_rd_fail(r, CVM_E_TRUNCATED, "runtime.variable_data_size", vds_off,
                           "variable_data_size %u exceeds the %zu bytes after offset %d",
                           o.variable_data_size, cvm_rd_left(r), CVM_HCL_JSON_OFFSET);
    if ((uint64_t)o.data_size != (uint64_t)CVM_HCL_RUNTIME_HEADER_LEN + o.variable_data_size)
        return cvm_rd_fail(r, CVM_E_VALUE, "runtime.data_size", CVM_HCL_RUNTIME_OFFSET,
                           "data_size %u != 20 + variable_data_size (%u)", o.data_size,
                           o.variable_data_size);
    TRY(cvm_rd_view(r, "runtime.json", o.variable_data_size, &o.json));
    o.json_len = o.variable_data_size;
    o.used_len = CVM_HCL_JSON_OFFSET + (size_t)o.variable_data_size;
    o.padding_len = cvm_rd_left(r);
    TRY(cvm_rd_zero_tail(r, "padding"));

    if (o.report_size != o.used_len)
        o.flags |= CVM_HCL_F_REPORT_SIZE_MISMATCH;
    if (o.request_type != 2)
        o.flags |= CVM_HCL_F_REQUEST_TYPE;
    if (o.status != 0)
        o.flags |= CVM_HCL_F_STATUS;

    if (o.report_type == CVM_HCL_REPORT_SNP) {
        TRY(cvm_snp_parse_rd(&hw, &o.snp));
        o.is_snp = true;
    } else {
        TRY(cvm_rd_skip(&hw, "hw_report.tdreport", CVM_HCL_TDREPORT_LEN));
        TRY(cvm_rd_zero_tail(&hw, "hw_report.tdx_padding"));
        o.is_tdx = true;
    }
    *out = o;
    return CVM_OK;
}

void cvm_hcl_report_init(cvm_hcl_report *r, uint32_t version, uint32_t report_type,
                         uint32_t hash_type, const uint8_t *hw_report, const uint8_t *json,
                         size_t json_len)
{
    memset(r, 0, sizeof(*r));
    r->signature = CVM_HCL_SIGNATURE;
    r->version = version;
    r->report_size = (uint32_t)(CVM_HCL_JSON_OFFSET + json_len);
    r->request_type = 2;
    r->status = 0;
    r->hw_report = hw_report;
    r->data_size = (uint32_t)(CVM_HCL_RUNTIME_HEADER_LEN + json_len);
    r->runtime_version = 1;
    r->report_type = report_type;
    r->hash_type = hash_type;
    r->variable_data_size = (uint32_t)json_len;
    r->json = json;
    r->json_len = json_len;
    r->used_len = CVM_HCL_JSON_OFFSET + json_len;
    r->total_len = r->used_len;
    r->is_snp = report_type == CVM_HCL_REPORT_SNP;
    r->is_tdx = report_type == CVM_HCL_REPORT_TDX;
}

int cvm_hcl_write(const cvm_hcl_report *r, size_t nv_size, cvm_wr *w)
{
    size_t used = CVM_HCL_JSON_OFFSET + r->json_len;
    if (nv_size && nv_size < used)
        return CVM_E_LIMIT;
    if (!r->hw_report || (r->json_len && !r->json))
        return CVM_E_STATE;
    cvm_wr_u32le(w, r->signature);
    cvm_wr_u32le(w, r->version);
    cvm_wr_u32le(w, r->report_size);
    cvm_wr_u32le(w, r->request_type);
    cvm_wr_u32le(w, r->status);
    cvm_wr_zeros(w, 12);
    cvm_wr_bytes(w, r->hw_report, CVM_HCL_HW_LEN);
    cvm_wr_u32le(w, r->data_size);
    cvm_wr_u32le(w, r->runtime_version);
    cvm_wr_u32le(w, r->report_type);
    cvm_wr_u32le(w, r->hash_type);
    cvm_wr_u32le(w, r->variable_data_size);
    cvm_wr_bytes(w, r->json, r->json_len);
    if (nv_size)
        cvm_wr_zeros(w, nv_size - used);
    return w->failed ? CVM_E_NOMEM : CVM_OK;
}

size_t cvm_hcl_json_digest(const cvm_hcl_report *r, uint8_t *out, size_t cap)
{
    const EVP_MD *md = NULL;
    switch (r->hash_type) {
    case CVM_HCL_HASH_SHA256: md = EVP_sha256(); break;
    case CVM_HCL_HASH_SHA384: md = EVP_sha384(); break;
    case CVM_HCL_HASH_SHA512: md = EVP_sha512(); break;
    default: return 0;
    }
    if (cap < cvm_hcl_hash_len(r->hash_type))
        return 0;
    unsigned int n = 0;
    static const uint8_t empty[1];
    if (EVP_Digest(r->json_len ? r->json : empty, r->json_len, out, &n, md, NULL) != 1)
        return 0;
    return n;
}

const uint8_t *cvm_hcl_report_data(const cvm_hcl_report *r)
{
    if (r->is_snp)
        return r->snp.report_data;
    if (r->hw_report)
        return r->hw_report + CVM_HCL_TDX_REPORTDATA_OFFSET;
    return NULL;
}

json_t *cvm_hcl_to_json(const cvm_hcl_report *r, enum cvm_product hint)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_t *h = json_object();
    json_object_set_new(h, "signature", json_string("HCLA"));
    json_object_set_new(h, "version", json_integer(r->version));
    json_object_set_new(h, "report_size", json_integer(r->report_size));
    json_object_set_new(h, "request_type", json_integer(r->request_type));
    json_object_set_new(h, "status", json_integer(r->status));
    json_object_set_new(o, "header", h);

    json_t *rt = json_object();
    json_object_set_new(rt, "data_size", json_integer(r->data_size));
    json_object_set_new(rt, "version", json_integer(r->runtime_version));
    json_object_set_new(rt, "report_type", json_integer(r->report_type));
    json_object_set_new(rt, "report_type_name",
                        json_string(cvm_hcl_report_type_name(r->report_type)));
    json_object_set_new(rt, "hash_type", json_integer(r->hash_type));
    json_object_set_new(rt, "hash_name", json_string(cvm_hcl_hash_name(r->hash_type)));
    json_object_set_new(rt, "variable_data_size", json_integer(r->variable_data_size));
    json_object_set_new(o, "runtime_header", rt);

    json_t *l = json_object();
    json_object_set_new(l, "total_len", json_integer((json_int_t)r->total_len));
    json_object_set_new(l, "used_len", json_integer((json_int_t)r->used_len));
    json_object_set_new(l, "padding_len", json_integer((json_int_t)r->padding_len));
    json_object_set_new(o, "layout", l);

    uint8_t d[64];
    size_t dn = cvm_hcl_json_digest(r, d, sizeof(d));
    if (dn) {
        char hx[129];
        cvm_hex(d, dn, hx);
        json_object_set_new(o, "runtime_json_digest", json_string(hx));
    }

    json_t *fl = json_array();
    if (r->flags & CVM_HCL_F_REPORT_SIZE_MISMATCH)
        json_array_append_new(fl, json_string("report-size-mismatch"));
    if (r->flags & CVM_HCL_F_REQUEST_TYPE)
        json_array_append_new(fl, json_string("request-type-not-2"));
    if (r->flags & CVM_HCL_F_STATUS)
        json_array_append_new(fl, json_string("status-not-0"));
    json_object_set_new(o, "flags", fl);

    json_object_set_new(o, "tee", json_string(cvm_hcl_report_type_name(r->report_type)));
    if (r->is_snp) {
        json_object_set_new(o, "snp_report", cvm_snp_to_json(&r->snp, hint));
    } else if (r->is_tdx && r->hw_report) {
        json_t *t = json_object();
        json_object_set_new(t, "report_type_byte", json_integer(r->hw_report[0]));
        char hx[129];
        cvm_hex(r->hw_report + CVM_HCL_TDX_REPORTDATA_OFFSET, 64, hx);
        json_object_set_new(t, "reportdata", json_string(hx));
        json_object_set_new(o, "tdx_report", t);
    }
    return o;
}
