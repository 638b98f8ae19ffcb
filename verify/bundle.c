/* Bundle input and the bundle links (spec/verify.md §2.2, §3.1, §3.2,
 * §3.12; spec/bundle-v1.md): bundle.tar (the strict tar profile, via
 * format/bundle.h: read from memory, never extracted), bundle.manifest
 * (manifest.json lists exactly the members, with their sizes and SHA-256,
 * and the member set is the v1 set), quote.binding (quote #1's extraData is
 * the binding digest over the manifest nonce and every pre-quote member). */
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"

int cvm_bundle_load(cvm_verify *v, char *errbuf, size_t errlen);

static const struct {
    const char *member;
    int input;
} member_inputs[] = {
    {"report.bin", CVM_IN_HCL},       {"guest_report.bin", CVM_IN_GUEST}, {"vcek.pem", CVM_IN_VCEK},
    {"akpub.pem", CVM_IN_AKPUB},      {"ak.pub", CVM_IN_AKPUB_TPM},       {"quote.msg", CVM_IN_QUOTE_MSG},
    {"quote.sig", CVM_IN_QUOTE_SIG},  {"quote.pcrs", CVM_IN_QUOTE_PCRS},  {"manifest.json", CVM_IN_MANIFEST},
    {"seal.msg", CVM_IN_SEAL_MSG},    {"seal.sig", CVM_IN_SEAL_SIG},      {"eventlog.bin", CVM_IN_EVENTLOG},
    {"runtime.cel", CVM_IN_CEL},
};

int cvm_bundle_load(cvm_verify *v, char *errbuf, size_t errlen)
{
    cvm_err err;
    cvm_err_clear(&err);
    v->in[CVM_IN_HCL].name = "report.bin";
    uint8_t *tar = NULL;
    int rc = cvm_file_read(v->opts.bundle_path, CVM_BUNDLE_MAX_TAR, &tar, &v->tar_len, &err);
    if (rc != CVM_OK && rc != CVM_E_LIMIT) {
        char eb[512];
        snprintf(errbuf, errlen, "%s", cvm_err_format(&err, eb, sizeof eb));
        return -1;
    }
    cvm_err_clear(&v->bundle_err);
    if (rc == CVM_E_LIMIT) {
        v->bundle_rc = cvm_err_set(&v->bundle_err, CVM_E_LIMIT, v->opts.bundle_path, "", CVM_NO_OFFSET,
                                   "larger than %u bytes", CVM_BUNDLE_MAX_TAR);
        return 0;
    }
    /* Peak memory (spec/bundle-v1.md §3): the tar is hashed now and freed as
     * soon as its members are copied out; the inputs borrow those copies. */
    v->have_tar_sha256 = cvm_sha256(tar, v->tar_len, v->tar_sha256) == CVM_OK;
    v->bundle_rc = cvm_bundle_read(tar, v->tar_len, v->opts.bundle_path, &v->bundle, &v->bundle_err);
    free(tar);
    if (v->bundle_rc != CVM_OK)
        return 0;
    v->have_bundle = true;
    for (size_t i = 0; i < sizeof member_inputs / sizeof member_inputs[0]; i++) {
        const uint8_t *p;
        size_t len;
        if (cvm_bundle_get(&v->bundle, member_inputs[i].member, &p, &len) != CVM_OK)
            continue;
        cvm_input *in = &v->in[member_inputs[i].input];
        in->buf = (uint8_t *)p; /* read-only use; see cvm_input.borrowed */
        in->borrowed = true;
        in->len = len;
        in->present = true;
    }
    return 0;
}

void cvm_link_bundle_tar(cvm_verify *v)
{
    const int L = CVM_L_BUNDLE_TAR;
    if (!v->opts.bundle_path) {
        cvm_link_set(v, L, CVM_ST_SKIP, "loose files (--dir), not a bundle");
        return;
    }
    json_t *d = cvm_link_details(v, L);
    json_object_set_new(d, "bytes", json_integer((json_int_t)v->tar_len));
    if (v->have_tar_sha256)
        json_object_set_new(d, "sha256", cvm_json_hex(v->tar_sha256, 32));
    if (!v->have_bundle) {
        char eb[512];
        cvm_link_set(v, L, CVM_ST_FAIL, "not a v1 bundle tar: %s", cvm_err_format(&v->bundle_err, eb, sizeof eb));
        json_t *e = json_object();
        json_object_set_new(e, "field", json_string(v->bundle_err.field));
        if (v->bundle_err.offset != CVM_NO_OFFSET)
            json_object_set_new(e, "offset", json_integer((json_int_t)v->bundle_err.offset));
        json_object_set_new(e, "message", json_string(v->bundle_err.msg));
        json_object_set_new(d, "parse_error", e);
        return;
    }
    json_object_set_new(d, "bundle_id", json_string(v->bundle.bundle_id));
    json_t *m = json_array();
    for (size_t i = 0; i < v->bundle.n; i++)
        json_array_append_new(m, json_string(v->bundle.members[i].name));
    json_object_set_new(d, "members", m);
    cvm_link_set(v, L, CVM_ST_PASS, "ustar profile holds: %zu members under %s, nothing after the end marker",
                 v->bundle.n, v->bundle.topdir);
}

