#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "hcl.h"
#include "runtime.h"

/* Values recorded in ../shared/vectors/MANIFEST.md ("HCL: header=...
 * runtime_hdr=..." per case, and the layout table). */
struct hcl_case {
    const char *path;
    size_t nv_size;
    uint32_t version, report_size, data_size, vds, report_type;
    bool binding_ok; /* SHA-256(JSON) == REPORT_DATA[0:32], rest zero */
    uint32_t snp_version;
};

static const struct hcl_case cases[] = {
    {"azure-hcl/kinvolk/hcl-report-snp.bin", 2048, 1, 1819, 603, 583, 2, true, 2},
    {"azure-hcl/ms-cvm-guest-attestation/hcl-report.2022-04.bin", 2048, 1, 1819, 603, 583, 2,
     false, 1},
    {"azure-hcl/trustee/hcl-report.2024-01-29.bin", 2600, 1, 2346, 1130, 1110, 2, true, 2},
    {"azure-hcl/trustee/hcl-report.2024-02-28.bin", 2600, 1, 2346, 1130, 1110, 2, true, 2},
    {"azure-hcl/trustee/decoded/evidence-v0.2026-01-17.hcl-report.bin", 2600, 1, 2346, 1130, 1110,
     2, true, 2},
    {"azure-hcl/trustee/decoded/evidence-v1.2026-01-17.hcl-report.bin", 2600, 1, 2346, 1130, 1110,
     2, true, 2},
    {"azure-hcl/trustee/decoded/evidence-v0.hcl-report.bin", 2600, 1, 2346, 1130, 1110, 2, true, 3},
    {"azure-hcl/trustee/decoded/evidence-v1.hcl-report.bin", 2600, 1, 2346, 1130, 1110, 2, true, 3},
    {"azure-hcl-tdx/kinvolk/hcl-report-tdx.bin", 2600, 2, 2438, 1222, 1202, 4, true, 0},
    {"azure-hcl-tdx/ms-cvm-attestation-tools/snp_hcl_report.bin", 2600, 2, 2418, 1202, 1182, 4,
     true, 0},
};

static void check_case(const struct hcl_case *c)
{
    CVM_VECTOR_OR_SKIP(path, c->path);
    size_t len;
    uint8_t *buf = cvm_test_read(path, &len);
    assert_int_equal(len, c->nv_size);
    cvm_err e;
    cvm_err_clear(&e);
    cvm_hcl_report h;
    if (cvm_hcl_parse(buf, len, c->path, &h, &e)) {
        char m[512];
        fail_msg("%s", cvm_err_format(&e, m, sizeof(m)));
    }
    assert_int_equal(h.signature, CVM_HCL_SIGNATURE);
    assert_int_equal(h.version, c->version);
    assert_int_equal(h.report_size, c->report_size);
    assert_int_equal(h.request_type, 2);
    assert_int_equal(h.status, 0);
    assert_int_equal(h.data_size, c->data_size);
    assert_int_equal(h.runtime_version, 1);
    assert_int_equal(h.report_type, c->report_type);
    assert_int_equal(h.hash_type, CVM_HCL_HASH_SHA256);
    assert_int_equal(h.variable_data_size, c->vds);
    assert_int_equal(h.json_len, c->vds);
    assert_ptr_equal(h.json, buf + CVM_HCL_JSON_OFFSET);
    assert_ptr_equal(h.hw_report, buf + CVM_HCL_HW_OFFSET);
    assert_int_equal(h.used_len, c->report_size);
    assert_int_equal(h.total_len, c->nv_size);
    assert_int_equal(h.padding_len, c->nv_size - c->report_size);
    assert_int_equal(h.flags, 0); /* report_size agrees on every real blob */
    assert_int_equal(h.is_snp, c->report_type == 2);
    assert_int_equal(h.is_tdx, c->report_type == 4);
    if (h.is_snp) {
        assert_int_equal(h.snp.version, c->snp_version);
        assert_int_equal(h.snp.vmpl, 0);
        assert_int_equal(h.snp.policy, 0x3001f);
        assert_int_equal(h.snp.key.signing_key, CVM_SNP_SIGNING_VCEK);
    } else {
        assert_int_equal(h.hw_report[0], 0x81); /* TDREPORT type: TDX */
    }

    /* REPORT_DATA binding: SNP report_data @0x50, TDX reportdata @128 */
    const uint8_t *rd = cvm_hcl_report_data(&h);
    assert_ptr_equal(rd, h.is_snp ? h.snp.report_data : buf + 32 + 128);
    uint8_t d[64];
    assert_int_equal(cvm_hcl_json_digest(&h, d, sizeof(d)), 32);
    bool match = memcmp(d, rd, 32) == 0;
    for (int i = 32; i < 64; i++)
        assert_int_equal(rd[i], 0);
    assert_int_equal(match, c->binding_ok);

    /* byte-exact round trip, padding included */
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_hcl_write(&h, c->nv_size, &w), 0);
    size_t olen;
    uint8_t *o = cvm_wr_take(&w, &olen);
    assert_int_equal(olen, len);
    assert_memory_equal(o, buf, len);
    free(o);

    /* the embedded JSON parses with the strict runtime parser */
    cvm_runtime rt;
    cvm_err_clear(&e);
    if (cvm_runtime_parse(h.json, h.json_len, c->path, &rt, &e)) {
        char m[512];
        fail_msg("%s", cvm_err_format(&e, m, sizeof(m)));
    }
    const cvm_jwk *ak = cvm_runtime_find_key(&rt, "HCLAkPub");
    assert_non_null(ak);
    assert_int_equal(ak->n_len, 256);
    cvm_runtime_free(&rt);

    json_t *j = cvm_hcl_to_json(&h, CVM_PRODUCT_UNKNOWN);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "tee")), h.is_snp ? "SNP" : "TDX");
    assert_int_equal(json_is_object(json_object_get(j, "snp_report")), h.is_snp);
    json_decref(j);
    free(buf);
}

