#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "snp.h"

/* Decoded values recorded in ../shared/vectors/MANIFEST.md ("Verification
 * results": report: vN, guest_svn, policy, vmpl, signing_key,
 * platform_info, cpuid, fw, TCBs, chip_id prefix). `off` is where the SNP
 * report starts inside the file (32 for HCL blobs). */
struct snp_case {
    const char *path;
    size_t off;
    uint32_t version, guest_svn;
    uint64_t policy;
    uint32_t vmpl;
    uint8_t signing_key;
    uint64_t platform_info;
    uint8_t fam, model, step; /* v3+ only */
    enum cvm_product product; /* from CPUID, UNKNOWN for v1/v2 */
    uint8_t fw_major, fw_minor, fw_build;
    uint64_t current_tcb, reported_tcb, committed_tcb, launch_tcb;
    const char *chip_id8; /* hex of chip_id[0..8) */
    const char *report_data8;
    /* reported TCB per component, in the report's own layout */
    uint8_t bl, tee, snp, ucode, fmc;
};

static const struct snp_case cases[] = {
    {"snp/virtee-sev/report_milan.bin", 0, 2, 0, 0x30000, 0, 0, 0x1, 0, 0, 0, CVM_PRODUCT_UNKNOWN,
     1, 52, 4, 0x7308000000000003, 0x7308000000000003, 0x7308000000000003, 0x7308000000000003,
     "d49554ec717f4e5b", "d447b55d197491bf", 3, 0, 8, 115, 0},
    {"snp/go-sev-guest/attestation.bin", 0, 2, 0, 0xb0000, 0, 0, 0x1, 0, 0, 0, CVM_PRODUCT_UNKNOWN,
     1, 49, 3, 0x4405000000000002, 0x4405000000000002, 0x4405000000000002, 0x4405000000000002,
     "3ac3fe21e13fb099", "0102030405000000", 2, 0, 5, 68, 0},
    {"snp/aci-confidential-sidecar/snp_report.bin", 0, 2, 2, 0x3001f, 0, 0, 0x1, 0, 0, 0,
     CVM_PRODUCT_UNKNOWN, 1, 52, 4, 0x7308000000000003, 0x7308000000000003, 0x7308000000000003,
     0x7308000000000003, "b12164b45a2a2742", "ee986ff2bd7e3f22", 3, 0, 8, 115, 0},
    {"snp/aci-tee-attestation-verification/milan_attestation_report.bin", 0, 3, 2, 0x3001f, 0, 0,
     0x25, 0x19, 0x01, 0x01, CVM_PRODUCT_MILAN, 1, 55, 29, 0xdb18000000000004, 0xdb18000000000004,
     0xdb18000000000004, 0xdb18000000000004, "4ffb5cb4fd594f3f", "0000000000000000", 4, 0, 24,
     219, 0},
    {"snp/aci-tee-attestation-verification/genoa_attestation_report.bin", 0, 3, 2, 0x3001f, 0, 0,
     0x27, 0x19, 0x11, 0x01, CVM_PRODUCT_GENOA, 1, 55, 40, 0x541700000000000a, 0x541700000000000a,
     0x541700000000000a, 0x541700000000000a, "b1e24a27bbc3a4d5", "0000000000000000", 10, 0, 23,
     84, 0},
    {"snp/aci-tee-attestation-verification/turin_attestation_report.bin", 0, 5, 2, 0x3001f, 0, 0,
     0x65, 0x1a, 0x02, 0x01, CVM_PRODUCT_TURIN, 1, 55, 65, 0x5100000004010101, 0x5100000004010101,
     0x5100000004010101, 0x5100000004010101, "59790fb1c39f35c1", "0000000000000000", 1, 1, 4, 81,
     1},
    {"snp/aws-vlek-trustee/test-vlek-report.2024.bin", 0, 2, 0, 0x30000, 1, 1, 0x3, 0, 0, 0,
     CVM_PRODUCT_UNKNOWN, 1, 55, 18, 0xd115000000000003, 0xd115000000000003, 0xd115000000000003,
     0xd115000000000003, "0000000000000000", "24370d12f27983b6", 3, 0, 21, 209, 0},
    {"snp/aws-vlek-trustee/test-vlek-report.2025.bin", 0, 3, 0, 0x30000, 1, 1, 0x27, 0x19, 0x01,
     0x01, CVM_PRODUCT_MILAN, 1, 55, 29, 0xdc18000000000004, 0xd918000000000004, 0xdb18000000000004,
     0xdb18000000000004, "0000000000000000", "819770b7e6ea6df8", 4, 0, 24, 217, 0},
    {"snp/trustee-e2e-genoa/evidence.2025-05-28.report.rebuilt.bin", 0, 3, 0, 0x30000, 0, 0, 0x25,
     0x19, 0xa0, 0x02, CVM_PRODUCT_GENOA, 1, 55, 40, 0x191700000000000a, 0x191700000000000a,
     0x191700000000000a, 0x191700000000000a, "371c55d6d15cb50f", "7e7320889600c7ac", 10, 0, 23, 25,
     0},
    {"azure-hcl/kinvolk/hcl-report-snp.bin", 32, 2, 2, 0x3001f, 0, 0, 0x1, 0, 0, 0,
     CVM_PRODUCT_UNKNOWN, 1, 52, 4, 0xce08000000000003, 0x7308000000000003, 0x7308000000000003,
     0x7308000000000003, "3a5d5b1d059d193e", "1d0a466a9eed975e", 3, 0, 8, 115, 0},
    {"azure-hcl/ms-cvm-guest-attestation/hcl-report.2022-04.bin", 32, 1, 1, 0x3001f, 0, 0, 0x1, 0,
     0, 0, CVM_PRODUCT_UNKNOWN, 0, 0, 0, 0x3702000000000002, 0x3702000000000002, 0, 0,
     "b0b528463e354f61", "36a3cc02b1c81ee7", 2, 0, 2, 55, 0},
    {"azure-hcl/trustee/hcl-report.2024-01-29.bin", 32, 2, 5, 0x3001f, 0, 0, 0x1, 0, 0, 0,
     CVM_PRODUCT_UNKNOWN, 1, 52, 4, 0xd208000000000003, 0x7308000000000003, 0x7308000000000003,
     0x7308000000000003, "3a754596b2b80f2e", "b044f0108ab52768", 3, 0, 8, 115, 0},
    {"azure-hcl/trustee/hcl-report.2024-02-28.bin", 32, 2, 5, 0x3001f, 0, 0, 0x1, 0, 0, 0,
     CVM_PRODUCT_UNKNOWN, 1, 52, 4, 0xd208000000000003, 0x7308000000000003, 0x7308000000000003,
     0x7308000000000003, "19752a447db501a3", "b3fbad6514c83cae", 3, 0, 8, 115, 0},
    {"azure-hcl/trustee/decoded/evidence-v0.hcl-report.bin", 32, 3, 10, 0x3001f, 0, 0, 0x25, 0x19,
     0x01, 0x01, CVM_PRODUCT_MILAN, 1, 55, 29, 0xdb18000000000004, 0xdb18000000000004,
     0xdb18000000000004, 0xdb18000000000004, "66a5a7b4403a3006", "af2910341dd81083", 4, 0, 24,
     219, 0},
    {"azure-hcl/trustee/decoded/evidence-v1.hcl-report.bin", 32, 3, 10, 0x3001f, 0, 0, 0x25, 0x19,
     0x01, 0x01, CVM_PRODUCT_MILAN, 1, 55, 29, 0xdb18000000000004, 0xdb18000000000004,
     0xdb18000000000004, 0xdb18000000000004, "66a5a7b4403a3006", "af2910341dd81083", 4, 0, 24,
     219, 0},
};

