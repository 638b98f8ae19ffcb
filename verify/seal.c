/* seal: the seal quote over manifest.json (spec/verify.md §3.14,
 * spec/bundle-v1.md §5.2, §6): signed by the same AK as quote #1, in the
 * same boot (equal resetCount and restartCount, clock not earlier), and
 * its extraData is SHA-256("cvm-evidence/seal/v1\0" || manifest.json as
 * stored). This authenticates the manifest's claims as the guest's. */
#include "verify.h"

#include "binding.h"

int cvm_quote_verify_sig(EVP_PKEY *key, const cvm_tpm_signature *sig, const uint8_t *msg, size_t len,
                         char *why, size_t n);

void cvm_link_seal(cvm_verify *v)
{
    const int L = CVM_L_SEAL;
    if (!v->opts.bundle_path) {
        cvm_link_set(v, L, CVM_ST_SKIP, "loose files (--dir): no seal quote");
        return;
    }
    if (!cvm_link_depends(v, L, CVM_L_BUNDLE_MANIFEST))
        return;
    if (!v->in[CVM_IN_SEAL_MSG].present || !v->in[CVM_IN_SEAL_SIG].present) {
        cvm_link_set(v, L, CVM_ST_FAIL, "seal.msg / seal.sig missing from the bundle");
        return;
    }
    if (!cvm_link_need(v, L, CVM_IN_SEAL_MSG) || !cvm_link_need(v, L, CVM_IN_SEAL_SIG))
        return;
    if (!cvm_link_depends(v, L, CVM_L_QUOTE_SIGNATURE))
        return;
    json_t *d = cvm_link_details(v, L);
    const cvm_tpm_attest *s = &v->seal_attest, *q = &v->attest;
    char why[256] = "";
    if (cvm_quote_verify_sig(v->quote_key, &v->seal_sig, v->in[CVM_IN_SEAL_MSG].buf, v->in[CVM_IN_SEAL_MSG].len, why,
                             sizeof why) != 1) {
        cvm_link_set(v, L, CVM_ST_FAIL, "seal.sig over seal.msg: %s with the AK of quote #1", why);
        return;
    }
    uint8_t h[32];
    const cvm_input *mi = &v->in[CVM_IN_MANIFEST];
    if (cvm_seal_digest(mi->buf, mi->len, h) != CVM_OK) {
        cvm_link_set(v, L, CVM_ST_FAIL, "cannot compute the seal digest");
        return;
    }
    json_object_set_new(d, "computed", cvm_json_hex(h, 32));
    json_object_set_new(d, "extra_data", cvm_json_hex(s->extra_data, s->extra_data_len));
    if (s->extra_data_len != 32 || cvm_ct_memcmp(s->extra_data, h, 32) != 0) {
        cvm_link_set(v, L, CVM_ST_FAIL, "seal.msg extraData is not SHA-256(tag || manifest.json): the manifest was "
                     "changed after it was sealed");
        return;
    }
    json_object_set_new(d, "reset_count", json_integer(s->reset_count));
    json_object_set_new(d, "restart_count", json_integer(s->restart_count));
    if (s->reset_count != q->reset_count || s->restart_count != q->restart_count) {
        cvm_link_set(v, L, CVM_ST_FAIL, "the seal quote is from another boot: resetCount/restartCount %u/%u vs quote #1's %u/%u",
                     s->reset_count, s->restart_count, q->reset_count, q->restart_count);
        return;
    }
    if (s->clock < q->clock) {
        cvm_link_set(v, L, CVM_ST_FAIL, "the seal quote's clock (%llu ms) is earlier than quote #1's (%llu ms)",
                     (unsigned long long)s->clock, (unsigned long long)q->clock);
        return;
    }
    cvm_link_set(v, L, CVM_ST_PASS, "seal quote by the same AK in the same boot covers manifest.json (%zu bytes)", mi->len);
}
