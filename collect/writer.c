/* The collection sequence, step by step (numbers as in the summary):
 *  1  HCL report from NV 0x01400001 (--fresh: user-data first, then poll)
 *  2  VCEK chain: IMDS THIM | --vcek FILE | --kds, with fallbacks said aloud
 *  3  AK public (akpub.pem, ak.pub)
 *  4  UEFI event log, PCR23 runtime log
 *  5  quote #1, extraData = binding digest (spec/bundle-v1.md §5.1)
 *  6  PCRs read back; re-quote when a concurrent extend raced us
 *  7  manifest.json (canonical, format/manifest.h)
 *  8  seal quote, extraData = seal digest of manifest.json (§5.2)
 *  9  deterministic tar, written atomically
 * Parsing is the format library's; this file only sequences. */
#include "writer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "amdcert.h"
#include "atomic.h"
#include "binding.h"
#include "buf.h"
#include "bundle.h"
#include "hcl.h"
#include "imds.h"
#include "manifest.h"
#include "measure.h"
#include "pcrs.h"
#include "runtime.h"
#include "snp.h"
#include "status.h"
#include "thim.h"
#include "tpm.h"
#include "vtpm.h"

#define MAX_MEMBERS 16
#define QUOTE_ATTEMPTS 3
#define UEFI_EVENTLOG "/sys/kernel/security/tpm0/binary_bios_measurements"
/* OpenHCL regenerates 0x01400001 on a read at offset 0 at most every 2 s
 * (formats.md §1.8); a read before that returns the old report, which is
 * cheap, so poll often and pick the refresh up within ~250 ms of it. */
#define FRESH_POLL_MS 250

typedef struct member {
    const char *name;
    uint8_t *data; /* owned */
    size_t len;
} member;

typedef struct ctx {
    const cvm_collect_opts *o;
    cvm_collect_result *res;
    cvm_err *err;
    FILE *log;
    cvm_vtpm *tpm;
    member m[MAX_MEMBERS];
    size_t n;
    uint8_t *nv;
    size_t nv_len;
    cvm_hcl_report hcl;
    cvm_runtime rt;
    bool have_rt;
    cvm_pcr_selection sel;
    TPML_PCR_SELECTION tsel;
    char sel_str[512];
} ctx;

static void note(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cvm-collect: ", c->log);
    vfprintf(c->log, fmt, ap);
    fputc('\n', c->log);
    va_end(ap);
}

static int add_member(ctx *c, const char *name, uint8_t *data, size_t len)
{
    if (c->n >= MAX_MEMBERS) {
        free(data);
        return cvm_err_set(c->err, CVM_E_LIMIT, "bundle", "members", CVM_NO_OFFSET, "too many members");
    }
    c->m[c->n++] = (member){.name = name, .data = data, .len = len};
    return CVM_OK;
}

static int add_copy(ctx *c, const char *name, const void *p, size_t len)
{
    uint8_t *d = malloc(len ? len : 1);
    if (!d)
        return cvm_err_set(c->err, CVM_E_NOMEM, name, "copy", CVM_NO_OFFSET, "out of memory");
    memcpy(d, p, len);
    return add_member(c, name, d, len);
}