static void hex8(const uint8_t *p, char out[17]) { cvm_hex(p, 8, out); }

static void check_case(const struct snp_case *c)
{
    CVM_VECTOR_OR_SKIP(path, c->path);
    size_t len;
    uint8_t *buf = cvm_test_read(path, &len);
    assert_true(len >= c->off + CVM_SNP_REPORT_LEN);
    const uint8_t *raw = buf + c->off;
    cvm_err e;
    cvm_err_clear(&e);
    cvm_snp_report r;
    int rc = cvm_snp_parse(raw, CVM_SNP_REPORT_LEN, c->path, &r, &e);
    if (rc) {
        char m[512];
        fail_msg("%s: %s", c->path, cvm_err_format(&e, m, sizeof(m)));
    }
    assert_int_equal(r.version, c->version);
    assert_int_equal(r.guest_svn, c->guest_svn);
    assert_int_equal(r.policy, c->policy);
    assert_int_equal(r.vmpl, c->vmpl);
    assert_int_equal(r.signature_algo, 1);
    assert_int_equal(r.key.signing_key, c->signing_key);
    assert_int_equal(r.platform_info, c->platform_info);
    assert_int_equal(r.has_cpuid, c->version >= 3);
    assert_int_equal(r.has_mit_vector, c->version >= 5);
    if (c->version >= 3) {
        assert_int_equal(r.cpuid_fam_id, c->fam);
        assert_int_equal(r.cpuid_mod_id, c->model);
        assert_int_equal(r.cpuid_step, c->step);
    }
    assert_int_equal(cvm_snp_product(&r), c->product);
    assert_int_equal(r.current_major, c->fw_major);
    assert_int_equal(r.current_minor, c->fw_minor);
    assert_int_equal(r.current_build, c->fw_build);
    assert_int_equal(r.current_tcb, c->current_tcb);
    assert_int_equal(r.reported_tcb, c->reported_tcb);
    assert_int_equal(r.committed_tcb, c->committed_tcb);
    assert_int_equal(r.launch_tcb, c->launch_tcb);
    char h[17];
    hex8(r.chip_id, h);
    assert_string_equal(h, c->chip_id8);
    hex8(r.report_data, h);
    assert_string_equal(h, c->report_data8);
    assert_int_equal(!!(r.flags & CVM_SNP_F_V1), c->version == 1);
    /* Azure/ACI policies keep bit 17 set. The one real Turin report sets
     * PLATFORM_INFO bit 6, which formats.md §2.4 lists as reserved (newer
     * third-party code calls it IOMMU write-safe): flagged, not rejected. */
    unsigned want_flags = c->version == 1 ? CVM_SNP_F_V1 : 0;
    if (c->product == CVM_PRODUCT_TURIN) {
        want_flags |= CVM_SNP_F_PLATFORM_RESERVED;
        assert_int_equal(r.platform.reserved_bits, 0x40);
    }
    assert_int_equal(r.flags, want_flags);

    /* TCB per component in the layout of the product (v2 Milan: legacy) */
    enum cvm_product p = c->product == CVM_PRODUCT_UNKNOWN ? CVM_PRODUCT_MILAN : c->product;
    cvm_tcb t;
    cvm_tcb_decode(r.reported_tcb, p, &t);
    assert_int_equal(t.bootloader, c->bl);
    assert_int_equal(t.tee, c->tee);
    assert_int_equal(t.snp, c->snp);
    assert_int_equal(t.microcode, c->ucode);
    assert_int_equal(t.has_fmc, c->product == CVM_PRODUCT_TURIN);
    assert_int_equal(t.fmc, c->fmc);
    assert_int_equal(t.reserved, 0);
    assert_int_equal(cvm_tcb_encode(&t), r.reported_tcb);

    if (c->product == CVM_PRODUCT_TURIN) {
        /* Turin: only 8 bytes of chip_id; v5 mitigation vectors present */
        for (int i = 8; i < 64; i++)
            assert_int_equal(r.chip_id[i], 0);
        assert_int_equal(r.launch_mit_vector, 0x3f);
        assert_int_equal(r.current_mit_vector, 0x3f);
    }

    /* byte-exact round trip */
    uint8_t out[CVM_SNP_REPORT_LEN];
    cvm_snp_write(&r, out);
    assert_memory_equal(out, raw, CVM_SNP_REPORT_LEN);

    /* signature: P-384 values in the low 48 bytes, big-endian conversion
     * and back gives the same fields */
    uint8_t sr[48], ss[48];
    assert_int_equal(cvm_snp_signature_be(&r, sr, ss, &e), 0);
    assert_int_equal(sr[47], r.signature_r[0]);
    assert_int_equal(ss[0], r.signature_s[47]);
    cvm_snp_report r2 = r;
    memset(r2.signature_r, 0xee, sizeof(r2.signature_r));
    memset(r2.signature_s, 0xee, sizeof(r2.signature_s));
    cvm_snp_set_signature_be(&r2, sr, ss);
    assert_memory_equal(r2.signature_r, r.signature_r, 72);
    assert_memory_equal(r2.signature_s, r.signature_s, 72);

    /* the JSON view decodes without failing and carries the key values */
    json_t *j = cvm_snp_to_json(&r, CVM_PRODUCT_UNKNOWN);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), c->version);
    json_t *rt = json_object_get(j, "reported_tcb");
    assert_int_equal(json_integer_value(json_object_get(rt, "microcode")), c->ucode);
    json_decref(j);
    free(buf);
}