static void real_blobs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_case(&cases[i]);
}

/* ---- synthetic ---- */

static const char json_small[] = "{\"keys\":[],\"vm-configuration\":{\"secure-boot\":true}}";

static uint8_t *build(uint32_t version, uint32_t report_type, uint32_t snp_version,
                      size_t nv_size, size_t *len)
{
    uint8_t hw[CVM_HCL_HW_LEN];
    memset(hw, 0, sizeof(hw));
    if (report_type == CVM_HCL_REPORT_SNP) {
        cvm_snp_report s;
        memset(&s, 0, sizeof(s));
        s.version = snp_version;
        s.policy = 0x3001f;
        s.signature_algo = 1;
        if (snp_version >= 3) {
            s.cpuid_fam_id = 0x1a;
            s.cpuid_mod_id = 0x02;
        }
        cvm_snp_write(&s, hw);
    } else {
        hw[0] = 0x81;
        hw[1023] = 0x5a;
    }
    cvm_hcl_report h;
    cvm_hcl_report_init(&h, version, report_type, CVM_HCL_HASH_SHA256, hw,
                        (const uint8_t *)json_small, strlen(json_small));
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_hcl_write(&h, nv_size, &w), 0);
    return cvm_wr_take(&w, len);
}

static void synthetic_round_trip(void **state)
{
    (void)state;
    const struct {
        uint32_t ver, type, snpv;
        size_t nv;
    } v[] = {{1, 2, 2, 2048}, {2, 2, 3, 2600}, {2, 2, 5, 2900}, {2, 4, 0, 2600}, {1, 2, 5, 0}};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        size_t len;
        uint8_t *b = build(v[i].ver, v[i].type, v[i].snpv, v[i].nv, &len);
        size_t used = CVM_HCL_JSON_OFFSET + strlen(json_small);
        assert_int_equal(len, v[i].nv ? v[i].nv : used);
        cvm_hcl_report h;
        cvm_err e;
        cvm_err_clear(&e);
        assert_int_equal(cvm_hcl_parse(b, len, "syn", &h, &e), 0);
        assert_int_equal(h.version, v[i].ver);
        assert_int_equal(h.report_size, used);
        assert_int_equal(h.data_size, 20 + strlen(json_small));
        assert_int_equal(h.padding_len, len - used);
        assert_memory_equal(h.json, json_small, strlen(json_small));
        if (v[i].type == 2) {
            assert_true(h.is_snp);
            assert_int_equal(h.snp.version, v[i].snpv);
            if (v[i].snpv >= 3)
                assert_int_equal(cvm_snp_product(&h.snp), CVM_PRODUCT_TURIN);
        } else {
            assert_true(h.is_tdx);
        }
        cvm_wr w;
        cvm_wr_init(&w);
        assert_int_equal(cvm_hcl_write(&h, len, &w), 0);
        size_t olen;
        uint8_t *o = cvm_wr_take(&w, &olen);
        assert_int_equal(olen, len);
        assert_memory_equal(o, b, len);
        free(o);
        free(b);
    }
    /* nv_size smaller than the content */
    cvm_hcl_report h;
    uint8_t hw[CVM_HCL_HW_LEN] = {0};
    cvm_hcl_report_init(&h, 2, 2, 1, hw, (const uint8_t *)json_small, strlen(json_small));
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_hcl_write(&h, CVM_HCL_JSON_OFFSET + strlen(json_small) - 1, &w), CVM_E_LIMIT);
    cvm_wr_free(&w);
    assert_int_equal(cvm_hcl_hash_len(1), 32);
    assert_int_equal(cvm_hcl_hash_len(2), 48);
    assert_int_equal(cvm_hcl_hash_len(3), 64);
    assert_int_equal(cvm_hcl_hash_len(0), 0);
    assert_int_equal(cvm_hcl_hash_len(4), 0);
}