static size_t as_cvm_members(const ctx *c, cvm_member *out)
{
    for (size_t i = 0; i < c->n; i++)
        out[i] = (cvm_member){.name = c->m[i].name, .data = c->m[i].data, .len = c->m[i].len};
    return c->n;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- 1: HCL report ---------------------------------------------------- */

static int tpm_status(ctx *c, bool not_cvm_when_absent)
{
    if (not_cvm_when_absent && cvm_vtpm_rc_is_absent(cvm_vtpm_last_rc(c->tpm)))
        return CVM_EXIT_NOT_CVM;
    return CVM_EXIT_TPM;
}

static int read_hcl(ctx *c)
{
    free(c->nv);
    c->nv = NULL;
    if (c->have_rt) {
        cvm_runtime_free(&c->rt);
        c->have_rt = false;
    }
    cvm_err e;
    cvm_err_clear(&e);
    if (cvm_vtpm_nv_read(c->tpm, CVM_NV_HCL_REPORT, &c->nv, &c->nv_len, &e)) {
        if (cvm_vtpm_rc_is_absent(cvm_vtpm_last_rc(c->tpm))) {
            cvm_err_set(c->err, CVM_E_VALUE, "NV 0x01400001", "hcl_report", CVM_NO_OFFSET,
                        "no HCL report: is this an Azure confidential VM? (%s)", e.msg);
            return CVM_EXIT_NOT_CVM;
        }
        *c->err = e;
        return CVM_EXIT_TPM;
    }
    if (cvm_hcl_parse(c->nv, c->nv_len, "report.bin", &c->hcl, &e)) {
        char b[600];
        cvm_err_set(c->err, e.code, "report.bin", e.field, e.offset,
                    "NV 0x01400001 does not hold a valid HCL report (is this an Azure confidential VM?): %s",
                    cvm_err_format(&e, b, sizeof b));
        return CVM_EXIT_NOT_CVM;
    }
    if (!c->hcl.is_snp) {
        cvm_err_set(c->err, CVM_E_UNSUPPORTED, "report.bin", "report_type", CVM_HCL_RUNTIME_OFFSET + 8,
                    "the HCL report holds a %s report; only SEV-SNP is supported",
                    cvm_hcl_report_type_name(c->hcl.report_type));
        return CVM_EXIT_NOT_CVM;
    }
    if (cvm_runtime_parse(c->hcl.json, c->hcl.json_len, "report.bin runtime JSON", &c->rt, &e) == CVM_OK)
        c->have_rt = true;
    else if (c->o->verbose) {
        char b[600];
        note(c, "warning: the runtime JSON does not parse: %s", cvm_err_format(&e, b, sizeof b));
    }
    return CVM_EXIT_OK;
}

static int step_hcl(ctx *c)
{
    if (!c->o->fresh)
        return read_hcl(c);
    uint8_t ud[64];
    if (cvm_hcl_user_data(c->o->nonce, CVM_NONCE_LEN, ud)) {
        cvm_err_set(c->err, CVM_E_NOMEM, "user-data", "sha512", CVM_NO_OFFSET, "hash failed");
        return CVM_EXIT_FAIL;
    }
    bool defined = false;
    if (cvm_vtpm_nv_write_user_data(c->tpm, CVM_NV_USER_DATA, ud, sizeof ud, &defined, c->err))
        return tpm_status(c, false);
    if (defined && c->o->verbose)
        note(c, "defined NV 0x01400002 (64 bytes, owner read/write)");
    unsigned timeout = c->o->fresh_timeout_s ? c->o->fresh_timeout_s : 30;
    double deadline = now_s() + timeout;
    for (;;) {
        c->res->fresh_polls++;
        int st = read_hcl(c);
        if (st)
            return st;
        if (c->have_rt && c->rt.has_user_data && !memcmp(c->rt.user_data, ud, sizeof ud)) {
            if (c->o->verbose)
                note(c, "--fresh: the HCL report carries the nonce's user-data after %d read(s)",
                     c->res->fresh_polls);
            return CVM_EXIT_OK;
        }
        if (now_s() + FRESH_POLL_MS / 1000.0 > deadline)
            break;
        sleep_ms(FRESH_POLL_MS);
    }
    char want[129], have[129] = "(absent)";
    cvm_hex(ud, sizeof ud, want);
    if (c->have_rt && c->rt.has_user_data)
        cvm_hex(c->rt.user_data, sizeof c->rt.user_data, have);
    cvm_err_set(c->err, CVM_E_VALUE, "report.bin", "user-data", CVM_NO_OFFSET,
                "--fresh: after %u s and %d read(s) the HCL report's user-data is %s, not %s: the paravisor did "
                "not refresh the report (older HCL, or the AK at 0x81000003 has unexpected attributes)",
                timeout, c->res->fresh_polls, have, want);
    return CVM_EXIT_FRESH;
}

/* ---- 2: VCEK chain ---------------------------------------------------- */

static int pem_from_certs_text(ctx *c, const uint8_t *buf, size_t len, const char *what, size_t *count)
{
    STACK_OF(X509) *sk = NULL;
    int e = cvm_certs_load(buf, len, what, &sk, c->err);
    if (e)
        return e;
    *count = (size_t)sk_X509_num(sk);
    cvm_certs_free(sk);
    return CVM_OK;
}

static int vcek_from_imds(ctx *c, uint8_t **pem, size_t *pem_len)
{
    const char *base = c->o->imds_url ? c->o->imds_url : CVM_IMDS_DEFAULT_URL;
    cvm_http_opts ho = {.log = c->o->verbose ? c->log : NULL};
    uint8_t *body = NULL;
    size_t blen = 0;
    int e = cvm_imds_thim(base, &ho, &body, &blen, c->err);
    if (e)
        return e;
    cvm_thim th;
    e = cvm_thim_parse(body, blen, "IMDS THIM response", &th, c->err);
    free(body);
    if (e)
        return e;
    uint8_t tcb[8], rep[8];
    cvm_thim_tcbm_bytes(&th, tcb);
    for (int i = 0; i < 8; i++)
        rep[i] = (uint8_t)(c->hcl.snp.reported_tcb >> (8 * i));
    if (memcmp(tcb, rep, 8)) {
        note(c, "warning: THIM's VCEK is for TCB %s, the report's REPORTED_TCB is %016llx: this VCEK will not "
                "verify the report%s",
             th.tcbm_hex, (unsigned long long)c->hcl.snp.reported_tcb,
             c->o->kds ? "; trying AMD KDS instead" : " (use --kds or --vcek)");
        if (c->o->kds) {
            cvm_thim_free(&th);
            return cvm_err_set(c->err, CVM_E_VALUE, "IMDS THIM response", "tcbm", CVM_NO_OFFSET,
                               "TCB mismatch with the report");
        }
    }
    cvm_wr w;
    cvm_wr_init(&w);
    cvm_wr_bytes(&w, th.vcek_cert, th.vcek_cert_len);
    if (th.vcek_cert_len && th.vcek_cert[th.vcek_cert_len - 1] != '\n')
        cvm_wr_u8(&w, '\n');
    cvm_wr_bytes(&w, th.certificate_chain, th.certificate_chain_len);
    cvm_thim_free(&th);
    if (w.failed) {
        cvm_wr_free(&w);
        return cvm_err_set(c->err, CVM_E_NOMEM, "vcek.pem", "pem", CVM_NO_OFFSET, "out of memory");
    }
    size_t count = 0;
    e = pem_from_certs_text(c, w.p, w.len, "IMDS THIM certificates", &count);
    if (e) {
        cvm_wr_free(&w);
        return e;
    }
    *pem = cvm_wr_take(&w, pem_len);
    return CVM_OK;
}

static int vcek_from_file(ctx *c, uint8_t **pem, size_t *pem_len)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int e = cvm_file_read(c->o->vcek_file, CVM_CERTS_MAX_BYTES, &buf, &len, c->err);
    if (e)
        return e;
    STACK_OF(X509) *sk = NULL;
    e = cvm_certs_load(buf, len, c->o->vcek_file, &sk, c->err);
    if (e) {
        free(buf);
        return e;
    }
    size_t count = (size_t)sk_X509_num(sk);
    if (len && buf[0] == '-') {
        /* PEM: keep the bytes as given */
        *pem = buf;
        *pem_len = len;
    } else {
        /* one DER VCEK: the bundle carries PEM */
        cvm_wr w;
        cvm_wr_init(&w);
        e = cvm_certs_write_pem(sk, &w);
        free(buf);
        if (e) {
            cvm_wr_free(&w);
            cvm_certs_free(sk);
            return cvm_err_set(c->err, e, c->o->vcek_file, "pem", CVM_NO_OFFSET, "cannot write PEM");
        }
        *pem = cvm_wr_take(&w, pem_len);
    }
    cvm_certs_free(sk);
    if (count < 3)
        note(c, "note: %s holds %zu certificate(s); the verifier needs VCEK, ASK and ARK (or its own)",
             c->o->vcek_file, count);
    return CVM_OK;
}