static void real_reports_decode_and_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_case(&cases[i]);
}

static void vlek_and_debug_bits(void **state)
{
    (void)state;
    CVM_VECTOR_OR_SKIP(p1, "snp/go-sev-guest/attestation.bin");
    size_t len;
    uint8_t *b = cvm_test_read(p1, &len);
    cvm_snp_report r;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_snp_parse(b, len, "a", &r, &e), 0);
    /* 0xb0000: SMT, bit 17, DEBUG; no migration agent */
    assert_true(r.policy_bits.debug);
    assert_true(r.policy_bits.smt);
    assert_true(r.policy_bits.reserved_17);
    assert_false(r.policy_bits.migrate_ma);
    assert_int_equal(r.policy_bits.abi_major, 0);
    free(b);

    CVM_VECTOR_OR_SKIP(p2, "snp/aws-vlek-trustee/test-vlek-report.2025.bin");
    b = cvm_test_read(p2, &len);
    assert_int_equal(cvm_snp_parse(b, len, "v", &r, &e), 0);
    assert_int_equal(r.key.signing_key, CVM_SNP_SIGNING_VLEK);
    assert_string_equal(cvm_snp_signing_key_name(r.key.signing_key), "VLEK");
    /* 0x27: SMT, TSME, ECC, ciphertext hiding off, alias check done */
    assert_true(r.platform.smt_en);
    assert_true(r.platform.tsme_en);
    assert_true(r.platform.ecc_en);
    assert_false(r.platform.rapl_dis);
    assert_true(r.platform.alias_check_complete);
    free(b);
}

