/* cvm-verify-bench: the verifier's cost per bundle against the cost of the
 * cryptography one bundle needs, measured in the same process and run.
 *
 *   cvm-verify-bench --trust-anchor ARK.pem [--trials T] (--list FILE | BUNDLE.tar...)
 *
 * 1. verifies every bundle in one process (cvm_verify_run, as a --batch
 *    worker does: one clock reading, the chain cache warm after the first
 *    bundle of a chip) and reports the time per bundle;
 * 2. times the raw OpenSSL operations on the first bundle's own inputs:
 *    the ECDSA P-384/SHA-384 report signature, the three RSA-4096 PSS
 *    certificate signatures (ARK self, ASK, VCEK), the two RSA-2048
 *    PKCS#1 quote signatures (quote #1, seal) and the SHA-256 hashing (every
 *    member once for the manifest plus the binding, seal, REPORT_DATA and
 *    pcrDigest inputs);
 *    Steps 1 and 2 alternate over T trials (default 5); the minimum of each
 *    figure is kept, since other load on a shared machine only adds time;
 * 3. prints both floors: without the chain cache (every bundle pays the
 *    RSA-4096 chain) and with it (a batch: P-384 + 2 x RSA-2048 + hashing),
 *    and the ratio. Also the costs the verifier adds on top of the floor
 *    that are not signatures (parsing, RSA key validation, the report). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "verify.h"

/* CPU time of this process, not wall time: the figures compare the verifier
 * with the floor, and CPU time keeps that ratio meaningful on a shared
 * machine (other processes stretch wall time of both phases differently). */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *m)
{
    fprintf(stderr, "cvm-verify-bench: %s\n", m);
    exit(1);
}

/* Runs fn until at least `min_s` elapsed; seconds per call. */
#define TIME_OP(min_s, body)                                                                           \
    ({                                                                                                 \
        long _n = 0;                                                                                   \
        double _t0 = now_s(), _t;                                                                      \
        do {                                                                                           \
            for (int _k = 0; _k < 8; _k++) {                                                           \
                body;                                                                                  \
                _n++;                                                                                  \
            }                                                                                          \
        } while ((_t = now_s() - _t0) < (min_s));                                                      \
        _t / (double)_n;                                                                               \
    })

static const uint8_t *member(const cvm_bundle *b, const char *name, size_t *len)
{
    const uint8_t *p;
    if (cvm_bundle_get(b, name, &p, len) != CVM_OK)
        die(name);
    return p;
}

static int verify_sig(EVP_PKEY *k, const EVP_MD *md, const uint8_t *m, size_t ml, const uint8_t *s, size_t sl)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestVerifyInit(c, NULL, md, NULL, k) == 1 && EVP_DigestVerify(c, s, sl, m, ml) == 1;
    EVP_MD_CTX_free(c);
    return ok;
}

