/* The JSON report (spec/verify.md §7). Keys are emitted in insertion
 * order, which is fixed by this file, so the layout is stable. */
#include "verify.h"

#include <stdio.h>
#include <string.h>

json_t *cvm_report_summary(const cvm_verify *v);

static void set_str(json_t *o, const char *k, const char *s)
{
    json_object_set_new(o, k, s ? json_string(s) : json_null());
}

json_t *cvm_report_summary(const cvm_verify *v)
{
    json_t *s = json_object();
    set_str(s, "product", v->product != CVM_PRODUCT_UNKNOWN ? cvm_product_name(v->product) : NULL);
    if (v->have_report) {
        const cvm_snp_report *r = &v->report;
        json_object_set_new(s, "report_version", json_integer(r->version));
        json_object_set_new(s, "vmpl", json_integer(r->vmpl));
        char b[128];
        snprintf(b, sizeof b, "0x%llx", (unsigned long long)r->policy);
        set_str(s, "policy", b);
        json_object_set_new(s, "debug_allowed", json_boolean(r->policy_bits.debug));
        json_object_set_new(s, "migrate_ma_allowed", json_boolean(r->policy_bits.migrate_ma));
        json_object_set_new(s, "smt_allowed", json_boolean(r->policy_bits.smt));
        set_str(s, "signing_key", cvm_snp_signing_key_name(r->key.signing_key));
        cvm_tcb t;
        const char *names[] = {"reported_tcb", "current_tcb", "committed_tcb", "launch_tcb"};
        uint64_t raws[] = {r->reported_tcb, r->current_tcb, r->committed_tcb, r->launch_tcb};
        for (int i = 0; i < 4; i++) {
            cvm_tcb_decode(raws[i], v->product, &t);
            json_t *tj = json_object();
            json_object_set_new(tj, "bootloader", json_integer(t.bootloader));
            json_object_set_new(tj, "tee", json_integer(t.tee));
            json_object_set_new(tj, "snp", json_integer(t.snp));
            json_object_set_new(tj, "microcode", json_integer(t.microcode));
            if (t.has_fmc)
                json_object_set_new(tj, "fmc", json_integer(t.fmc));
            snprintf(b, sizeof b, "%016llx", (unsigned long long)raws[i]);
            json_object_set_new(tj, "raw", json_string(b));
            json_object_set_new(s, names[i], tj);
        }
        json_object_set_new(s, "chip_id", cvm_json_hex(r->chip_id, sizeof r->chip_id));
        json_object_set_new(s, "measurement", cvm_json_hex(r->measurement, sizeof r->measurement));
        json_object_set_new(s, "host_data", cvm_json_hex(r->host_data, sizeof r->host_data));
        json_object_set_new(s, "id_key_digest", cvm_json_hex(r->id_key_digest, sizeof r->id_key_digest));
        json_object_set_new(s, "report_data", cvm_json_hex(r->report_data, sizeof r->report_data));
        snprintf(b, sizeof b, "%u.%u.%u", r->current_major, r->current_minor, r->current_build);
        set_str(s, "firmware", b);
    }
    if (v->have_runtime) {
        const cvm_runtime *rt = &v->runtime;
        set_str(s, "vm_unique_id", rt->vm_unique_id);
        json_object_set_new(s, "secure_boot", rt->secure_boot == CVM_TRI_ABSENT ? json_null()
                                              : json_boolean(rt->secure_boot == CVM_TRI_TRUE));
        json_object_set_new(s, "tpm_enabled", rt->tpm_enabled == CVM_TRI_ABSENT ? json_null()
                                              : json_boolean(rt->tpm_enabled == CVM_TRI_TRUE));
        json_object_set_new(s, "console_enabled", rt->console_enabled == CVM_TRI_ABSENT ? json_null()
                                                  : json_boolean(rt->console_enabled == CVM_TRI_TRUE));
        if (rt->has_user_data)
            json_object_set_new(s, "user_data", cvm_json_hex(rt->user_data, sizeof rt->user_data));
    }
    if (v->in[CVM_IN_QUOTE_MSG].present && v->in[CVM_IN_QUOTE_MSG].rc == CVM_OK) {
        char b[256] = "";
        cvm_pcr_selection_to_string(&v->attest.pcr_select, b, sizeof b);
        set_str(s, "quoted_pcrs", b);
        json_object_set_new(s, "quote_extra_data", cvm_json_hex(v->attest.extra_data, v->attest.extra_data_len));
        json_object_set_new(s, "quote_reset_count", json_integer(v->attest.reset_count));
        json_object_set_new(s, "quote_restart_count", json_integer(v->attest.restart_count));
        json_object_set_new(s, "quote_clock_ms", json_integer((json_int_t)v->attest.clock));
    }
    if (v->in[CVM_IN_MANIFEST].decoded && v->in[CVM_IN_MANIFEST].rc == CVM_OK) {
        const cvm_manifest *m = &v->manifest;
        set_str(s, "bundle_id", m->bundle_id);
        json_t *c = json_object();
        set_str(c, "note", "claims made by the guest, authenticated only as the guest's statement by the seal");
        set_str(c, "created", m->created);
        set_str(c, "collector", m->collector_name);
        set_str(c, "collector_version", m->collector_version);
        set_str(c, "case_id", m->custody_case_id);
        set_str(c, "examiner", m->custody_examiner);
        set_str(c, "note_text", m->custody_note);
        set_str(c, "nonce_source", m->nonce_source == CVM_NONCE_AUDITOR ? "auditor" : "random");
        json_object_set_new(c, "fresh_report", json_boolean(m->fresh_report));
        json_object_set_new(s, "manifest_claims", c);
    }
    for (size_t i = 0; i < v->n_anchors; i++)
        if (v->anchors[i].used) {
            char b[256];
            snprintf(b, sizeof b, "%s (%s)", v->anchors[i].name, v->anchors[i].source);
            set_str(s, "trust_anchor", b);
        }
    return s;
}

