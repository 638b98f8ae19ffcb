/* The link engine: the ordered link table, result bookkeeping, dependency
 * skips and the verdict (spec/verify.md §3-§6). */
#include "verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *id;
    void (*run)(cvm_verify *v);
} links[CVM_L_COUNT] = {
    [CVM_L_BUNDLE_TAR] = {"bundle.tar", cvm_link_bundle_tar},
    [CVM_L_BUNDLE_MANIFEST] = {"bundle.manifest", cvm_link_bundle_manifest},
    [CVM_L_AMD_CHAIN] = {"amd.chain", cvm_link_amd_chain},
    [CVM_L_AMD_CRL] = {"amd.crl", cvm_link_amd_crl},
    [CVM_L_SNP_SIGNATURE] = {"snp.signature", cvm_link_snp_signature},
    [CVM_L_SNP_TCB] = {"snp.tcb", cvm_link_snp_tcb},
    [CVM_L_SNP_REPORT] = {"snp.report", cvm_link_snp_report},
    [CVM_L_HCL_BINDING] = {"hcl.binding", cvm_link_hcl_binding},
    [CVM_L_AK_BINDING] = {"ak.binding", cvm_link_ak_binding},
    [CVM_L_QUOTE_SIGNATURE] = {"quote.signature", cvm_link_quote_signature},
    [CVM_L_QUOTE_PCRS] = {"quote.pcrs", cvm_link_quote_pcrs},
    [CVM_L_QUOTE_BINDING] = {"quote.binding", cvm_link_quote_binding},
    [CVM_L_QUOTE_NONCE] = {"quote.nonce", cvm_link_quote_nonce},
    [CVM_L_SEAL] = {"seal", cvm_link_seal},
    [CVM_L_EVENTLOG_UEFI] = {"eventlog.uefi", cvm_link_eventlog_uefi},
    [CVM_L_EVENTLOG_RUNTIME] = {"eventlog.runtime", cvm_link_eventlog_runtime},
    [CVM_L_POLICY] = {"policy", cvm_link_policy},
    [CVM_L_OPERATOR_SIGNATURE] = {"operator.signature", cvm_link_operator_signature},
    [CVM_L_TIMESTAMP] = {"timestamp", cvm_link_timestamp},
};

static const char *input_names[CVM_IN_COUNT] = {
    [CVM_IN_HCL] = "snp_report.bin",   [CVM_IN_GUEST] = "guest_report.bin",
    [CVM_IN_RUNTIME] = "runtime.json", [CVM_IN_VCEK] = "vcek.pem",
    [CVM_IN_AKPUB] = "akpub.pem",      [CVM_IN_AKPUB_TPM] = "ak.pub",
    [CVM_IN_QUOTE_MSG] = "quote.msg",  [CVM_IN_QUOTE_SIG] = "quote.sig",
    [CVM_IN_QUOTE_PCRS] = "quote.pcrs", [CVM_IN_MANIFEST] = "manifest.json",
    [CVM_IN_SEAL_MSG] = "seal.msg",    [CVM_IN_SEAL_SIG] = "seal.sig",
    [CVM_IN_EVENTLOG] = "eventlog.bin", [CVM_IN_CEL] = "runtime.cel",
    [CVM_IN_CRL] = "crl",              [CVM_IN_NONCE_HEX] = "nonce.hex",
};

const char *cvm_link_id(int link)
{
    return (link >= 0 && link < CVM_L_COUNT) ? links[link].id : "?";
}

const char *cvm_status_name(enum cvm_status s)
{
    switch (s) {
    case CVM_ST_PASS: return "pass";
    case CVM_ST_WARN: return "warn";
    case CVM_ST_SKIP: return "skip";
    case CVM_ST_FAIL: return "fail";
    default: return "notrun";
    }
}

bool cvm_link_mandatory(const cvm_verify *v, int link)
{
    switch (link) {
    case CVM_L_AMD_CHAIN:
    case CVM_L_SNP_SIGNATURE:
    case CVM_L_SNP_TCB:
    case CVM_L_SNP_REPORT:
    case CVM_L_HCL_BINDING:
    case CVM_L_AK_BINDING:
    case CVM_L_QUOTE_SIGNATURE:
    case CVM_L_QUOTE_PCRS:
    case CVM_L_QUOTE_NONCE:
        return true;
    case CVM_L_BUNDLE_TAR:
    case CVM_L_BUNDLE_MANIFEST:
    case CVM_L_QUOTE_BINDING:
    case CVM_L_SEAL:
        return v->opts.bundle_path != NULL;
    default:
        return false;
    }
}

