/* Seed corpus generator for the fuzz targets: every seed is built by our
 * own writers (plus OpenSSL for certificates), and every seed meant to be
 * valid is parsed back here, so a writer/parser drift shows up as a failed
 * corpus build rather than as a silently useless corpus.
 *
 *   cvm-fuzz-seeds OUTDIR [VECTORS]  -> OUTDIR/<target>/<name>
 *
 * Real evidence (../shared/vectors) is added by make-corpus.sh at run time,
 * never committed; with VECTORS given, the seed sets are also assembled
 * into bundles (our tar and manifest writers) for the whole-verifier
 * target. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "amdcert.h"
#include "b64url.h"
#include "binding.h"
#include "bundle.h"
#include "cel.h"
#include "eventlog.h"
#include "hcl.h"
#include "http1.h"
#include "manifest.h"
#include "pcrs.h"
#include "rtlog.h"
#include "runtime.h"
#include "snp.h"
#include "thim.h"
#include "tpm.h"

static const char *g_out;
static int g_count;

#define DIE(...)                                                                           \
    do {                                                                                   \
        fprintf(stderr, "cvm-fuzz-seeds: " __VA_ARGS__);                                   \
        fputc('\n', stderr);                                                               \
        exit(1);                                                                           \
    } while (0)

static void put(const char *target, const char *name, const void *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", g_out, target);
    if (mkdir(path, 0755) && errno != EEXIST)
        DIE("mkdir %s: %s", path, strerror(errno));
    snprintf(path, sizeof(path), "%s/%s/%s", g_out, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f))
        DIE("write %s failed", path);
    g_count++;
}

static void put_wr(const char *target, const char *name, cvm_wr *w)
{
    if (w->failed)
        DIE("writer failed for %s/%s", target, name);
    put(target, name, w->p, w->len);
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 7);
}

static void must_ok(int rc, const cvm_err *e, const char *what)
{
    if (rc) {
        char b[512];
        DIE("own seed %s rejected: %s", what, cvm_err_format(e, b, sizeof(b)));
    }
}

/* ---- SNP reports ---- */

static void snp_make(cvm_snp_report *r, uint32_t version, uint8_t fam, uint8_t model)
{
    memset(r, 0, sizeof(*r));
    r->version = version;
    r->guest_svn = 2;
    r->policy = 0x30000; /* bit 17 (must be one) + SMT allowed */
    fill(r->family_id, sizeof(r->family_id), 1);
    fill(r->image_id, sizeof(r->image_id), 2);
    r->vmpl = 0;
    r->signature_algo = 1;
    r->current_tcb = 0x7308000000000003ull;
    r->platform_info = 0x25;
    r->key_info = 0;
    fill(r->report_data, sizeof(r->report_data), 3);
    fill(r->measurement, sizeof(r->measurement), 4);
    fill(r->report_id, sizeof(r->report_id), 5);
    memset(r->report_id_ma, 0xff, sizeof(r->report_id_ma));
    r->reported_tcb = 0x7308000000000003ull;
    if (version >= 3) {
        r->cpuid_fam_id = fam;
        r->cpuid_mod_id = model;
        r->cpuid_step = 1;
    }
    fill(r->chip_id, sizeof(r->chip_id), 6);
    r->committed_tcb = 0x7308000000000003ull;
    if (version >= 2) {
        r->current_build = 21;
        r->current_minor = 55;
        r->current_major = 1;
        r->committed_build = 21;
        r->committed_minor = 55;
        r->committed_major = 1;
        r->launch_tcb = 0x7308000000000003ull;
    }
    if (version >= 5) {
        r->launch_mit_vector = 1;
        r->current_mit_vector = 3;
    }
    uint8_t sr[48], ss[48];
    fill(sr, sizeof(sr), 8);
    fill(ss, sizeof(ss), 9);
    cvm_snp_set_signature_be(r, sr, ss);
}

static void snp_bytes(const cvm_snp_report *r, uint8_t out[CVM_SNP_REPORT_LEN], const char *n)
{
    cvm_snp_report back;
    cvm_err e;
    cvm_snp_write(r, out);
    cvm_err_clear(&e);
    must_ok(cvm_snp_parse(out, CVM_SNP_REPORT_LEN, n, &back, &e), &e, n);
}

static void gen_snp(void)
{
    static const struct {
        const char *name;
        uint32_t v;
        uint8_t fam, model;
        uint32_t key_info;
        uint64_t tcb;
    } k[] = {
        {"v1", 1, 0, 0, 0, 0x7308000000000003ull},
        {"v2-milan", 2, 0, 0, 0, 0xdb18000000000004ull},
        {"v3-milan", 3, 0x19, 0x01, 0, 0x7308000000000003ull},
        {"v3-genoa", 3, 0x19, 0x11, 0, 0x1c17000000000007ull},
        {"v3-vlek", 3, 0x19, 0x11, 1 << 2, 0x1c17000000000007ull},
        {"v4", 4, 0x19, 0xa0, 0, 0x1c17000000000007ull},
        {"v5-turin", 5, 0x1a, 0x02, 0, 0x4800000000010101ull},
    };
    for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
        cvm_snp_report r;
        uint8_t b[CVM_SNP_REPORT_LEN];
        snp_make(&r, k[i].v, k[i].fam, k[i].model);
        r.key_info = k[i].key_info;
        r.current_tcb = r.reported_tcb = k[i].tcb;
        if (k[i].v == 1)
            r.committed_tcb = 0;
        snp_bytes(&r, b, k[i].name);
        put("snp", k[i].name, b, sizeof(b));
    }
    /* debug policy, masked chip id, odd flags (accepted, flagged) */
    cvm_snp_report r;
    uint8_t b[CVM_SNP_REPORT_LEN];
    snp_make(&r, 3, 0x19, 0x01);
    r.policy = 0x70000 | (1ull << 40);
    r.platform_info = 0xffffffffffffffffull;
    r.key_info = 0xffffffe3u;
    r.signature_algo = 2;
    memset(r.chip_id, 0, sizeof(r.chip_id));
    snp_bytes(&r, b, "flags");
    put("snp", "flags", b, sizeof(b));
}

/* ---- runtime JSON, HCL ---- */

