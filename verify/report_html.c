/* --html FILE: one self-contained page an auditor can open and print
 * (spec/verify.md §8): inline CSS and inline SVG, no script, no external
 * resource. The chain is drawn as a diagram (ARK -> ... -> event logs),
 * each node coloured by the worst status of its links, with the reason;
 * then every link, the decoded facts (TCB beside the policy minimums, PCRs
 * and which log explains each, runtime-log events), the certificates and
 * anchors used, the time basis, the guest's unauthenticated custody claims
 * and the limitations.
 *
 * Every string that came from evidence (reasons quote it, claims, ids,
 * paths) is hostile: it goes through esc(), which leaves no markup and no
 * control characters, in text and in attribute values alike. */
#include "verify.h"

#include <stdlib.h>
#include <string.h>

json_t *cvm_report_summary(const cvm_verify *v);

/* spec/verify.md §4.2 kinds */
static const char *time_basis(const cvm_verify *v, bool long_form)
{
    const char *k = v->time_kind ? v->time_kind : "now";
    if (!strcmp(k, "now"))
        return long_form ? "the verifier's clock when it ran (no --at given); certificate validity was checked at this time"
                         : "the verifier's clock when it ran";
    if (!strcmp(k, "timestamp"))
        return long_form ? "the genTime of a verified RFC 3161 token over seal.sig (the bundle existed by then); "
                           "certificate validity was checked at this time"
                         : "verified RFC 3161 genTime over seal.sig";
    if (!strcmp(k, "collector-claim"))
        return long_form ? "manifest.json \"created\", the collector's unauthenticated claim (--at created); "
                           "certificate validity was checked at this time"
                         : "collector's claim, --at created";
    return long_form ? "explicit, given by the auditor with --at; certificate validity was checked at this time"
                     : "explicit, given with --at";
}

static void esc_n(FILE *f, const char *s, size_t max)
{
    size_t n = 0;
    for (; s && *s && n < max; s++, n++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            if (c < 0x20 || c == 0x7f)
                fputs("&#xFFFD;", f);
            else
                fputc(c, f);
        }
    }
    if (s && *s) {
        /* do not end inside a UTF-8 sequence */
        while (((unsigned char)*s & 0xC0) == 0x80)
            fputc(*s++, f);
        fputs("&#8230;", f);
    }
}

static void esc(FILE *f, const char *s)
{
    esc_n(f, s, (size_t)-1);
}

/* ---- the diagram ---- */

static const struct node {
    const char *id, *title, *sub;
    int links[5];
} nodes[] = {
    {"bundle", "evidence bundle", "tar profile, manifest", {CVM_L_BUNDLE_TAR, CVM_L_BUNDLE_MANIFEST, -1}},
    {"ark", "AMD root key (ARK)", "pinned trust anchor", {CVM_L_AMD_CHAIN, -1}},
    {"ask", "ASK / ASVK", "AMD intermediate, signed by the ARK", {CVM_L_AMD_CHAIN, CVM_L_AMD_CRL, -1}},
    {"vcek", "VCEK / VLEK", "chip key, signed by the ASK", {CVM_L_AMD_CHAIN, -1}},
    {"snp", "SNP report", "signed by the VCEK", {CVM_L_SNP_SIGNATURE, CVM_L_SNP_TCB, CVM_L_SNP_REPORT, -1}},
    {"runtime", "runtime JSON", "its hash is in REPORT_DATA", {CVM_L_HCL_BINDING, -1}},
    {"ak", "attestation key (AK)", "HCLAkPub in the runtime JSON", {CVM_L_AK_BINDING, -1}},
    {"quote", "TPM quote", "signed by the AK",
     {CVM_L_QUOTE_SIGNATURE, CVM_L_QUOTE_BINDING, CVM_L_QUOTE_NONCE, CVM_L_SEAL, -1}},
    {"pcrs", "PCR values", "hash to the quote's pcrDigest", {CVM_L_QUOTE_PCRS, -1}},
    {"logs", "event logs", "replayed to the quoted PCRs", {CVM_L_EVENTLOG_UEFI, CVM_L_EVENTLOG_RUNTIME, -1}},
};
#define NNODES (sizeof nodes / sizeof nodes[0])