static int vcek_from_kds(ctx *c, uint8_t **pem, size_t *pem_len)
{
    enum cvm_product p = cvm_snp_product(&c->hcl.snp);
    if (p == CVM_PRODUCT_UNKNOWN)
        return cvm_err_set(c->err, CVM_E_UNSUPPORTED, "guest_report.bin", "cpuid", CVM_NO_OFFSET,
                           "the SNP report (version %u) does not identify the product line; use --vcek",
                           (unsigned)c->hcl.snp.version);
    cvm_tcb t;
    cvm_tcb_decode(c->hcl.snp.reported_tcb, p, &t);
    cvm_kds_tcb kt = {.bl = t.bootloader, .tee = t.tee, .snp = t.snp, .ucode = t.microcode, .fmc = t.fmc};
    cvm_http_opts ho = {.log = c->o->verbose ? c->log : NULL};
    uint8_t *der = NULL, *chain = NULL;
    size_t dl = 0, cl = 0;
    int e = cvm_kds_fetch(c->o->kds_url, cvm_product_name(p), c->hcl.snp.chip_id, sizeof c->hcl.snp.chip_id, &kt,
                          &ho, &der, &dl, &chain, &cl, c->err);
    if (e)
        return e;
    X509 *v = NULL;
    e = cvm_cert_load_one(der, dl, "KDS VCEK", &v, c->err);
    free(der);
    if (e) {
        free(chain);
        return e;
    }
    cvm_wr w;
    cvm_wr_init(&w);
    e = cvm_cert_write_pem(v, &w);
    X509_free(v);
    if (!e)
        e = cvm_wr_bytes(&w, chain, cl);
    free(chain);
    size_t count = 0;
    if (!e)
        e = pem_from_certs_text(c, w.p, w.len, "KDS certificates", &count);
    if (e) {
        cvm_wr_free(&w);
        return e;
    }
    *pem = cvm_wr_take(&w, pem_len);
    return CVM_OK;
}

typedef int (*vcek_source_fn)(ctx *, uint8_t **, size_t *);

/* Sources in order IMDS, --vcek, --kds. Each failure is said on stderr with
 * its reason as it happens, and which source comes next. */
static int step_vcek(ctx *c)
{
    const cvm_collect_opts *o = c->o;
    struct {
        bool use;
        const char *label, *source;
        vcek_source_fn fn;
    } src[] = {
        {o->imds_url || (!o->vcek_file && !o->kds), "IMDS", "imds", vcek_from_imds},
        {o->vcek_file != NULL, "--vcek", "file", vcek_from_file},
        {o->kds, "--kds", "kds", vcek_from_kds},
    };
    size_t n = sizeof src / sizeof src[0], tried = 0, used = 0;
    for (size_t i = 0; i < n; i++)
        used += src[i].use;
    char last[700] = "";
    for (size_t i = 0; i < n; i++) {
        if (!src[i].use)
            continue;
        tried++;
        uint8_t *pem = NULL;
        size_t len = 0;
        cvm_err e;
        cvm_err_clear(&e);
        cvm_err *saved = c->err;
        c->err = &e;
        int rc = src[i].fn(c, &pem, &len);
        c->err = saved;
        if (rc == CVM_OK) {
            c->res->vcek_source = src[i].source;
            return add_member(c, "vcek.pem", pem, len);
        }
        cvm_err_format(&e, last, sizeof last);
        if (used > 1) {
            const char *next = NULL;
            for (size_t k = i + 1; k < n && !next; k++)
                if (src[k].use)
                    next = src[k].label;
            if (next)
                note(c, "%s failed (%s); falling back to %s", src[i].label, last, next);
            else
                note(c, "%s failed (%s)", src[i].label, last);
        }
    }
    if (tried == 1)
        cvm_err_set(c->err, CVM_E_IO, "vcek.pem", "source", CVM_NO_OFFSET, "no VCEK certificate chain: %s%s", last,
                    (o->vcek_file || o->kds) ? "" : " (give --vcek FILE or --kds)");
    else
        cvm_err_set(c->err, CVM_E_IO, "vcek.pem", "source", CVM_NO_OFFSET,
                    "no VCEK certificate chain: all %zu sources failed (reasons above)", tried);
    return CVM_EXIT_COLLATERAL;
}

