/* cvm-verify: the air-gapped verifier CLI (spec/verify.md §1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "batch.h"
#include "sandbox.h"
#include "show.h"
#include "version.h"
#include "verify.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cvm-verify [options] BUNDLE.tar [BUNDLE.tar...]\n"
            "       cvm-verify [options] --dir DIR\n"
            "       cvm-verify --batch [--jobs N] [--out FILE] [options] PATH...\n"
            "       cvm-verify show FILE...\n"
            "\n"
            "Verifies Azure confidential VM evidence offline: ARK (pinned) -> ASK -> VCEK -> SNP report\n"
            "-> runtime JSON -> AK -> TPM quote -> PCRs -> event logs. Never uses the network.\n"
            "\n"
            "  --dir DIR            loose seed files: snp_report.bin (or guest_report.bin + runtime.json),\n"
            "                       vcek.pem, akpub.pem, quote.msg, quote.sig, quote.pcrs\n"
            "  --nonce HEX          the nonce you issued; must be in the quote (without it freshness is unproven)\n"
            "  --trust-anchor FILE  also trust this root certificate's key (repeatable)\n"
            "  --chain FILE         ASK and ARK (PEM or DER) when the evidence lacks them\n"
            "  --crl FILE           AMD CRL (DER or PEM) to check revocation\n"
            "  --policy FILE        policy JSON (spec/policy.md)\n"
            "  --at RFC3339         verify as of this time (e.g. 2026-01-01T00:00:00Z); default: the genTime of a\n"
            "                       verified RFC 3161 token over seal.sig, else now\n"
            "  --at created         verify as of manifest.json \"created\" (the collector's unauthenticated claim)\n"
            "  --signer-anchor FILE operator certificate, CA certificate or public key (PEM/DER) that the\n"
            "                       CMS signature manifest.json.p7s must chain to (repeatable)\n"
            "  --tsa-anchor FILE    TSA root or TSA certificate for the RFC 3161 tokens <member>.tsr (repeatable)\n"
            "  --json               JSON report on stdout (spec/verify.md)\n"
            "  --html FILE          also write a self-contained HTML report to FILE\n"
            "  --quiet              print only the verdict line\n"
            "  --batch PATH...      bundles and directories of them (*.tar, recursively; - reads paths from\n"
            "                       stdin): one JSON line per bundle in input order, a summary on stderr\n"
            "  --jobs N             --batch worker processes (default: the number of CPUs)\n"
            "  --out FILE           --batch JSON Lines to FILE instead of stdout\n"
            "  --timeout S          --batch: a bundle with no result after S seconds is an error and its\n"
            "                       worker is killed (default 120, 0: no limit)\n"
            "  --no-sandbox         do not install the seccomp filter that makes socket()/connect() fail\n"
            "  --help, --version\n"
            "\n"
            "exit codes:\n"
            "  0  verified: every mandatory link passed\n"
            "  1  authentic, but the policy is not met\n"
            "  2  evidence invalid or incomplete (broken chain, tampered, malformed, missing)\n"
            "  3  usage or I/O error\n");
}

/* --opt VALUE or --opt=VALUE */
static const char *optval(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        fprintf(stderr, "cvm-verify: %s needs a value\n", name);
        exit(CVM_EXIT_USAGE);
    }
    return argv[++*i];
}

/* the network sandbox (verify/sandbox.c), installed once in main() */
static cvm_sandbox_state g_sb;
static bool g_sandbox_on;

typedef struct out_opts {
    bool json, quiet;
    const char *html;
} out_opts;

/* Verifies one input with `opts` and prints its report. With `batch`
 * (several bundles) the JSON report is returned in *jout instead of
 * printed and the quiet line names the bundle. Returns the exit code. */
