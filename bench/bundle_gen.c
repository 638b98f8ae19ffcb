/* cvm-bench-gen: mints many distinct, valid v1 bundles fast, for the
 * verifier benchmarks (swtpm makes a few per second; this makes hundreds).
 *
 * Each bundle is what cvm-collect writes (spec/bundle-v1.md), built with
 * the project's writers: an HCL report whose runtime JSON carries a
 * SOFTWARE AK (RSA-2048, OpenSSL) as HCLAkPub, an SNP report signed by a
 * fake VCEK from `fake-cvm gen-pki` (one PKI per chip: give several),
 * quote #1 (TPMS_ATTEST marshalled by libtss2-mu, extraData = the binding
 * digest) and the seal quote, both signed by the software AK, quote.pcrs,
 * manifest.json, the deterministic tar. They verify with
 * `cvm-verify --trust-anchor PKI/ark.pem`. Nonces, bundle ids, vmUniqueIds
 * and PCR values differ per bundle; AKs rotate over a small pool (minting
 * an RSA key per bundle would dominate the run).
 *
 * usage: cvm-bench-gen -o DIR -n COUNT [--start I] [--aks K] [--case-id S]
 *                      [--vm-id S] PKIDIR...
 * (--case-id / --vm-id put a given string, e.g. markup, into the claims.) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include "b64url.h"
#include "binding.h"
#include "buf.h"
#include "bundle.h"
#include "hcl.h"
#include "manifest.h"
#include "pcrs.h"
#include "snp.h"
#include "tpm.h"

#define MAX_PKI 16
#define MAX_AK 64
#define SEL "sha256:0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23"

typedef struct chip {
    EVP_PKEY *vcek_key;
    char *vcek_pem; /* VCEK + ASK + ARK */
    size_t vcek_pem_len;
    uint8_t chip_id[64];
    uint64_t tcb, current_tcb;
    enum cvm_product product;
    unsigned report_version;
} chip;

typedef struct ak {
    EVP_PKEY *key;
    uint8_t n[256];
    uint8_t *pem;
    size_t pem_len;
    uint8_t tpm2b[512];
    size_t tpm2b_len;
    uint8_t qn[34];
    size_t qn_len;
} ak;

static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static void rnd_bytes(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(rnd() >> 24);
}

static void die(const char *what)
{
    fprintf(stderr, "cvm-bench-gen: %s\n", what);
    exit(1);
}

static char *slurp(const char *path, size_t *len)
{
    uint8_t *b;
    cvm_err e;
    if (cvm_file_read(path, 1u << 20, &b, len, &e) != CVM_OK) {
        fprintf(stderr, "cvm-bench-gen: %s: cannot read\n", path);
        exit(1);
    }
    return (char *)b;
}

static uint64_t tcb_of(json_t *t, enum cvm_product p)
{
    cvm_tcb c = {0};
    c.bootloader = (uint8_t)json_integer_value(json_object_get(t, "bl"));
    c.tee = (uint8_t)json_integer_value(json_object_get(t, "tee"));
    c.snp = (uint8_t)json_integer_value(json_object_get(t, "snp"));
    c.microcode = (uint8_t)json_integer_value(json_object_get(t, "ucode"));
    c.has_fmc = p == CVM_PRODUCT_TURIN;
    c.fmc = (uint8_t)json_integer_value(json_object_get(t, "fmc"));
    return cvm_tcb_encode(&c);
}

static void load_chip(const char *dir, chip *c)
{
    char p[4096];
    size_t n;
    snprintf(p, sizeof p, "%s/pki.json", dir);
    char *js = slurp(p, &n);
    json_t *j = json_loadb(js, n, 0, NULL);
    free(js);
    if (!j)
        die("pki.json does not parse");
    const char *prod = json_string_value(json_object_get(j, "product"));
    c->product = cvm_product_from_name(prod ? prod : "");
    if (c->product == CVM_PRODUCT_UNKNOWN && prod) {
        char cap[16];
        snprintf(cap, sizeof cap, "%s", prod);
        cap[0] = (char)(cap[0] - 32);
        c->product = cvm_product_from_name(cap);
    }
    c->report_version = (unsigned)json_integer_value(json_object_get(j, "report_version"));
    const char *cid = json_string_value(json_object_get(j, "chip_id"));
    memset(c->chip_id, 0, 64);
    if (!cid || cvm_unhex(cid, strlen(cid), c->chip_id, 64) <= 0)
        die("pki.json: chip_id");
    c->tcb = tcb_of(json_object_get(j, "reported_tcb"), c->product);
    c->current_tcb = tcb_of(json_object_get(j, "current_tcb"), c->product);
    json_decref(j);
    snprintf(p, sizeof p, "%s/vcek.key", dir);
    FILE *f = fopen(p, "r");
    if (!f || !(c->vcek_key = PEM_read_PrivateKey(f, NULL, NULL, NULL)))
        die("vcek.key");
    fclose(f);
    size_t a, b;
    snprintf(p, sizeof p, "%s/vcek.pem", dir);
    char *v = slurp(p, &a);
    snprintf(p, sizeof p, "%s/chain.pem", dir);
    char *ch = slurp(p, &b);
    c->vcek_pem = malloc(a + b);
    memcpy(c->vcek_pem, v, a);
    memcpy(c->vcek_pem + a, ch, b);
    c->vcek_pem_len = a + b;
    free(v);
    free(ch);
}