static char *runtime_json(int variant)
{
    uint8_t n[256], e[3] = {1, 0, 1};
    fill(n, sizeof(n), (uint8_t)(0x80 + variant));
    n[0] |= 0x80;
    char *nb = cvm_b64url_encode_alloc(n, sizeof(n));
    char *eb = cvm_b64url_encode_alloc(e, sizeof(e));
    char *s = malloc(4096);
    if (!nb || !eb || !s)
        DIE("out of memory");
    switch (variant) {
    case 0: /* the shape Azure emits */
        snprintf(s, 4096,
                 "{\"keys\":[{\"kid\":\"HCLAkPub\",\"key_ops\":[\"sign\"],\"kty\":\"RSA\",\"e\":\"%s\","
                 "\"n\":\"%s\"},{\"kid\":\"HCLEkPub\",\"key_ops\":[\"encrypt\"],\"kty\":\"RSA\","
                 "\"e\":\"%s\",\"n\":\"%s\"}],\"vm-configuration\":{\"console-enabled\":true,"
                 "\"root-cert-thumbprint\":\"\",\"secure-boot\":true,\"tpm-enabled\":true,"
                 "\"tpm-persisted\":false,\"vmUniqueId\":\"26F8BC30-774E-4290-8E7A-535F3B672AEE\","
                 "\"current-time\":1706500000},\"user-data\":\"%0128d\"}",
                 eb, nb, eb, nb, 0);
        break;
    case 1: /* pretty, unknown members, mixed-case user-data */
        snprintf(s, 4096,
                 "{\n  \"keys\": [\n    {\"kid\": \"HCLAkPub\", \"kty\": \"RSA\", \"e\": \"%s\", "
                 "\"n\": \"%s\", \"x-extra\": [1, 2.5, null]}\n  ],\n  \"vm-configuration\": "
                 "{\"secure-boot\": false, \"new-flag\": {\"a\": 1}},\n  \"user-data\": "
                 "\"AbCdEf0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789"
                 "AbCdEf0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789\",\n"
                 "  \"future\": \"x\"\n}\n",
                 eb, nb);
        break;
    case 2: /* non-RSA key, no vm-configuration */
        snprintf(s, 4096, "{\"keys\":[{\"kid\":\"k1\",\"kty\":\"EC\",\"crv\":\"P-384\"}]}");
        break;
    default:
        snprintf(s, 4096, "{}");
        break;
    }
    free(nb);
    free(eb);
    return s;
}

static void gen_runtime_hcl(void)
{
    for (int v = 0; v < 4; v++) {
        char *s = runtime_json(v);
        char name[32];
        cvm_runtime rt;
        cvm_err e;
        cvm_err_clear(&e);
        snprintf(name, sizeof(name), "rt%d", v);
        must_ok(cvm_runtime_parse((const uint8_t *)s, strlen(s), name, &rt, &e), &e, name);
        cvm_runtime_free(&rt);
        put("runtime", name, s, strlen(s));
        free(s);
    }

    static const struct {
        const char *name;
        uint32_t hv, type, hash;
        size_t nv;
        int json;
    } k[] = {
        {"snp-v2-2600", 2, CVM_HCL_REPORT_SNP, CVM_HCL_HASH_SHA256, 2600, 0},
        {"snp-v1-2048", 1, CVM_HCL_REPORT_SNP, CVM_HCL_HASH_SHA384, 2048, 2},
        {"snp-v2-exact", 2, CVM_HCL_REPORT_SNP, CVM_HCL_HASH_SHA512, 0, 3},
        {"tdx-v2-2900", 2, CVM_HCL_REPORT_TDX, CVM_HCL_HASH_SHA256, 2900, 0},
    };
    for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
        uint8_t hw[CVM_HCL_HW_LEN] = {0};
        if (k[i].type == CVM_HCL_REPORT_SNP) {
            cvm_snp_report r;
            snp_make(&r, 3, 0x19, 0x01);
            snp_bytes(&r, hw, k[i].name);
        } else {
            fill(hw, CVM_HCL_TDREPORT_LEN, 0x81);
        }
        char *s = runtime_json(k[i].json);
        cvm_hcl_report h;
        cvm_wr w;
        cvm_hcl_report_init(&h, k[i].hv, k[i].type, k[i].hash, hw, (const uint8_t *)s, strlen(s));
        cvm_wr_init(&w);
        if (cvm_hcl_write(&h, k[i].nv, &w))
            DIE("hcl write %s", k[i].name);
        cvm_hcl_report back;
        cvm_err e;
        cvm_err_clear(&e);
        must_ok(cvm_hcl_parse(w.p, w.len, k[i].name, &back, &e), &e, k[i].name);
        put_wr("hcl", k[i].name, &w);
        cvm_wr_free(&w);
        free(s);
    }
}

/* ---- base64url ---- */

static void gen_b64url(void)
{
    for (size_t n = 0; n <= 9; n++) {
        uint8_t b[9];
        char name[16];
        fill(b, n, (uint8_t)(0xf0 + n));
        char *s = cvm_b64url_encode_alloc(b, n);
        snprintf(name, sizeof(name), "len%zu", n);
        put("b64url", name, s, strlen(s));
        free(s);
    }
    uint8_t big[300];
    fill(big, sizeof(big), 0x3e);
    char *s = cvm_b64url_encode_alloc(big, sizeof(big));
    put("b64url", "len300", s, strlen(s));
    free(s);
}

/* ---- certificates ---- */

#define AMD "1.3.6.1.4.1.3704.1."

static void add_ext(X509 *x, const char *oid, const uint8_t *v, size_t n)
{
    ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    if (!o || !os || !ASN1_OCTET_STRING_set(os, v, (int)n))
        DIE("extension %s", oid);
    X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, o, 0, os);
    if (!e || !X509_add_ext(x, e, -1))
        DIE("extension %s", oid);
    X509_EXTENSION_free(e);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(o);
}

static size_t der_int(uint8_t *out, unsigned v)
{
    out[0] = 0x02;
    if (v < 0x80) {
        out[1] = 1, out[2] = (uint8_t)v;
        return 3;
    }
    out[1] = 2, out[2] = 0, out[3] = (uint8_t)v;
    return 4;
}

static size_t der_ia5(uint8_t *out, const char *s)
{
    size_t n = strlen(s);
    out[0] = 0x16, out[1] = (uint8_t)n;
    memcpy(out + 2, s, n);
    return n + 2;
}

/* The AMD extension set of a VCEK (or VLEK with cspID) as the decoder
 * sees it; also written in fuzz_amdext's record format. */
struct amd_set {
    const char *product;
    unsigned bl, tee, snp, ucode, fmc;
    bool turin, vlek;
};

static const char *const ext_oids_for_amdext[] = {
    AMD "1", AMD "2", AMD "3.1", AMD "3.2", AMD "3.3", AMD "3.4", AMD "3.5", AMD "3.6",
    AMD "3.7", AMD "3.8", AMD "3.9", AMD "4", AMD "5",
};

static void amd_exts(X509 *x, const struct amd_set *s, cvm_wr *rec)
{
    uint8_t v[80];
    size_t n;
    struct {
        int sel;
        const uint8_t *p;
        size_t n;
    } items[16];
    int k = 0;
    uint8_t bufs[16][80];

#define ITEM(sel_, len_)                                                                   \
    do {                                                                                   \
        memcpy(bufs[k], v, (len_));                                                        \
        items[k].sel = (sel_), items[k].p = bufs[k], items[k].n = (len_);                  \
        k++;                                                                               \
    } while (0)
    n = der_int(v, 1);
    ITEM(0, n);
    n = der_ia5(v, s->product);
    ITEM(1, n);
    if (s->turin) {
        n = der_int(v, s->fmc);
        ITEM(10, n);
    }
    n = der_int(v, s->bl);
    ITEM(2, n);
    n = der_int(v, s->tee);
    ITEM(3, n);
    n = der_int(v, s->snp);
    ITEM(4, n);
    for (int r = 0; r < 4; r++) {
        n = der_int(v, 0);
        ITEM(5 + r, n);
    }
    n = der_int(v, s->ucode);
    ITEM(9, n);
    if (s->vlek) {
        n = der_ia5(v, "Amazon");
        ITEM(12, n);
    } else {
        fill(v, s->turin ? 8 : 64, 0x11);
        ITEM(11, s->turin ? 8u : 64u);
    }
#undef ITEM
    for (int i = 0; i < k; i++) {
        if (x)
            add_ext(x, ext_oids_for_amdext[items[i].sel], items[i].p, items[i].n);
        if (rec) {
            cvm_wr_u8(rec, (uint8_t)items[i].sel);
            cvm_wr_u8(rec, (uint8_t)items[i].n);
            cvm_wr_bytes(rec, items[i].p, items[i].n);
        }
    }
}