void cvm_link_bundle_manifest(cvm_verify *v)
{
    const int L = CVM_L_BUNDLE_MANIFEST;
    if (!v->opts.bundle_path) {
        cvm_link_set(v, L, CVM_ST_SKIP, "loose files (--dir): no manifest");
        return;
    }
    if (!cvm_link_depends(v, L, CVM_L_BUNDLE_TAR))
        return;
    if (!v->in[CVM_IN_MANIFEST].present) {
        cvm_link_set(v, L, CVM_ST_FAIL, "manifest.json is missing from the bundle");
        return;
    }
    if (!cvm_link_need(v, L, CVM_IN_MANIFEST))
        return;
    const cvm_manifest *m = &v->manifest;
    json_t *d = cvm_link_details(v, L);
    json_t *mj = cvm_manifest_to_json(m);
    if (mj)
        json_object_set_new(v->facts, "manifest", mj);
    /* the member set is v1's */
    for (size_t i = 0; i < v->bundle.n; i++)
        if (!cvm_member_role(v->bundle.members[i].name)) {
            cvm_link_set(v, L, CVM_ST_FAIL, "member %s is not a bundle v1 member", v->bundle.members[i].name);
            return;
        }
    for (size_t i = 0; cvm_member_required_names[i]; i++) {
        const uint8_t *p;
        size_t len;
        if (cvm_bundle_get(&v->bundle, cvm_member_required_names[i], &p, &len) != CVM_OK) {
            cvm_link_set(v, L, CVM_ST_FAIL, "required member %s is missing", cvm_member_required_names[i]);
            return;
        }
    }
    if (strcmp(m->bundle_id, v->bundle.bundle_id) != 0) {
        cvm_link_set(v, L, CVM_ST_FAIL, "manifest bundle_id %s differs from the tar's top directory %s", m->bundle_id,
                     v->bundle.topdir);
        return;
    }
    /* manifest members == the manifested tar members, with size and hash */
    size_t listed = 0;
    for (size_t i = 0; i < v->bundle.n; i++) {
        const cvm_member *b = &v->bundle.members[i];
        if (!cvm_member_is_manifested(b->name))
            continue;
        listed++;
        const cvm_manifest_member *mm = NULL;
        for (size_t k = 0; k < m->n_members && !mm; k++)
            if (strcmp(m->members[k].name, b->name) == 0)
                mm = &m->members[k];
        if (!mm) {
            cvm_link_set(v, L, CVM_ST_FAIL, "member %s is in the tar but not in manifest.json", b->name);
            return;
        }
        uint8_t h[32];
        if (mm->size != b->len || cvm_sha256(b->data, b->len, h) != CVM_OK || memcmp(h, mm->sha256, 32) != 0) {
            cvm_link_set(v, L, CVM_ST_FAIL, "member %s (%zu bytes) does not match its manifest entry (%llu bytes, "
                         "sha256 %02x%02x%02x%02x...): changed after the manifest was made",
                         b->name, b->len, (unsigned long long)mm->size, mm->sha256[0], mm->sha256[1],
                         mm->sha256[2], mm->sha256[3]);
            return;
        }
        const char *role = cvm_member_role(b->name);
        if (!role || strcmp(role, mm->role) != 0) {
            cvm_link_set(v, L, CVM_ST_FAIL, "manifest role \"%s\" of %s is not its v1 role", mm->role, b->name);
            return;
        }
    }
    if (listed != m->n_members) {
        for (size_t k = 0; k < m->n_members; k++) {
            const uint8_t *p;
            size_t len;
            if (cvm_bundle_get(&v->bundle, m->members[k].name, &p, &len) != CVM_OK) {
                cvm_link_set(v, L, CVM_ST_FAIL, "manifest.json lists %s, which is not in the tar", m->members[k].name);
                return;
            }
        }
        cvm_link_set(v, L, CVM_ST_FAIL, "manifest.json lists %zu members, the tar has %zu manifested members",
                     m->n_members, listed);
        return;
    }
    /* the PCR selection it claims is the quote's */
    if (v->in[CVM_IN_QUOTE_MSG].present && v->in[CVM_IN_QUOTE_MSG].rc == CVM_OK) {
        cvm_pcr_selection sel;
        cvm_err err;
        cvm_err_clear(&err);
        if (cvm_pcr_selection_from_string(m->pcr_selection, &sel, &err) != CVM_OK ||
            !cvm_pcr_selection_equal(&sel, &v->attest.pcr_select)) {
            cvm_link_set(v, L, CVM_ST_FAIL, "manifest pcr_selection \"%s\" is not the quote's selection",
                         m->pcr_selection);
            return;
        }
    }
    json_object_set_new(d, "members_checked", json_integer((json_int_t)listed));
    json_object_set_new(d, "claims_unauthenticated_until_seal",
                        json_string("collector, created and custody are the guest's claims (spec/bundle-v1.md §6)"));
    cvm_link_set(v, L, CVM_ST_PASS, "manifest.json lists exactly the %zu members with their sizes and SHA-256", listed);
}

