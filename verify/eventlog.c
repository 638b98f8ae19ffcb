/* eventlog.uefi / eventlog.runtime: replay the logs and compare with the
 * PCR values the quote authenticated (spec/verify.md §3.15-§3.16). The
 * format library parses and replays (PCR17-22 start at all ones, PCR0 per
 * StartupLocality); these links only compare. A PCR the log extends must
 * replay to its quoted value; quoted PCRs the log does not touch are listed
 * as "not explained". */
#include "verify.h"

#include <stdio.h>
#include <string.h>

static void list_add(char *buf, size_t n, const char *bank, unsigned pcr)
{
    size_t l = strlen(buf);
    if (l + 16 < n)
        snprintf(buf + l, n - l, "%s%s:%u", l ? "," : "", bank, pcr);
}

void cvm_link_eventlog_uefi(cvm_verify *v)
{
    const int L = CVM_L_EVENTLOG_UEFI;
    if (!v->in[CVM_IN_EVENTLOG].present) {
        cvm_link_set(v, L, CVM_ST_SKIP, "eventlog.bin absent: the boot PCRs are quoted but not explained");
        return;
    }
    if (!cvm_link_need(v, L, CVM_IN_EVENTLOG) || !cvm_link_depends(v, L, CVM_L_QUOTE_PCRS))
        return;
    json_t *d = cvm_link_details(v, L);
    json_t *ej = cvm_eventlog_to_json(&v->elog, 256);
    if (ej)
        json_object_set_new(v->facts, "eventlog", ej);
    json_object_set_new(d, "events", json_integer((json_int_t)v->elog.n_events));
    char matched[512] = "", uncovered[512] = "";
    size_t banks = 0;
    const cvm_pcr_selection *sel = &v->pcrs->selection;
    for (uint32_t b = 0; b < sel->count; b++) {
        uint16_t alg = sel->sel[b].hash;
        bool in_log = false;
        for (size_t k = 0; k < v->elog.n_algs; k++)
            in_log = in_log || v->elog.algs[k].alg_id == alg;
        if (!in_log)
            continue;
        banks++;
        uint8_t pcrs[24][64];
        uint32_t covered = 0;
        cvm_err err;
        cvm_err_clear(&err);
        if (cvm_eventlog_replay(&v->elog, alg, pcrs, &covered, &err) != CVM_OK) {
            char eb[512];
            cvm_link_set(v, L, CVM_ST_FAIL, "eventlog.bin cannot be replayed: %s", cvm_err_format(&err, eb, sizeof eb));
            return;
        }
        const char *bank = cvm_tpm_alg_name(alg);
        for (unsigned i = 0; i < 24; i++) {
            const uint8_t *q;
            size_t ql;
            if (cvm_pcrs_get(v->pcrs, alg, i, &q, &ql) != CVM_OK)
                continue;
            if (!(covered & (1u << i))) {
                list_add(uncovered, sizeof uncovered, bank, i);
                continue;
            }
            if (ql != cvm_tpm_hash_len(alg) || memcmp(pcrs[i], q, ql) != 0) {
                char a[17], bb[17];
                cvm_hex(pcrs[i], 8, a);
                cvm_hex(q, 8, bb);
                cvm_link_set(v, L, CVM_ST_FAIL,
                             "PCR %s:%u replays from eventlog.bin to %s... but the quote has %s...: the log does not "
                             "describe this boot",
                             bank, i, a, bb);
                return;
            }
            list_add(matched, sizeof matched, bank, i);
        }
    }
    if (!banks) {
        cvm_link_set(v, L, CVM_ST_FAIL, "eventlog.bin has no digest bank the quote selected: it cannot explain the quoted PCRs");
        return;
    }
    json_object_set_new(d, "matched", json_string(matched));
    json_object_set_new(d, "not_explained", json_string(uncovered));
    cvm_link_set(v, L, CVM_ST_PASS, "%zu events replay to the quoted %s%s%s", v->elog.n_events,
                 matched[0] ? matched : "(no PCR)", uncovered[0] ? "; quoted but not in the log: " : "", uncovered);
}

void cvm_link_eventlog_runtime(cvm_verify *v)
{
    const int L = CVM_L_EVENTLOG_RUNTIME;
    if (!v->in[CVM_IN_CEL].present) {
        cvm_link_set(v, L, CVM_ST_SKIP, "runtime.cel absent: PCR23 is quoted but not explained");
        return;
    }
    if (!cvm_link_need(v, L, CVM_IN_CEL) || !cvm_link_depends(v, L, CVM_L_QUOTE_PCRS))
        return;
    json_t *d = cvm_link_details(v, L);
    json_t *cj = cvm_cel_to_json(&v->rtlog.cel);
    if (cj)
        json_object_set_new(v->facts, "runtime_log", cj);
    char bid[37];
    cvm_rtlog_boot_id_format(v->rtlog.boot.boot_id, bid);
    json_object_set_new(d, "boot_id", json_string(bid));
    json_object_set_new(d, "files", json_integer((json_int_t)v->rtlog.n_files));
    const uint8_t *q;
    size_t ql;
    if (cvm_pcrs_get(v->pcrs, CVM_TPM_ALG_SHA256, CVM_RTLOG_PCR, &q, &ql) != CVM_OK || ql != 32) {
        cvm_link_set(v, L, CVM_ST_FAIL, "the quote does not cover sha256:23, so runtime.cel cannot be checked");
        return;
    }
    size_t n = v->rtlog.cel.n_records;
    /* the collector appends a record before extending (formats.md §7.2):
     * the longest prefix that replays to the quoted value is the extended
     * part; trailing records were logged but not (yet) extended */
    for (size_t k = n; k >= 1; k--) {
        uint8_t out[32];
        cvm_err err;
        cvm_err_clear(&err);
        if (cvm_rtlog_replay(&v->rtlog, k, out, &err) != CVM_OK)
            continue;
        if (memcmp(out, q, 32) != 0)
            continue;
        json_object_set_new(d, "records_extended", json_integer((json_int_t)k));
        v->rtlog_extended = k;
        if (k == n)
            cvm_link_set(v, L, CVM_ST_PASS, "%zu records (%zu measured file(s), boot %s) replay to the quoted PCR23", n,
                         v->rtlog.n_files, bid);
        else
            cvm_link_set(v, L, CVM_ST_WARN,
                         "the first %zu of %zu records replay to the quoted PCR23; the last %zu were logged but not "
                         "extended before the quote",
                         k, n, n - k);
        return;
    }
    uint8_t acc = 0;
    for (size_t i = 0; i < 32; i++)
        acc |= q[i];
    if (!acc)
        cvm_link_set(v, L, CVM_ST_FAIL, "the quoted PCR23 is in its reset state (zero): none of runtime.cel's %zu records "
                     "(boot %s) was extended in this boot",
                     n, bid);
    else
        cvm_link_set(v, L, CVM_ST_FAIL, "no prefix of runtime.cel (%zu records, boot %s) replays to the quoted PCR23: the "
                     "log is from another boot or was altered",
                     n, bid);
}