static EVP_PKEY *keygen(bool rsa)
{
    EVP_PKEY *k = rsa ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
                      : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    if (!k)
        DIE("keygen");
    return k;
}

static X509 *make_cert(const char *cn, const char *issuer_cn, EVP_PKEY *key, EVP_PKEY *signer,
                       bool pss, const struct amd_set *amd, long serial)
{
    X509 *x = X509_new();
    X509_NAME *sn = X509_NAME_new(), *in = X509_NAME_new();
    if (!x || !sn || !in)
        DIE("x509");
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_NAME_add_entry_by_txt(sn, "OU", MBSTRING_ASC, (const unsigned char *)"Engineering", -1, -1, 0);
    X509_NAME_add_entry_by_txt(sn, "O", MBSTRING_ASC, (const unsigned char *)"Advanced Micro Devices", -1, -1, 0);
    X509_NAME_add_entry_by_txt(sn, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_NAME_add_entry_by_txt(in, "CN", MBSTRING_ASC, (const unsigned char *)issuer_cn, -1, -1, 0);
    X509_set_subject_name(x, sn);
    X509_set_issuer_name(x, in);
    X509_NAME_free(sn);
    X509_NAME_free(in);
    ASN1_TIME_set_string(X509_getm_notBefore(x), "20240101000000Z");
    ASN1_TIME_set_string(X509_getm_notAfter(x), "20310101000000Z");
    X509_set_pubkey(x, key);
    if (amd)
        amd_exts(x, amd, NULL);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    if (!ctx || EVP_DigestSignInit(ctx, &pctx, EVP_sha384(), NULL, signer) != 1)
        DIE("sign init");
    if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48) != 1))
        DIE("pss");
    if (X509_sign_ctx(x, ctx) <= 0)
        DIE("sign");
    EVP_MD_CTX_free(ctx);
    return x;
}

static void put_certs(const char *target, const char *name, X509 **xs, int n, bool der)
{
    cvm_wr w;
    cvm_wr_init(&w);
    for (int i = 0; i < n; i++)
        if ((der ? cvm_cert_write_der(xs[i], &w) : cvm_cert_write_pem(xs[i], &w)))
            DIE("cert write %s", name);
    STACK_OF(X509) *sk = NULL;
    cvm_err e;
    cvm_err_clear(&e);
    must_ok(cvm_certs_load(w.p, w.len, name, &sk, &e), &e, name);
    for (int i = 0; i < sk_X509_num(sk); i++) {
        cvm_amd_ext ext;
        cvm_err_clear(&e);
        must_ok(cvm_amdcert_ext_parse(sk_X509_value(sk, i), name, &ext, &e), &e, name);
    }
    cvm_certs_free(sk);
    put_wr(target, name, &w);
    cvm_wr_free(&w);
}

/* PEM text of the given certificates, NUL-terminated (caller frees) */
static char *pem_of(X509 **xs, int n)
{
    cvm_wr w;
    cvm_wr_init(&w);
    for (int i = 0; i < n; i++)
        cvm_cert_write_pem(xs[i], &w);
    cvm_wr_u8(&w, 0);
    if (w.failed)
        DIE("pem");
    size_t len;
    return (char *)cvm_wr_take(&w, &len);
}

static void gen_certs_thim(void)
{
    EVP_PKEY *ark = keygen(true), *ask = keygen(true), *vcek = keygen(false),
             *vlek = keygen(false);
    static const struct amd_set milan = {"Milan-B0", 3, 0, 8, 115, 0, false, false};
    static const struct amd_set genoa = {"Genoa", 7, 0, 23, 28, 0, false, false};
    static const struct amd_set turin = {"Turin", 1, 0, 1, 72, 1, true, false};
    static const struct amd_set vl = {"Genoa", 7, 0, 23, 28, 0, false, true};

    X509 *x_ark = make_cert("ARK-Milan", "ARK-Milan", ark, ark, true, NULL, 1);
    X509 *x_ask = make_cert("SEV-Milan", "ARK-Milan", ask, ark, true, NULL, 2);
    X509 *x_vcek = make_cert("SEV-VCEK", "SEV-Milan", vcek, ask, true, &milan, 3);
    X509 *x_gvcek = make_cert("SEV-VCEK", "SEV-Genoa", vcek, ask, true, &genoa, 4);
    X509 *x_tvcek = make_cert("SEV-VCEK", "SEV-Turin", vcek, ask, true, &turin, 5);
    X509 *x_vlek = make_cert("SEV-VLEK", "SEV-VLEK-Genoa", vlek, ask, true, &vl, 6);
    X509 *x_asvk = make_cert("SEV-VLEK-Genoa", "ARK-Genoa", ask, ark, false, NULL, 7);

    X509 *chain3[] = {x_vcek, x_ask, x_ark};
    X509 *chain2[] = {x_ask, x_ark};
    put_certs("amdcert", "vcek-chain.pem", chain3, 3, false);
    put_certs("amdcert", "ask-ark.pem", chain2, 2, false);
    put_certs("amdcert", "vcek-milan.der", &x_vcek, 1, true);
    put_certs("amdcert", "vcek-genoa.der", &x_gvcek, 1, true);
    put_certs("amdcert", "vcek-turin.der", &x_tvcek, 1, true);
    put_certs("amdcert", "vlek.der", &x_vlek, 1, true);
    put_certs("amdcert", "asvk.pem", &x_asvk, 1, false);
    put_certs("amdcert", "ark.der", &x_ark, 1, true);

    const struct amd_set *sets[] = {&milan, &genoa, &turin, &vl};
    for (size_t i = 0; i < 4; i++) {
        cvm_wr w;
        char name[16];
        cvm_wr_init(&w);
        amd_exts(NULL, sets[i], &w);
        snprintf(name, sizeof(name), "set%zu", i);
        put_wr("amdext", name, &w);
        cvm_wr_free(&w);
    }

    /* THIM: compact and pretty, integer cacheControl, an unknown member */
    char *vpem = pem_of(&x_vcek, 1), *cpem = pem_of(chain2, 2);
    for (int v = 0; v < 3; v++) {
        cvm_thim t;
        memset(&t, 0, sizeof(t));
        t.vcek_cert = vpem;
        t.vcek_cert_len = strlen(vpem);
        t.certificate_chain = cpem;
        t.certificate_chain_len = strlen(cpem);
        snprintf(t.tcbm_hex, sizeof(t.tcbm_hex), "%s", v == 1 ? "DB18000000000004" : "7308000000000003");
        t.cache_control = v == 2 ? "3600" : "86400";
        t.cache_control_is_int = v == 2;
        if (v == 1) {
            t.extra = json_pack("{s:s,s:[i,b]}", "vcekCertUrl", "https://example", "z", 1, 1);
            if (!t.extra)
                DIE("json_pack");
        }
        cvm_wr w;
        cvm_wr_init(&w);
        if ((v == 1 ? cvm_thim_write_pretty(&t, &w) : cvm_thim_write(&t, &w)))
            DIE("thim write");
        cvm_thim back;
        cvm_err e;
        cvm_err_clear(&e);
        must_ok(cvm_thim_parse(w.p, w.len, "thim", &back, &e), &e, "thim");
        cvm_thim_free(&back);
        char name[16];
        snprintf(name, sizeof(name), "thim%d", v);
        put_wr("thim", name, &w);
        cvm_wr_free(&w);
        json_decref(t.extra);
    }
    free(vpem);
    free(cpem);

    X509 *all[] = {x_ark, x_ask, x_vcek, x_gvcek, x_tvcek, x_vlek, x_asvk};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        X509_free(all[i]);
    EVP_PKEY_free(ark);
    EVP_PKEY_free(ask);
    EVP_PKEY_free(vcek);
    EVP_PKEY_free(vlek);
}