static json_t *input_json(const cvm_verify *v)
{
    json_t *j = json_object();
    set_str(j, "kind", v->input_kind);
    set_str(j, "path", v->opts.bundle_path ? v->opts.bundle_path : v->opts.dir);
    json_t *files = json_array();
    for (int i = 0; i < CVM_IN_COUNT; i++) {
        const cvm_input *in = &v->in[i];
        if (!in->present)
            continue;
        json_t *f = json_object();
        set_str(f, "name", in->name);
        json_object_set_new(f, "size", json_integer((json_int_t)in->len));
        uint8_t h[32];
        unsigned hl = 0;
        if (in->buf && EVP_Digest(in->buf, in->len, h, &hl, EVP_sha256(), NULL) == 1)
            json_object_set_new(f, "sha256", cvm_json_hex(h, 32));
        if (in->decoded)
            set_str(f, "decoded", in->rc == CVM_OK ? "ok" : cvm_errcode_name(in->rc));
        json_array_append_new(files, f);
    }
    json_object_set_new(j, "files", files);
    json_t *o = json_object();
    json_object_set_new(o, "nonce", v->opts.have_nonce ? cvm_json_hex(v->opts.nonce, v->opts.nonce_len) : json_null());
    set_str(o, "chain", v->opts.chain_path);
    set_str(o, "crl", v->opts.crl_path);
    set_str(o, "policy", v->opts.policy_path);
    json_t *ta = json_array();
    for (size_t i = 0; i < v->opts.n_anchors; i++)
        json_array_append_new(ta, json_string(v->opts.anchor_paths[i]));
    json_object_set_new(o, "trust_anchor_files", ta);
    json_t *sa = json_array(), *tsa = json_array();
    for (size_t i = 0; i < v->opts.n_signer_anchors; i++)
        json_array_append_new(sa, json_string(v->opts.signer_anchor_paths[i]));
    for (size_t i = 0; i < v->opts.n_tsa_anchors; i++)
        json_array_append_new(tsa, json_string(v->opts.tsa_anchor_paths[i]));
    json_object_set_new(o, "signer_anchor_files", sa);
    json_object_set_new(o, "tsa_anchor_files", tsa);
    json_object_set_new(j, "options", o);
    return j;
}

json_t *cvm_report_json(const cvm_verify *v)
{
    json_t *j = json_object();
    set_str(j, "schema", "cvm-verify/report/v1");
    json_t *ver = json_object();
    set_str(ver, "name", "cvm-verify");
    set_str(ver, "version", CVM_VERSION);
    json_object_set_new(j, "verifier", ver);
    json_object_set_new(j, "input", input_json(v));
    json_t *t = json_object();
    char ts[40];
    cvm_time_format(v->vtime, ts, sizeof ts);
    set_str(t, "kind", v->time_kind);
    set_str(t, "value", ts);
    json_object_set_new(j, "time", t);
    json_t *vd = json_object();
    set_str(vd, "result", v->verdict);
    json_object_set_new(vd, "exit_code", json_integer(v->verdict_exit));
    int first = -1;
    for (int i = 0; i < CVM_L_COUNT && first < 0; i++)
        if (v->res[i].status == CVM_ST_FAIL)
            first = i;
    set_str(vd, "first_failure", first >= 0 ? cvm_link_id(first) : NULL);
    json_object_set_new(j, "verdict", vd);
    json_t *links = json_array();
    for (int i = 0; i < CVM_L_COUNT; i++) {
        json_t *l = json_object();
        set_str(l, "id", cvm_link_id(i));
        set_str(l, "status", cvm_status_name(v->res[i].status));
        json_object_set_new(l, "mandatory", json_boolean(cvm_link_mandatory(v, i)));
        set_str(l, "reason", v->res[i].reason);
        json_object_set_new(l, "details", v->res[i].details ? json_incref(v->res[i].details) : json_object());
        json_array_append_new(links, l);
    }
    json_object_set_new(j, "links", links);
    json_t *anchors = json_array();
    for (size_t i = 0; i < v->n_anchors; i++) {
        const cvm_anchor *a = &v->anchors[i];
        json_t *aj = json_object();
        set_str(aj, "name", a->name);
        set_str(aj, "source", a->source);
        set_str(aj, "product", a->product != CVM_PRODUCT_UNKNOWN ? cvm_product_name(a->product) : "any");
        json_object_set_new(aj, "spki_sha256", cvm_json_hex(a->spki_sha256, 32));
        json_object_set_new(aj, "used", json_boolean(a->used));
        json_array_append_new(anchors, aj);
    }
    json_object_set_new(j, "trust_anchors", anchors);
    json_object_set_new(j, "summary", cvm_report_summary(v));
    json_object_set(j, "facts", v->facts);
    json_object_set(j, "limitations", v->limitations);
    return j;
}
