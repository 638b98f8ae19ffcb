/* --html FILE: one self-contained page (inline CSS, no scripts, no external
 * resources) an auditor can open and print: the chain drawn as nested
 * boxes, each link with its status and reason, failures in red, then the
 * facts, trust anchors, time basis and limitations (spec/verify.md §8). */
#include "verify.h"

#include <stdlib.h>
#include <string.h>

json_t *cvm_report_summary(const cvm_verify *v);

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static const struct {
    const char *title;
    int links[5];
} boxes[] = {
    {"Bundle", {CVM_L_BUNDLE_TAR, CVM_L_BUNDLE_MANIFEST, -1}},
    {"ARK (pinned) &rarr; ASK/ASVK &rarr; VCEK/VLEK", {CVM_L_AMD_CHAIN, CVM_L_AMD_CRL, -1}},
    {"SNP report", {CVM_L_SNP_SIGNATURE, CVM_L_SNP_TCB, CVM_L_SNP_REPORT, -1}},
    {"runtime JSON", {CVM_L_HCL_BINDING, -1}},
    {"AK (HCLAkPub)", {CVM_L_AK_BINDING, -1}},
    {"TPM quote", {CVM_L_QUOTE_SIGNATURE, CVM_L_QUOTE_BINDING, CVM_L_QUOTE_NONCE, CVM_L_SEAL, -1}},
    {"PCRs", {CVM_L_QUOTE_PCRS, -1}},
    {"event logs", {CVM_L_EVENTLOG_UEFI, CVM_L_EVENTLOG_RUNTIME, -1}},
};

static void link_row(FILE *f, const cvm_verify *v, int l)
{
    const cvm_link_result *r = &v->res[l];
    static const char *sym[] = {"-", "&#10003;", "!", "-", "&#10007;"};
    fprintf(f, "<tr class=\"%s\"><td class=\"s\">%s</td><td class=\"id\">%s%s</td><td>", cvm_status_name(r->status),
            sym[r->status], cvm_link_id(l), cvm_link_mandatory(v, l) ? "" : " <small>(optional)</small>");
    esc(f, r->reason);
    fputs("</td></tr>\n", f);
}

static void kv(FILE *f, const char *k, const char *val)
{
    if (!val)
        return;
    fputs("<tr><th>", f);
    esc(f, k);
    fputs("</th><td><code>", f);
    esc(f, val);
    fputs("</code></td></tr>\n", f);
}

int cvm_report_html(const cvm_verify *v, FILE *f)
{
    char ts[40];
    cvm_time_format(v->vtime, ts, sizeof ts);
    const char *vc = v->verdict_exit == 0 ? "pass" : v->verdict_exit == 1 ? "warn" : "fail";
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>cvm-verify report</title>\n"
          "<style>body{font:14px/1.4 sans-serif;max-width:70em;margin:2em auto;color:#222}"
          "h1{font-size:1.4em}.box{border:1px solid #999;border-radius:6px;padding:.4em .8em;margin:.4em 0 .4em 1.5em}"
          ".box>.t{font-weight:bold}table{border-collapse:collapse;width:100%}td,th{padding:.15em .5em;"
          "vertical-align:top;text-align:left}td.s{width:1.5em;font-weight:bold}td.id{width:12em;"
          "font-family:monospace;white-space:nowrap}tr.pass td.s{color:#080}tr.fail{background:#fdd}"
          "tr.fail td.s,tr.fail td.id{color:#b00}tr.warn td.s{color:#a60}tr.skip{color:#777}"
          ".verdict{font-size:1.2em;padding:.5em;border-radius:6px}.verdict.pass{background:#dfd}"
          ".verdict.warn{background:#ffd}.verdict.fail{background:#fdd}code{word-break:break-all}"
          "@media print{.box{break-inside:avoid}}</style></head><body>\n",
          f);
    fputs("<h1>cvm-verify report</h1>\n<p>", f);
    esc(f, v->input_kind);
    fputs(" <code>", f);
    esc(f, v->opts.bundle_path ? v->opts.bundle_path : v->opts.dir);
    fprintf(f, "</code> &middot; cvm-verify %s &middot; verification time %s (%s)</p>\n", CVM_VERSION, ts,
            strcmp(v->time_kind, "now") == 0 ? "the verifier's clock" : "explicit, --at");
    fprintf(f, "<p class=\"verdict %s\"><b>Verdict: ", vc);
    esc(f, v->verdict);
    fprintf(f, "</b> (exit %d)", v->verdict_exit);
    for (int i = 0; i < CVM_L_COUNT; i++)
        if (v->res[i].status == CVM_ST_FAIL) {
            fprintf(f, " &mdash; first failure: <code>%s</code>: ", cvm_link_id(i));
            esc(f, v->res[i].reason);
            break;
        }
    fputs("</p>\n<h2>Chain</h2>\n", f);
    /* nested boxes: each stage inside the previous one */
    size_t nb = sizeof boxes / sizeof boxes[0];
    for (size_t b = 0; b < nb; b++) {
        fputs("<div class=\"box\"><div class=\"t\">", f);
        fputs(boxes[b].title, f);
        fputs("</div><table>\n", f);
        for (int k = 0; k < 5 && boxes[b].links[k] >= 0; k++)
            link_row(f, v, boxes[b].links[k]);
        fputs("</table>\n", f);
        if (b == 0)
            fputs("</div>\n", f); /* the bundle box stands alone */
    }
    for (size_t b = 1; b < nb; b++)
        fputs("</div>", f);
    fputs("\n<div class=\"box\"><div class=\"t\">Judgement</div><table>\n", f);
    link_row(f, v, CVM_L_POLICY);
    link_row(f, v, CVM_L_OPERATOR_SIGNATURE);
    link_row(f, v, CVM_L_TIMESTAMP);
    fputs("</table></div>\n<h2>Facts</h2>\n<table>\n", f);
    json_t *s = cvm_report_summary(v);
    const char *k;
    json_t *val;
    json_object_foreach(s, k, val) {
        char *txt = json_is_string(val) ? NULL : json_dumps(val, JSON_ENCODE_ANY | JSON_COMPACT);
        kv(f, k, txt ? txt : json_string_value(val));
        free(txt);
    }
    json_decref(s);
    fputs("</table>\n<h2>Trust anchors</h2>\n<table>\n", f);
    for (size_t i = 0; i < v->n_anchors; i++) {
        char h[65], label[300];
        cvm_hex(v->anchors[i].spki_sha256, 32, h);
        snprintf(label, sizeof label, "%s (%s)%s", v->anchors[i].name, v->anchors[i].source,
                 v->anchors[i].used ? " - used" : "");
        kv(f, label, h);
    }
    fputs("</table>\n<h2>Limitations</h2>\n<ul>\n", f);
    size_t i;
    json_t *l;
    json_array_foreach(v->limitations, i, l) {
        fputs("<li>", f);
        esc(f, json_string_value(l));
        fputs("</li>\n", f);
    }
    fputs("</ul>\n</body></html>\n", f);
    return ferror(f) ? -1 : 0;
}