/* ---- synthetic reports ---- */

static void fill_synthetic(cvm_snp_report *r, uint32_t version)
{
    memset(r, 0, sizeof(*r));
    r->version = version;
    r->guest_svn = 0x1000b;
    r->policy = 0x3001f;
    for (int i = 0; i < 16; i++) {
        r->family_id[i] = (uint8_t)(0x10 + i);
        r->image_id[i] = (uint8_t)(0x20 + i);
    }
    r->vmpl = 0;
    r->signature_algo = 1;
    r->platform_info = 0x25;
    for (int i = 0; i < 64; i++) {
        r->report_data[i] = (uint8_t)i;
        r->chip_id[i] = (uint8_t)(0xc0 ^ i);
    }
    for (int i = 0; i < 48; i++)
        r->measurement[i] = (uint8_t)(0x80 + i);
    if (version >= 3) {
        r->cpuid_fam_id = 0x19;
        r->cpuid_mod_id = 0x11;
        r->cpuid_step = 1;
    }
    cvm_tcb t = {.bootloader = 10, .tee = 0, .snp = 23, .microcode = 84};
    r->current_tcb = r->reported_tcb = r->committed_tcb = r->launch_tcb = cvm_tcb_encode(&t);
    r->current_major = 1;
    r->current_minor = 55;
    r->current_build = 40;
    r->committed_major = 1;
    r->committed_minor = 55;
    r->committed_build = 40;
    if (version >= 5) {
        r->launch_mit_vector = 0x3f;
        r->current_mit_vector = 0x1f;
    }
    uint8_t sr[48], ss[48];
    for (int i = 0; i < 48; i++) {
        sr[i] = (uint8_t)(i + 1);
        ss[i] = (uint8_t)(0xff - i);
    }
    cvm_snp_set_signature_be(r, sr, ss);
}