/* ---- hostile ---- */

static int parse_cb(const uint8_t *b, size_t n, void *ctx)
{
    (void)ctx;
    cvm_hcl_report h;
    cvm_err e;
    cvm_err_clear(&e);
    return cvm_hcl_parse(b, n, "t", &h, &e);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void expect(const uint8_t *b, size_t len, int code, const char *field, size_t off)
{
    cvm_hcl_report h;
    cvm_err e;
    cvm_err_clear(&e);
    int rc = cvm_hcl_parse(b, len, "bad.bin", &h, &e);
    if (rc != code || strcmp(e.field, field) != 0 || e.offset != off) {
        char m[512];
        fail_msg("want %d %s@%zu, got %d: %s", code, field, off, rc,
                 cvm_err_format(&e, m, sizeof(m)));
    }
}

static void hostile(void **state)
{
    (void)state;
    size_t len;
    uint8_t *good = build(2, 2, 3, 0, &len); /* no padding: every prefix must fail */
    cvm_test_truncations(good, len, parse_cb, NULL);
    size_t plen;
    uint8_t *padded = build(1, 2, 2, 2048, &plen);
    uint8_t *b = malloc(plen);
    size_t vds = strlen(json_small);

    memcpy(b, padded, plen);
    b[3] = 'B';
    expect(b, plen, CVM_E_VALUE, "header.signature", 0);

    memcpy(b, padded, plen);
    put32(b + 4, 3);
    expect(b, plen, CVM_E_UNSUPPORTED, "header.version", 4);

    memcpy(b, padded, plen);
    b[25] = 1;
    expect(b, plen, CVM_E_VALUE, "header.reserved", 25);

    memcpy(b, padded, plen);
    put32(b + 1220, 2);
    expect(b, plen, CVM_E_UNSUPPORTED, "runtime.version", 1220);

    memcpy(b, padded, plen);
    put32(b + 1224, 3);
    expect(b, plen, CVM_E_UNSUPPORTED, "runtime.report_type", 1224);

    const uint32_t bad_hash[] = {0, 4, 0xffffffff};
    for (int i = 0; i < 3; i++) {
        memcpy(b, padded, plen);
        put32(b + 1228, bad_hash[i]);
        expect(b, plen, CVM_E_VALUE, "runtime.hash_type", 1228);
    }

    /* variable_data_size beyond the buffer, and at the 32-bit limit */
    memcpy(b, padded, plen);
    put32(b + 1232, (uint32_t)(plen - CVM_HCL_JSON_OFFSET + 1));
    expect(b, plen, CVM_E_TRUNCATED, "runtime.variable_data_size", 1232);
    put32(b + 1232, 0xffffffff);
    expect(b, plen, CVM_E_TRUNCATED, "runtime.variable_data_size", 1232);
    put32(b + 1232, 0xffffffec); /* data_size = 20 + vds would wrap to 0 */
    put32(b + 1216, 0);
    expect(b, plen, CVM_E_TRUNCATED, "runtime.variable_data_size", 1232);

    /* data_size mismatch (vds grown into the zero padding: still in bounds) */
    memcpy(b, padded, plen);
    put32(b + 1232, (uint32_t)(vds + 1));
    expect(b, plen, CVM_E_VALUE, "runtime.data_size", 1216);
    memcpy(b, padded, plen);
    put32(b + 1216, (uint32_t)(20 + vds - 1));
    expect(b, plen, CVM_E_VALUE, "runtime.data_size", 1216);

    /* non-zero padding, first and last byte */
    memcpy(b, padded, plen);
    b[CVM_HCL_JSON_OFFSET + vds] = ' ';
    expect(b, plen, CVM_E_VALUE, "padding", CVM_HCL_JSON_OFFSET + vds);
    memcpy(b, padded, plen);
    b[plen - 1] = 1;
    expect(b, plen, CVM_E_VALUE, "padding", plen - 1);

    /* the SNP report inside is checked with absolute offsets */
    memcpy(b, padded, plen);
    b[32 + 0x4c] = 1;
    expect(b, plen, CVM_E_VALUE, "reserved_04c", 32 + 0x4c);
    memcpy(b, padded, plen);
    put32(b + 32, 7);
    expect(b, plen, CVM_E_UNSUPPORTED, "version", 32);

    /* TDX: the 160 bytes after the TDREPORT must be zero */
    size_t tlen;
    uint8_t *tdx = build(2, 4, 0, 2600, &tlen);
    tdx[32 + 1024 + 5] = 1;
    expect(tdx, tlen, CVM_E_VALUE, "hw_report.tdx_padding", 32 + 1024 + 5);
    free(tdx);

    /* report_size disagreeing is flagged, not rejected */
    memcpy(b, padded, plen);
    put32(b + 8, 1184);
    put32(b + 12, 1);
    put32(b + 16, 9);
    cvm_hcl_report h;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_hcl_parse(b, plen, "x", &h, &e), 0);
    assert_true(h.flags & CVM_HCL_F_REPORT_SIZE_MISMATCH);
    assert_true(h.flags & CVM_HCL_F_REQUEST_TYPE);
    assert_true(h.flags & CVM_HCL_F_STATUS);
    /* and still round-trips byte for byte */
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_hcl_write(&h, plen, &w), 0);
    size_t olen;
    uint8_t *o = cvm_wr_take(&w, &olen);
    assert_memory_equal(o, b, plen);
    free(o);

    free(b);
    free(padded);
    free(good);
}