static const struct palette {
    const char *name, *fill, *stroke, *label;
} pal[] = {
    [CVM_ST_NOTRUN] = {"skip", "#eeeeee", "#8a8a8a", "NOT CHECKED"},
    [CVM_ST_PASS] = {"pass", "#e3f4e8", "#1e7e34", "PASS"},
    [CVM_ST_WARN] = {"warn", "#fff3d0", "#a86400", "WARN"},
    [CVM_ST_SKIP] = {"skip", "#eeeeee", "#8a8a8a", "NOT CHECKED"},
    [CVM_ST_FAIL] = {"fail", "#fde3e3", "#c0171d", "FAIL"},
};

static int rank(enum cvm_status s)
{
    switch (s) {
    case CVM_ST_FAIL: return 4;
    case CVM_ST_WARN: return 3;
    case CVM_ST_PASS: return 2;
    default: return 1;
    }
}

/* The node's status is the worst of its links (a skipped optional link
 * does not grey out a node whose other links passed); the link shown is
 * the one that decided it. */
static enum cvm_status node_status(const cvm_verify *v, const struct node *n, int *which)
{
    enum cvm_status best = CVM_ST_SKIP;
    *which = n->links[0];
    for (int k = 0; k < 5 && n->links[k] >= 0; k++) {
        enum cvm_status s = v->res[n->links[k]].status;
        if (rank(s) > rank(best)) {
            best = s;
            *which = n->links[k];
        }
    }
    return best;
}

/* For the AMD certificate nodes, once amd.chain holds, name the
 * certificate and its fingerprint instead of repeating the link's reason. */
static bool cert_line(const cvm_verify *v, const char *node, char *buf, size_t n)
{
    const cvm_link_result *r = &v->res[CVM_L_AMD_CHAIN];
    if (!cvm_link_ok(v, CVM_L_AMD_CHAIN) || !r->details ||
        (strcmp(node, "ark") != 0 && strcmp(node, "ask") != 0 && strcmp(node, "vcek") != 0))
        return false;
    const char *want = strcmp(node, "ark") == 0 ? "ARK" : strcmp(node, "ask") == 0 ? "AS" : "V";
    json_t *certs = json_object_get(r->details, "certificates"), *c;
    size_t i;
    json_array_foreach(certs, i, c) {
        const char *cn = json_string_value(json_object_get(c, "subject_cn"));
        const char *fp = json_string_value(json_object_get(c, "cert_sha256"));
        if (!cn || !fp)
            continue;
        bool match = strcmp(want, "ARK") == 0   ? strncmp(cn, "ARK-", 4) == 0
                     : strcmp(want, "AS") == 0 ? strncmp(cn, "SEV-", 4) == 0 && strcmp(cn, "SEV-VCEK") != 0 &&
                                                     strcmp(cn, "SEV-VLEK") != 0
                                               : strcmp(cn, "SEV-VCEK") == 0 || strcmp(cn, "SEV-VLEK") == 0;
        if (!match)
            continue;
        json_t *an = json_object_get(r->details, "anchor");
        if (strcmp(want, "ARK") == 0 && an)
            snprintf(buf, n, "%s, SPKI matches %s (%s); cert SHA-256 %.16s...", cn,
                     json_string_value(json_object_get(an, "name")) ? json_string_value(json_object_get(an, "name"))
                                                                     : "?",
                     json_string_value(json_object_get(an, "source")) ? json_string_value(json_object_get(an, "source"))
                                                                       : "?",
                     fp);
        else
            snprintf(buf, n, "%s, signature and validity checked; cert SHA-256 %.16s...", cn, fp);
        return true;
    }
    return false;
}