/* ---- TPM ---- */

static void sel_from(const char *txt, cvm_pcr_selection *s)
{
    cvm_err e;
    cvm_err_clear(&e);
    must_ok(cvm_pcr_selection_from_string(txt, s, &e), &e, txt);
}

static void put_prefixed(const char *target, const char *name, uint8_t prefix, const uint8_t *p,
                         size_t n)
{
    uint8_t *b = malloc(n + 1);
    if (!b)
        DIE("out of memory");
    b[0] = prefix;
    memcpy(b + 1, p, n);
    put(target, name, b, n + 1);
    free(b);
}

static void gen_tpm(void)
{
    static const char *const sels[] = {"sha256:0,1,2,3,4,5,6,7", "sha256:all+sha1:0,7",
                                       "sha384:23+sha256:", "sha512:0-31"};
    cvm_err e;
    for (size_t i = 0; i < sizeof(sels) / sizeof(sels[0]); i++) {
        cvm_pcr_selection s;
        cvm_wr w;
        char name[32];
        sel_from(sels[i], &s);
        cvm_wr_init(&w);
        cvm_pcr_selection_write(&s, &w);
        snprintf(name, sizeof(name), "bin%zu", i);
        put_prefixed("tpm_pcrsel", name, 0, w.p, w.len);
        snprintf(name, sizeof(name), "txt%zu", i);
        put_prefixed("tpm_pcrsel", name, 1, (const uint8_t *)sels[i], strlen(sels[i]));

        /* a quote over that selection (TPMS_ATTEST has no writer: built here
         * field by field, formats.md §5.2) */
        uint8_t name_buf[34] = {0x00, 0x0b}, nonce[32], digest[32];
        fill(name_buf + 2, 32, 0x21);
        fill(nonce, sizeof(nonce), 0x22);
        fill(digest, sizeof(digest), 0x23);
        cvm_wr_free(&w);
        cvm_wr_init(&w);
        cvm_wr_u32be(&w, CVM_TPM_GENERATED_VALUE);
        cvm_wr_u16be(&w, CVM_TPM_ST_ATTEST_QUOTE);
        cvm_wr_u16be(&w, sizeof(name_buf));
        cvm_wr_bytes(&w, name_buf, sizeof(name_buf));
        cvm_wr_u16be(&w, i == 2 ? 0 : sizeof(nonce));
        if (i != 2)
            cvm_wr_bytes(&w, nonce, sizeof(nonce));
        cvm_wr_u64be(&w, 123456789);
        cvm_wr_u32be(&w, 7);
        cvm_wr_u32be(&w, 1);
        cvm_wr_u8(&w, 1);
        cvm_wr_u64be(&w, 0x2000000000000ull);
        cvm_pcr_selection_write(&s, &w);
        cvm_wr_u16be(&w, sizeof(digest));
        cvm_wr_bytes(&w, digest, sizeof(digest));
        cvm_tpm_attest a;
        cvm_err_clear(&e);
        must_ok(cvm_tpm_attest_parse(w.p, w.len, "quote", &a, &e), &e, "quote");
        snprintf(name, sizeof(name), "quote%zu", i);
        put_wr("tpm_attest", name, &w);
        cvm_wr_free(&w);
    }

    /* signatures: tss forms (prefix 0: no key) and plain forms */
    cvm_tpm_signature s;
    memset(&s, 0, sizeof(s));
    s.sig_alg = CVM_TPM_ALG_RSASSA;
    s.hash_alg = CVM_TPM_ALG_SHA256;
    s.rsa_sig_len = 256;
    fill(s.rsa_sig, 256, 0x31);
    for (int v = 0; v < 4; v++) {
        cvm_wr w;
        char name[32];
        if (v == 1)
            s.sig_alg = CVM_TPM_ALG_RSAPSS, s.hash_alg = CVM_TPM_ALG_SHA384;
        if (v >= 2) {
            s.sig_alg = CVM_TPM_ALG_ECDSA;
            s.hash_alg = CVM_TPM_ALG_SHA256;
            s.ecdsa_r_len = s.ecdsa_s_len = v == 2 ? 32 : 48;
            fill(s.ecdsa_r, s.ecdsa_r_len, 0x81); /* high bit: DER needs a 00 pad */
            fill(s.ecdsa_s, s.ecdsa_s_len, 0x12);
        }
        cvm_wr_init(&w);
        cvm_tpm_signature_write(&s, &w);
        cvm_tpm_signature back;
        cvm_err_clear(&e);
        must_ok(cvm_tpm_signature_parse(w.p, w.len, "sig", &back, &e), &e, "sig");
        snprintf(name, sizeof(name), "tss%d", v);
        put_prefixed("tpm_sig", name, (uint8_t)(v << 2), w.p, w.len);
        cvm_wr_free(&w);
        cvm_wr_init(&w);
        cvm_tpm_signature_write_plain(&s, &w);
        snprintf(name, sizeof(name), "plain%d", v);
        /* key selector: 1 RSASSA key, 2 RSAPSS key, 3 ECC key */
        put_prefixed("tpm_sig", name, (uint8_t)(v == 0 ? 1 : v == 1 ? 2 : 3) | (2 << 2), w.p,
                     w.len);
        cvm_wr_free(&w);
    }

    /* public areas: RSA-2048 AK (Azure's shape) and ECC P-256, TPM2B and TPMT */
    for (int v = 0; v < 2; v++) {
        cvm_wr t;
        uint8_t unique[256];
        cvm_wr_init(&t);
        cvm_wr_u16be(&t, v ? CVM_TPM_ALG_ECC : CVM_TPM_ALG_RSA);
        cvm_wr_u16be(&t, CVM_TPM_ALG_SHA256);
        cvm_wr_u32be(&t, 0x00050072); /* fixedTPM fixedParent sensitiveDataOrigin userWithAuth restricted sign */
        cvm_wr_u16be(&t, 0);          /* authPolicy */
        cvm_wr_u16be(&t, CVM_TPM_ALG_NULL); /* symmetric */
        if (!v) {
            cvm_wr_u16be(&t, CVM_TPM_ALG_RSASSA);
            cvm_wr_u16be(&t, CVM_TPM_ALG_SHA256);
            cvm_wr_u16be(&t, 2048);
            cvm_wr_u32be(&t, 0);
            fill(unique, 256, 0x41);
            cvm_wr_u16be(&t, 256);
            cvm_wr_bytes(&t, unique, 256);
        } else {
            cvm_wr_u16be(&t, CVM_TPM_ALG_ECDSA);
            cvm_wr_u16be(&t, CVM_TPM_ALG_SHA256);
            cvm_wr_u16be(&t, CVM_TPM_ECC_NIST_P256);
            cvm_wr_u16be(&t, CVM_TPM_ALG_NULL);
            fill(unique, 64, 0x42);
            cvm_wr_u16be(&t, 32);
            cvm_wr_bytes(&t, unique, 32);
            cvm_wr_u16be(&t, 32);
            cvm_wr_bytes(&t, unique + 32, 32);
        }
        cvm_tpm_public pub;
        cvm_err_clear(&e);
        must_ok(cvm_tpm_public_parse(t.p, t.len, "pub", CVM_TPM_PUBLIC_TPMT, &pub, &e), &e, "pub");
        put_prefixed("tpm_public", v ? "ecc.tpmt" : "rsa.tpmt", 1, t.p, t.len);
        cvm_wr w2;
        cvm_wr_init(&w2);
        cvm_wr_u8(&w2, 0);
        cvm_wr_u16be(&w2, (uint16_t)t.len);
        cvm_wr_bytes(&w2, t.p, t.len);
        put_wr("tpm_public", v ? "ecc.tpm2b" : "rsa.tpm2b", &w2);
        cvm_wr_free(&w2);
        cvm_wr_free(&t);
    }

    /* .pcrs files */
    static const char *const psels[] = {"sha256:0-23", "sha1:0,1,2+sha256:0,1,2,3,4,5,6,7,8,9",
                                        "sha384:0"};
    for (size_t i = 0; i < sizeof(psels) / sizeof(psels[0]); i++) {
        cvm_pcr_selection sel;
        cvm_pcrs *p = calloc(1, sizeof(*p)), *q = calloc(1, sizeof(*q));
        char name[32];
        if (!p || !q)
            DIE("out of memory");
        sel_from(psels[i], &sel);
        cvm_err_clear(&e);
        must_ok(cvm_pcrs_init(p, &sel, &e), &e, "pcrs init");
        for (size_t k = 0; k < p->n_values; k++)
            fill(p->values[k].bytes, p->values[k].len, (uint8_t)(0x50 + k));
        cvm_wr w;
        cvm_wr_init(&w);
        if (cvm_pcrs_write(p, &w))
            DIE("pcrs write");
        cvm_err_clear(&e);
        must_ok(cvm_pcrs_parse(w.p, w.len, "pcrs", q, &e), &e, "pcrs");
        snprintf(name, sizeof(name), "pcrs%zu", i);
        put_wr("pcrs", name, &w);
        cvm_wr_free(&w);
        free(p);
        free(q);
    }
}