void cvm_link_quote_binding(cvm_verify *v)
{
    const int L = CVM_L_QUOTE_BINDING;
    if (!v->opts.bundle_path) {
        cvm_link_set(v, L, CVM_ST_SKIP, "loose files (--dir): the quote's extraData is a plain nonce, no binding digest");
        return;
    }
    if (!cvm_link_depends(v, L, CVM_L_BUNDLE_MANIFEST) || !cvm_link_need(v, L, CVM_IN_QUOTE_MSG))
        return;
    uint8_t b[32];
    if (cvm_binding_digest(v->manifest.nonce, sizeof v->manifest.nonce, v->bundle.members, v->bundle.n, b) != CVM_OK) {
        cvm_link_set(v, L, CVM_ST_FAIL, "cannot compute the binding digest (duplicate pre-quote member)");
        return;
    }
    json_t *d = cvm_link_details(v, L);
    json_object_set_new(d, "computed", cvm_json_hex(b, 32));
    json_object_set_new(d, "extra_data", cvm_json_hex(v->attest.extra_data, v->attest.extra_data_len));
    if (v->attest.extra_data_len != 32 || cvm_ct_memcmp(v->attest.extra_data, b, 32) != 0) {
        cvm_link_set(v, L, CVM_ST_FAIL,
                     "quote.msg extraData is not the binding digest of the manifest nonce and the pre-quote members: a "
                     "pre-quote member or the nonce was changed after the quote");
        return;
    }
    if (memcmp(v->manifest.binding, b, 32) != 0) {
        cvm_link_set(v, L, CVM_ST_FAIL, "manifest.json's binding field differs from the binding digest");
        return;
    }
    cvm_link_set(v, L, CVM_ST_PASS, "extraData = binding digest over the nonce and every pre-quote member (spec/bundle-v1.md §5.1)");
}

/* quote.nonce for bundles (called from quote.c). */
void cvm_bundle_nonce(cvm_verify *v);

void cvm_bundle_nonce(cvm_verify *v)
{
    const int L = CVM_L_QUOTE_NONCE;
    if (!cvm_link_depends(v, L, CVM_L_QUOTE_BINDING))
        return;
    const cvm_manifest *m = &v->manifest;
    json_t *d = cvm_link_details(v, L);
    json_object_set_new(d, "manifest_nonce", cvm_json_hex(m->nonce, 32));
    json_object_set_new(d, "nonce_source", json_string(m->nonce_source == CVM_NONCE_AUDITOR ? "auditor" : "random"));
    json_object_set_new(d, "fresh_report_claimed", json_boolean(m->fresh_report));
    /* fresh_report: the collector claims the HCL report's user-data is
     * SHA-512(tag || nonce) (spec/bundle-v1.md §5.3); a false claim makes
     * the bundle inconsistent */
    bool report_fresh = false;
    if (m->fresh_report) {
        uint8_t ud[64];
        if (!v->have_runtime || !v->runtime.has_user_data || cvm_hcl_user_data(m->nonce, 32, ud) != CVM_OK ||
            cvm_ct_memcmp(ud, v->runtime.user_data, 64) != 0) {
            cvm_link_set(v, L, CVM_ST_FAIL, "manifest claims fresh_report, but the runtime JSON's user-data is not "
                         "SHA-512(\"cvm-evidence/hcl/v1\\0\" || nonce)");
            return;
        }
        report_fresh = true;
    }
    if (!v->opts.have_nonce) {
        cvm_limitation(v, "Freshness unproven: no auditor nonce (--nonce) was given, so the bundle may be a replay.");
        cvm_link_set(v, L, CVM_ST_WARN, "freshness unproven: no --nonce given (the bundle's nonce is %s)",
                     m->nonce_source == CVM_NONCE_AUDITOR ? "marked auditor-supplied" : "random, made by the collector");
        return;
    }
    if (v->opts.nonce_len != 32 || cvm_ct_memcmp(v->opts.nonce, m->nonce, 32) != 0) {
        cvm_link_set(v, L, CVM_ST_FAIL, "the --nonce (%zu bytes) is not the nonce bound into the quote", v->opts.nonce_len);
        return;
    }
    if (m->nonce_source != CVM_NONCE_AUDITOR) {
        /* the auditor's nonce matches, but the collector recorded that it
         * made the nonce itself: one of the two is wrong */
        cvm_link_set(v, L, CVM_ST_WARN, "the --nonce is the one bound into quote #1, but manifest.json marks it "
                     "\"random\" (made by the collector): if you did not issue it, freshness is unproven");
        return;
    }
    cvm_link_set(v, L, CVM_ST_PASS, "the --nonce is the one bound into quote #1%s",
                 report_fresh ? "; the SNP report was also refreshed with it (user-data)" : "");
}