void cvm_verify_init(cvm_verify *v)
{
    memset(v, 0, sizeof *v);
    for (int i = 0; i < CVM_IN_COUNT; i++) {
        v->in[i].name = input_names[i];
        v->in[i].blamed_by = -1;
    }
    v->json_input = -1;
    v->report_input = -1;
    v->facts = json_object();
    v->limitations = json_array();
}

void cvm_verify_free(cvm_verify *v)
{
    /* borrowed inputs point into v->bundle, freed below (after them) */
    for (int i = 0; i < CVM_IN_COUNT; i++)
        if (!v->in[i].borrowed)
            free(v->in[i].buf);
    for (int i = 0; i < CVM_L_COUNT; i++)
        json_decref(v->res[i].details);
    if (v->chain_certs)
        cvm_certs_free(v->chain_certs);
    if (v->ev_certs)
        cvm_certs_free(v->ev_certs);
    X509_CRL_free(v->crl);
    EVP_PKEY_free(v->akpub);
    EVP_PKEY_free(v->hcl_akpub);
    if (v->have_runtime)
        cvm_runtime_free(&v->runtime);
    free(v->pcrs);
    if (v->in[CVM_IN_MANIFEST].decoded && v->in[CVM_IN_MANIFEST].rc == CVM_OK)
        cvm_manifest_free(&v->manifest);
    if (v->in[CVM_IN_EVENTLOG].decoded && v->in[CVM_IN_EVENTLOG].rc == CVM_OK)
        cvm_eventlog_free(&v->elog);
    if (v->in[CVM_IN_CEL].decoded && v->in[CVM_IN_CEL].rc == CVM_OK)
        cvm_rtlog_free(&v->rtlog);
    if (v->have_bundle)
        cvm_bundle_free(&v->bundle);
    cvm_archive_anchors_free(v);
    json_decref(v->policy);
    json_decref(v->facts);
    json_decref(v->limitations);
    memset(v, 0, sizeof *v);
}

void cvm_link_set(cvm_verify *v, int link, enum cvm_status st, const char *fmt, ...)
{
    cvm_link_result *r = &v->res[link];
    if (r->status != CVM_ST_NOTRUN)
        return;
    r->status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
}

json_t *cvm_link_details(cvm_verify *v, int link)
{
    if (!v->res[link].details)
        v->res[link].details = json_object();
    return v->res[link].details;
}

bool cvm_link_ok(const cvm_verify *v, int link)
{
    return v->res[link].status == CVM_ST_PASS || v->res[link].status == CVM_ST_WARN;
}

bool cvm_link_need(cvm_verify *v, int link, int input)
{
    cvm_input *in = &v->in[input];
    if (!in->present) {
        cvm_link_set(v, link, CVM_ST_SKIP, "%s absent", in->name);
        return false;
    }
    if (!in->decoded || in->rc == CVM_OK)
        return true;
    if (in->blamed_by >= 0 && in->blamed_by != link) {
        cvm_link_set(v, link, CVM_ST_SKIP, "depends on %s: %s is malformed",
                     cvm_link_id(in->blamed_by), in->name);
        return false;
    }
    in->blamed_by = link;
    char eb[512];
    cvm_link_set(v, link, CVM_ST_FAIL, "%s is %s: %s", in->name,
                 in->rc == CVM_E_UNSUPPORTED ? "not supported" : in->rc == CVM_E_LIMIT ? "too large" : "malformed",
                 cvm_err_format(&in->err, eb, sizeof eb));
    json_t *d = cvm_link_details(v, link);
    json_t *e = json_object();
    json_object_set_new(e, "file", json_string(in->err.what[0] ? in->err.what : in->name));
    json_object_set_new(e, "field", json_string(in->err.field));
    if (in->err.offset != CVM_NO_OFFSET)
        json_object_set_new(e, "offset", json_integer((json_int_t)in->err.offset));
    json_object_set_new(e, "code", json_string(cvm_errcode_name(in->err.code)));
    json_object_set_new(e, "message", json_string(in->err.msg));
    json_object_set_new(d, "parse_error", e);
    return false;
}

bool cvm_link_depends(cvm_verify *v, int link, int dep)
{
    if (cvm_link_ok(v, dep))
        return true;
    cvm_link_set(v, link, CVM_ST_SKIP, "depends on %s (%s)", cvm_link_id(dep),
                 cvm_status_name(v->res[dep].status));
    return false;
}

void cvm_limitation(cvm_verify *v, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    json_array_append_new(v->limitations, json_string(buf));
}

json_t *cvm_json_hex(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (!s)
        return json_null();
    cvm_hex(p, n, s);
    json_t *j = json_string(s);
    free(s);
    return j;
}