/* ---- event logs ---- */

static void ev2(cvm_wr *w, uint32_t pcr, uint32_t type, const uint16_t *algs, size_t nalg,
                const void *event, uint32_t event_size)
{
    cvm_wr_u32le(w, pcr);
    cvm_wr_u32le(w, type);
    cvm_wr_u32le(w, (uint32_t)nalg);
    for (size_t i = 0; i < nalg; i++) {
        uint8_t d[64];
        cvm_eventlog_hash(algs[i], event, event_size, d);
        cvm_wr_u16le(w, algs[i]);
        cvm_wr_bytes(w, d, cvm_eventlog_alg_size(algs[i]));
    }
    cvm_wr_u32le(w, event_size);
    cvm_wr_bytes(w, event, event_size);
}

static void gen_eventlog(void)
{
    static const uint16_t two[] = {CVM_ALG_SHA1, CVM_ALG_SHA256};
    static const uint16_t one[] = {CVM_ALG_SHA384};
    for (int v = 0; v < 3; v++) {
        const uint16_t *algs = v == 1 ? one : two;
        size_t nalg = v == 1 ? 1 : 2;
        cvm_wr w, spec;
        cvm_wr_init(&w);
        cvm_wr_init(&spec);
        cvm_wr_bytes(&spec, "Spec ID Event03", 16);
        cvm_wr_u32le(&spec, 0);  /* platformClass */
        cvm_wr_u8(&spec, 0);     /* minor */
        cvm_wr_u8(&spec, 2);     /* major */
        cvm_wr_u8(&spec, 2);     /* errata */
        cvm_wr_u8(&spec, 2);     /* uintnSize */
        cvm_wr_u32le(&spec, (uint32_t)nalg);
        for (size_t i = 0; i < nalg; i++) {
            cvm_wr_u16le(&spec, algs[i]);
            cvm_wr_u16le(&spec, (uint16_t)cvm_eventlog_alg_size(algs[i]));
        }
        cvm_wr_u8(&spec, v == 2 ? 4 : 0);
        if (v == 2)
            cvm_wr_bytes(&spec, "abcd", 4);
        cvm_wr_u32le(&w, 0);
        cvm_wr_u32le(&w, CVM_EV_NO_ACTION);
        cvm_wr_zeros(&w, 20);
        cvm_wr_u32le(&w, (uint32_t)spec.len);
        cvm_wr_bytes(&w, spec.p, spec.len);
        cvm_wr_free(&spec);

        uint8_t loc[17] = "StartupLocality";
        loc[16] = 3;
        /* EV_NO_ACTION digests are zero in real logs; any value is parsed */
        ev2(&w, 0, CVM_EV_NO_ACTION, algs, nalg, loc, sizeof(loc));
        ev2(&w, 0, CVM_EV_S_CRTM_VERSION, algs, nalg, "1.0\0", 4);
        ev2(&w, 7, CVM_EV_EFI_VARIABLE_DRIVER_CONFIG, algs, nalg, "SecureBoot-var-data", 19);
        ev2(&w, 4, CVM_EV_EFI_BOOT_SERVICES_APPLICATION, algs, nalg, "image-load-event-bytes", 22);
        ev2(&w, 5, CVM_EV_EFI_ACTION, algs, nalg, "Exit Boot Services Invocation", 29);
        for (uint32_t pcr = 0; pcr < 8; pcr++)
            ev2(&w, pcr, CVM_EV_SEPARATOR, algs, nalg, "\0\0\0\0", 4);
        ev2(&w, 14, CVM_EV_IPL, algs, nalg, "MokList", 7);
        if (v == 2) {
            uint8_t ff[64];
            memset(ff, 0xff, sizeof(ff));
            cvm_wr_bytes(&w, ff, sizeof(ff));
        }
        cvm_eventlog log;
        cvm_err e;
        cvm_err_clear(&e);
        must_ok(cvm_eventlog_parse(w.p, w.len, "eventlog", &log, &e), &e, "eventlog");
        cvm_eventlog_free(&log);
        char name[32];
        snprintf(name, sizeof(name), "log%d", v);
        put_wr("eventlog", name, &w);
        cvm_wr_free(&w);
    }
}

