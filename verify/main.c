/* cvm-verify: the air-gapped verifier CLI (spec/verify.md §1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "show.h"
#include "verify.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cvm-verify [options] BUNDLE.tar\n"
            "       cvm-verify [options] --dir DIR\n"
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
            "  --at RFC3339         verify as of this time (e.g. 2026-01-01T00:00:00Z); default now\n"
            "  --json               JSON report on stdout (spec/verify.md)\n"
            "  --html FILE          also write a self-contained HTML report to FILE\n"
            "  --quiet              print only the verdict line\n"
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

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "show") == 0)
        return cvm_show_main(argc - 1, argv + 1);
    /* the verdict must not depend on the machine's openssl.cnf (providers,
     * security level): an air-gapped verifier behaves the same everywhere */
    OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
    cvm_verify *v = calloc(1, sizeof *v);
    if (!v)
        return CVM_EXIT_USAGE;
    cvm_verify_init(v);
    bool json = false, quiet = false;
    const char *html = NULL;
    const char *s;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            cvm_verify_free(v);
            free(v);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("cvm-verify %s\n", CVM_VERSION);
            cvm_verify_free(v);
            free(v);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = true;
        } else if ((s = optval(argc, argv, &i, "--html"))) {
            html = s;
        } else if ((s = optval(argc, argv, &i, "--dir"))) {
            v->opts.dir = s;
        } else if ((s = optval(argc, argv, &i, "--nonce"))) {
            long n = cvm_unhex(s, strlen(s), v->opts.nonce, sizeof v->opts.nonce);
            if (n <= 0) {
                fprintf(stderr, "cvm-verify: --nonce must be 1..64 bytes of hex (even length, no 0x)\n");
                goto usage_err;
            }
            v->opts.have_nonce = true;
            v->opts.nonce_len = (size_t)n;
        } else if ((s = optval(argc, argv, &i, "--policy"))) {
            v->opts.policy_path = s;
        } else if ((s = optval(argc, argv, &i, "--trust-anchor"))) {
            if (v->opts.n_anchors >= CVM_MAX_ANCHORS) {
                fprintf(stderr, "cvm-verify: at most %d --trust-anchor\n", CVM_MAX_ANCHORS);
                goto usage_err;
            }
            v->opts.anchor_paths[v->opts.n_anchors++] = s;
        } else if ((s = optval(argc, argv, &i, "--chain"))) {
            v->opts.chain_path = s;
        } else if ((s = optval(argc, argv, &i, "--crl"))) {
            v->opts.crl_path = s;
        } else if ((s = optval(argc, argv, &i, "--at"))) {
            if (cvm_time_parse(s, &v->opts.at) != 0) {
                fprintf(stderr, "cvm-verify: --at %s: not an RFC 3339 time (YYYY-MM-DDTHH:MM:SSZ)\n", s);
                goto usage_err;
            }
            v->opts.have_at = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "cvm-verify: unknown option %s (see --help)\n", a);
            goto usage_err;
        } else {
            if (v->opts.bundle_path) {
                fprintf(stderr, "cvm-verify: one bundle at a time\n");
                goto usage_err;
            }
            v->opts.bundle_path = a;
        }
    }
    if (!v->opts.bundle_path == !v->opts.dir) {
        fprintf(stderr, "cvm-verify: give exactly one of BUNDLE.tar or --dir DIR (see --help)\n");
        goto usage_err;
    }
    char err[1024] = "";
    int rc = cvm_verify_run(v, err, sizeof err);
    if (rc == CVM_EXIT_USAGE) {
        fprintf(stderr, "cvm-verify: %s\n", err);
        cvm_verify_free(v);
        free(v);
        return CVM_EXIT_USAGE;
    }
    if (html) {
        FILE *hf = fopen(html, "w");
        if (!hf || cvm_report_html(v, hf) != 0 || fclose(hf) != 0) {
            fprintf(stderr, "cvm-verify: --html %s: cannot write\n", html);
            rc = CVM_EXIT_USAGE;
        }
    }
    if (json) {
        json_t *j = cvm_report_json(v);
        char *out = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
        if (out) {
            fputs(out, stdout);
            fputc('\n', stdout);
        }
        free(out);
        json_decref(j);
        if (quiet)
            cvm_report_text(v, stderr, false, true);
    } else {
        bool colour = isatty(fileno(stdout)) && !getenv("NO_COLOR");
        cvm_report_text(v, stdout, colour, quiet);
    }
    if (fflush(stdout) != 0)
        rc = CVM_EXIT_USAGE;
    cvm_verify_free(v);
    free(v);
    return rc;
usage_err:
    cvm_verify_free(v);
    free(v);
    return CVM_EXIT_USAGE;
}