/* ---- 3: AK ------------------------------------------------------------ */

static int step_ak(ctx *c)
{
    cvm_vtpm_ak ak;
    cvm_err e;
    cvm_err_clear(&e);
    if (cvm_vtpm_ak_read(c->tpm, CVM_AK_HANDLE, &ak, &e)) {
        if (cvm_vtpm_rc_is_absent(cvm_vtpm_last_rc(c->tpm))) {
            cvm_err_set(c->err, CVM_E_VALUE, "AK 0x81000003", "ak", CVM_NO_OFFSET,
                        "no attestation key at persistent handle 0x81000003: is this an Azure confidential VM? "
                        "(%s)",
                        e.msg);
            return CVM_EXIT_NOT_CVM;
        }
        *c->err = e;
        return CVM_EXIT_TPM;
    }
    /* A mismatch with HCLAkPub makes the bundle fail ak.binding; say so now,
     * while the responder can still act, but collect anyway. */
    const cvm_jwk *k = c->have_rt ? cvm_runtime_find_key(&c->rt, "HCLAkPub") : NULL;
    if (k && k->n) {
        const uint8_t *n = k->n;
        size_t nl = k->n_len;
        while (nl && !*n)
            n++, nl--;
        const TPM2B_PUBLIC_KEY_RSA *m = &ak.pub.publicArea.unique.rsa;
        if (nl != m->size || memcmp(n, m->buffer, nl))
            note(c, "warning: the AK at 0x81000003 is not the HCLAkPub of the HCL report; the bundle will "
                    "not verify (ak.binding)");
    } else if (c->o->verbose) {
        note(c, "warning: the HCL report's runtime JSON has no HCLAkPub key");
    }
    int rc = add_copy(c, "akpub.pem", ak.pem, ak.pem_len);
    if (!rc)
        rc = add_copy(c, "ak.pub", ak.tpm2b, ak.tpm2b_len);
    cvm_vtpm_ak_free(&ak);
    return rc ? CVM_EXIT_FAIL : CVM_EXIT_OK;
}

/* ---- 4: logs ---------------------------------------------------------- */

static bool is_none(const char *s) { return s && (!*s || !strcmp(s, "none")); }

static int step_logs(ctx *c, int *lockfd)
{
    const cvm_collect_opts *o = c->o;
    cvm_err e;
    if (!is_none(o->eventlog)) {
        const char *p = o->eventlog ? o->eventlog : UEFI_EVENTLOG;
        uint8_t *buf = NULL;
        size_t len = 0;
        cvm_err_clear(&e);
        if (cvm_file_read(p, CVM_BUNDLE_MAX_MEMBER, &buf, &len, &e) == CVM_OK) {
            if (add_member(c, "eventlog.bin", buf, len))
                return CVM_EXIT_FAIL;
        } else if (o->eventlog_explicit) {
            *c->err = e;
            return CVM_EXIT_USAGE;
        } else if (o->verbose) {
            note(c, "no UEFI event log (%s: %s)", p, e.msg);
        }
    }
    if (!is_none(o->runtime_log)) {
        const char *p = o->runtime_log ? o->runtime_log : CVM_RUNTIME_LOG_DEFAULT;
        /* a shared lock keeps `measure` from extending PCR23 between our
         * read of the log and the quote */
        cvm_err_clear(&e);
        *lockfd = cvm_runtime_log_lock(p, false, &e);
        uint8_t *buf = NULL;
        size_t len = 0;
        cvm_err_clear(&e);
        if (cvm_file_read(p, CVM_BUNDLE_MAX_MEMBER, &buf, &len, &e) == CVM_OK) {
            if (add_member(c, "runtime.cel", buf, len))
                return CVM_EXIT_FAIL;
        } else if (o->runtime_log_explicit) {
            *c->err = e;
            return CVM_EXIT_USAGE;
        }
    }
    return CVM_EXIT_OK;
}

/* ---- 5/6, 8: quotes --------------------------------------------------- */

/* Quote, then read the PCRs and check they hash to the quote's pcrDigest;
 * a concurrent extend between the two makes us quote again. */