int main(int argc, char **argv)
{
    OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
    const char *anchor = NULL;
    int trials = 5;
    const char **paths = calloc((size_t)argc, sizeof *paths);
    size_t np = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--trust-anchor") == 0 && i + 1 < argc)
            anchor = argv[++i];
        else if (strcmp(argv[i], "--trials") == 0 && i + 1 < argc)
            trials = atoi(argv[++i]);
        else if (strcmp(argv[i], "--list") == 0 && i + 1 < argc) {
            /* one path per line (many bundles do not fit on a command line) */
            FILE *lf = fopen(argv[++i], "r");
            char line[4096];
            while (lf && fgets(line, sizeof line, lf)) {
                line[strcspn(line, "\r\n")] = '\0';
                if (!line[0])
                    continue;
                const char **np2 = realloc(paths, (np + 2) * sizeof *paths);
                if (!np2 || !(np2[np] = strdup(line)))
                    die("out of memory");
                paths = np2;
                np++;
            }
            if (!lf)
                die("--list: cannot open");
            fclose(lf);
        }
        else {
            const char **np2 = realloc(paths, (np + 2) * sizeof *paths);
            if (!np2)
                die("out of memory");
            paths = np2;
            paths[np++] = argv[i];
        }
    }
    if (!anchor || !np || trials < 1)
        die("usage: cvm-verify-bench --trust-anchor ARK.pem [--trials T] (--list FILE | BUNDLE.tar...)");

    /* ---- 1. the verifier, in process ---- */
    cvm_verify_opts o;
    memset(&o, 0, sizeof o);
    o.anchor_paths[0] = anchor;
    o.n_anchors = 1;
    o.have_clock = true;
    o.clock = time(NULL);
    /* ---- the floor's inputs: the first bundle's own ---- */
    uint8_t *tar;
    size_t tl;
    cvm_err e;
    if (cvm_file_read(paths[0], CVM_BUNDLE_MAX_TAR, &tar, &tl, &e) != CVM_OK)
        die("cannot read the first bundle");
    cvm_bundle b;
    if (cvm_bundle_read(tar, tl, paths[0], &b, &e) != CVM_OK)
        die("first bundle does not parse");
    size_t l_rep, l_vcek, l_ak, l_qm, l_qs, l_sm, l_ss, l_man, l_pcrs;
    const uint8_t *rep = member(&b, "report.bin", &l_rep);
    const uint8_t *vcek = member(&b, "vcek.pem", &l_vcek);
    const uint8_t *akpem = member(&b, "akpub.pem", &l_ak);
    const uint8_t *qm = member(&b, "quote.msg", &l_qm);
    const uint8_t *qs = member(&b, "quote.sig", &l_qs);
    const uint8_t *sm = member(&b, "seal.msg", &l_sm);
    const uint8_t *ss = member(&b, "seal.sig", &l_ss);
    const uint8_t *man = member(&b, "manifest.json", &l_man);
    (void)member(&b, "quote.pcrs", &l_pcrs);
    STACK_OF(X509) *certs = NULL;
    if (cvm_certs_load(vcek, l_vcek, "vcek.pem", &certs, &e) != CVM_OK || sk_X509_num(certs) < 3)
        die("vcek.pem of the first bundle: need VCEK, ASK, ARK");
    X509 *xv = sk_X509_value(certs, 0), *xa = sk_X509_value(certs, 1), *xr = sk_X509_value(certs, 2);
    EVP_PKEY *kv = X509_get0_pubkey(xv), *ka = X509_get0_pubkey(xa), *kr = X509_get0_pubkey(xr);
    cvm_snp_report snp;
    if (cvm_snp_parse(rep + 32, CVM_SNP_REPORT_LEN, "report", &snp, &e) != CVM_OK)
        die("report");
    uint8_t rb[48], sb[48];
    cvm_snp_signature_be(&snp, rb, sb, &e);
    ECDSA_SIG *es = ECDSA_SIG_new();
    ECDSA_SIG_set0(es, BN_bin2bn(rb, 48, NULL), BN_bin2bn(sb, 48, NULL));
    unsigned char *esder = NULL;
    int esl = i2d_ECDSA_SIG(es, &esder);
    ECDSA_SIG_free(es);
    BIO *bio = BIO_new_mem_buf(akpem, (int)l_ak);
    EVP_PKEY *ak = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    cvm_tpm_signature q1, q2;
    if (!ak || cvm_tpm_signature_parse(qs, l_qs, "quote.sig", &q1, &e) != CVM_OK ||
        cvm_tpm_signature_parse(ss, l_ss, "seal.sig", &q2, &e) != CVM_OK)
        die("AK / quote signatures");
    if (!verify_sig(kv, EVP_sha384(), rep + 32, 0x2A0, esder, (size_t)esl) ||
        !verify_sig(ak, EVP_sha256(), qm, l_qm, q1.rsa_sig, q1.rsa_sig_len) ||
        !verify_sig(ak, EVP_sha256(), sm, l_sm, q2.rsa_sig, q2.rsa_sig_len) || X509_verify(xv, ka) != 1 ||
        X509_verify(xa, kr) != 1 || X509_verify(xr, kr) != 1)
        die("a floor operation does not verify on the first bundle");

    /* Trials alternate the verifier pass and the floor measurements, and the
     * minimum of each over the trials is kept: on a shared machine other
     * load only ever adds time, so minima are the comparable figures. */
    size_t hash_bytes = 0;
    for (size_t i = 0; i < b.n; i++)
        hash_bytes += b.members[i].len;
    uint8_t *hb = calloc(1, hash_bytes + 1);
    const double M = 0.08; /* seconds per measured operation per trial */
    double per_bundle = 1e9, t_p384 = 1e9, t_rsa4096 = 1e9, t_rsa2048 = 1e9, t_hash = 1e9, json_cost = 1e9;
    size_t bad = 0;
    cvm_verify *v = calloc(1, sizeof *v);
    for (int trial = 0; trial < trials; trial++) {
        double t_json = 0;
        double t0 = now_s();
        for (size_t i = 0; i < np; i++) {
            cvm_verify_init(v);
            v->opts = o;
            v->opts.bundle_path = paths[i];
            char err[512];
            if (cvm_verify_run(v, err, sizeof err) != 0)
                bad++;
            if (i < 100) { /* the --batch worker also serialises the report */
                double tj = now_s();
                json_t *j = cvm_report_json(v);
                free(json_dumps(j, JSON_COMPACT));
                json_decref(j);
                t_json += now_s() - tj;
            }
            cvm_verify_free(v);
        }
        double pb = (now_s() - t0 - t_json) / (double)np, jc = t_json / (double)(np < 100 ? np : 100);
        per_bundle = pb < per_bundle ? pb : per_bundle;
        json_cost = jc < json_cost ? jc : json_cost;
        double x = TIME_OP(M, verify_sig(kv, EVP_sha384(), rep + 32, 0x2A0, esder, (size_t)esl));
        t_p384 = x < t_p384 ? x : t_p384;
        x = TIME_OP(M, X509_verify(xv, ka)) + TIME_OP(M, X509_verify(xa, kr)) + TIME_OP(M, X509_verify(xr, kr));
        t_rsa4096 = x < t_rsa4096 ? x : t_rsa4096;
        x = TIME_OP(M, verify_sig(ak, EVP_sha256(), qm, l_qm, q1.rsa_sig, q1.rsa_sig_len)) +
            TIME_OP(M, verify_sig(ak, EVP_sha256(), sm, l_sm, q2.rsa_sig, q2.rsa_sig_len));
        t_rsa2048 = x < t_rsa2048 ? x : t_rsa2048;
        /* hashing: every member once (manifest sizes/digests), then the
         * binding, seal, REPORT_DATA (the runtime JSON) and pcrDigest inputs */
        x = TIME_OP(M, {
            uint8_t dg[32];
            unsigned dl;
            for (size_t i = 0; i < b.n; i++)
                EVP_Digest(b.members[i].data, b.members[i].len, dg, &dl, EVP_sha256(), NULL);
            EVP_Digest(hb, 22 + 32 + 7 * (20 + 32), dg, &dl, EVP_sha256(), NULL);
            EVP_Digest(man, l_man, dg, &dl, EVP_sha256(), NULL);
            EVP_Digest(rep + 0x4D4, 700, dg, &dl, EVP_sha256(), NULL);
            EVP_Digest(hb, 24 * 32, dg, &dl, EVP_sha256(), NULL);
        });
        t_hash = x < t_hash ? x : t_hash;
    }
    if (bad)
        fprintf(stderr, "cvm-verify-bench: %zu verifications did not give 'verified'\n", bad);
    /* a cost the verifier adds that is not in the floor: validating the
     * HCLAkPub RSA key (SP 800-56B public check, a Miller-Rabin round on n) */
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, ak, NULL);
    double t_check = TIME_OP(M, EVP_PKEY_public_check(pc));
    EVP_PKEY_CTX_free(pc);

    double floor_nocache = t_p384 + t_rsa4096 + t_rsa2048 + t_hash;
    double floor_batch = t_p384 + t_rsa2048 + t_hash;
    const double ms = 1e3;
    printf("cvm-verify-bench: %zu distinct bundles, %d trials (minimum of each figure), OpenSSL %s, CPU time\n", np, trials,
           OpenSSL_version(OPENSSL_VERSION_STRING));
    printf("  verifier, in process (cvm_verify_run)     %8.3f ms/bundle  (%.0f bundles/s per core)\n",
           per_bundle * ms, 1.0 / per_bundle);
    printf("  + JSON report serialisation (--batch)     %8.3f ms/bundle\n", json_cost * ms);
    printf("  floor operations (measured here):\n");
    printf("    ECDSA P-384/SHA-384 verify (report)     %8.3f ms\n", t_p384 * ms);
    printf("    3 x RSA-4096 PSS verify (ARK,ASK,VCEK)  %8.3f ms\n", t_rsa4096 * ms);
    printf("    2 x RSA-2048 PKCS#1 verify (quote,seal) %8.3f ms\n", t_rsa2048 * ms);
    printf("    SHA-256 hashing (%zu member bytes + digests) %8.3f ms\n", hash_bytes, t_hash * ms);
    printf("  floor without chain cache (every bundle)  %8.3f ms/bundle\n", floor_nocache * ms);
    printf("  floor in a batch (chain cached)           %8.3f ms/bundle\n", floor_batch * ms);
    printf("  ratio verifier / batch floor              %8.2f   (target <= 1.3)\n", per_bundle / floor_batch);
    printf("  ratio verifier / floor without cache      %8.2f\n", per_bundle / floor_nocache);
    printf("  (not in the floor) RSA-2048 public-key check %8.3f ms\n", t_check * ms);
    printf("FIGURES per_bundle_ms=%.4f json_ms=%.4f floor_batch_ms=%.4f floor_nocache_ms=%.4f p384_ms=%.4f "
           "rsa4096x3_ms=%.4f rsa2048x2_ms=%.4f hash_ms=%.4f rsa_check_ms=%.4f\n",
           per_bundle * ms, json_cost * ms, floor_batch * ms, floor_nocache * ms, t_p384 * ms, t_rsa4096 * ms,
           t_rsa2048 * ms, t_hash * ms, t_check * ms);
    OPENSSL_free(esder);
    EVP_PKEY_free(ak);
    free(hb);
    cvm_certs_free(certs);
    cvm_bundle_free(&b);
    free(tar);
    free(v);
    free(paths);
    return bad ? 2 : 0;
}