static void synthetic_versions_round_trip(void **state)
{
    (void)state;
    const uint32_t versions[] = {1, 2, 3, 4, 5};
    for (size_t v = 0; v < 5; v++) {
        cvm_snp_report in, out;
        fill_synthetic(&in, versions[v]);
        uint8_t buf[CVM_SNP_REPORT_LEN], buf2[CVM_SNP_REPORT_LEN];
        cvm_snp_write(&in, buf);
        cvm_err e;
        cvm_err_clear(&e);
        assert_int_equal(cvm_snp_parse(buf, sizeof(buf), "syn", &out, &e), 0);
        assert_int_equal(out.version, versions[v]);
        assert_int_equal(out.guest_svn, 0x1000b);
        assert_memory_equal(out.report_data, in.report_data, 64);
        assert_int_equal(out.has_cpuid, versions[v] >= 3);
        if (versions[v] >= 3) {
            assert_int_equal(cvm_snp_product(&out), CVM_PRODUCT_GENOA);
        } else {
            assert_int_equal(cvm_snp_product(&out), CVM_PRODUCT_UNKNOWN);
        }
        assert_int_equal(out.current_mit_vector, versions[v] >= 5 ? 0x1f : 0);
        assert_int_equal(!!(out.flags & CVM_SNP_F_V4), versions[v] == 4);
        assert_int_equal(!!(out.flags & CVM_SNP_F_V1), versions[v] == 1);
        cvm_snp_write(&out, buf2);
        assert_memory_equal(buf, buf2, sizeof(buf));
        /* the layout is where formats.md §2.1 says */
        assert_int_equal(buf[0x1a0], 0xc0);
        assert_int_equal(buf[0x050 + 5], 5);
        assert_int_equal(buf[0x2a0], 48); /* r little-endian: last BE byte first */
        assert_int_equal(buf[0x2e8], 0xff - 47);
        assert_int_equal(buf[0x1ea], 1);
        assert_int_equal(buf[0x1e9], 55);
        assert_int_equal(buf[0x1e8], 40);
        uint8_t r[48], s[48];
        assert_int_equal(cvm_snp_signature_be(&out, r, s, &e), 0);
        assert_int_equal(r[0], 1);
        assert_int_equal(s[47], 0xff - 47);
    }
}

static void turin_tcb_layout(void **state)
{
    (void)state;
    /* Turin: fmc=byte0 bl=byte1 tee=byte2 snp=byte3 ucode=byte7 */
    cvm_tcb t;
    cvm_tcb_decode(0x5100000004010203ull, CVM_PRODUCT_TURIN, &t);
    assert_true(t.has_fmc);
    assert_int_equal(t.fmc, 3);
    assert_int_equal(t.bootloader, 2);
    assert_int_equal(t.tee, 1);
    assert_int_equal(t.snp, 4);
    assert_int_equal(t.microcode, 0x51);
    assert_int_equal(cvm_tcb_encode(&t), 0x5100000004010203ull);
    /* the same bytes read in the Milan/Genoa layout mean something else */
    cvm_tcb_decode(0x5100000004010203ull, CVM_PRODUCT_GENOA, &t);
    assert_false(t.has_fmc);
    assert_int_equal(t.bootloader, 3);
    assert_int_equal(t.tee, 2);
    assert_int_equal(t.snp, 0);
    assert_int_not_equal(t.reserved, 0);
    assert_int_equal(cvm_tcb_encode(&t), 0x5100000004010203ull);

    cvm_tcb enc = {.fmc = 1, .bootloader = 1, .tee = 1, .snp = 4, .microcode = 81, .has_fmc = true};
    assert_int_equal(cvm_tcb_encode(&enc), 0x5100000004010101ull);

    cvm_tcb have = {.bootloader = 4, .tee = 0, .snp = 24, .microcode = 219};
    cvm_tcb min = {.bootloader = 3, .tee = 0, .snp = 8, .microcode = 115};
    assert_true(cvm_tcb_ge(&have, &min));
    min.snp = 25;
    assert_false(cvm_tcb_ge(&have, &min));
    char b[64];
    assert_string_equal(cvm_tcb_format(&have, b, sizeof(b)), "bl=4 tee=0 snp=24 ucode=219");
}

