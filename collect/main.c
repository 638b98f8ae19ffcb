/* cvm-collect: capture an Azure confidential VM's attestation chain into one
 * signed, deterministic bundle; `cvm-collect measure` extends PCR23. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include <curl/curlver.h>

#include "buf.h"
#include "err.h"
#include "measure.h"
#include "opsign.h"
#include "status.h"
#include "tsa.h"
#include "version.h"
#include "writer.h"


static const char k_usage[] =
    "usage: cvm-collect [options] -o BUNDLE.tar|DIR\n"
    "       cvm-collect measure [--tcti STR] [--pcr 23] [--runtime-log PATH] [--resume] [--verbose] FILE...\n"
    "       cvm-collect timestamp --tsa URL [-o OUT.tar] [--force] BUNDLE.tar\n"
    "\n"
    "Captures the HCL report (NV 0x01400001), the AMD VCEK chain, the AK (0x81000003), the event logs and\n"
    "two TPM quotes into one deterministic tar (spec/bundle-v1.md), written atomically: either the whole\n"
    "bundle appears at the output path or nothing does. Prints the bundle's SHA-256 to record elsewhere.\n"
    "\n"
    "options:\n"
    "  -T, --tcti STR        TPM TCTI as tpm2-tools takes it (default device:/dev/tpmrm0)\n"
    "  --imds URL            Azure IMDS base URL (default http://169.254.169.254); tried first when given,\n"
    "                        and the only source when neither --vcek nor --kds is given\n"
    "  --vcek FILE           VCEK chain from a file (PEM VCEK[,ASK,ARK] or one DER VCEK)\n"
    "  --kds                 fetch VCEK and chain from AMD KDS for the report's REPORTED_TCB\n"
    "  --kds-url URL         KDS base URL (default https://kdsintf.amd.com)\n"
    "                        Sources are tried in the order IMDS, --vcek, --kds; a fallback is reported.\n"
    "  --nonce HEX           the auditor's nonce: exactly 64 hex digits (32 bytes)\n"
    "  --nonce-file F        the same from a file (32 raw bytes, or 64 hex digits and an optional newline)\n"
    "                        Without a nonce, 32 random bytes are used and freshness is unproven.\n"
    "  --fresh               first refresh the HCL report: write SHA-512(tag||nonce) to NV 0x01400002 and\n"
    "                        re-read 0x01400001 until its user-data carries it\n"
    "  --fresh-timeout SEC   give up refreshing after SEC seconds (default 30)\n"
    "  --pcrs SEL            PCR selection to quote (default sha256:0-23)\n"
    "  --eventlog PATH|none  UEFI event log (default the kernel's, when readable)\n"
    "  --runtime-log PATH|none  PCR23 runtime log (default " CVM_RUNTIME_LOG_DEFAULT ", when present)\n"
    "  --case-id ID, --examiner NAME, --note TEXT   custody claims recorded in manifest.json\n"
    "  -o, --output PATH     bundle file, or a directory (then cvm-evidence-<bundle_id>.tar in it)\n"
    "  --force               replace an existing output file (default: refuse)\n"
    "  --sign-key KEY.pem    operator key (ECDSA or RSA, unencrypted PEM): adds manifest.json.p7s, a detached\n"
    "                        CMS signature over manifest.json with the certificate\n"
    "  --sign-cert CERT.pem  the signer's certificate (then any chain certificates); default: from KEY.pem\n"
    "  -v, --verbose         trace every TPM command and HTTP attempt; print the TPM command count\n"
    "  -h, --help            this text;  --version  the version\n"
    "\n"
    "measure: SHA-256 of each FILE, one record appended to the runtime log per file (atomically), then PCR23\n"
    "extended with each record's digest. A new log starts after a reboot. If PCR23 and the log disagree\n"
    "(an interrupted measure, or an extend by something else) it stops and says so; --resume extends\n"
    "records that were logged but never extended.\n"
    "\n"
    "timestamp: RFC 3161 tokens (SHA-256 imprint, nonce, certReq) over seal.sig and, when present,\n"
    "manifest.json.p7s from the TSA at URL (HTTP POST), added as <member>.tsr to a NEW bundle written\n"
    "atomically (default BUNDLE.ts.tar); every other member is unchanged. No TPM needed; exit 5 when the\n"
    "TSA cannot be reached or answers wrongly.\n"
    "\n"
    "exit codes:\n"
    "  0  bundle written (or files measured)\n"
    "  1  unexpected failure\n"
    "  2  usage error (bad option, bad nonce size, unreadable input file)\n"
    "  3  TPM unreachable (no device, no permission, busy) or a TPM command failed\n"
    "  4  not an Azure confidential VM: no HCL report at NV 0x01400001 or no AK at 0x81000003\n"
    "  5  no VCEK chain: IMDS and every fallback failed\n"
    "  6  --fresh: the HCL report did not pick up the nonce in time\n"
    "  7  cannot write the bundle / runtime log (nothing is left at the output path)\n"
    "  8  inconsistent: PCRs kept changing during the quote, or PCR23 and the runtime log disagree\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cvm-collect: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see cvm-collect --help)\n");
    va_end(ap);
    return CVM_EXIT_USAGE;
}

/* "--name VALUE" or "--name=VALUE"; advances *i */
static const char *optval(int argc, char **argv, int *i, const char *name, bool *matched)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    *matched = false;
    if (strncmp(a, name, n))
        return NULL;
    if (a[n] == '=') {
        *matched = true;
        return a + n + 1;
    }
    if (a[n] != '\0')
        return NULL;
    *matched = true;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static int parse_nonce_hex(const char *s, size_t len, uint8_t out[32])
{
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    if (len != 64) {
        return usage_error("the nonce must be exactly 64 hex digits (32 bytes, spec/bundle-v1.md §5.3), got %zu",
                           len);
    }
    if (cvm_unhex(s, len, out, 32) != 32)
        return usage_error("the nonce is not valid hex: \"%.*s\"", (int)len, s);
    return 0;
}