static void make_ak(ak *k)
{
    k->key = EVP_RSA_gen(2048);
    if (!k->key)
        die("RSA keygen");
    BIGNUM *n = NULL;
    if (!EVP_PKEY_get_bn_param(k->key, OSSL_PKEY_PARAM_RSA_N, &n) || BN_bn2binpad(n, k->n, 256) != 256)
        die("RSA n");
    BN_free(n);
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, k->key);
    char *d;
    long l = BIO_get_mem_data(bio, &d);
    k->pem = malloc((size_t)l);
    memcpy(k->pem, d, (size_t)l);
    k->pem_len = (size_t)l;
    BIO_free(bio);
    /* the Azure AK template (fake-cvm README): restricted RSA-2048
     * RSASSA-SHA256, attributes 0x00050472, endorsement-hierarchy primary */
    TPM2B_PUBLIC pub;
    memset(&pub, 0, sizeof pub);
    pub.publicArea.type = TPM2_ALG_RSA;
    pub.publicArea.nameAlg = TPM2_ALG_SHA256;
    pub.publicArea.objectAttributes = 0x00050472;
    pub.publicArea.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
    pub.publicArea.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
    pub.publicArea.parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
    pub.publicArea.parameters.rsaDetail.keyBits = 2048;
    pub.publicArea.unique.rsa.size = 256;
    memcpy(pub.publicArea.unique.rsa.buffer, k->n, 256);
    size_t off = 0;
    if (Tss2_MU_TPM2B_PUBLIC_Marshal(&pub, k->tpm2b, sizeof k->tpm2b, &off) != 0)
        die("TPM2B_PUBLIC marshal");
    k->tpm2b_len = off;
    uint8_t name[34];
    size_t nl = sizeof name;
    if (cvm_tpm_public_name(k->tpm2b + 2, off - 2, TPM2_ALG_SHA256, name, &nl) != CVM_OK)
        die("AK name");
    k->qn_len = sizeof k->qn;
    if (cvm_tpm_primary_qualified_name(0x4000000B, name, nl, k->qn, &k->qn_len) != CVM_OK)
        die("AK qualified name");
}

static size_t sign(EVP_PKEY *key, const EVP_MD *md, const uint8_t *p, size_t n, uint8_t *sig, size_t cap)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    size_t sl = cap;
    if (!c || EVP_DigestSignInit(c, NULL, md, NULL, key) != 1 || EVP_DigestSign(c, sig, &sl, p, n) != 1)
        die("sign");
    EVP_MD_CTX_free(c);
    return sl;
}

typedef struct outm {
    const char *name;
    uint8_t *data;
    size_t len;
    bool owned;
} outm;

