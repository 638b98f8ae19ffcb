/* snp.tcb: the leaf certificate describes THIS report (spec/verify.md
 * §3.6): the SPL extensions equal REPORTED_TCB decoded for the product
 * (not CURRENT_TCB: Azure hosts often run newer, uncommitted firmware),
 * hwID equals CHIP_ID (8 bytes on Turin) for a VCEK, and KEY_INFO's
 * signing key names the same kind of certificate. */
#include "verify.h"

#include <string.h>

static bool all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

void cvm_link_snp_tcb(cvm_verify *v)
{
    const int L = CVM_L_SNP_TCB;
    if (v->report_input < 0) {
        cvm_link_set(v, L, CVM_ST_SKIP, "no SNP report");
        return;
    }
    if (!cvm_link_need(v, L, v->report_input))
        return;
    if (!v->have_leaf_ext || v->product == CVM_PRODUCT_UNKNOWN) {
        cvm_link_set(v, L, CVM_ST_SKIP, "depends on amd.chain: no VCEK/VLEK extensions or product line");
        return;
    }
    const cvm_amd_ext *e = &v->leaf_ext;
    const cvm_snp_report *r = &v->report;
    const char *kind = v->leaf_is_vlek ? "VLEK" : "VCEK";
    json_t *d = cvm_link_details(v, L);
    cvm_tcb t;
    cvm_tcb_decode(r->reported_tcb, v->product, &t);
    char tb[96];
    json_object_set_new(d, "reported_tcb", json_string(cvm_tcb_format(&t, tb, sizeof tb)));
    json_object_set_new(d, "product", json_string(cvm_product_name(v->product)));

    /* signing key kind */
    if (r->key.signing_key != (v->leaf_is_vlek ? CVM_SNP_SIGNING_VLEK : CVM_SNP_SIGNING_VCEK)) {
        cvm_link_set(v, L, CVM_ST_FAIL,
                     "KEY_INFO (offset 0x48) says the report is signed by the %s, but the certificate is a %s",
                     cvm_snp_signing_key_name(r->key.signing_key), kind);
        return;
    }
    struct {
        const char *name;
        bool has;
        uint8_t cert;
        uint8_t rep;
    } spl[] = {
        {"blSPL", e->has_bl_spl, e->bl_spl, t.bootloader},
        {"teeSPL", e->has_tee_spl, e->tee_spl, t.tee},
        {"snpSPL", e->has_snp_spl, e->snp_spl, t.snp},
        {"ucodeSPL", e->has_ucode_spl, e->ucode_spl, t.microcode},
        {"fmcSPL", e->has_fmc_spl, e->fmc_spl, t.fmc},
    };
    size_t nspl = v->product == CVM_PRODUCT_TURIN ? 5 : 4;
    for (size_t i = 0; i < nspl; i++) {
        if (!spl[i].has) {
            cvm_link_set(v, L, CVM_ST_FAIL, "the %s has no %s extension", kind, spl[i].name);
            return;
        }
        if (spl[i].cert != spl[i].rep) {
            cvm_link_set(v, L, CVM_ST_FAIL,
                         "%s %s = %u but the report's REPORTED_TCB (offset 0x180) has %u: the %s was "
                         "issued for another TCB",
                         kind, spl[i].name, spl[i].cert, spl[i].rep, kind);
            return;
        }
    }
    if (v->leaf_is_vlek) {
        if (e->has_hwid) {
            cvm_link_set(v, L, CVM_ST_FAIL, "the VLEK carries an hwID extension (VLEKs are not chip-bound)");
            return;
        }
        if (e->has_csp_id)
            json_object_set_new(d, "csp_id", json_string(e->csp_id));
        cvm_link_set(v, L, CVM_ST_PASS, "VLEK SPLs equal REPORTED_TCB (%s); CSP %s", tb,
                     e->has_csp_id ? e->csp_id : "(no cspID)");
        return;
    }
    size_t want = v->product == CVM_PRODUCT_TURIN ? 8 : 64;
    if (all_zero(r->chip_id, sizeof r->chip_id)) {
        cvm_link_set(v, L, CVM_ST_WARN,
                     "VCEK SPLs equal REPORTED_TCB (%s); CHIP_ID is all zero (MASK_CHIP_ID), so hwID "
                     "cannot be compared",
                     tb);
        return;
    }
    if (!e->has_hwid || e->hwid_len != want) {
        cvm_link_set(v, L, CVM_ST_FAIL, "the VCEK hwID extension is %s, expected %zu bytes for %s",
                     e->has_hwid ? "of another length" : "absent", want, cvm_product_name(v->product));
        return;
    }
    json_object_set_new(d, "hwid", cvm_json_hex(e->hwid, e->hwid_len));
    json_object_set_new(d, "chip_id", cvm_json_hex(r->chip_id, want));
    if (memcmp(e->hwid, r->chip_id, want) != 0) {
        cvm_link_set(v, L, CVM_ST_FAIL,
                     "VCEK hwID %02x%02x%02x%02x... differs from the report's CHIP_ID %02x%02x%02x%02x... "
                     "(offset 0x1A0): the VCEK belongs to another chip",
                     e->hwid[0], e->hwid[1], e->hwid[2], e->hwid[3], r->chip_id[0], r->chip_id[1],
                     r->chip_id[2], r->chip_id[3]);
        return;
    }
    if (want == 8 && !all_zero(r->chip_id + 8, 56)) {
        cvm_link_set(v, L, CVM_ST_FAIL, "Turin CHIP_ID has non-zero bytes after the first 8");
        return;
    }
    cvm_link_set(v, L, CVM_ST_PASS, "VCEK SPLs equal REPORTED_TCB (%s) and hwID equals CHIP_ID", tb);
}
