/* policy: the auditor's rules over the verified facts (spec/policy.md).
 * The policy file is auditor input, not evidence: it is loaded (strictly:
 * duplicate keys and unknown rules are errors) before any link runs, and a
 * bad policy file is a usage error (exit 3). Each rule carries an action:
 * "fail" (the link fails -> exit 1 when the evidence is otherwise
 * verified) or "warn". */
#include "verify.h"
#include "binding.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const known_rules[] = {
    "policy_version", "min_tcb", "debug", "migrate_ma", "smt", "vmpl", "measurement", "id_key_digest",
    "host_data", "vm_configuration", "pcrs", "require_fresh_report", "require_operator_signature",
    "require_nonce", "description", "runtime_files",
};

static int bad(char *errbuf, size_t errlen, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int bad(char *errbuf, size_t errlen, const char *path, const char *fmt, ...)
{
    char m[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    snprintf(errbuf, errlen, "--policy %s: %s", path, m);
    return -1;
}

static int check_action(json_t *rule, const char *name, const char *path, char *eb, size_t el)
{
    if (!json_is_object(rule))
        return bad(eb, el, path, "rule \"%s\" must be an object", name);
    json_t *a = json_object_get(rule, "action");
    if (!a)
        return 0; /* default "fail" */
    const char *s = json_string_value(a);
    if (!s || (strcmp(s, "fail") != 0 && strcmp(s, "warn") != 0))
        return bad(eb, el, path, "rule \"%s\": action must be \"fail\" or \"warn\"", name);
    return 0;
}

static int check_keys(json_t *rule, const char *name, const char *const *allowed, size_t n, const char *path,
                      char *eb, size_t el)
{
    const char *k;
    json_t *val;
    json_object_foreach(rule, k, val) {
        bool ok = strcmp(k, "action") == 0;
        for (size_t i = 0; i < n && !ok; i++)
            ok = strcmp(k, allowed[i]) == 0;
        if (!ok)
            return bad(eb, el, path, "rule \"%s\" has an unknown member \"%s\"", name, k);
        (void)val;
    }
    return 0;
}

static int check_hex(json_t *j, size_t want)
{
    const char *s = json_string_value(j);
    uint8_t tmp[64];
    return s && strlen(s) == 2 * want && cvm_unhex(s, strlen(s), tmp, sizeof tmp) == (long)want ? 0 : -1;
}

static int check_allowlist(json_t *rule, const char *name, size_t len, const char *path, char *eb, size_t el)
{
    static const char *const keys[] = {"allow"};
    if (check_keys(rule, name, keys, 1, path, eb, el))
        return -1;
    json_t *al = json_object_get(rule, "allow");
    if (!json_is_array(al))
        return bad(eb, el, path, "rule \"%s\": \"allow\" must be an array", name);
    size_t i;
    json_t *e;
    json_array_foreach(al, i, e) {
        json_t *val = json_is_object(e) ? json_object_get(e, "value") : e;
        if (check_hex(val, len))
            return bad(eb, el, path, "rule \"%s\": every allowed value must be hex of the field's size", name);
        if (json_is_object(e)) {
            const char *k;
            json_t *x;
            json_object_foreach(e, k, x) {
                time_t t;
                if (strcmp(k, "value") == 0 || strcmp(k, "comment") == 0)
                    continue;
                if ((strcmp(k, "not_before") != 0 && strcmp(k, "not_after") != 0) || !json_is_string(x) ||
                    cvm_time_parse(json_string_value(x), &t) != 0)
                    return bad(eb, el, path, "rule \"%s\": allowlist entries take value, not_before, not_after "
                               "(RFC 3339), comment",
                               name);
            }
        }
    }
    return 0;
}

int cvm_policy_load(cvm_verify *v, char *errbuf, size_t errlen)
{
    json_decref(v->policy);
    v->policy = NULL;
    const char *path = v->opts.policy_path;
    if (!path)
        return 0;
    uint8_t *buf = NULL;
    size_t len = 0;
    cvm_err err;
    cvm_err_clear(&err);
    if (cvm_file_read(path, 1u << 20, &buf, &len, &err) != CVM_OK) {
        char e[512];
        snprintf(errbuf, errlen, "--policy %s: %s", path, cvm_err_format(&err, e, sizeof e));
        return -1;
    }
    json_error_t je;
    json_t *p = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
    free(buf);
    if (!p || !json_is_object(p)) {
        snprintf(errbuf, errlen, "--policy %s: not a JSON object: %s (line %d column %d)", path,
                 p ? "top level" : je.text, je.line, je.column);
        json_decref(p);
        return -1;
    }
    const char *k;
    json_t *r;
    json_object_foreach(p, k, r) {
        bool known = false;
        for (size_t i = 0; i < sizeof known_rules / sizeof known_rules[0]; i++)
            known = known || strcmp(k, known_rules[i]) == 0;
        if (!known) {
            bad(errbuf, errlen, path, "unknown rule \"%s\"", k);
            goto fail;
        }
        if (strcmp(k, "policy_version") == 0) {
            if (!json_is_integer(r) || json_integer_value(r) != 1) {
                bad(errbuf, errlen, path, "policy_version must be 1%s", "");
                goto fail;
            }
            continue;
        }
        if (strcmp(k, "description") == 0)
            continue;
        if (check_action(r, k, path, errbuf, errlen))
            goto fail;
        if (strcmp(k, "min_tcb") == 0) {
            static const char *const keys[] = {"bootloader", "tee", "snp", "microcode", "fmc"};
            if (check_keys(r, k, keys, 5, path, errbuf, errlen))
                goto fail;
            const char *kk;
            json_t *x;
            json_object_foreach(r, kk, x) if (strcmp(kk, "action") != 0 &&
                                              (!json_is_integer(x) || json_integer_value(x) < 0 ||
                                               json_integer_value(x) > 255)) {
                bad(errbuf, errlen, path, "min_tcb.%s must be an integer 0..255", kk);
                goto fail;
            }
        } else if (strcmp(k, "debug") == 0 || strcmp(k, "migrate_ma") == 0 || strcmp(k, "smt") == 0) {
            static const char *const keys[] = {"allow"};
            if (check_keys(r, k, keys, 1, path, errbuf, errlen))
                goto fail;
            if (!json_is_boolean(json_object_get(r, "allow"))) {
                bad(errbuf, errlen, path, "rule \"%s\": \"allow\" must be true or false", k);
                goto fail;
            }
        } else if (strcmp(k, "vmpl") == 0) {
            static const char *const keys[] = {"max"};
            if (check_keys(r, k, keys, 1, path, errbuf, errlen) || !json_is_integer(json_object_get(r, "max"))) {
                bad(errbuf, errlen, path, "rule \"vmpl\" needs an integer \"max\"%s", "");
                goto fail;
            }
        } else if (strcmp(k, "measurement") == 0 || strcmp(k, "id_key_digest") == 0) {
            if (check_allowlist(r, k, 48, path, errbuf, errlen))
                goto fail;
        } else if (strcmp(k, "host_data") == 0) {
            if (check_allowlist(r, k, 32, path, errbuf, errlen))
                goto fail;
        } else if (strcmp(k, "vm_configuration") == 0) {
            static const char *const keys[] = {"secure-boot", "tpm-enabled", "console-enabled"};
            if (check_keys(r, k, keys, 3, path, errbuf, errlen))
                goto fail;
            const char *kk;
            json_t *x;
            json_object_foreach(r, kk, x) if (strcmp(kk, "action") != 0 && !json_is_boolean(x)) {
                bad(errbuf, errlen, path, "vm_configuration.%s must be true or false", kk);
                goto fail;
            }
        } else if (strcmp(k, "pcrs") == 0) {
            static const char *const keys[] = {"values"};
            if (check_keys(r, k, keys, 1, path, errbuf, errlen))
                goto fail;
            json_t *vals = json_object_get(r, "values");
            size_t i;
            json_t *e;
            if (!json_is_array(vals)) {
                bad(errbuf, errlen, path, "pcrs.values must be an array%s", "");
                goto fail;
            }
            json_array_foreach(vals, i, e) {
                const char *bank = json_string_value(json_object_get(e, "bank"));
                json_t *idx = json_object_get(e, "index");
                uint16_t alg = bank ? cvm_tpm_alg_from_name(bank) : 0;
                size_t hl = cvm_tpm_hash_len(alg);
                if (!hl || !json_is_integer(idx) || json_integer_value(idx) < 0 || json_integer_value(idx) > 31 ||
                    json_object_size(e) != 3 || check_hex(json_object_get(e, "value"), hl)) {
                    bad(errbuf, errlen, path,
                        "pcrs.values entries are {\"bank\": \"sha256\", \"index\": 0..31, \"value\": hex}%s", "");
                    goto fail;
                }
            }
        } else if (strcmp(k, "runtime_files") == 0) {
            static const char *const keys[] = {"files", "allow_unlisted"};
            if (check_keys(r, k, keys, 2, path, errbuf, errlen))
                goto fail;
            json_t *files = json_object_get(r, "files");
            json_t *au = json_object_get(r, "allow_unlisted");
            if (!json_is_array(files) || (au && !json_is_boolean(au))) {
                bad(errbuf, errlen, path, "runtime_files needs \"files\": [...] and an optional boolean allow_unlisted%s", "");
                goto fail;
            }
            size_t i;
            json_t *e;
            json_array_foreach(files, i, e) {
                const char *fp = json_string_value(json_object_get(e, "path"));
                if (!fp || !*fp || json_object_size(e) != 2 || check_hex(json_object_get(e, "sha256"), 32)) {
                    bad(errbuf, errlen, path, "runtime_files.files entries are {\"path\": \"/abs/path\", \"sha256\": hex}%s", "");
                    goto fail;
                }
            }
        } else {
            static const char *const none[] = {NULL};
            if (check_keys(r, k, none, 0, path, errbuf, errlen))
                goto fail;
        }
    }
    v->policy = p;
    return 0;
fail:
    json_decref(p);
    return -1;
}

/* ---- evaluation ---- */

typedef struct peval {
    cvm_verify *v;
    json_t *results;
    int first_fail; /* index in results */
    int first_warn;
} peval;

static void result(peval *pe, const char *rule, json_t *r, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void result(peval *pe, const char *rule, json_t *r, bool ok, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* messages can quote measured paths (arbitrary bytes): keep JSON valid */
    for (char *c = msg; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            *c = '?';
    const char *action = json_string_value(json_object_get(r, "action"));
    if (!action)
        action = "fail";
    json_t *o = json_object();
    json_object_set_new(o, "rule", json_string(rule));
    json_object_set_new(o, "action", json_string(action));
    json_object_set_new(o, "holds", json_boolean(ok));
    json_object_set_new(o, "message", json_string(msg));
    int idx = (int)json_array_size(pe->results);
    json_array_append_new(pe->results, o);
    if (!ok && strcmp(action, "fail") == 0 && pe->first_fail < 0)
        pe->first_fail = idx;
    if (!ok && strcmp(action, "warn") == 0 && pe->first_warn < 0)
        pe->first_warn = idx;
}

static void allowlist(peval *pe, const char *name, json_t *r, const uint8_t *val, size_t len)
{
    cvm_verify *v = pe->v;
    char hx[129];
    cvm_hex(val, len, hx);
    size_t i;
    json_t *e;
    bool outside = false;
    json_array_foreach(json_object_get(r, "allow"), i, e) {
        const char *s = json_string_value(json_is_object(e) ? json_object_get(e, "value") : e);
        uint8_t b[64];
        if (!s || cvm_unhex(s, strlen(s), b, sizeof b) != (long)len || memcmp(b, val, len) != 0)
            continue;
        time_t nb, na;
        const char *snb = json_string_value(json_object_get(e, "not_before"));
        const char *sna = json_string_value(json_object_get(e, "not_after"));
        if ((snb && cvm_time_parse(snb, &nb) == 0 && v->vtime < nb) ||
            (sna && cvm_time_parse(sna, &na) == 0 && v->vtime > na)) {
            outside = true;
            continue;
        }
        result(pe, name, r, true, "%s %.16s... is allowed (entry %zu)", name, hx, i);
        return;
    }
    result(pe, name, r, false, "%s %s is %s", name, hx,
           outside ? "allowed only outside its not_before/not_after window at the verification time"
                   : "not in the allowlist");
}

void cvm_link_policy(cvm_verify *v)
{
    const int L = CVM_L_POLICY;
    if (!v->opts.policy_path || !v->policy) {
        cvm_link_set(v, L, CVM_ST_SKIP, "no policy given (--policy FILE)");
        return;
    }
    if (!v->have_report || !cvm_link_ok(v, CVM_L_SNP_SIGNATURE)) {
        cvm_link_set(v, L, CVM_ST_SKIP, "depends on snp.signature: no authentic SNP report to judge");
        return;
    }
    peval pe = {v, json_array(), -1, -1};
    json_t *p = v->policy;
    const cvm_snp_report *rep = &v->report;
    json_t *r;

    if ((r = json_object_get(p, "min_tcb"))) {
        cvm_tcb t;
        cvm_tcb_decode(rep->reported_tcb, v->product, &t);
        static const char *const comp[] = {"bootloader", "tee", "snp", "microcode", "fmc"};
        int have[] = {t.bootloader, t.tee, t.snp, t.microcode, t.fmc};
        bool ok = true;
        char why[256] = "";
        for (int i = 0; i < 5; i++) {
            json_t *m = json_object_get(r, comp[i]);
            if (!m || (i == 4 && !t.has_fmc))
                continue;
            if (have[i] < json_integer_value(m)) {
                ok = false;
                snprintf(why + strlen(why), sizeof why - strlen(why), "%s%s %d < %lld", why[0] ? ", " : "",
                         comp[i], have[i], (long long)json_integer_value(m));
            }
        }
        result(&pe, "min_tcb", r, ok, ok ? "REPORTED_TCB meets every minimum" : "REPORTED_TCB below minimum: %s",
               why);
    }
    if ((r = json_object_get(p, "debug"))) {
        bool allow = json_is_true(json_object_get(r, "allow"));
        result(&pe, "debug", r, allow || !rep->policy_bits.debug, "guest policy DEBUG is %s",
               rep->policy_bits.debug ? "set (the host can debug the guest)" : "clear");
    }
    if ((r = json_object_get(p, "migrate_ma"))) {
        bool allow = json_is_true(json_object_get(r, "allow"));
        result(&pe, "migrate_ma", r, allow || !rep->policy_bits.migrate_ma, "guest policy MIGRATE_MA is %s",
               rep->policy_bits.migrate_ma ? "set" : "clear");
    }
    if ((r = json_object_get(p, "smt"))) {
        bool allow = json_is_true(json_object_get(r, "allow"));
        result(&pe, "smt", r, allow || !rep->policy_bits.smt, "guest policy SMT is %s",
               rep->policy_bits.smt ? "set (SMT allowed)" : "clear");
    }
    if ((r = json_object_get(p, "vmpl")))
        result(&pe, "vmpl", r, (json_int_t)rep->vmpl <= json_integer_value(json_object_get(r, "max")),
               "report VMPL %u (max %lld)", rep->vmpl, (long long)json_integer_value(json_object_get(r, "max")));
    if ((r = json_object_get(p, "measurement")))
        allowlist(&pe, "measurement", r, rep->measurement, sizeof rep->measurement);
    if ((r = json_object_get(p, "id_key_digest")))
        allowlist(&pe, "id_key_digest", r, rep->id_key_digest, sizeof rep->id_key_digest);
    if ((r = json_object_get(p, "host_data")))
        allowlist(&pe, "host_data", r, rep->host_data, sizeof rep->host_data);
    if ((r = json_object_get(p, "vm_configuration"))) {
        static const char *const keys[] = {"secure-boot", "tpm-enabled", "console-enabled"};
        for (int i = 0; i < 3; i++) {
            json_t *want = json_object_get(r, keys[i]);
            if (!want)
                continue;
            char name[64];
            snprintf(name, sizeof name, "vm_configuration.%s", keys[i]);
            if (!v->have_runtime || !cvm_link_ok(v, CVM_L_HCL_BINDING)) {
                result(&pe, name, r, false, "no bound runtime JSON to read %s from", keys[i]);
                continue;
            }
            cvm_tristate t = i == 0 ? v->runtime.secure_boot : i == 1 ? v->runtime.tpm_enabled : v->runtime.console_enabled;
            bool ok = t != CVM_TRI_ABSENT && (t == CVM_TRI_TRUE) == json_is_true(want);
            result(&pe, name, r, ok, "%s is %s (required %s)", keys[i], cvm_tristate_name(t),
                   json_is_true(want) ? "true" : "false");
        }
    }
    if ((r = json_object_get(p, "pcrs"))) {
        size_t i;
        json_t *e;
        bool authentic = v->pcrs && cvm_link_ok(v, CVM_L_QUOTE_PCRS) && cvm_link_ok(v, CVM_L_QUOTE_SIGNATURE);
        json_array_foreach(json_object_get(r, "values"), i, e) {
            const char *bank = json_string_value(json_object_get(e, "bank"));
            unsigned idx = (unsigned)json_integer_value(json_object_get(e, "index"));
            const char *want = json_string_value(json_object_get(e, "value"));
            char name[64];
            snprintf(name, sizeof name, "pcrs.%s:%u", bank, idx);
            const uint8_t *val;
            size_t vl;
            if (!authentic) {
                result(&pe, name, r, false, "no authenticated PCR values (quote.signature / quote.pcrs did not pass)");
                continue;
            }
            if (cvm_pcrs_get(v->pcrs, cvm_tpm_alg_from_name(bank), idx, &val, &vl) != CVM_OK) {
                result(&pe, name, r, false, "PCR %s:%u is not in the quote", bank, idx);
                continue;
            }
            uint8_t w[64];
            long wl = cvm_unhex(want, strlen(want), w, sizeof w);
            char hx[129];
            cvm_hex(val, vl, hx);
            result(&pe, name, r, wl == (long)vl && memcmp(w, val, vl) == 0, "PCR %s:%u = %.16s... (%s)", bank, idx,
                   hx, wl == (long)vl && memcmp(w, val, vl) == 0 ? "the reference value" : "not the reference value");
        }
    }
    if ((r = json_object_get(p, "runtime_files"))) {
        /* spec/runtime-log.md §3.3: the quote covers path and file hash;
         * the policy says which hashes are expected for which paths. Only
         * records that replay to the quoted PCR23 count. */
        if (!cvm_link_ok(v, CVM_L_EVENTLOG_RUNTIME) || v->rtlog_extended < 2) {
            result(&pe, "runtime_files", r, false, "no authenticated runtime log (eventlog.runtime did not pass)");
        } else {
            size_t nf = v->rtlog_extended - 2 < v->rtlog.n_files ? v->rtlog_extended - 2 : v->rtlog.n_files;
            size_t i;
            json_t *e;
            json_array_foreach(json_object_get(r, "files"), i, e) {
                const char *fp = json_string_value(json_object_get(e, "path"));
                const char *want = json_string_value(json_object_get(e, "sha256"));
                uint8_t w[32];
                cvm_unhex(want, 64, w, sizeof w);
                const cvm_rtlog_file *last = NULL;
                for (size_t k2 = 0; k2 < nf; k2++) {
                    const cvm_rtlog_file *f = &v->rtlog.files[k2];
                    if (f->path_len == strlen(fp) && memcmp(f->path, fp, f->path_len) == 0)
                        last = f;
                }
                char name[300];
                snprintf(name, sizeof name, "runtime_files %s", fp);
                if (!last) {
                    result(&pe, name, r, false, "%s was not measured into PCR23", fp);
                    continue;
                }
                char hx[65];
                cvm_hex(last->sha256, 32, hx);
                result(&pe, name, r, memcmp(last->sha256, w, 32) == 0, "%s measured with sha256 %.16s... (%s)", fp, hx,
                       memcmp(last->sha256, w, 32) == 0 ? "expected" : "NOT the expected hash");
            }
            if (!json_is_true(json_object_get(r, "allow_unlisted"))) {
                const char *unlisted = NULL;
                size_t ul = 0;
                for (size_t k2 = 0; k2 < nf && !unlisted; k2++) {
                    const cvm_rtlog_file *f = &v->rtlog.files[k2];
                    bool listed = false;
                    json_array_foreach(json_object_get(r, "files"), i, e) {
                        const char *fp = json_string_value(json_object_get(e, "path"));
                        listed = listed || (f->path_len == strlen(fp) && memcmp(f->path, fp, f->path_len) == 0);
                    }
                    if (!listed) {
                        unlisted = f->path;
                        ul = f->path_len;
                    }
                }
                result(&pe, "runtime_files unlisted", r, !unlisted, unlisted ? "a file not in the policy was measured: %.*s"
                                                                          : "no file outside the policy was measured%.*s",
                       unlisted ? (int)(ul > 200 ? 200 : ul) : 0, unlisted ? unlisted : "");
            }
        }
    }
    if ((r = json_object_get(p, "require_nonce")))
        result(&pe, "require_nonce", r, v->opts.have_nonce && v->res[CVM_L_QUOTE_NONCE].status == CVM_ST_PASS,
               v->opts.have_nonce ? "the quote carries the auditor's nonce" : "no --nonce given: the quote may be a replay");
    if ((r = json_object_get(p, "require_fresh_report"))) {
        /* The SNP report itself is fresh when the runtime JSON's user-data
         * (NV 0x01400002, bound by hcl.binding) carries the auditor nonce:
         * either the nonce zero-padded to 64 bytes or SHA-512(nonce). */
        bool ok = false;
        const char *why = "no --nonce given";
        if (v->opts.have_nonce) {
            why = "no bound runtime JSON with user-data";
            if (v->have_runtime && v->runtime.has_user_data && cvm_link_ok(v, CVM_L_HCL_BINDING)) {
                uint8_t pad[64] = {0}, h[64];
                unsigned hl = 0;
                memcpy(pad, v->opts.nonce, v->opts.nonce_len);
                EVP_Digest(v->opts.nonce, v->opts.nonce_len, h, &hl, EVP_sha512(), NULL);
                uint8_t tagged[64] = {0};
                bool have_tagged = cvm_hcl_user_data(v->opts.nonce, v->opts.nonce_len, tagged) == CVM_OK;
                ok = cvm_ct_memcmp(pad, v->runtime.user_data, 64) == 0 || cvm_ct_memcmp(h, v->runtime.user_data, 64) == 0 ||
                     (have_tagged && cvm_ct_memcmp(tagged, v->runtime.user_data, 64) == 0);
                why = ok ? "user-data carries the nonce: the SNP report was made after the nonce was issued"
                         : "user-data does not carry the nonce: the SNP report may predate it";
            }
        }
        result(&pe, "require_fresh_report", r, ok, "%s", why);
    }
    if ((r = json_object_get(p, "require_operator_signature")))
        result(&pe, "require_operator_signature", r, v->res[CVM_L_OPERATOR_SIGNATURE].status == CVM_ST_PASS,
               "operator signature: %s", cvm_status_name(v->res[CVM_L_OPERATOR_SIGNATURE].status));

    json_t *d = cvm_link_details(v, L);
    json_object_set_new(d, "file", json_string(v->opts.policy_path));
    json_object_set_new(d, "rules", pe.results);
    size_t n = json_array_size(pe.results);
    if (pe.first_fail >= 0)
        cvm_link_set(v, L, CVM_ST_FAIL, "%s: %s", json_string_value(json_object_get(json_array_get(pe.results, (size_t)pe.first_fail), "rule")),
                     json_string_value(json_object_get(json_array_get(pe.results, (size_t)pe.first_fail), "message")));
    else if (pe.first_warn >= 0)
        cvm_link_set(v, L, CVM_ST_WARN, "%s: %s", json_string_value(json_object_get(json_array_get(pe.results, (size_t)pe.first_warn), "rule")),
                     json_string_value(json_object_get(json_array_get(pe.results, (size_t)pe.first_warn), "message")));
    else
        cvm_link_set(v, L, CVM_ST_PASS, "all %zu policy rules hold", n);
}