/* TPMS_ATTEST of a quote, signed by the AK: msg and TPMT_SIGNATURE bytes. */
static void quote(const ak *k, const uint8_t extra[32], const TPML_PCR_SELECTION *sel, const uint8_t digest[32],
                  uint64_t clock, outm *msg, outm *sig)
{
    TPMS_ATTEST a;
    memset(&a, 0, sizeof a);
    a.magic = TPM2_GENERATED_VALUE;
    a.type = TPM2_ST_ATTEST_QUOTE;
    a.qualifiedSigner.size = (UINT16)k->qn_len;
    memcpy(a.qualifiedSigner.name, k->qn, k->qn_len);
    a.extraData.size = 32;
    memcpy(a.extraData.buffer, extra, 32);
    a.clockInfo.clock = clock;
    a.clockInfo.resetCount = 3;
    a.clockInfo.restartCount = 0;
    a.clockInfo.safe = 1;
    a.firmwareVersion = 0x2020031200120003ull;
    a.attested.quote.pcrSelect = *sel;
    a.attested.quote.pcrDigest.size = 32;
    memcpy(a.attested.quote.pcrDigest.buffer, digest, 32);
    uint8_t buf[1024];
    size_t off = 0;
    if (Tss2_MU_TPMS_ATTEST_Marshal(&a, buf, sizeof buf, &off) != 0)
        die("TPMS_ATTEST marshal");
    msg->data = malloc(off);
    memcpy(msg->data, buf, off);
    msg->len = off;
    msg->owned = true;
    cvm_tpm_signature s;
    memset(&s, 0, sizeof s);
    s.sig_alg = TPM2_ALG_RSASSA;
    s.hash_alg = TPM2_ALG_SHA256;
    s.rsa_sig_len = (uint16_t)sign(k->key, EVP_sha256(), buf, off, s.rsa_sig, sizeof s.rsa_sig);
    cvm_wr w;
    cvm_wr_init(&w);
    if (cvm_tpm_signature_write(&s, &w) != CVM_OK)
        die("signature write");
    sig->data = cvm_wr_take(&w, &sig->len);
    sig->owned = true;
}