static void diagram(FILE *f, const cvm_verify *v)
{
    const int W = 720, BH = 58, GAP = 22, X = 10, BW = 700;
    int H = (int)NNODES * (BH + GAP) - GAP + 20;
    fprintf(f,
            "<svg class=\"chain\" role=\"img\" aria-label=\"chain of trust\" "
            "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n<defs>",
            W, H, W, H);
    for (int s = CVM_ST_PASS; s <= CVM_ST_FAIL; s++)
        fprintf(f,
                "<marker id=\"arr-%d\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
                "markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"%s\"/></marker>",
                s, pal[s].stroke);
    fputs("</defs>\n", f);
    for (size_t i = 0; i < NNODES; i++) {
        const struct node *n = &nodes[i];
        int which;
        enum cvm_status st = node_status(v, n, &which);
        const struct palette *p = &pal[st];
        int y = 10 + (int)i * (BH + GAP);
        if (i > 1) /* the bundle holds the chain; it is not a link of it */
            fprintf(f,
                    "<line class=\"arrow\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\" "
                    "marker-end=\"url(#arr-%d)\"/>\n",
                    X + 60, y - GAP, X + 60, y - 2, p->stroke, st);
        fprintf(f,
                "<g class=\"node %s\" id=\"node-%s\" data-status=\"%s\" data-link=\"%s\">"
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"7\" fill=\"%s\" stroke=\"%s\" "
                "stroke-width=\"%d\"/>",
                p->name, n->id, cvm_status_name(st), cvm_link_id(which), X, y, BW, BH, p->fill, p->stroke,
                st == CVM_ST_FAIL ? 3 : 1);
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"nt\">%s</text>", X + 14, y + 22, n->title);
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"ns\">%s</text>", X + 250, y + 22, n->sub);
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"nl\" text-anchor=\"end\" fill=\"%s\">%s</text>", X + BW - 12,
                y + 22, p->stroke, p->label);
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"nr\"><tspan class=\"nid\">%s</tspan> ", X + 14, y + 44,
                cvm_link_id(which));
        char cl[300];
        /* what fits on the node's line at this font; the table has it all */
        esc_n(f, cert_line(v, n->id, cl, sizeof cl) ? cl : v->res[which].reason,
              96 - 1.3 * strlen(cvm_link_id(which)));
        fputs("</text>", f);
        /* the full reason as a tooltip */
        fputs("<title>", f);
        esc(f, v->res[which].reason);
        fputs("</title></g>\n", f);
    }
    fputs("</svg>\n", f);
}

/* ---- tables ---- */

static void row2(FILE *f, const char *k, const char *val, bool code)
{
    if (!val)
        return;
    fputs("<tr><th>", f);
    esc(f, k);
    fputs(code ? "</th><td><code>" : "</th><td>", f);
    esc(f, val);
    fputs(code ? "</code></td></tr>\n" : "</td></tr>\n", f);
}