static void cel_rec(cvm_wr *w, uint64_t recnum, bool nv, uint32_t index, uint8_t ct,
                    const cvm_wr *content, uint8_t rw, uint8_t iw, int ndig)
{
    static const uint16_t algs[] = {0x000B, 0x0004, 0x000C};
    uint8_t d[3][64];
    cvm_cel_record r;
    memset(&r, 0, sizeof(r));
    r.recnum = recnum;
    r.is_nv_index = nv;
    r.index = index;
    r.content_type = ct;
    r.content = content->p;
    r.content_len = (uint32_t)content->len;
    r.recnum_width = rw;
    r.index_width = iw;
    r.n_digests = (size_t)ndig;
    for (int i = 0; i < ndig; i++) {
        cvm_eventlog_hash(algs[i], content->p, content->len, d[i]);
        r.digests[i].alg_id = algs[i];
        r.digests[i].size = (uint16_t)cvm_eventlog_alg_size(algs[i]);
        r.digests[i].digest = d[i];
    }
    cvm_err e;
    cvm_err_clear(&e);
    must_ok(cvm_cel_write_record_err(w, &r, &e), &e, "cel record");
}

static void gen_cel_rtlog(void)
{
    cvm_err e;
    /* generic CEL: every content type, NV index records, odd widths */
    for (int v = 0; v < 2; v++) {
        cvm_wr w, c;
        cvm_wr_init(&w);
        cvm_wr_init(&c);
        uint8_t ver[2] = {0, 1};
        cvm_cel_wr_tlv(&c, CVM_CEL_MGMT_CEL_VERSION, ver, 2);
        cel_rec(&w, 0, false, 23, CVM_CEL_CT_MGMT, &c, 0, 0, 1);
        cvm_wr_free(&c);
        cvm_wr_init(&c);
        cvm_cel_wr_tlv(&c, CVM_CEL_IMA_PATH, "/usr/bin/true", 13);
        uint8_t h[32];
        fill(h, 32, 0x61);
        cvm_cel_wr_tlv(&c, CVM_CEL_IMA_DATAHASH, h, 32);
        cel_rec(&w, 5, false, 10, CVM_CEL_CT_IMA_TLV, &c, v ? 1 : 8, v ? 1 : 0, v ? 3 : 2);
        cvm_wr_free(&c);
        cvm_wr_init(&c);
        cvm_cel_wr_tlv(&c, 0, "event-data", 10);
        cel_rec(&w, 6, true, 0x01400001, CVM_CEL_CT_PCCLIENT_STD, &c, v ? 2 : 0, 4, 1);
        cel_rec(&w, 300, false, 0, v ? CVM_CEL_CT_SYSTEMD_ALT : CVM_CEL_CT_SYSTEMD, &c, 0, 0, 1);
        cel_rec(&w, 301, false, 7, CVM_CEL_CT_IMA_TEMPLATE, &c, 0, 0, 1);
        cvm_wr_free(&c);
        cvm_cel cel;
        cvm_err_clear(&e);
        must_ok(cvm_cel_parse(w.p, w.len, "cel", &cel, &e), &e, "cel");
        cvm_cel_free(&cel);
        char name[32];
        snprintf(name, sizeof(name), "cel%d", v);
        put_wr("cel", name, &w);
        cvm_wr_free(&w);
    }
    /* runtime.cel under our profile: also a CEL seed */
    for (int v = 0; v < 2; v++) {
        cvm_wr w;
        uint8_t ext[2][32], one[32], h[32];
        cvm_rtlog_boot b;
        memset(&b, 0, sizeof(b));
        fill(b.boot_id, 16, 0x71);
        b.reset_count = 3;
        b.restart_count = 0;
        b.unix_time = 1764300000;
        cvm_wr_init(&w);
        cvm_err_clear(&e);
        must_ok(cvm_rtlog_write_start(&w, &b, ext, &e), &e, "rtlog start");
        static const char *const paths[] = {"/usr/bin/cvm-collect", "/etc/os-release",
                                            "/opt/app/weights.bin"};
        for (int i = 0; i < (v ? 3 : 1); i++) {
            fill(h, 32, (uint8_t)(0x90 + i));
            cvm_err_clear(&e);
            must_ok(cvm_rtlog_write_file(&w, (uint64_t)(2 + i), paths[i], strlen(paths[i]), h,
                                         one, &e),
                    &e, "rtlog file");
        }
        cvm_rtlog log;
        cvm_err_clear(&e);
        must_ok(cvm_rtlog_parse(w.p, w.len, "runtime.cel", &log, &e), &e, "runtime.cel");
        cvm_rtlog_free(&log);
        char name[32];
        snprintf(name, sizeof(name), "runtime%d.cel", v);
        put_wr("rtlog", name, &w);
        put_wr("cel", name, &w);
        cvm_wr_free(&w);
    }
}

/* ---- bundle, manifest ---- */