static void real_truncations(void **state)
{
    (void)state;
    CVM_VECTOR_OR_SKIP(path, "azure-hcl/kinvolk/hcl-report-snp.bin");
    size_t len;
    uint8_t *buf = cvm_test_read(path, &len);
    cvm_hcl_report h;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_hcl_parse(buf, len, "k", &h, &e), 0);
    /* prefixes shorter than the used part must all fail; longer ones are
     * just a shorter NV index and parse */
    cvm_test_truncations(buf, h.used_len, parse_cb, NULL);
    cvm_err_clear(&e);
    assert_int_equal(cvm_hcl_parse(buf, h.used_len, "k", &h, &e), 0);
    assert_int_equal(h.padding_len, 0);
    free(buf);
}

/* Single-byte corruptions of a real blob anywhere in the headers, the
 * SNP report's fixed fields and the JSON never crash or over-read (run
 * under ASan); changes to the size fields must be rejected. */
static void mutations(void **state)
{
    (void)state;
    CVM_VECTOR_OR_SKIP(path, "azure-hcl/trustee/hcl-report.2024-01-29.bin");
    size_t len;
    uint8_t *buf = cvm_test_read(path, &len);
    uint8_t *m = malloc(len);
    cvm_hcl_report clean;
    cvm_err ce;
    cvm_err_clear(&ce);
    assert_int_equal(cvm_hcl_parse(buf, len, "clean", &clean, &ce), 0);
    const size_t used = clean.used_len;
    const uint8_t vals[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
    for (size_t off = 0; off < len; off += (off < 1300 ? 1 : 7)) {
        for (size_t v = 0; v < sizeof(vals); v++) {
            if (buf[off] == vals[v])
                continue;
            memcpy(m, buf, len);
            m[off] = vals[v];
            cvm_hcl_report h;
            cvm_err e;
            cvm_err_clear(&e);
            int rc = cvm_hcl_parse(m, len, "mut", &h, &e);
            bool size_field = (off >= 1216 && off < 1220) || (off >= 1232 && off < 1236);
            if (size_field || off < 8 || (off >= 20 && off < 32) || off >= used)
                assert_int_not_equal(rc, 0);
            if (rc == 0) {
                cvm_runtime rt;
                cvm_err_clear(&e);
                if (cvm_runtime_parse(h.json, h.json_len, "mut", &rt, &e) == 0)
                    cvm_runtime_free(&rt);
            } else {
                assert_true(e.field[0] != 0);
            }
        }
    }
    free(m);
    free(buf);
}

/* seedsets/: each set's snp_report.bin (the NV blob), guest_report.bin
 * (dd skip=32 count=1184) and runtime.json must agree with our slicing;
 * the binding holds except in the two sets built to break it. */
static void seedsets(void **state)
{
    (void)state;
    CVM_VECTOR_OR_SKIP(idx, "seedsets/index.json");
    json_error_t je;
    json_t *sets = json_load_file(idx, JSON_REJECT_DUPLICATES, &je);
    assert_true(json_is_array(sets));
    assert_int_equal(json_array_size(sets), 15);
    size_t i;
    json_t *set;
    json_array_foreach(sets, i, set)
    {
        const char *name = json_string_value(json_object_get(set, "name"));
        assert_non_null(name);
        char rel[512];
        size_t nl, gl, jl;
        snprintf(rel, sizeof(rel), "seedsets/%s/snp_report.bin", name);
        uint8_t *nv = cvm_test_read(cvm_test_vector(rel), &nl);
        snprintf(rel, sizeof(rel), "seedsets/%s/guest_report.bin", name);
        uint8_t *guest = cvm_test_read(cvm_test_vector(rel), &gl);
        snprintf(rel, sizeof(rel), "seedsets/%s/runtime.json", name);
        uint8_t *js = cvm_test_read(cvm_test_vector(rel), &jl);
        cvm_hcl_report h;
        cvm_err e;
        cvm_err_clear(&e);
        if (cvm_hcl_parse(nv, nl, name, &h, &e)) {
            char m[512];
            fail_msg("%s", cvm_err_format(&e, m, sizeof(m)));
        }
        assert_true(h.is_snp);
        assert_int_equal(gl, CVM_SNP_REPORT_LEN);
        assert_memory_equal(guest, h.hw_report, gl);
        assert_int_equal(jl, h.json_len);
        assert_memory_equal(js, h.json, jl);
        /* derived sets carry no report_version; every name ends its base
         * part with "-rv<N>" */
        const char *rv = strstr(name, "-rv");
        assert_non_null(rv);
        assert_int_equal(h.snp.version, (uint32_t)(rv[3] - '0'));
        uint8_t d[64];
        assert_int_equal(cvm_hcl_json_digest(&h, d, sizeof(d)), 32);
        bool bound = memcmp(d, h.snp.report_data, 32) == 0;
        bool broken = strstr(name, "neg-runtime-json") || strstr(name, "ms-clientlibtests");
        if (bound == broken)
            fail_msg("%s: binding %s", name, bound ? "holds" : "fails");
        cvm_runtime rt;
        assert_int_equal(cvm_runtime_parse(js, jl, name, &rt, &e), 0);
        assert_non_null(cvm_runtime_find_key(&rt, "HCLAkPub"));
        cvm_runtime_free(&rt);
        free(nv);
        free(guest);
        free(js);
    }
    json_decref(sets);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_blobs),
        cmocka_unit_test(synthetic_round_trip),
        cmocka_unit_test(hostile),
        cmocka_unit_test(real_truncations),
        cmocka_unit_test(seedsets),
        cmocka_unit_test(mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