static void products(void **state)
{
    (void)state;
    assert_int_equal(cvm_product_from_cpuid(0x19, 0x01), CVM_PRODUCT_MILAN);
    assert_int_equal(cvm_product_from_cpuid(0x19, 0x0f), CVM_PRODUCT_MILAN);
    assert_int_equal(cvm_product_from_cpuid(0x19, 0x11), CVM_PRODUCT_GENOA);
    assert_int_equal(cvm_product_from_cpuid(0x19, 0xa0), CVM_PRODUCT_GENOA);
    assert_int_equal(cvm_product_from_cpuid(0x19, 0xaf), CVM_PRODUCT_GENOA);
    assert_int_equal(cvm_product_from_cpuid(0x19, 0x20), CVM_PRODUCT_UNKNOWN);
    assert_int_equal(cvm_product_from_cpuid(0x19, 0xb0), CVM_PRODUCT_UNKNOWN);
    assert_int_equal(cvm_product_from_cpuid(0x1a, 0x02), CVM_PRODUCT_TURIN);
    assert_int_equal(cvm_product_from_cpuid(0x1a, 0x11), CVM_PRODUCT_TURIN);
    assert_int_equal(cvm_product_from_cpuid(0x1a, 0x12), CVM_PRODUCT_UNKNOWN);
    assert_int_equal(cvm_product_from_cpuid(0x17, 0x01), CVM_PRODUCT_UNKNOWN);
    assert_int_equal(cvm_product_from_name("Milan-B0"), CVM_PRODUCT_MILAN);
    assert_int_equal(cvm_product_from_name("Milan"), CVM_PRODUCT_MILAN);
    assert_int_equal(cvm_product_from_name("genoa"), CVM_PRODUCT_GENOA);
    assert_int_equal(cvm_product_from_name("SEV-Turin"), CVM_PRODUCT_TURIN);
    assert_int_equal(cvm_product_from_name("SEV-VLEK-Genoa"), CVM_PRODUCT_GENOA);
    assert_int_equal(cvm_product_from_name("Milano"), CVM_PRODUCT_UNKNOWN);
    assert_int_equal(cvm_product_from_name(""), CVM_PRODUCT_UNKNOWN);
    assert_int_equal(cvm_product_from_name(NULL), CVM_PRODUCT_UNKNOWN);
    assert_string_equal(cvm_product_name(CVM_PRODUCT_GENOA), "Genoa");
    assert_string_equal(cvm_product_name(CVM_PRODUCT_UNKNOWN), "unknown");
}

/* ---- hostile input ---- */

static int parse_cb(const uint8_t *b, size_t n, void *ctx)
{
    (void)ctx;
    cvm_snp_report r;
    cvm_err e;
    cvm_err_clear(&e);
    return cvm_snp_parse(b, n, "t", &r, &e);
}

static int expect_reject(const uint8_t *buf, int code, const char *field, size_t off)
{
    cvm_snp_report r;
    cvm_err e;
    cvm_err_clear(&e);
    int rc = cvm_snp_parse(buf, CVM_SNP_REPORT_LEN, "bad.bin", &r, &e);
    assert_int_equal(rc, code);
    assert_string_equal(e.field, field);
    assert_int_equal(e.offset, off);
    assert_string_equal(e.what, "bad.bin");
    return rc;
}