static int quote_with_pcrs(ctx *c, const uint8_t qdata[32], cvm_vtpm_quoted *q, cvm_pcrs *pcrs, int *attempts)
{
    for (int a = 1; a <= QUOTE_ATTEMPTS; a++) {
        *attempts = a;
        if (cvm_vtpm_quote(c->tpm, CVM_AK_HANDLE, &c->tsel, qdata, 32, q, c->err))
            return tpm_status(c, true);
        /* test hook: a concurrent extend between the quote and the read-back
         * (race: first attempt only; race-always: every attempt) */
        const char *hook = getenv("CVM_COLLECT_TEST_FAIL");
        if (hook && (!strcmp(hook, "race-always") || (!strcmp(hook, "race") && a == 1))) {
            uint8_t d[32];
            memset(d, a, sizeof d);
            cvm_vtpm_pcr_extend_sha256(c->tpm, 16, d, c->err);
        }
        if (cvm_vtpm_pcr_read(c->tpm, &c->sel, pcrs, NULL, c->err)) {
            cvm_vtpm_quote_free(q);
            return CVM_EXIT_TPM;
        }
        const TPMS_QUOTE_INFO *qi = &q->info.attested.quote;
        bool same_sel = qi->pcrSelect.count == c->tsel.count;
        for (uint32_t i = 0; same_sel && i < c->tsel.count; i++)
            same_sel = qi->pcrSelect.pcrSelections[i].hash == c->tsel.pcrSelections[i].hash &&
                       !memcmp(qi->pcrSelect.pcrSelections[i].pcrSelect, c->tsel.pcrSelections[i].pcrSelect,
                               c->tsel.pcrSelections[i].sizeofSelect);
        if (!same_sel) {
            cvm_vtpm_quote_free(q);
            cvm_err_set(c->err, CVM_E_VALUE, "quote.msg", "pcrSelect", CVM_NO_OFFSET,
                        "the TPM quoted a different PCR selection than %s (bank not allocated?)", c->sel_str);
            return CVM_EXIT_TPM;
        }
        /* pcrDigest uses the signing scheme's hash (formats.md §5.3) */
        uint8_t d[CVM_TPM_HASH_MAX];
        size_t dl = sizeof d;
        if (cvm_pcrs_digest(pcrs, q->sig_hash, d, &dl))
            dl = 0;
        if (dl > 0 && dl == qi->pcrDigest.size && !memcmp(d, qi->pcrDigest.buffer, dl))
            return CVM_EXIT_OK;
        cvm_vtpm_quote_free(q);
        note(c, "PCRs changed between the quote and the read-back (attempt %d/%d)%s", a, QUOTE_ATTEMPTS,
             a < QUOTE_ATTEMPTS ? "; quoting again" : "");
    }
    cvm_err_set(c->err, CVM_E_VALUE, "quote.pcrs", "pcrDigest", CVM_NO_OFFSET,
                "PCRs kept changing during %d quotes (something is extending them right now)", QUOTE_ATTEMPTS);
    return CVM_EXIT_INCONSISTENT;
}

/* Reads what we are about to store back with the verifier's strict parsers:
 * a quote whose files the verifier would reject is a collector bug, and
 * better caught here, while the VM is still there to collect again. */
static int self_check_quote(ctx *c, const char *name, const cvm_vtpm_quoted *q, const uint8_t qdata[32],
                            const uint8_t *pcrs_file, size_t pcrs_len)
{
    cvm_tpm_attest a;
    cvm_tpm_signature *sig = calloc(1, sizeof *sig);
    cvm_pcrs *p = pcrs_file ? calloc(1, sizeof *p) : NULL;
    int e = (!sig || (pcrs_file && !p)) ? cvm_err_set(c->err, CVM_E_NOMEM, name, "self-check", CVM_NO_OFFSET,
                                                      "out of memory")
                                        : CVM_OK;
    if (!e)
        e = cvm_tpm_attest_parse(q->attest, q->attest_len, name, &a, c->err);
    if (!e && (a.extra_data_len != 32 || memcmp(a.extra_data, qdata, 32)))
        e = cvm_err_set(c->err, CVM_E_VALUE, name, "extraData", 44, "is not the digest we asked to quote");
    if (!e)
        e = cvm_tpm_signature_parse(q->sig, q->sig_len, name, sig, c->err);
    if (!e && pcrs_file) {
        e = cvm_pcrs_parse(pcrs_file, pcrs_len, "quote.pcrs", p, c->err);
        uint8_t d[CVM_TPM_HASH_MAX];
        size_t dl = sizeof d;
        if (!e && !cvm_pcr_selection_equal(&p->selection, &a.pcr_select))
            e = cvm_err_set(c->err, CVM_E_VALUE, "quote.pcrs", "selection", 0, "differs from the quote's");
        if (!e)
            e = cvm_pcrs_digest(p, sig->hash_alg, d, &dl);
        if (!e && (dl != a.pcr_digest_len || memcmp(d, a.pcr_digest, dl)))
            e = cvm_err_set(c->err, CVM_E_VALUE, "quote.pcrs", "values", CVM_NO_OFFSET,
                            "do not hash to the quote's pcrDigest");
    }
    free(sig);
    free(p);
    if (e) {
        char b[700];
        cvm_err tmp = *c->err;
        cvm_err_clear(c->err);
        cvm_err_set(c->err, e, name, "self-check", CVM_NO_OFFSET, "collector self-check failed: %s",
                    cvm_err_format(&tmp, b, sizeof b));
        return CVM_EXIT_FAIL;
    }
    return CVM_EXIT_OK;
}