static int run_one(const cvm_verify_opts *opts, const out_opts *o, bool batch, json_t **jout)
{
    cvm_verify *v = calloc(1, sizeof *v);
    if (!v)
        return CVM_EXIT_USAGE;
    cvm_verify_init(v);
    v->opts = *opts;
    char err[1024] = "";
    int rc = cvm_verify_run(v, err, sizeof err);
    json_object_set_new(v->facts, "sandbox", cvm_sandbox_json(&g_sb));
    if (!g_sandbox_on)
        cvm_limitation(v, "network sandbox disabled (--no-sandbox)");
    if (rc == CVM_EXIT_USAGE) {
        fprintf(stderr, "cvm-verify: %s\n", err);
        if (jout) {
            *jout = json_object();
            json_object_set_new(*jout, "path", json_string(opts->bundle_path ? opts->bundle_path : opts->dir));
            json_object_set_new(*jout, "error", json_string(err));
            json_object_set_new(*jout, "exit_code", json_integer(CVM_EXIT_USAGE));
        }
        cvm_verify_free(v);
        free(v);
        return CVM_EXIT_USAGE;
    }
    if (o->html) {
        FILE *hf = fopen(o->html, "w");
        if (!hf || cvm_report_html(v, hf) != 0 || fclose(hf) != 0) {
            fprintf(stderr, "cvm-verify: --html %s: cannot write\n", o->html);
            rc = CVM_EXIT_USAGE;
        }
    }
    if (o->json) {
        json_t *j = cvm_report_json(v);
        if (jout) {
            *jout = j;
        } else {
            char *out = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
            if (out) {
                fputs(out, stdout);
                fputc('\n', stdout);
            }
            free(out);
            json_decref(j);
        }
        if (o->quiet) {
            if (batch)
                fprintf(stderr, "%s: ", opts->bundle_path);
            cvm_report_text(v, stderr, false, true);
        }
    } else {
        bool colour = isatty(fileno(stdout)) && !getenv("NO_COLOR");
        if (batch && o->quiet)
            printf("%s: ", opts->bundle_path);
        if (!o->quiet) {
            char sbl[320];
            printf("sandbox: %s\n", cvm_sandbox_summary(&g_sb, sbl, sizeof sbl));
        }
        cvm_report_text(v, stdout, colour, o->quiet);
        if (batch && !o->quiet)
            fputc('\n', stdout);
    }
    cvm_verify_free(v);
    free(v);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "show") == 0) {
        /* show only reads files: always sandboxed (no --no-sandbox there) */
        cvm_sandbox_state ssb = {0};
        if (cvm_sandbox_apply(&ssb) != 0)
            fprintf(stderr, "cvm-verify: warning: network sandbox not active: %s\n", ssb.why);
        return cvm_show_main(argc - 1, argv + 1);
    }
    /* the verdict must not depend on the machine's openssl.cnf (providers,
     * security level): an air-gapped verifier behaves the same everywhere */
    OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
    cvm_verify_opts opts;
    memset(&opts, 0, sizeof opts);
    out_opts o = {0};
    bool batch = false;
    unsigned jobs = 0;
    const char *batch_out = NULL;
    unsigned timeout_s = CVM_BATCH_TIMEOUT_DEFAULT;
    bool timeout_given = false;
    const char **bundles = calloc((size_t)argc, sizeof *bundles);
    size_t nb = 0;
    if (!bundles)
        return CVM_EXIT_USAGE;
    bool sandbox = true;
    const char *s;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            free(bundles);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            cvm_print_version(stdout, "cvm-verify");
            free(bundles);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            o.json = true;
        } else if (strcmp(a, "--no-sandbox") == 0) {
            sandbox = false;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o.quiet = true;
        } else if (strcmp(a, "--batch") == 0) {
            batch = true;
        } else if ((s = optval(argc, argv, &i, "--jobs"))) {
            char *end;
            unsigned long j = strtoul(s, &end, 10);
            if (*s < '0' || *s > '9' || *end || j < 1 || j > 256) {
                fprintf(stderr, "cvm-verify: --jobs must be 1..256\n");
                goto usage_err;
            }
            jobs = (unsigned)j;
        } else if ((s = optval(argc, argv, &i, "--timeout"))) {
            char *end;
            unsigned long t = strtoul(s, &end, 10);
            if (*s < '0' || *s > '9' || *end || t > 86400) {
                fprintf(stderr, "cvm-verify: --timeout must be 0..86400 seconds (0: none)\n");
                goto usage_err;
            }
            timeout_s = (unsigned)t;
            timeout_given = true;
        } else if ((s = optval(argc, argv, &i, "--out"))) {
            batch_out = s;
        } else if ((s = optval(argc, argv, &i, "--html"))) {
            o.html = s;
        } else if ((s = optval(argc, argv, &i, "--dir"))) {
            opts.dir = s;
        } else if ((s = optval(argc, argv, &i, "--nonce"))) {
            long n = cvm_unhex(s, strlen(s), opts.nonce, sizeof opts.nonce);
            if (n <= 0) {
                fprintf(stderr, "cvm-verify: --nonce must be 1..64 bytes of hex (even length, no 0x)\n");
                goto usage_err;
            }
            opts.have_nonce = true;
            opts.nonce_len = (size_t)n;
        } else if ((s = optval(argc, argv, &i, "--policy"))) {
            opts.policy_path = s;
        } else if ((s = optval(argc, argv, &i, "--trust-anchor"))) {
            if (opts.n_anchors >= CVM_MAX_ANCHORS) {
                fprintf(stderr, "cvm-verify: at most %d --trust-anchor\n", CVM_MAX_ANCHORS);
                goto usage_err;
            }
            opts.anchor_paths[opts.n_anchors++] = s;
        } else if ((s = optval(argc, argv, &i, "--chain"))) {
            opts.chain_path = s;
        } else if ((s = optval(argc, argv, &i, "--crl"))) {
            opts.crl_path = s;
        } else if ((s = optval(argc, argv, &i, "--signer-anchor"))) {
            if (opts.n_signer_anchors >= CVM_MAX_ANCHORS) {
                fprintf(stderr, "cvm-verify: at most %d --signer-anchor\n", CVM_MAX_ANCHORS);
                goto usage_err;
            }
            opts.signer_anchor_paths[opts.n_signer_anchors++] = s;
        } else if ((s = optval(argc, argv, &i, "--tsa-anchor"))) {
            if (opts.n_tsa_anchors >= CVM_MAX_ANCHORS) {
                fprintf(stderr, "cvm-verify: at most %d --tsa-anchor\n", CVM_MAX_ANCHORS);
                goto usage_err;
            }
            opts.tsa_anchor_paths[opts.n_tsa_anchors++] = s;
        } else if ((s = optval(argc, argv, &i, "--at")) && strcmp(s, "created") == 0) {
            opts.at_created = true;
        } else if (s) {
            if (cvm_time_parse(s, &opts.at) != 0) {
                fprintf(stderr, "cvm-verify: --at %s: not an RFC 3339 time (YYYY-MM-DDTHH:MM:SSZ)\n", s);
                goto usage_err;
            }
            opts.have_at = true;
        } else if (batch && strcmp(a, "-") == 0) {
            bundles[nb++] = a;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "cvm-verify: unknown option %s (see --help)\n", a);
            goto usage_err;
        } else {
            bundles[nb++] = a;
        }
    }
    if ((jobs || batch_out || timeout_given) && !batch) {
        fprintf(stderr, "cvm-verify: --jobs, --out and --timeout go with --batch\n");
        goto usage_err;
    }
    /* no evidence or option file has been read yet: from here on the
     * process (and every batch worker it forks) cannot open a socket */
    if (sandbox && cvm_sandbox_apply(&g_sb) != 0)
        fprintf(stderr, "cvm-verify: warning: network sandbox not active: %s\n", g_sb.why);
    g_sandbox_on = sandbox;
    if (batch) {
        if (nb == 0 || opts.dir || o.html || o.json) {
            fprintf(stderr, "cvm-verify: --batch takes PATH... (bundles or directories), not --dir, --html or "
                            "--json (its output is JSON Lines)\n");
            goto usage_err;
        }
        cvm_batch_opts bo = {.vopts = &opts, .paths = bundles, .npaths = nb, .jobs = jobs,
                             .out_path = batch_out, .progress = -1, .timeout_s = timeout_s};
        int brc = cvm_batch_run(&bo);
        free(bundles);
        return brc;
    }
    if ((nb == 0) == (opts.dir == NULL)) {
        fprintf(stderr, "cvm-verify: give BUNDLE.tar (one or more) or --dir DIR, not both (see --help)\n");
        goto usage_err;
    }
    if (nb > 1 && o.html) {
        fprintf(stderr, "cvm-verify: --html takes one bundle at a time\n");
        goto usage_err;
    }
    int rc;
    if (nb <= 1) {
        opts.bundle_path = nb ? bundles[0] : NULL;
        rc = run_one(&opts, &o, false, NULL);
    } else {
        /* a batch: every bundle with the same options; the exit code is the
         * worst one (3 > 2 > 1 > 0). The chain cache makes bundles from one
         * host cheap after the first. */
        rc = 0;
        json_t *reports = o.json ? json_array() : NULL;
        size_t counts[4] = {0};
        for (size_t k = 0; k < nb; k++) {
            opts.bundle_path = bundles[k];
            json_t *j = NULL;
            int r = run_one(&opts, &o, true, o.json ? &j : NULL);
            if (j)
                json_array_append_new(reports, j);
            counts[r >= 0 && r <= 3 ? r : 3]++;
            if (r > rc)
                rc = r;
        }
        if (o.json) {
            json_t *b = json_object();
            json_object_set_new(b, "schema", json_string("cvm-verify/batch/v1"));
            json_t *c = json_object();
            json_object_set_new(c, "verified", json_integer((json_int_t)counts[0]));
            json_object_set_new(c, "policy_not_met", json_integer((json_int_t)counts[1]));
            json_object_set_new(c, "invalid", json_integer((json_int_t)counts[2]));
            json_object_set_new(c, "error", json_integer((json_int_t)counts[3]));
            json_object_set_new(b, "counts", c);
            json_object_set_new(b, "exit_code", json_integer(rc));
            json_object_set_new(b, "reports", reports);
            char *out = json_dumps(b, JSON_INDENT(2));
            if (out) {
                fputs(out, stdout);
                fputc('\n', stdout);
            }
            free(out);
            json_decref(b);
        } else {
            printf("batch: %zu bundles: %zu verified, %zu policy not met, %zu invalid, %zu errors (exit %d)\n", nb,
                   counts[0], counts[1], counts[2], counts[3], rc);
        }
    }
    if (fflush(stdout) != 0)
        rc = CVM_EXIT_USAGE;
    free(bundles);
    return rc;
usage_err:
    free(bundles);
    return CVM_EXIT_USAGE;
}