static void hostile(void **state)
{
    (void)state;
    cvm_snp_report in;
    fill_synthetic(&in, 3);
    uint8_t good[CVM_SNP_REPORT_LEN], b[CVM_SNP_REPORT_LEN];
    cvm_snp_write(&in, good);
    cvm_test_truncations(good, sizeof(good), parse_cb, NULL);

    /* one byte too many */
    uint8_t big[CVM_SNP_REPORT_LEN + 1];
    memcpy(big, good, sizeof(good));
    big[CVM_SNP_REPORT_LEN] = 0;
    cvm_snp_report r;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_snp_parse(big, sizeof(big), "x", &r, &e), CVM_E_TRAILING);
    assert_int_equal(e.offset, CVM_SNP_REPORT_LEN);

    const uint32_t bad_versions[] = {0, 6, 0xffffffff};
    for (size_t i = 0; i < 3; i++) {
        memcpy(b, good, sizeof(b));
        b[0] = (uint8_t)bad_versions[i];
        b[1] = b[2] = b[3] = (uint8_t)(bad_versions[i] >> 8);
        expect_reject(b, CVM_E_UNSUPPORTED, "version", 0);
    }

    struct {
        size_t off;
        const char *field;
    } mbz[] = {
        {0x04c, "reserved_04c"},          {0x04f, "reserved_04c"},
        {0x18b, "reserved_18b"},          {0x19f, "reserved_18b"},
        {0x1eb, "reserved_1eb"},          {0x1ef, "reserved_1ef"},
        {0x1f8, "reserved_1f8"},          {0x207, "reserved_1f8"},
        {0x208, "reserved_208"},          {0x29f, "reserved_208"},
        {0x330, "signature.reserved"},    {0x49f, "signature.reserved"},
    };
    for (size_t i = 0; i < sizeof(mbz) / sizeof(mbz[0]); i++) {
        memcpy(b, good, sizeof(b));
        b[mbz[i].off] = 0x01;
        expect_reject(b, CVM_E_VALUE, mbz[i].field, mbz[i].off);
    }
    /* v2: the CPUID bytes are reserved too */
    fill_synthetic(&in, 2);
    cvm_snp_write(&in, b);
    b[0x188] = 0x19;
    expect_reject(b, CVM_E_VALUE, "reserved_188", 0x188);
    /* v5: 0x1f8..0x207 are the mitigation vectors, not reserved */
    fill_synthetic(&in, 5);
    cvm_snp_write(&in, b);
    b[0x207] = 0x80;
    cvm_err_clear(&e);
    assert_int_equal(cvm_snp_parse(b, sizeof(b), "x", &r, &e), 0);
    assert_int_equal(r.current_mit_vector, 0x800000000000001full);

    /* reserved bits are flagged, not rejected */
    fill_synthetic(&in, 3);
    in.policy = 0x1f | (1ull << 40);   /* bit 17 clear, bit 40 set */
    in.platform_info = 0x40;
    in.key_info = 3u << 2;             /* signing_key 3: reserved */
    in.signature_algo = 0x102;
    cvm_snp_write(&in, b);
    cvm_err_clear(&e);
    assert_int_equal(cvm_snp_parse(b, sizeof(b), "x", &r, &e), 0);
    assert_true(r.flags & CVM_SNP_F_POLICY_RESERVED);
    assert_true(r.flags & CVM_SNP_F_PLATFORM_RESERVED);
    assert_true(r.flags & CVM_SNP_F_KEYINFO_RESERVED);
    assert_true(r.flags & CVM_SNP_F_SIG_ALGO_UNKNOWN);
    assert_false(r.policy_bits.reserved_17);
    assert_int_equal(r.policy_bits.reserved_bits, 1ull << 40);

    /* r/s beyond 48 bytes */
    fill_synthetic(&in, 3);
    in.signature_s[60] = 1;
    uint8_t sr[48], ss[48];
    cvm_err_clear(&e);
    assert_int_equal(cvm_snp_signature_be(&in, sr, ss, &e), CVM_E_VALUE);
    assert_string_equal(e.field, "signature.s");
    assert_int_equal(e.offset, 0x2e8 + 60);
    in.signature_s[60] = 0;
    in.signature_r[48] = 1;
    cvm_err_clear(&e);
    assert_int_equal(cvm_snp_signature_be(&in, sr, ss, &e), CVM_E_VALUE);
    assert_string_equal(e.field, "signature.r");
    assert_int_equal(e.offset, 0x2a0 + 48);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_reports_decode_and_round_trip),
        cmocka_unit_test(vlek_and_debug_bits),
        cmocka_unit_test(synthetic_versions_round_trip),
        cmocka_unit_test(turin_tcb_layout),
        cmocka_unit_test(products),
        cmocka_unit_test(hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