/* ---- 7: manifest ------------------------------------------------------ */

static char *xstrdup(const char *s) { return strdup(s ? s : ""); }

static int make_bundle_id(char out[37])
{
    uint8_t u[16];
    if (RAND_bytes(u, sizeof u) != 1)
        return -1;
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40); /* version 4 */
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    char h[33];
    cvm_hex(u, 16, h);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
    return 0;
}

static int step_manifest(ctx *c, const uint8_t binding[32], uint8_t **out, size_t *out_len)
{
    const cvm_collect_opts *o = c->o;
    cvm_manifest m;
    memset(&m, 0, sizeof m);
    char created[32];
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    m.bundle_id = xstrdup(c->res->bundle_id);
    m.created = xstrdup(created);
    m.collector_name = xstrdup("cvm-collect");
    m.collector_version = xstrdup(CVM_VERSION);
    m.custody_case_id = xstrdup(o->case_id);
    m.custody_examiner = xstrdup(o->examiner);
    m.custody_note = xstrdup(o->note);
    memcpy(m.nonce, o->nonce, 32);
    m.nonce_source = o->nonce_from_auditor ? CVM_NONCE_AUDITOR : CVM_NONCE_RANDOM;
    m.fresh_report = o->fresh;
    m.pcr_selection = xstrdup(c->sel_str);
    memcpy(m.binding, binding, 32);
    int rc = CVM_EXIT_FAIL;
    if (!m.bundle_id || !m.created || !m.collector_name || !m.collector_version || !m.custody_case_id ||
        !m.custody_examiner || !m.custody_note || !m.pcr_selection) {
        cvm_err_set(c->err, CVM_E_NOMEM, "manifest.json", "alloc", CVM_NO_OFFSET, "out of memory");
        goto out;
    }
    cvm_member cm[MAX_MEMBERS];
    size_t n = as_cvm_members(c, cm);
    if (cvm_manifest_set_members(&m, cm, n, c->err))
        goto out;
    cvm_wr w;
    cvm_wr_init(&w);
    if (cvm_manifest_write(&m, &w, c->err)) {
        cvm_wr_free(&w);
        /* custody strings are the only user input here */
        rc = CVM_EXIT_USAGE;
        goto out;
    }
    *out = cvm_wr_take(&w, out_len);
    rc = CVM_EXIT_OK;
out:
    cvm_manifest_free(&m);
    return rc;
}

/* ---- 9: output -------------------------------------------------------- */

static int output_path(ctx *c, char *path, size_t cap)
{
    struct stat st;
    int n;
    if (stat(c->o->out, &st) == 0 && S_ISDIR(st.st_mode))
        n = snprintf(path, cap, "%s/cvm-evidence-%s.tar", c->o->out, c->res->bundle_id);
    else
        n = snprintf(path, cap, "%s", c->o->out);
    if (n < 0 || (size_t)n >= cap)
        return cvm_err_set(c->err, CVM_E_LIMIT, c->o->out, "path", CVM_NO_OFFSET, "path too long");
    return CVM_OK;
}

static int step_write(ctx *c)
{
    char top[CVM_BUNDLE_TOPDIR_LEN + 8];
    snprintf(top, sizeof top, "%s%.36s", CVM_BUNDLE_TOPDIR_PREFIX, c->res->bundle_id);
    cvm_member cm[MAX_MEMBERS];
    size_t n = as_cvm_members(c, cm);
    cvm_wr w;
    cvm_wr_init(&w);
    if (cvm_bundle_write(top, cm, n, &w, c->err)) {
        cvm_wr_free(&w);
        return CVM_EXIT_FAIL;
    }
    /* read our own bytes back with the verifier's strict reader: a bundle
     * that the verifier would reject as malformed is a collector bug */
    cvm_bundle chk;
    if (cvm_bundle_read(w.p, w.len, "bundle (self-check)", &chk, c->err)) {
        cvm_wr_free(&w);
        return CVM_EXIT_FAIL;
    }
    cvm_bundle_free(&chk);
    if (cvm_sha256(w.p, w.len, c->res->sha256)) {
        cvm_wr_free(&w);
        cvm_err_set(c->err, CVM_E_NOMEM, "bundle", "sha256", CVM_NO_OFFSET, "hash failed");
        return CVM_EXIT_FAIL;
    }
    c->res->size = w.len;
    int rc = output_path(c, c->res->path, sizeof c->res->path);
    if (!rc)
        rc = cvm_atomic_write(c->res->path, w.p, w.len, 0444, c->o->force ? CVM_ATOMIC_REPLACE : 0, c->err);
    cvm_wr_free(&w);
    return rc ? CVM_EXIT_OUTPUT : CVM_EXIT_OK;
}

/* ---- the sequence ----------------------------------------------------- */