/* manifest.json claims (spec/bundle-v1.md §4.1): UTF-8, at most 1024 bytes.
 * Checked here so a bad argument fails before the TPM is touched. */
static bool claim_ok(const char *s)
{
    size_t n = strlen(s);
    if (n > 1024)
        return false;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        size_t k = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 9;
        if (k == 9 || i + k >= n + (k ? 0 : 1))
            return false;
        uint32_t cp = k == 0 ? c : k == 1 ? (c & 0x1f) : k == 2 ? (c & 0x0f) : (c & 0x07);
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + j] & 0x3f);
        }
        static const uint32_t min[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min[k] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += k + 1;
    }
    return true;
}

static int report_err(const cvm_err *e, int code)
{
    char b[1200];
    fprintf(stderr, "cvm-collect: %s\n", cvm_err_format(e, b, sizeof b));
    return code;
}

static int cmd_measure(int argc, char **argv)
{
    cvm_measure_opts o = {.pcr = 23};
    const char **files = calloc((size_t)argc, sizeof *files);
    size_t nf = 0;
    if (!files)
        return CVM_EXIT_FAIL;
    int rc = CVM_EXIT_USAGE;
    for (int i = 2; i < argc; i++) {
        bool m;
        const char *v;
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            for (i++; i < argc; i++)
                files[nf++] = argv[i];
            break;
        }
        if ((v = optval(argc, argv, &i, "--tcti", &m)) || m || (v = optval(argc, argv, &i, "-T", &m)) || m) {
            if (!v)
                goto missing;
            o.tcti = v;
        } else if ((v = optval(argc, argv, &i, "--runtime-log", &m)) || m) {
            if (!v)
                goto missing;
            o.runtime_log = v;
        } else if ((v = optval(argc, argv, &i, "--pcr", &m)) || m) {
            if (!v)
                goto missing;
            char *end;
            errno = 0;
            unsigned long p = strtoul(v, &end, 10);
            if (*end || errno || p > 23) {
                rc = usage_error("--pcr takes a PCR number, got \"%s\"", v);
                goto out;
            }
            o.pcr = (unsigned)p;
        } else if (!strcmp(a, "--resume")) {
            o.resume = true;
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            o.verbose = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(k_usage, stdout);
            rc = CVM_EXIT_OK;
            goto out;
        } else if (a[0] == '-' && a[1]) {
            rc = usage_error("unknown option %s", a);
            goto out;
        } else {
            files[nf++] = a;
        }
        continue;
    missing:
        rc = usage_error("%s needs a value", a);
        goto out;
    }
    if (!o.verbose)
        setenv("TSS2_LOG", "all+NONE", 1);
    cvm_err err;
    cvm_err_clear(&err);
    rc = cvm_measure_files(&o, files, nf, &err);
    if (rc)
        report_err(&err, rc);
