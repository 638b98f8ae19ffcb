/* The text report: the chain as a tree, one line per link with its
 * reason, then the decoded facts, the trust anchor, the time basis and the
 * limitations (spec/verify.md §8). Colour only when asked (a TTY). */
#include "verify.h"

#include <string.h>

json_t *cvm_report_summary(const cvm_verify *v);

static const struct {
    int depth;
    const char *node; /* printed before the links of this group */
    int links[5];
} tree[] = {
    {0, "Bundle", {CVM_L_BUNDLE_TAR, CVM_L_BUNDLE_MANIFEST, -1}},
    {0, "AMD root of trust: ARK (pinned) -> ASK/ASVK -> VCEK/VLEK", {CVM_L_AMD_CHAIN, CVM_L_AMD_CRL, -1}},
    {1, "SNP report (signed by the VCEK)", {CVM_L_SNP_SIGNATURE, CVM_L_SNP_TCB, CVM_L_SNP_REPORT, -1}},
    {2, "runtime JSON (hash in REPORT_DATA)", {CVM_L_HCL_BINDING, -1}},
    {3, "AK (HCLAkPub)", {CVM_L_AK_BINDING, -1}},
    {4, "TPM quote (signed by the AK)", {CVM_L_QUOTE_SIGNATURE, CVM_L_QUOTE_BINDING, CVM_L_QUOTE_NONCE, CVM_L_SEAL, -1}},
    {5, "PCRs (pcrDigest)", {CVM_L_QUOTE_PCRS, -1}},
    {6, "event logs (replayed to the PCRs)", {CVM_L_EVENTLOG_UEFI, CVM_L_EVENTLOG_RUNTIME, -1}},
    {0, "Judgement", {CVM_L_POLICY, CVM_L_OPERATOR_SIGNATURE, CVM_L_TIMESTAMP, -1}},
};

static const char *sym(enum cvm_status s)
{
    switch (s) {
    case CVM_ST_PASS: return "\u2713";
    case CVM_ST_FAIL: return "\u2717";
    case CVM_ST_WARN: return "!";
    default: return "-";
    }
}

static const char *col(enum cvm_status s, bool c)
{
    if (!c)
        return "";
    switch (s) {
    case CVM_ST_PASS: return "\033[32m";
    case CVM_ST_FAIL: return "\033[31m";
    case CVM_ST_WARN: return "\033[33m";
    default: return "\033[2m";
    }
}

static void fact(FILE *f, const char *k, const char *val)
{
    if (val)
        fprintf(f, "  %-22s %s\n", k, val);
}