static void gen_bundle_manifest(void)
{
    static const char *const names[] = {"ak.pub",     "akpub.pem",  "guest_report.bin",
                                        "quote.msg",  "quote.pcrs", "quote.sig",
                                        "report.bin", "runtime.cel", "vcek.pem"};
    enum { N = sizeof(names) / sizeof(names[0]) };
    cvm_member mem[N + 3];
    uint8_t data[N][40];
    for (size_t i = 0; i < N; i++) {
        fill(data[i], sizeof(data[i]), (uint8_t)i);
        mem[i].name = names[i];
        mem[i].data = data[i];
        mem[i].len = 8 + i * 3;
    }
    cvm_err e;
    for (int v = 0; v < 2; v++) {
        cvm_manifest m;
        memset(&m, 0, sizeof(m));
        m.bundle_id = "0f8fad5b-d9cb-469f-a165-70867728950e";
        m.created = "2026-11-28T06:00:00Z";
        m.collector_name = "cvm-collect";
        m.collector_version = "0.1.0";
        m.custody_case_id = v ? "CASE-1" : "";
        m.custody_examiner = v ? "J. Doe \u00e9" : "";
        m.custody_note = v ? "line1\nline2 \"quoted\" \\ tab\t" : "";
        fill(m.nonce, 32, 0xa1);
        m.nonce_source = v ? CVM_NONCE_AUDITOR : CVM_NONCE_RANDOM;
        m.fresh_report = v;
        m.pcr_selection = v ? "sha256:0,1,2,3,4,5,6,7,23" : "sha256:0,1,2,3,4,5,6,7";
        fill(m.binding, 32, 0xb1);
        cvm_err_clear(&e);
        must_ok(cvm_manifest_set_members(&m, mem, v ? N : 4, &e), &e, "manifest members");
        cvm_wr w;
        cvm_wr_init(&w);
        cvm_err_clear(&e);
        must_ok(cvm_manifest_write(&m, &w, &e), &e, "manifest write");
        char name[32];
        snprintf(name, sizeof(name), "manifest%d.json", v);
        put_wr("manifest", name, &w);
        /* the set_members list is owned by m; the strings above are not */
        for (size_t i = 0; i < m.n_members; i++) {
            free(m.members[i].name);
            free(m.members[i].role);
        }
        free(m.members);

        /* a bundle holding it plus the seal members */
        cvm_member all[N + 3];
        memcpy(all, mem, sizeof(cvm_member) * N);
        all[N].name = "manifest.json", all[N].data = w.p, all[N].len = w.len;
        all[N + 1].name = "seal.msg", all[N + 1].data = data[0], all[N + 1].len = 40;
        all[N + 2].name = "seal.sig", all[N + 2].data = data[1], all[N + 2].len = v ? 0 : 513;
        if (!v)
            all[N + 2].data = (const uint8_t *)"0123456789012345678901234567890123456789"
                                               "0123456789012345678901234567890123456789"
                                               "0123456789012345678901234567890123456789"
                                               "0123456789012345678901234567890123456789"
                                               "0123456789012345678901234567890123456789"
                                               "0123456789012345678901234567890123456789"
                                               "0123456789012345678901234567890123456789"
                                               "0123456789012345678901234567890123456789"
                                               "0123456789012345678901234567890123456789"
                                               "0123456789012345678901234567890123456789"
                                               "0123456789012345678901234567890123456789"
                                               "0123456789012345678901234567890123456789"
                                               "0123456789012345678901234567890123456789"
                                               "0123456789012";
        cvm_wr t;
        cvm_wr_init(&t);
        cvm_err_clear(&e);
        must_ok(cvm_bundle_write("cvm-evidence-0f8fad5b-d9cb-469f-a165-70867728950e", all,
                                 v ? N + 3 : 2, &t, &e),
                &e, "bundle write");
        cvm_bundle b;
        cvm_err_clear(&e);
        must_ok(cvm_bundle_read(t.p, t.len, "bundle", &b, &e), &e, "bundle read");
        cvm_bundle_free(&b);
        snprintf(name, sizeof(name), "bundle%d.tar", v);
        put_wr("bundle", name, &t);
        cvm_wr_free(&t);
        cvm_wr_free(&w);
    }
}

/* ---- whole bundles for fuzz_verify, from the shared seed sets ---- */

/* ak.pub (TPM2B_PUBLIC) for the RSA key in akpub.pem, with the Azure AK's
 * shape (restricted RSASSA-SHA256 signing key, exponent default). Its Name
 * is not the real AK's (attributes may differ), which only the links care
 * about; the member lets bundle.manifest pass and the public-area code run. */
static uint8_t *akpub_tpm2b(const uint8_t *pem, size_t pem_len, size_t *out_len)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
    EVP_PKEY *k = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    BIGNUM *n = NULL;
    uint8_t mod[512];
    int nl = 0;
    uint8_t *ret = NULL;
    if (k && EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n) == 1)
        nl = BN_num_bytes(n);
    if (nl > 0 && nl <= (int)sizeof(mod) && BN_bn2bin(n, mod) == nl) {
        cvm_wr w;
        cvm_wr_init(&w);
        cvm_wr_u16be(&w, (uint16_t)(2 + 2 + 4 + 2 + 2 + 2 + 2 + 2 + 4 + 2 + nl));
        cvm_wr_u16be(&w, CVM_TPM_ALG_RSA);
        cvm_wr_u16be(&w, CVM_TPM_ALG_SHA256);
        cvm_wr_u32be(&w, 0x00050072);
        cvm_wr_u16be(&w, 0);
        cvm_wr_u16be(&w, CVM_TPM_ALG_NULL);
        cvm_wr_u16be(&w, CVM_TPM_ALG_RSASSA);
        cvm_wr_u16be(&w, CVM_TPM_ALG_SHA256);
        cvm_wr_u16be(&w, (uint16_t)(nl * 8));
        cvm_wr_u32be(&w, 0);
        cvm_wr_u16be(&w, (uint16_t)nl);
        cvm_wr_bytes(&w, mod, (size_t)nl);
        if (!w.failed)
            ret = cvm_wr_take(&w, out_len);
        cvm_wr_free(&w);
    }
    BN_free(n);
    EVP_PKEY_free(k);
    BIO_free(bio);
    ERR_clear_error();
    return ret;
}

static uint8_t *slurp(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    uint8_t *p = NULL;
    cvm_err e;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    cvm_err_clear(&e);
    if (cvm_file_read(path, 1u << 20, &p, len, &e) != CVM_OK)
        return NULL;
    return p;
}

/* A bundle per seed set: the real members under their bundle names (the
 * quote doubles as the seal, ak.pub is absent), and a manifest written by
 * our writer over them. Links then run on real signatures and certificates
 * and fail only where the assembly differs from a collected bundle. */