static void verdict(cvm_verify *v)
{
    bool invalid = false, incomplete = false, policy_failed = false;
    for (int i = 0; i < CVM_L_COUNT; i++) {
        enum cvm_status st = v->res[i].status;
        if (i == CVM_L_POLICY) {
            policy_failed = st == CVM_ST_FAIL;
            continue;
        }
        if (st == CVM_ST_FAIL)
            invalid = true;
        else if (cvm_link_mandatory(v, i) && st != CVM_ST_PASS && st != CVM_ST_WARN)
            incomplete = true;
    }
    if (invalid) {
        v->verdict = "invalid";
        v->verdict_exit = CVM_EXIT_INVALID;
    } else if (incomplete) {
        v->verdict = "incomplete";
        v->verdict_exit = CVM_EXIT_INVALID;
    } else if (policy_failed) {
        v->verdict = "policy not met";
        v->verdict_exit = CVM_EXIT_POLICY;
    } else {
        v->verdict = "verified";
        v->verdict_exit = CVM_EXIT_VERIFIED;
    }
}

int cvm_verify_run(cvm_verify *v, char *errbuf, size_t errlen)
{
    if (v->opts.have_at) {
        v->vtime = v->opts.at;
        v->time_kind = "explicit";
    } else {
        v->vtime = v->opts.have_clock ? v->opts.clock : time(NULL);
        v->time_kind = "now";
    }
    v->input_kind = v->opts.bundle_path ? "bundle" : "dir";
    if (cvm_trust_init(v, errbuf, errlen) != 0 || cvm_policy_load(v, errbuf, errlen) != 0 ||
        cvm_archive_anchors_load(v, errbuf, errlen) != 0)
        return CVM_EXIT_USAGE;
    if (cvm_evidence_load(v, errbuf, errlen) != 0)
        return CVM_EXIT_USAGE;
    /* spec/verify.md §4.2: the time basis is settled before any validity
     * check: --at, else --at created (the collector's claim, asked for),
     * else a verified RFC 3161 token over seal.sig, else the clock */
    cvm_timestamp_prepare(v);
    if (!v->opts.have_at && v->opts.at_created) {
        time_t t;
        if (!v->in[CVM_IN_MANIFEST].decoded || v->in[CVM_IN_MANIFEST].rc != CVM_OK ||
            cvm_time_parse(v->manifest.created, &t) != 0) {
            snprintf(errbuf, errlen, "--at created: the bundle has no readable manifest.json \"created\"");
            return CVM_EXIT_USAGE;
        }
        v->vtime = t;
        v->time_kind = "collector-claim";
        cvm_limitation(v, "The verification time is manifest.json \"created\", the collector's unauthenticated "
                          "claim (--at created).");
    } else if (!v->opts.have_at && v->have_tsa_time) {
        v->vtime = v->tsa_time;
        v->time_kind = "timestamp";
    }
    /* policy last: require_operator_signature judges a later link's result;
     * the report keeps the §3 order */
    for (int i = 0; i < CVM_L_COUNT; i++) {
        if (i == CVM_L_POLICY)
            continue;
        links[i].run(v);
        if (v->res[i].status == CVM_ST_NOTRUN)
            cvm_link_set(v, i, CVM_ST_SKIP, "not evaluated");
    }
    links[CVM_L_POLICY].run(v);
    if (v->res[CVM_L_POLICY].status == CVM_ST_NOTRUN)
        cvm_link_set(v, CVM_L_POLICY, CVM_ST_SKIP, "not evaluated");
    /* design.md "Honest limits": stated in every report */
    cvm_limitation(v, "The SNP launch measurement covers Microsoft's paravisor and firmware, not the "
                      "guest OS; the guest is covered only by the quoted PCRs.");
    cvm_limitation(v, "PCR23 can be reset by the guest, so a runtime log proves consistency with "
                      "the quoted value, not an append-only history.");
    cvm_limitation(v, "MAA's \"azure-compliant-cvm\" judgement (which host firmware Microsoft deems "
                      "healthy) is not reproduced.");
    verdict(v);
    return v->verdict_exit;
}

/* ---- time ---- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void cvm_time_format(time_t t, char *buf, size_t n)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, n, "?");
        return;
    }
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int cvm_time_parse(const char *s, time_t *out)
{
    int Y, M, D, h, m, sec;
    size_t len = strlen(s);
    if (len < 20)
        return -1;
    if (digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) || s[7] != '-' ||
        digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &m) || s[16] != ':' || digits(s + 17, 2, &sec))
        return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h > 23 || m > 59 || sec > 60)
        return -1;
    bool leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (M == 2 && D == 29 && !leap)
        return -1;
    if (sec == 60)
        sec = 59; /* a leap second is the last second of that minute for validity checks */
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        off = (int64_t)(oh * 3600 + om * 60) * (*p == '+' ? 1 : -1);
        p += 6;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    int64_t t = days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 + m * 60 + sec - off;
    *out = (time_t)t;
    return 0;
}