static int check_output_dir(ctx *c)
{
    /* fail before touching the TPM when the output cannot be written */
    char path[4200];
    if (output_path(c, path, sizeof path))
        return CVM_EXIT_OUTPUT;
    char dir[4200];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash == path ? 1 : slash - path) : 1, slash ? path : ".");
    if (access(dir, W_OK | X_OK)) {
        cvm_err_set(c->err, CVM_E_IO, dir, "output", CVM_NO_OFFSET, "cannot write the bundle there: %s",
                    strerror(errno));
        return CVM_EXIT_OUTPUT;
    }
    struct stat st;
    if (!c->o->force && lstat(path, &st) == 0) {
        cvm_err_set(c->err, CVM_E_IO, path, "output", CVM_NO_OFFSET,
                    "already exists (refusing to overwrite evidence; --force replaces it)");
        return CVM_EXIT_OUTPUT;
    }
    return CVM_EXIT_OK;
}

static void print_summary(ctx *c, const uint8_t binding[32], const char *nonce_hex)
{
    FILE *f = c->o->summary ? c->o->summary : stdout;
    char h[65], b[65];
    cvm_hex(c->res->sha256, 32, h);
    cvm_hex(binding, 32, b);
    fprintf(f, "bundle: %s\n", c->res->path);
    fprintf(f, "sha256: %s\n", h);
    fprintf(f, "size: %zu\n", c->res->size);
    fprintf(f, "bundle_id: %s\n", c->res->bundle_id);
    fprintf(f, "nonce: %s (%s)\n", nonce_hex,
            c->o->nonce_from_auditor ? "auditor" : "random: freshness unproven");
    fprintf(f, "report: %s\n", c->o->fresh ? "refreshed with the nonce (--fresh)" : "as found in NV 0x01400001");
    fprintf(f, "vcek: %s\n", c->res->vcek_source);
    if (c->o->signer)
        fprintf(f, "operator_signature: manifest.json.p7s\n");
    fprintf(f, "pcrs: %s\n", c->sel_str);
    fprintf(f, "binding: %s\n", b);
    fprintf(f, "quote_attempts: %d\n", c->res->quote_attempts);
    fprintf(f, "tpm_commands: %lu\n", c->res->tpm_commands);
    fprintf(f, "members:");
    /* in tar order (sorted by name), as `tar -t` lists them */
    const char *last = "";
    for (size_t k = 0; k < c->n; k++) {
        const member *next = NULL;
        for (size_t i = 0; i < c->n; i++)
            if (strcmp(c->m[i].name, last) > 0 && (!next || strcmp(c->m[i].name, next->name) < 0))
                next = &c->m[i];
        if (!next)
            break;
        fprintf(f, " %s(%zu)", next->name, next->len);
        last = next->name;
    }
    fprintf(f, "\n");
}