static void gen_verify(const char *vectors)
{
    char sdir[4096];
    snprintf(sdir, sizeof(sdir), "%s/seedsets", vectors);
    DIR *d = opendir(sdir);
    if (!d)
        return;
    static const struct {
        const char *src, *member;
    } map[] = {
        {"snp_report.bin", "report.bin"}, {"guest_report.bin", "guest_report.bin"},
        {"vcek.pem", "vcek.pem"},         {"akpub.pem", "akpub.pem"},
        {"quote.msg", "quote.msg"},       {"quote.sig", "quote.sig"},
        {"quote.pcrs", "quote.pcrs"},     {"quote.msg", "seal.msg"},
        {"quote.sig", "seal.sig"},
    };
    enum { NM = sizeof(map) / sizeof(map[0]) };
    struct dirent *de;
    int count = 0;
    while ((de = readdir(d)) && count < 40) {
        if (de->d_name[0] == '.')
            continue;
        char set[4096];
        snprintf(set, sizeof(set), "%s/%s", sdir, de->d_name);
        cvm_member mem[NM + 4];
        uint8_t *bufs[NM + 3] = {0};
        size_t n = 0;
        for (size_t i = 0; i < NM; i++) {
            size_t len = 0;
            bufs[i] = slurp(set, map[i].src, &len);
            if (!bufs[i])
                continue;
            mem[n].name = map[i].member;
            mem[n].data = bufs[i];
            mem[n].len = len;
            n++;
        }
        if (n < 4)
            goto next;
        /* extra members: ak.pub from akpub.pem, and on every other set our
         * synthetic UEFI and runtime logs (they will not replay to the real
         * quote's PCRs, but the logs' links parse and replay them) */
        for (size_t i = 0; i < n; i++)
            if (!strcmp(mem[i].name, "akpub.pem")) {
                size_t al = 0;
                if ((bufs[NM] = akpub_tpm2b(mem[i].data, mem[i].len, &al))) {
                    mem[n].name = "ak.pub";
                    mem[n].data = bufs[NM];
                    mem[n].len = al;
                    n++;
                }
                break;
            }
        if (count % 2 == 0) {
            size_t el = 0, cl = 0;
            char gdir[4096];
            snprintf(gdir, sizeof(gdir), "%s/eventlog", g_out);
            if ((bufs[NM + 1] = slurp(gdir, "log0", &el))) {
                mem[n].name = "eventlog.bin", mem[n].data = bufs[NM + 1], mem[n].len = el;
                n++;
            }
            snprintf(gdir, sizeof(gdir), "%s/rtlog", g_out);
            if ((bufs[NM + 2] = slurp(gdir, "runtime1.cel", &cl))) {
                mem[n].name = "runtime.cel", mem[n].data = bufs[NM + 2], mem[n].len = cl;
                n++;
            }
        }
        cvm_manifest m;
        memset(&m, 0, sizeof(m));
        m.bundle_id = "6f1c2e3a-5b4d-4c7e-9a8b-0d1e2f3a4b5c";
        m.created = "2026-11-28T06:00:00Z";
        m.collector_name = "cvm-collect";
        m.collector_version = "0.1.0";
        m.custody_case_id = m.custody_examiner = m.custody_note = "";
        fill(m.nonce, 32, 0x5a);
        m.nonce_source = CVM_NONCE_RANDOM;
        m.fresh_report = true;
        m.pcr_selection = "sha256:0,1,2,3,4,5,6,7";
        char seltxt[CVM_PCR_SELECTION_STR_MAX];
        for (size_t i = 0; i < n; i++) {
            cvm_tpm_attest qa;
            if (strcmp(mem[i].name, "quote.msg") ||
                cvm_tpm_attest_parse(mem[i].data, mem[i].len, "quote.msg", &qa, NULL) != CVM_OK)
                continue;
            /* the manifest must name the quote's selection, and the quote's
             * nonce is the closest thing to the collection nonce */
            if (cvm_pcr_selection_to_string(&qa.pcr_select, seltxt, sizeof(seltxt)) == CVM_OK)
                m.pcr_selection = seltxt;
            if (qa.extra_data_len == 32)
                memcpy(m.nonce, qa.extra_data, 32);
        }
        cvm_binding_digest(m.nonce, 32, mem, n, m.binding);
        cvm_err e;
        cvm_err_clear(&e);
        cvm_wr mw, t;
        cvm_wr_init(&mw);
        cvm_wr_init(&t);
        if (cvm_manifest_set_members(&m, mem, n, &e) == CVM_OK &&
            cvm_manifest_write(&m, &mw, &e) == CVM_OK) {
            mem[n].name = "manifest.json";
            mem[n].data = mw.p;
            mem[n].len = mw.len;
            cvm_err_clear(&e);
            if (cvm_bundle_write("cvm-evidence-6f1c2e3a-5b4d-4c7e-9a8b-0d1e2f3a4b5c", mem, n + 1,
                                 &t, &e) == CVM_OK) {
                char name[300];
                snprintf(name, sizeof(name), "v_%s.tar", de->d_name);
                put_wr("verify", name, &t);
                count++;
            }
        }
        for (size_t i = 0; i < m.n_members; i++) {
            free(m.members[i].name);
            free(m.members[i].role);
        }
        free(m.members);
        cvm_wr_free(&mw);
        cvm_wr_free(&t);
    next:
        for (size_t i = 0; i < NM + 3; i++)
            free(bufs[i]);
    }
    closedir(d);
}

/* ---- HTTP/1.1 responses (the collector's plain-HTTP client) ---- */

static void gen_http(void)
{
    static const char thim[] = "{\"vcekCert\":\"-----BEGIN CERTIFICATE-----\\nMIIF\\n-----END CERTIFICATE-----\\n\","
                               "\"tcbm\":\"7308000000000003\",\"certificateChain\":\"x\"}";
    static const struct {
        const char *name, *resp;
        bool valid;
    } seeds[] = {
        {"cl", "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nServer: Microsoft-IIS/10.0\r\n"
               "Date: Sat, 28 Nov 2026 08:00:00 GMT\r\nContent-Length: 2\r\n\r\n{}", true},
        {"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    "5;ext=1;q=\"a b\"\r\nhello\r\n1A \t;x\r\nabcdefghijklmnopqrstuvwxyz\r\n"
                    "0\r\nX-Trailer: t\r\nX-Empty:\r\n\r\n", true},
        {"close", "HTTP/1.0 200 OK\r\nServer: BaseHTTP/0.6 Python/3.11.2\r\n\r\nclose-delimited body\r\n", true},
        {"interim", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
                    "HTTP/1.1 201 Created\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nz", true},
        {"nobody", "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", true},
        {"noreason", "HTTP/1.1 500\r\nContent-Length: 20\r\n\r\n{\"error\":\"internal\"}", true},
        {"cl_te", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", false},
        {"bare_lf", "HTTP/1.1 200 OK\nContent-Length: 2\n\n{}", false},
        {"obs_fold", "HTTP/1.1 200 OK\r\nX-A: 1\r\n continued\r\nContent-Length: 0\r\n\r\n", false},
        {"bigchunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\n", false},
    };
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        size_t n = strlen(seeds[i].resp);
        if (seeds[i].valid) {
            cvm_err e;
            cvm_err_clear(&e);
            must_ok(cvm_http1_parse((const uint8_t *)seeds[i].resp, n, 16384, 65536, false, NULL,
                                    NULL, &e),
                    &e, seeds[i].name);
        }
        put("http", seeds[i].name, seeds[i].resp, n);
    }
    /* an IMDS THIM answer as Azure sends it, and the same chunked in two */
    cvm_wr w;
    cvm_wr_init(&w);
    cvm_wr_printf(&w, "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                      "Content-Length: %zu\r\n\r\n%s", strlen(thim), thim);
    cvm_err e;
    cvm_err_clear(&e);
    must_ok(cvm_http1_parse(w.p, w.len, 16384, 65536, false, NULL, NULL, &e), &e, "http/thim");
    put_wr("http", "thim", &w);
    cvm_wr_free(&w);
    cvm_wr_init(&w);
    cvm_wr_printf(&w, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%.10s\r\n%zX\r\n%s\r\n0\r\n\r\n",
                  10, thim, strlen(thim) - 10, thim + 10);
    cvm_err_clear(&e);
    must_ok(cvm_http1_parse(w.p, w.len, 16384, 65536, false, NULL, NULL, &e), &e, "http/thim_chunked");
    put_wr("http", "thim_chunked", &w);
    cvm_wr_free(&w);
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: %s OUTDIR [VECTORS_DIR]\n", argv[0]);
        return 2;
    }
    g_out = argv[1];
    if (mkdir(g_out, 0755) && errno != EEXIST)
        DIE("mkdir %s: %s", g_out, strerror(errno));
    gen_snp();
    gen_runtime_hcl();
    gen_b64url();
    gen_http();
    gen_certs_thim();
    gen_tpm();
    gen_eventlog();
    gen_cel_rtlog();
    gen_bundle_manifest();
    if (argc == 3)
        gen_verify(argv[2]);
    printf("cvm-fuzz-seeds: %d seeds in %s\n", g_count, g_out);
    return 0;
}