out:
    free(files);
    return rc;
}

static int cmd_timestamp(int argc, char **argv)
{
    cvm_tsa_opts o = {0};
    for (int i = 2; i < argc; i++) {
        bool m;
        const char *v;
        const char *a = argv[i];
        if ((v = optval(argc, argv, &i, "--tsa", &m)) || m) {
            if (!v)
                return usage_error("%s needs a value", "--tsa");
            o.tsa_url = v;
        } else if ((v = optval(argc, argv, &i, "--output", &m)) || m || (v = optval(argc, argv, &i, "-o", &m)) || m) {
            if (!v)
                return usage_error("%s needs a value", "-o");
            o.out = v;
        } else if (!strcmp(a, "--force")) {
            o.force = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(k_usage, stdout);
            return CVM_EXIT_OK;
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown option %s", a);
        } else if (o.in) {
            return usage_error("%s", "timestamp takes one bundle");
        } else {
            o.in = a;
        }
    }
    if (!o.tsa_url || !o.in)
        return usage_error("%s", "timestamp needs --tsa URL and BUNDLE.tar");
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_tsa_stamp_bundle(&o, &err);
    if (rc)
        report_err(&err, rc);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "measure"))
        return cmd_measure(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "timestamp"))
        return cmd_timestamp(argc, argv);

    cvm_collect_opts o = {0};
    const char *nonce_hex = NULL, *nonce_file = NULL, *sign_key = NULL, *sign_cert = NULL;
    for (int i = 1; i < argc; i++) {
        bool m;
        const char *v;
        const char *a = argv[i];
#define OPT(name, field)                                                                                   \
    if ((v = optval(argc, argv, &i, name, &m)) || m) {                                                     \
        if (!v)                                                                                            \
            return usage_error("%s needs a value", name);                                                  \
        field = v;                                                                                         \
        continue;                                                                                          \
    }
        OPT("--tcti", o.tcti)
        OPT("-T", o.tcti)
        OPT("--imds", o.imds_url)
        OPT("--vcek", o.vcek_file)
        OPT("--kds-url", o.kds_url)
        OPT("--nonce", nonce_hex)
        OPT("--nonce-file", nonce_file)
        OPT("--pcrs", o.pcrs)
        OPT("--case-id", o.case_id)
        OPT("--examiner", o.examiner)
        OPT("--note", o.note)
        OPT("--sign-key", sign_key)
        OPT("--sign-cert", sign_cert)
        OPT("--output", o.out)
        OPT("-o", o.out)
        if ((v = optval(argc, argv, &i, "--eventlog", &m)) || m) {
            if (!v)
                return usage_error("%s needs a value", "--eventlog");
            o.eventlog = v;
            o.eventlog_explicit = true;
            continue;
        }
        if ((v = optval(argc, argv, &i, "--runtime-log", &m)) || m) {
            if (!v)
                return usage_error("%s needs a value", "--runtime-log");
            o.runtime_log = v;
            o.runtime_log_explicit = true;
            continue;
        }
        if ((v = optval(argc, argv, &i, "--fresh-timeout", &m)) || m) {
            char *end;
            errno = 0;
            unsigned long t = v ? strtoul(v, &end, 10) : 0;
            if (!v || *end || errno || t == 0 || t > 3600)
                return usage_error("--fresh-timeout takes 1..3600 seconds, got \"%s\"", v ? v : "");
            o.fresh_timeout_s = (unsigned)t;
            continue;
        }
#undef OPT
        if (!strcmp(a, "--kds"))
            o.kds = true;
        else if (!strcmp(a, "--fresh"))
            o.fresh = true;
        else if (!strcmp(a, "--force"))
            o.force = true;
        else if (!strcmp(a, "--verbose") || !strcmp(a, "-v"))
            o.verbose = true;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(k_usage, stdout);
            return CVM_EXIT_OK;
        } else if (!strcmp(a, "--version")) {
            cvm_print_version(stdout, "cvm-collect");
            /* not loaded here: --version is also the start-up floor that
             * bench/collect_bench.sh measures */
            printf("  libcurl %s (build; dlopen'd at run time for https:// only)\n", LIBCURL_VERSION);
            return CVM_EXIT_OK;
        } else
            return usage_error("unknown argument %s", a);
    }
    if (!o.out)
        return usage_error("%s", "no output: give -o BUNDLE.tar (or a directory)");
    const char *claims[][2] = {{"--case-id", o.case_id}, {"--examiner", o.examiner}, {"--note", o.note}};
    for (size_t i = 0; i < 3; i++)
        if (claims[i][1] && !claim_ok(claims[i][1]))
            return usage_error("%s must be valid UTF-8 of at most 1024 bytes", claims[i][0]);
    if (nonce_hex && nonce_file)
        return usage_error("%s", "give --nonce or --nonce-file, not both");
    if (nonce_hex) {
        if (parse_nonce_hex(nonce_hex, strlen(nonce_hex), o.nonce))
            return CVM_EXIT_USAGE;
        o.nonce_from_auditor = true;
    } else if (nonce_file) {
        uint8_t *buf = NULL;
        size_t len = 0;
        cvm_err e;
        cvm_err_clear(&e);
        if (cvm_file_read(nonce_file, 4096, &buf, &len, &e))
            return report_err(&e, CVM_EXIT_USAGE);
        int bad = 0;
        if (len == 32)
            memcpy(o.nonce, buf, 32);
        else
            bad = parse_nonce_hex((const char *)buf, len, o.nonce);
        free(buf);
        if (bad)
            return CVM_EXIT_USAGE;
        o.nonce_from_auditor = true;
    } else if (RAND_bytes(o.nonce, 32) != 1) {
        fprintf(stderr, "cvm-collect: no randomness for the nonce\n");
        return CVM_EXIT_FAIL;
    }
    if (sign_cert && !sign_key)
        return usage_error("%s", "--sign-cert needs --sign-key");
    cvm_signer signer;
    cvm_err err;
    cvm_err_clear(&err);
    /* a bad key fails before the TPM is touched */
    if (sign_key) {
        if (cvm_signer_load(sign_key, sign_cert, &signer, &err))
            return report_err(&err, CVM_EXIT_USAGE);
        o.signer = &signer;
    }
    /* ESAPI/MU print their own warnings to stderr; we report TPM errors
     * ourselves (decoded), so silence them unless asked */
    if (!o.verbose)
        setenv("TSS2_LOG", "all+NONE", 1);
    cvm_collect_result res;
    int rc = cvm_collect_run(&o, &res, &err);
    if (sign_key)
        cvm_signer_free(&signer);
    if (rc)
        return report_err(&err, rc);
    return CVM_EXIT_OK;
}