static void links_table(FILE *f, const cvm_verify *v)
{
    fputs("<table class=\"links\"><thead><tr><th></th><th>link</th><th>status</th><th>reason</th></tr></thead>"
          "<tbody>\n",
          f);
    static const char *sym[] = {"&#8211;", "&#10003;", "!", "&#8211;", "&#10007;"};
    for (int l = 0; l < CVM_L_COUNT; l++) {
        const cvm_link_result *r = &v->res[l];
        fprintf(f, "<tr class=\"%s\" id=\"link-%s\"><td class=\"s\">%s</td><td class=\"id\">%s%s</td><td class=\"st\">%s</td><td>",
                pal[r->status].name, cvm_link_id(l), sym[r->status], cvm_link_id(l),
                cvm_link_mandatory(v, l) ? "" : " <small>(optional)</small>", cvm_status_name(r->status));
        esc(f, r->reason);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void tcb_table(FILE *f, const cvm_verify *v, json_t *sum)
{
    static const char *comp[] = {"fmc", "bootloader", "tee", "snp", "microcode"};
    static const char *cols[] = {"reported_tcb", "current_tcb", "committed_tcb", "launch_tcb"};
    json_t *min = v->policy ? json_object_get(v->policy, "min_tcb") : NULL;
    fputs("<table class=\"grid\"><thead><tr><th>TCB component</th><th>reported</th><th>current</th>"
          "<th>committed</th><th>launch</th>",
          f);
    if (min)
        fputs("<th>policy minimum</th>", f);
    fputs("</tr></thead><tbody>\n", f);
    for (size_t c = 0; c < sizeof comp / sizeof comp[0]; c++) {
        if (!json_object_get(json_object_get(sum, "reported_tcb"), comp[c]))
            continue;
        fprintf(f, "<tr><th>%s</th>", comp[c]);
        json_int_t rep = json_integer_value(json_object_get(json_object_get(sum, "reported_tcb"), comp[c]));
        for (size_t k = 0; k < 4; k++)
            fprintf(f, "<td>%lld</td>",
                    (long long)json_integer_value(json_object_get(json_object_get(sum, cols[k]), comp[c])));
        if (min) {
            json_t *m = json_object_get(min, comp[c]);
            if (json_is_integer(m))
                fprintf(f, "<td class=\"%s\">&ge; %lld</td>", rep >= json_integer_value(m) ? "ok" : "bad",
                        (long long)json_integer_value(m));
            else
                fputs("<td>&#8211;</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("<tr><th>raw</th>", f);
    for (size_t k = 0; k < 4; k++) {
        fputs("<td><code>", f);
        esc(f, jstr(json_object_get(sum, cols[k]), "raw"));
        fputs("</code></td>", f);
    }
    if (min)
        fputs("<td></td>", f);
    fputs("</tr></tbody></table>\n", f);
}

static bool elog_extends(const cvm_verify *v, uint32_t pcr, size_t *count)
{
    *count = 0;
    if (!(v->in[CVM_IN_EVENTLOG].decoded && v->in[CVM_IN_EVENTLOG].rc == CVM_OK))
        return false;
    for (size_t i = 0; i < v->elog.n_events; i++)
        if (v->elog.events[i].pcr_index == pcr)
            (*count)++;
    return *count > 0;
}

static void pcr_table(FILE *f, const cvm_verify *v)
{
    if (!v->pcrs || !(v->in[CVM_IN_QUOTE_PCRS].decoded && v->in[CVM_IN_QUOTE_PCRS].rc == CVM_OK)) {
        fputs("<p class=\"muted\">No PCR values (quote.pcrs absent or malformed).</p>\n", f);
        return;
    }
    bool rt = v->in[CVM_IN_CEL].decoded && v->in[CVM_IN_CEL].rc == CVM_OK;
    fprintf(f, "<p class=\"muted\">Authenticated by the quote only if <code>quote.pcrs</code> is <b>%s</b>.</p>\n",
            cvm_status_name(v->res[CVM_L_QUOTE_PCRS].status));
    fputs("<table class=\"grid pcrs\"><thead><tr><th>PCR</th><th>value</th><th>explained by</th></tr></thead><tbody>\n",
          f);
    for (size_t i = 0; i < v->pcrs->n_values; i++) {
        const cvm_pcrs_value *pv = &v->pcrs->values[i];
        char hex[2 * CVM_TPM_HASH_MAX + 1];
        cvm_hex(pv->bytes, pv->len, hex);
        size_t ne;
        char cov[160] = "";
        if (elog_extends(v, pv->pcr, &ne))
            snprintf(cov, sizeof cov, "UEFI log (%zu events, eventlog.uefi: %s)", ne,
                     cvm_status_name(v->res[CVM_L_EVENTLOG_UEFI].status));
        else if (pv->pcr == 23 && rt)
            snprintf(cov, sizeof cov, "runtime log (%zu files, eventlog.runtime: %s)", v->rtlog.n_files,
                     cvm_status_name(v->res[CVM_L_EVENTLOG_RUNTIME].status));
        else
            snprintf(cov, sizeof cov, "not in any log");
        fprintf(f, "<tr><td>%s:%u</td><td><code>%s</code></td><td>%s</td></tr>\n", cvm_tpm_alg_name(pv->alg),
                pv->pcr, hex, cov);
    }
    fputs("</tbody></table>\n", f);
    if (rt && v->rtlog.n_files) {
        fputs("<h3>Runtime log (PCR23) events</h3>\n<table class=\"grid\"><thead><tr><th>#</th><th>file</th>"
              "<th>SHA-256</th><th>extended before the quote</th></tr></thead><tbody>\n",
              f);
        for (size_t i = 0; i < v->rtlog.n_files; i++) {
            const cvm_rtlog_file *rf = &v->rtlog.files[i];
            char *path = malloc(rf->path_len + 1), hex[65];
            if (!path)
                break;
            memcpy(path, rf->path, rf->path_len);
            path[rf->path_len] = '\0';
            cvm_hex(rf->sha256, 32, hex);
            fprintf(f, "<tr><td>%llu</td><td><code>", (unsigned long long)rf->recnum);
            esc(f, path);
            fprintf(f, "</code></td><td><code>%s</code></td><td>%s</td></tr>\n", hex,
                    i + 2 < v->rtlog_extended ? "yes" : "no");
            free(path);
        }
        fputs("</tbody></table>\n", f);
    }
}

static void certs_table(FILE *f, const cvm_verify *v)
{
    json_t *certs = v->res[CVM_L_AMD_CHAIN].details ? json_object_get(v->res[CVM_L_AMD_CHAIN].details, "certificates")
                                                     : NULL;
    if (json_array_size(certs)) {
        fputs("<h3>Certificates offered and examined (amd.chain)</h3>\n<table class=\"grid\"><thead><tr><th>role</th>"
              "<th>subject CN</th><th>from</th><th>valid</th><th>certificate SHA-256</th></tr></thead><tbody>\n",
              f);
        /* each field escaped, after the markup that opens it */
        static const char *const key[] = {"role", "subject_cn", "source", "not_before", "not_after", "cert_sha256"};
        static const char *const pre[] = {"<tr><td>", "</td><td>", "</td><td>", "</td><td>", " &#8211; ",
                                          "</td><td><code>"};
        size_t i;
        json_t *c;
        json_array_foreach(certs, i, c) {
            for (size_t k = 0; k < sizeof key / sizeof key[0]; k++) {
                fputs(pre[k], f);
                esc(f, jstr(c, key[k]));
            }
            fputs("</code></td></tr>\n", f);
        }
        fputs("</tbody></table>\n", f);
    }
    fputs("<h3>Trust anchors</h3>\n<table class=\"grid\"><thead><tr><th>anchor</th><th>source</th><th>product</th>"
          "<th>SubjectPublicKeyInfo SHA-256</th><th>used</th></tr></thead><tbody>\n",
          f);
    for (size_t i = 0; i < v->n_anchors; i++) {
        const cvm_anchor *a = &v->anchors[i];
        char h[65];
        cvm_hex(a->spki_sha256, 32, h);
        fprintf(f, "<tr class=\"%s\"><td>", a->used ? "used" : "");
        esc(f, a->name);
        fputs("</td><td>", f);
        esc(f, a->source);
        fprintf(f, "</td><td>%s</td><td><code>%s</code></td><td>%s</td></tr>\n",
                a->product != CVM_PRODUCT_UNKNOWN ? cvm_product_name(a->product) : "any", h,
                a->used ? "<b>used</b>" : "");
    }
    fputs("</tbody></table>\n", f);
}

static const char css[] =
    "*{box-sizing:border-box}body{font:13px/1.45 'DejaVu Sans',Arial,sans-serif;color:#1d1d1d;margin:0;"
    "background:#fff}main{max-width:760px;margin:0 auto;padding:18px}"
    "h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:22px 0 8px;padding-bottom:3px;border-bottom:2px solid "
    "#d8d8d8}h3{font-size:13px;margin:14px 0 6px}"
    ".meta{color:#555;margin:0 0 12px}.meta code{color:#1d1d1d}"
    ".verdict{border-radius:8px;padding:10px 14px;margin:10px 0;border:2px solid}"
    ".verdict .v{font-size:20px;font-weight:bold}"
    ".verdict.pass{background:#e3f4e8;border-color:#1e7e34;color:#145523}"
    ".verdict.warn{background:#fff3d0;border-color:#a86400;color:#6b4000}"
    ".verdict.fail{background:#fde3e3;border-color:#c0171d;color:#8a1014}"
    ".verdict .ff{display:block;margin-top:4px;color:#1d1d1d}"
    "svg.chain{display:block;max-width:100%;height:auto;margin:6px 0}"
    "svg .nt{font:bold 14px 'DejaVu Sans',Arial,sans-serif;fill:#1d1d1d}"
    "svg .ns{font:12px 'DejaVu Sans',Arial,sans-serif;fill:#555}"
    "svg .nl{font:bold 12px 'DejaVu Sans',Arial,sans-serif;letter-spacing:.05em}"
    "svg .nr{font:11.5px 'DejaVu Sans',Arial,sans-serif;fill:#333}svg .nid{font-family:'DejaVu Sans Mono',monospace;"
    "font-weight:bold}"
    "table{border-collapse:collapse;width:100%;margin:4px 0 8px}th,td{padding:3px 6px;text-align:left;"
    "vertical-align:top;border-bottom:1px solid #e6e6e6;overflow-wrap:anywhere}thead th{background:#f3f3f3;font-size:12px;white-space:nowrap}"
    "table.kv th{width:30%;font-weight:600;color:#444}"
    "td.s{width:1.4em;font-weight:bold;text-align:center}td.id{white-space:nowrap;font-family:'DejaVu Sans Mono',"
    "monospace;font-size:12px}"
    "tr.pass td.s{color:#1e7e34}tr.fail{background:#fde3e3}tr.fail td.s,tr.fail td.id{color:#c0171d}"
    "tr.warn{background:#fff8e3}tr.warn td.s{color:#a86400}tr.skip{color:#6a6a6a}"
    "td.ok{color:#1e7e34;font-weight:bold}td.bad{color:#c0171d;font-weight:bold}tr.used{background:#eef6ff}"
    "code{font:11.5px 'DejaVu Sans Mono',monospace;word-break:break-all}"
    ".pcrs td:nth-child(2){width:62%}.pcrs code{font-size:10.5px}td.id,td.s,td.st{overflow-wrap:normal;white-space:nowrap}.muted{color:#666}"
    ".claims{border:2px dashed #a86400;background:#fffbef;border-radius:8px;padding:8px 12px}"
    ".claims .warnhead{font-weight:bold;color:#6b4000}"
    "footer{margin-top:24px;color:#666;font-size:11px;border-top:1px solid #ddd;padding-top:6px}"
    "@page{size:A4;margin:14mm 12mm}"
    "@media print{body{font-size:10.5px}main{max-width:none;padding:0}h2{break-after:avoid}"
    "svg.chain,table,.verdict,.claims{break-inside:avoid}tr{break-inside:avoid}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

int cvm_report_html(const cvm_verify *v, FILE *f)
{
    char ts[40];
    cvm_time_format(v->vtime, ts, sizeof ts);
    const char *vc = v->verdict_exit == 0 ? "pass" : v->verdict_exit == 1 ? "warn" : "fail";
    const char *path = v->opts.bundle_path ? v->opts.bundle_path : v->opts.dir;
    fprintf(f,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "img-src data:\">\n<title>cvm-verify report: %s</title>\n<style>%s</style></head><body><main>\n",
            v->verdict ? v->verdict : "?", css);
    fputs("<h1>Confidential VM evidence: verification report</h1>\n<p class=\"meta\">", f);
    esc(f, v->input_kind);
    fputs(" <code>", f);
    esc(f, path);
    fprintf(f, "</code><br>cvm-verify %s &middot; verification time <b>%s</b> (%s)</p>\n", CVM_VERSION, ts,
            time_basis(v, false));

    fprintf(f, "<div class=\"verdict %s\" id=\"verdict\" data-verdict=\"", vc);
    esc(f, v->verdict);
    fputs("\"><span class=\"v\">Verdict: ", f);
    esc(f, v->verdict);
    fprintf(f, "</span> &nbsp;exit code %d", v->verdict_exit);
    for (int i = 0; i < CVM_L_COUNT; i++)
        if (v->res[i].status == CVM_ST_FAIL) {
            fprintf(f, "<span class=\"ff\" id=\"first-failure\">first failing link: <b>%s</b> &#8212; ",
                    cvm_link_id(i));
            esc(f, v->res[i].reason);
            fputs("</span>", f);
            break;
        }
    if (strcmp(vc, "pass") == 0)
        fputs("<span class=\"ff\">every mandatory link from AMD's root key to the quoted PCRs holds</span>", f);
    fputs("</div>\n<h2>Chain of trust</h2>\n", f);
    diagram(f, v);
    fputs("<h2>Links</h2>\n", f);
    links_table(f, v);

    json_t *s = cvm_report_summary(v);
    fputs("<h2>Decoded facts</h2>\n<table class=\"kv\"><tbody>\n", f);
    row2(f, "product", jstr(s, "product"), false);
    if (json_object_get(s, "report_version")) {
        char b[200];
        snprintf(b, sizeof b, "v%lld, VMPL %lld, policy %s (debug %s, migration agent %s, SMT %s), signed by %s, "
                              "firmware %s",
                 (long long)json_integer_value(json_object_get(s, "report_version")),
                 (long long)json_integer_value(json_object_get(s, "vmpl")), jstr(s, "policy"),
                 json_is_true(json_object_get(s, "debug_allowed")) ? "ALLOWED" : "off",
                 json_is_true(json_object_get(s, "migrate_ma_allowed")) ? "allowed" : "off",
                 json_is_true(json_object_get(s, "smt_allowed")) ? "allowed" : "off", jstr(s, "signing_key"),
                 jstr(s, "firmware"));
        row2(f, "SNP report", b, false);
    }
    row2(f, "chip id", jstr(s, "chip_id"), true);
    row2(f, "launch measurement", jstr(s, "measurement"), true);
    row2(f, "host data", jstr(s, "host_data"), true);
    row2(f, "vmUniqueId", jstr(s, "vm_unique_id"), true);
    if (v->have_runtime) {
        char b[160];
        const cvm_runtime *rt = &v->runtime;
        const char *tri[] = {"absent", "true", "false"};
        int sb = rt->secure_boot == CVM_TRI_ABSENT ? 0 : rt->secure_boot == CVM_TRI_TRUE ? 1 : 2;
        int te = rt->tpm_enabled == CVM_TRI_ABSENT ? 0 : rt->tpm_enabled == CVM_TRI_TRUE ? 1 : 2;
        int ce = rt->console_enabled == CVM_TRI_ABSENT ? 0 : rt->console_enabled == CVM_TRI_TRUE ? 1 : 2;
        snprintf(b, sizeof b, "secure-boot %s, tpm-enabled %s, console-enabled %s", tri[sb], tri[te], tri[ce]);
        row2(f, "vm-configuration", b, false);
    }
    row2(f, "user-data", jstr(s, "user_data"), true);
    row2(f, "quoted PCRs", jstr(s, "quoted_pcrs"), true);
    row2(f, "quote extraData", jstr(s, "quote_extra_data"), true);
    if (json_object_get(s, "quote_reset_count")) {
        char b[120];
        snprintf(b, sizeof b, "resetCount %lld, restartCount %lld, clock %lld ms",
                 (long long)json_integer_value(json_object_get(s, "quote_reset_count")),
                 (long long)json_integer_value(json_object_get(s, "quote_restart_count")),
                 (long long)json_integer_value(json_object_get(s, "quote_clock_ms")));
        row2(f, "TPM clock", b, false);
    }
    row2(f, "bundle id", jstr(s, "bundle_id"), true);
    fputs("</tbody></table>\n", f);
    if (json_object_get(s, "reported_tcb")) {
        fputs("<h3>TCB (REPORTED_TCB is what the VCEK certifies)</h3>\n", f);
        tcb_table(f, v, s);
    }
    fputs("<h3>PCRs</h3>\n", f);
    pcr_table(f, v);

    fputs("<h2>Certificates and trust anchors</h2>\n", f);
    certs_table(f, v);

    fputs("<h2>Time</h2>\n<table class=\"kv\"><tbody>\n", f);
    row2(f, "verification time", ts, false);
    row2(f, "basis", time_basis(v, true), false);
    fputs("</tbody></table>\n", f);

    json_t *mc = json_object_get(s, "manifest_claims");
    fputs("<h2>Custody claims</h2>\n<div class=\"claims\" id=\"claims\"><p class=\"warnhead\">UNAUTHENTICATED: "
          "these are statements the collector wrote into manifest.json. The seal shows they were in the bundle "
          "when it was sealed; nothing proves they are true.</p>\n",
          f);
    if (mc) {
        fputs("<table class=\"kv\"><tbody>\n", f);
        row2(f, "case id (claimed)", jstr(mc, "case_id"), false);
        row2(f, "examiner (claimed)", jstr(mc, "examiner"), false);
        row2(f, "note (claimed)", jstr(mc, "note_text"), false);
        row2(f, "created (collector's clock)", jstr(mc, "created"), false);
        char b[300];
        snprintf(b, sizeof b, "%s %s", jstr(mc, "collector") ? jstr(mc, "collector") : "?",
                 jstr(mc, "collector_version") ? jstr(mc, "collector_version") : "");
        row2(f, "collector (claimed)", b, false);
        row2(f, "nonce source", jstr(mc, "nonce_source"), false);
        fputs("</tbody></table>\n", f);
    } else {
        fputs("<p class=\"muted\">No manifest claims (no readable manifest.json).</p>\n", f);
    }
    fputs("</div>\n", f);
    json_decref(s);

    fputs("<h2>Limitations</h2>\n<ul>\n", f);
    size_t i;
    json_t *l;
    json_array_foreach(v->limitations, i, l) {
        fputs("<li>", f);
        esc(f, json_string_value(l));
        fputs("</li>\n", f);
    }
    fprintf(f,
            "</ul>\n<footer>Generated by cvm-verify %s, offline. This page contains no scripts and loads nothing; "
            "the JSON report (--json) carries the same verdict with every detail.</footer>\n</main></body></html>\n",
            CVM_VERSION);
    return ferror(f) ? -1 : 0;
}