static void uuid(char out[37])
{
    uint8_t u[16];
    rnd_bytes(u, 16);
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
    char h[33];
    cvm_hex(u, 16, h);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

static int cmp_outm(const void *a, const void *b)
{
    return strcmp(((const outm *)a)->name, ((const outm *)b)->name);
}

static const char *opt_case_id, *opt_vm_id;

/* a JSON string body: quotes, backslashes and controls escaped */
static void json_body(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (; *in && o + 7 < cap; in++) {
        unsigned char c = (unsigned char)*in;
        if (c == '"' || c == '\\')
            o += (size_t)snprintf(out + o, cap - o, "\\%c", c);
        else if (c < 0x20)
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
}

static void make_bundle(const chip *c, const ak *k, unsigned long idx, const char *outdir)
{
    outm m[13];
    size_t nm = 0;
    memset(m, 0, sizeof m);
    uint8_t nonce[32];
    rnd_bytes(nonce, 32);
    char bid[37], vmid[37];
    uuid(bid);
    uuid(vmid);
    for (char *p = vmid; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 32);

    /* runtime JSON, shaped like the 2024 closed HCL's (fake-cvm README) */
    char vmid_json[600];
    json_body(opt_vm_id ? opt_vm_id : vmid, vmid_json, sizeof vmid_json);
    char nb64[400];
    cvm_b64url_encode(k->n, 256, nb64);
    char json[1800];
    int jl = snprintf(json, sizeof json,
                      "{\"keys\":[{\"kid\":\"HCLAkPub\",\"key_ops\":[\"sign\"],\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"%s\"}],"
                      "\"vm-configuration\":{\"console-enabled\":false,\"secure-boot\":true,\"tpm-enabled\":true,"
                      "\"vmUniqueId\":\"%s\"},\"user-data\":\"%0128d\"}",
                      nb64, vmid_json, 0);
    cvm_snp_report r;
    memset(&r, 0, sizeof r);
    r.version = c->report_version ? c->report_version : 3;
    r.policy = 0x3001f;
    r.signature_algo = 1;
    r.current_tcb = c->current_tcb;
    r.platform_info = 0x3;
    r.reported_tcb = r.committed_tcb = r.launch_tcb = c->tcb;
    if (c->product == CVM_PRODUCT_MILAN)
        r.cpuid_fam_id = 0x19, r.cpuid_mod_id = 0x01, r.cpuid_step = 1;
    else if (c->product == CVM_PRODUCT_GENOA)
        r.cpuid_fam_id = 0x19, r.cpuid_mod_id = 0x11, r.cpuid_step = 1;
    else
        r.cpuid_fam_id = 0x1a, r.cpuid_mod_id = 0x02, r.cpuid_step = 1;
    memcpy(r.chip_id, c->chip_id, 64);
    r.current_major = 1, r.current_minor = 55, r.current_build = 21;
    r.committed_major = 1, r.committed_minor = 55, r.committed_build = 21;
    cvm_sha256((const uint8_t *)json, (size_t)jl, r.report_data);
    rnd_bytes(r.measurement, 48);
    rnd_bytes(r.report_id, 32);
    memset(r.report_id_ma, 0xff, 32);
    uint8_t snp[CVM_SNP_REPORT_LEN];
    cvm_snp_write(&r, snp);
    uint8_t der[160];
    size_t dl = sign(c->vcek_key, EVP_sha384(), snp, 0x2A0, der, sizeof der);
    const uint8_t *dp = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &dp, (long)dl);
    uint8_t rb[48], sb[48];
    if (!es || BN_bn2binpad(ECDSA_SIG_get0_r(es), rb, 48) != 48 || BN_bn2binpad(ECDSA_SIG_get0_s(es), sb, 48) != 48)
        die("ECDSA signature");
    ECDSA_SIG_free(es);
    cvm_snp_set_signature_be(&r, rb, sb);
    cvm_snp_write(&r, snp);

    cvm_hcl_report h;
    cvm_hcl_report_init(&h, 1, CVM_HCL_REPORT_SNP, CVM_HCL_HASH_SHA256, snp, (const uint8_t *)json, (size_t)jl);
    cvm_wr w;
    cvm_wr_init(&w);
    if (cvm_hcl_write(&h, 2600, &w) != CVM_OK)
        die("HCL write");
    m[nm].name = "report.bin";
    m[nm].data = cvm_wr_take(&w, &m[nm].len);
    m[nm++].owned = true;
    m[nm].name = "guest_report.bin";
    m[nm].data = m[0].data + 32;
    m[nm++].len = CVM_SNP_REPORT_LEN;
    m[nm].name = "vcek.pem";
    m[nm].data = (uint8_t *)c->vcek_pem;
    m[nm++].len = c->vcek_pem_len;
    m[nm].name = "akpub.pem";
    m[nm].data = k->pem;
    m[nm++].len = k->pem_len;
    m[nm].name = "ak.pub";
    m[nm].data = (uint8_t *)k->tpm2b;
    m[nm++].len = k->tpm2b_len;

    cvm_member cm[13];
    for (size_t i = 0; i < nm; i++)
        cm[i] = (cvm_member){m[i].name, m[i].data, m[i].len};
    uint8_t binding[32];
    cvm_err err;
    if (cvm_binding_digest(nonce, 32, cm, nm, binding) != CVM_OK)
        die("binding digest");

    /* PCRs: distinct per bundle, PCR 17-22 all ones as on a fresh TPM */
    cvm_pcr_selection sel;
    cvm_pcrs *pcrs = calloc(1, sizeof *pcrs);
    if (!pcrs || cvm_pcr_selection_from_string(SEL, &sel, &err) != CVM_OK || cvm_pcrs_init(pcrs, &sel, &err) != CVM_OK)
        die("pcrs");
    const uint8_t *vals[24];
    size_t lens[24];
    for (size_t i = 0; i < pcrs->n_values; i++) {
        if (pcrs->values[i].pcr >= 17 && pcrs->values[i].pcr <= 22)
            memset(pcrs->values[i].bytes, 0xff, 32);
        else
            rnd_bytes(pcrs->values[i].bytes, 32);
        vals[i] = pcrs->values[i].bytes;
        lens[i] = 32;
    }
    uint8_t pdig[32];
    size_t pdl = sizeof pdig;
    if (cvm_tpm_pcr_digest(TPM2_ALG_SHA256, vals, lens, pcrs->n_values, pdig, &pdl) != CVM_OK)
        die("pcr digest");
    cvm_wr_init(&w);
    if (cvm_pcrs_write(pcrs, &w) != CVM_OK)
        die("pcrs write");
    free(pcrs);
    m[nm].name = "quote.pcrs";
    m[nm].data = cvm_wr_take(&w, &m[nm].len);
    m[nm++].owned = true;
    TPML_PCR_SELECTION tsel;
    memset(&tsel, 0, sizeof tsel);
    tsel.count = 1;
    tsel.pcrSelections[0].hash = TPM2_ALG_SHA256;
    tsel.pcrSelections[0].sizeofSelect = 3;
    memset(tsel.pcrSelections[0].pcrSelect, 0xff, 3);
    uint64_t clock = 1000000 + (rnd() % 1000000);
    m[nm].name = "quote.msg";
    m[nm + 1].name = "quote.sig";
    quote(k, binding, &tsel, pdig, clock, &m[nm], &m[nm + 1]);
    nm += 2;

    cvm_manifest mf;
    memset(&mf, 0, sizeof mf);
    char caseid[64];
    snprintf(caseid, sizeof caseid, "BENCH-%lu", idx);
    mf.bundle_id = bid;
    mf.created = "2026-11-28T00:00:00Z";
    mf.collector_name = "cvm-bench-gen";
    mf.collector_version = CVM_VERSION;
    mf.custody_case_id = opt_case_id ? (char *)opt_case_id : caseid;
    mf.custody_examiner = "bench";
    mf.custody_note = "synthetic bundle (software AK)";
    memcpy(mf.nonce, nonce, 32);
    mf.nonce_source = CVM_NONCE_RANDOM;
    mf.pcr_selection = SEL;
    memcpy(mf.binding, binding, 32);
    for (size_t i = 0; i < nm; i++)
        cm[i] = (cvm_member){m[i].name, m[i].data, m[i].len};
    if (cvm_manifest_set_members(&mf, cm, nm, &err) != CVM_OK)
        die("manifest members");
    cvm_wr_init(&w);
    if (cvm_manifest_write(&mf, &w, &err) != CVM_OK)
        die("manifest write");
    for (size_t i = 0; i < mf.n_members; i++) {
        free(mf.members[i].name);
        free(mf.members[i].role);
    }
    free(mf.members);
    m[nm].name = "manifest.json";
    m[nm].data = cvm_wr_take(&w, &m[nm].len);
    m[nm].owned = true;
    uint8_t seal[32];
    if (cvm_seal_digest(m[nm].data, m[nm].len, seal) != CVM_OK)
        die("seal digest");
    nm++;
    m[nm].name = "seal.msg";
    m[nm + 1].name = "seal.sig";
    quote(k, seal, &tsel, pdig, clock + 37, &m[nm], &m[nm + 1]);
    nm += 2;

    qsort(m, nm, sizeof m[0], cmp_outm);
    for (size_t i = 0; i < nm; i++)
        cm[i] = (cvm_member){m[i].name, m[i].data, m[i].len};
    char top[64], path[4096];
    snprintf(top, sizeof top, "cvm-evidence-%s", bid);
    cvm_wr_init(&w);
    if (cvm_bundle_write(top, cm, nm, &w, &err) != CVM_OK) {
        char eb[512];
        fprintf(stderr, "cvm-bench-gen: %s\n", cvm_err_format(&err, eb, sizeof eb));
        exit(1);
    }
    size_t tl;
    uint8_t *tar = cvm_wr_take(&w, &tl);
    /* the index first, so `ls`/`find | sort` give generation order */
    snprintf(path, sizeof path, "%s/b%07lu-%s.tar", outdir, idx, bid);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(tar, 1, tl, f) != tl || fclose(f) != 0) {
        fprintf(stderr, "cvm-bench-gen: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    free(tar);
    for (size_t i = 0; i < nm; i++)
        if (m[i].owned)
            free(m[i].data);
}

int main(int argc, char **argv)
{
    const char *out = NULL;
    unsigned long count = 0, start = 0, naks = 8;
    const char *pkis[MAX_PKI];
    size_t np = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            count = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--start") == 0 && i + 1 < argc)
            start = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--case-id") == 0 && i + 1 < argc)
            opt_case_id = argv[++i];
        else if (strcmp(argv[i], "--vm-id") == 0 && i + 1 < argc)
            opt_vm_id = argv[++i];
        else if (strcmp(argv[i], "--aks") == 0 && i + 1 < argc)
            naks = strtoul(argv[++i], NULL, 10);
        else if (argv[i][0] != '-' && np < MAX_PKI)
            pkis[np++] = argv[i];
        else {
            fprintf(stderr, "usage: cvm-bench-gen -o DIR -n COUNT [--start I] [--aks K] PKIDIR...\n");
            return 2;
        }
    }
    if (!out || !count || !np || naks < 1 || naks > MAX_AK) {
        fprintf(stderr, "usage: cvm-bench-gen -o DIR -n COUNT [--start I] [--aks 1..64] PKIDIR...\n");
        return 2;
    }
    rng_state = 0x5eed0000ull ^ (start * 0x100000001b3ull);
    static chip chips[MAX_PKI];
    static ak aks[MAX_AK];
    for (size_t i = 0; i < np; i++)
        load_chip(pkis[i], &chips[i]);
    for (unsigned long i = 0; i < naks; i++)
        make_ak(&aks[i]);
    for (unsigned long i = 0; i < count; i++)
        make_bundle(&chips[(start + i) % np], &aks[(start + i) % naks], start + i, out);
    return 0;
}