int cvm_collect_run(const cvm_collect_opts *o, cvm_collect_result *res, cvm_err *err)
{
    memset(res, 0, sizeof *res);
    ctx c = {.o = o, .res = res, .err = err, .log = o->log ? o->log : stderr};
    int st = CVM_EXIT_FAIL, lockfd = -1;
    uint8_t *manifest = NULL;
    size_t manifest_len = 0;
    cvm_vtpm_quoted q1 = {0}, qs = {0};
    cvm_pcrs *pcrs = calloc(1, sizeof *pcrs);
    if (!pcrs) {
        cvm_err_set(err, CVM_E_NOMEM, "collect", "alloc", CVM_NO_OFFSET, "out of memory");
        return CVM_EXIT_FAIL;
    }
    if (cvm_pcr_selection_from_string(o->pcrs ? o->pcrs : "sha256:0-23", &c.sel, err) ||
        cvm_pcr_selection_to_string(&c.sel, c.sel_str, sizeof c.sel_str) || cvm_vtpm_selection_from(&c.sel, &c.tsel)) {
        if (!err->code)
            cvm_err_set(err, CVM_E_VALUE, "--pcrs", "selection", CVM_NO_OFFSET, "unusable PCR selection");
        st = CVM_EXIT_USAGE;
        goto done;
    }
    if (make_bundle_id(res->bundle_id)) {
        cvm_err_set(err, CVM_E_IO, "collect", "random", CVM_NO_OFFSET, "no randomness for the bundle id");
        goto done;
    }
    if ((st = check_output_dir(&c)))
        goto done;
    if (cvm_vtpm_open(&c.tpm, o->tcti, o->verbose ? c.log : NULL, err)) {
        st = CVM_EXIT_TPM;
        goto done;
    }
    /* TPM commands per step, for --verbose (the benchmark's unit of cost) */
    unsigned long k_hcl, k_ak, k_q1;
    /* 1 */
    if ((st = step_hcl(&c)))
        goto done;
    k_hcl = cvm_vtpm_commands(c.tpm);
    if ((st = add_copy(&c, "report.bin", c.nv, c.nv_len) ? CVM_EXIT_FAIL : CVM_EXIT_OK))
        goto done;
    if ((st = add_copy(&c, "guest_report.bin", c.nv + CVM_HCL_HW_OFFSET, CVM_HCL_HW_LEN) ? CVM_EXIT_FAIL
                                                                                          : CVM_EXIT_OK))
        goto done;
    /* 2, 3, 4 */
    if ((st = step_vcek(&c)) || (st = step_ak(&c)) || (st = step_logs(&c, &lockfd)))
        goto done;
    k_ak = cvm_vtpm_commands(c.tpm);
    /* 5, 6 */
    uint8_t binding[32];
    cvm_member cm[MAX_MEMBERS];
    size_t n = as_cvm_members(&c, cm);
    if (cvm_binding_digest(o->nonce, CVM_NONCE_LEN, cm, n, binding)) {
        cvm_err_set(err, CVM_E_VALUE, "binding", "digest", CVM_NO_OFFSET, "cannot compute the binding digest");
        st = CVM_EXIT_FAIL;
        goto done;
    }
    if ((st = quote_with_pcrs(&c, binding, &q1, pcrs, &res->quote_attempts)))
        goto done;
    k_q1 = cvm_vtpm_commands(c.tpm);
    if (lockfd >= 0) {
        close(lockfd);
        lockfd = -1;
    }
    cvm_wr pw;
    cvm_wr_init(&pw);
    if (cvm_pcrs_write(pcrs, &pw)) {
        cvm_wr_free(&pw);
        cvm_err_set(err, CVM_E_VALUE, "quote.pcrs", "write", CVM_NO_OFFSET, "cannot serialise the PCR values");
        st = CVM_EXIT_FAIL;
        goto done;
    }
    size_t pl;
    uint8_t *pb = cvm_wr_take(&pw, &pl);
    if ((st = self_check_quote(&c, "quote.msg", &q1, binding, pb, pl))) {
        free(pb);
        goto done;
    }
    if (add_member(&c, "quote.pcrs", pb, pl) || add_copy(&c, "quote.msg", q1.attest, q1.attest_len) ||
        add_copy(&c, "quote.sig", q1.sig, q1.sig_len)) {
        st = CVM_EXIT_FAIL;
        goto done;
    }
    /* 7 */
    if ((st = step_manifest(&c, binding, &manifest, &manifest_len)))
        goto done;
    /* 8 */
    uint8_t seal[32];
    if (cvm_seal_digest(manifest, manifest_len, seal)) {
        cvm_err_set(err, CVM_E_VALUE, "seal", "digest", CVM_NO_OFFSET, "cannot compute the seal digest");
        st = CVM_EXIT_FAIL;
        goto done;
    }
    if (cvm_vtpm_quote(c.tpm, CVM_AK_HANDLE, &c.tsel, seal, sizeof seal, &qs, err)) {
        st = tpm_status(&c, true);
        goto done;
    }
    if ((st = self_check_quote(&c, "seal.msg", &qs, seal, NULL, 0)))
        goto done;
    if (qs.info.clockInfo.resetCount != q1.info.clockInfo.resetCount ||
        qs.info.clockInfo.restartCount != q1.info.clockInfo.restartCount) {
        cvm_err_set(err, CVM_E_VALUE, "seal.msg", "clockInfo", CVM_NO_OFFSET,
                    "the TPM was reset or restarted between quote #1 and the seal quote; collect again");
        st = CVM_EXIT_INCONSISTENT;
        goto done;
    }
    /* the operator signs the manifest the seal covers: after the seal, so a
     * signing failure never costs a quote (spec/bundle-v1.md §9) */
    if (o->signer) {
        uint8_t *p7s = NULL;
        size_t p7s_len = 0;
        if (cvm_signer_sign(o->signer, manifest, manifest_len, &p7s, &p7s_len, err)) {
            st = CVM_EXIT_FAIL;
            goto done;
        }
        if (add_member(&c, "manifest.json.p7s", p7s, p7s_len)) { /* frees p7s */
            st = CVM_EXIT_FAIL;
            goto done;
        }
    }
    if (add_member(&c, "manifest.json", manifest, manifest_len)) {
        manifest = NULL;
        st = CVM_EXIT_FAIL;
        goto done;
    }
    manifest = NULL;
    if (add_copy(&c, "seal.msg", qs.attest, qs.attest_len) || add_copy(&c, "seal.sig", qs.sig, qs.sig_len)) {
        st = CVM_EXIT_FAIL;
        goto done;
    }
    res->tpm_commands = cvm_vtpm_commands(c.tpm);
    /* release the TPM before the (possibly slow) disk write */
    cvm_vtpm_close(c.tpm);
    c.tpm = NULL;
    /* 9 */
    if ((st = step_write(&c)))
        goto done;
    char nh[65];
    cvm_hex(o->nonce, 32, nh);
    print_summary(&c, binding, nh);
    if (o->verbose)
        note(&c, "%lu TPM commands: HCL report %lu (%d read(s)), AK %lu, quote #1 + PCR read %lu (%d attempt(s)), seal %lu",
             res->tpm_commands, k_hcl, c.res->fresh_polls ? c.res->fresh_polls : 1, k_ak - k_hcl, k_q1 - k_ak,
             res->quote_attempts, res->tpm_commands - k_q1);
    st = CVM_EXIT_OK;
done:
    if (lockfd >= 0)
        close(lockfd);
    if (c.tpm) {
        res->tpm_commands = cvm_vtpm_commands(c.tpm);
        cvm_vtpm_close(c.tpm);
    }
    cvm_vtpm_quote_free(&q1);
    cvm_vtpm_quote_free(&qs);
    free(manifest);
    free(pcrs);
    for (size_t i = 0; i < c.n; i++)
        free(c.m[i].data);
    free(c.nv);
    if (c.have_rt)
        cvm_runtime_free(&c.rt);
    return st;
}