static const char *js(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

void cvm_report_text(const cvm_verify *v, FILE *f, bool colour, bool quiet)
{
    const char *rst = colour ? "\033[0m" : "";
    int first = -1;
    for (int i = 0; i < CVM_L_COUNT && first < 0; i++)
        if (v->res[i].status == CVM_ST_FAIL)
            first = i;
    enum cvm_status vs = v->verdict_exit == 0 ? CVM_ST_PASS : v->verdict_exit == 1 ? CVM_ST_WARN : CVM_ST_FAIL;
    char vline[1400];
    if (first >= 0)
        snprintf(vline, sizeof vline, "%s: %s failed: %s", v->verdict, cvm_link_id(first), v->res[first].reason);
    else if (v->verdict_exit == 2) {
        int m = -1;
        for (int i = 0; i < CVM_L_COUNT && m < 0; i++)
            if (cvm_link_mandatory(v, i) && !cvm_link_ok(v, i))
                m = i;
        snprintf(vline, sizeof vline, "%s: %s %s: %s", v->verdict, m >= 0 ? cvm_link_id(m) : "?",
                 m >= 0 ? cvm_status_name(v->res[m].status) : "", m >= 0 ? v->res[m].reason : "");
    } else
        snprintf(vline, sizeof vline, "%s", v->verdict);
    if (quiet) {
        fprintf(f, "%s%s%s (exit %d)\n", col(vs, colour), vline, rst, v->verdict_exit);
        return;
    }
    fprintf(f, "cvm-verify %s: %s %s\n\n", CVM_VERSION, v->input_kind,
            v->opts.bundle_path ? v->opts.bundle_path : v->opts.dir);
    for (size_t g = 0; g < sizeof tree / sizeof tree[0]; g++) {
        int ind = tree[g].depth * 2;
        fprintf(f, "%*s%s\n", ind, "", tree[g].node);
        for (int k = 0; k < 5 && tree[g].links[k] >= 0; k++) {
            int l = tree[g].links[k];
            const cvm_link_result *r = &v->res[l];
            fprintf(f, "%*s%s%s %-18s%s %s\n", ind + 2, "", col(r->status, colour), sym(r->status),
                    cvm_link_id(l), rst, r->reason);
        }
    }
    json_t *s = cvm_report_summary(v);
    fprintf(f, "\nFacts\n");
    fact(f, "product", js(s, "product"));
    json_t *rv = json_object_get(s, "report_version");
    if (rv) {
        char b[256];
        snprintf(b, sizeof b, "v%lld, VMPL %lld, policy %s (debug %s), signed by %s, firmware %s",
                 (long long)json_integer_value(rv), (long long)json_integer_value(json_object_get(s, "vmpl")),
                 js(s, "policy"), json_is_true(json_object_get(s, "debug_allowed")) ? "ALLOWED" : "off",
                 js(s, "signing_key"), js(s, "firmware"));
        fact(f, "SNP report", b);
        const char *tn[] = {"reported_tcb", "current_tcb", "committed_tcb", "launch_tcb"};
        for (int i = 0; i < 4; i++) {
            json_t *t = json_object_get(s, tn[i]);
            json_t *fmc = json_object_get(t, "fmc");
            char fm[32] = "";
            if (fmc)
                snprintf(fm, sizeof fm, " fmc=%lld", (long long)json_integer_value(fmc));
            snprintf(b, sizeof b, "bl=%lld tee=%lld snp=%lld ucode=%lld%s (%s)",
                     (long long)json_integer_value(json_object_get(t, "bootloader")),
                     (long long)json_integer_value(json_object_get(t, "tee")),
                     (long long)json_integer_value(json_object_get(t, "snp")),
                     (long long)json_integer_value(json_object_get(t, "microcode")), fm, js(t, "raw"));
            fact(f, tn[i], b);
        }
        fact(f, "chip_id", js(s, "chip_id"));
        fact(f, "measurement", js(s, "measurement"));
    }
    fact(f, "vmUniqueId", js(s, "vm_unique_id"));
    json_t *sb = json_object_get(s, "secure_boot");
    if (sb)
        fact(f, "secure-boot", json_is_null(sb) ? "(absent)" : json_is_true(sb) ? "true" : "false");
    fact(f, "quoted PCRs", js(s, "quoted_pcrs"));
    fact(f, "quote extraData", js(s, "quote_extra_data"));
    fact(f, "trust anchor", js(s, "trust_anchor"));
    json_t *mc = json_object_get(s, "manifest_claims");
    if (mc) {
        char b[512];
        fact(f, "bundle id", js(s, "bundle_id"));
        snprintf(b, sizeof b, "created %s by %s %s; case \"%s\", examiner \"%s\" (the guest's claims)",
                 js(mc, "created"), js(mc, "collector"), js(mc, "collector_version"), js(mc, "case_id"),
                 js(mc, "examiner"));
        fact(f, "manifest", b);
    }
    char ts[40], tb[128];
    cvm_time_format(v->vtime, ts, sizeof ts);
    const char *k = v->time_kind;
    snprintf(tb, sizeof tb, "%s (%s)", ts,
             !strcmp(k, "now")         ? "now: the verifier's clock"
             : !strcmp(k, "timestamp") ? "timestamp: verified RFC 3161 genTime over seal.sig"
             : !strcmp(k, "collector-claim") ? "collector claim: manifest created, unauthenticated"
                                             : "explicit: --at");
    fact(f, "verification time", tb);
    json_decref(s);
    fprintf(f, "\nLimitations\n");
    size_t i;
    json_t *l;
    json_array_foreach(v->limitations, i, l)
        fprintf(f, "  - %s\n", json_string_value(l));
    fprintf(f, "\n%sVerdict: %s%s (exit %d)\n", col(vs, colour), vline, rst, v->verdict_exit);
}
