/* amd.chain: ARK (pinned) -> ASK/ASVK -> VCEK/VLEK (spec/verify.md §3.3).
 *
 * How: OpenSSL's X509_verify_cert with a private X509_STORE that holds only
 * the ARK certificate whose SubjectPublicKeyInfo hash equals the pin for
 * the product line (never system paths, no X509_STRICT: real VCEKs have no
 * AKI; no built-in CRL checks: nobody issues CRLs for VCEKs; c-apis.md
 * §1.3). X509_V_FLAG_CHECK_SS_SIGNATURE makes it check the ARK's own
 * signature too, and the verification time is set explicitly. On top we
 * require RSASSA-PSS with SHA-384 / MGF1-SHA-384 / salt 48 on all three
 * certificates and an EC P-384 leaf key.
 *
 * The product line comes from the leaf's productName extension or the
 * report's CPUID fields (v3+), never from the names in the shipped chain;
 * only the pin of THAT product may anchor it. */
#include "verify.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/rsa.h>

#define MAX_CAND 40

typedef struct cand {
    X509 *x;
    const char *src;
} cand;

/* Chain results are cached by the certificates' hashes and the time, so a
 * batch of bundles from one host verifies the chain once (thread-safe). */
typedef struct chain_cache {
    bool used;
    uint8_t key[32];
    time_t t;
    int ok;
    uint8_t ask_sha256[32];
    char reason[512];
} chain_cache;
static chain_cache cache[32];
static size_t cache_next;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static void cert_cn(X509 *x, char *buf, size_t n)
{
    buf[0] = '\0';
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, (int)n) < 0)
        snprintf(buf, n, "(no CN)");
}

static void asn1_time_str(const ASN1_TIME *t, char *buf, size_t n)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) {
        snprintf(buf, n, "?");
        return;
    }
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* RSASSA-PSS with SHA-384, MGF1-SHA-384, salt 48, trailer 1 (AMD's). */
static int check_pss(X509 *x, char *why, size_t n)
{
    const ASN1_BIT_STRING *sig;
    const X509_ALGOR *alg;
    X509_get0_signature(&sig, &alg, x);
    const ASN1_OBJECT *obj;
    int ptype;
    const void *pval;
    X509_ALGOR_get0(&obj, &ptype, &pval, alg);
    if (OBJ_obj2nid(obj) != NID_rsassaPss) {
        snprintf(why, n, "signature algorithm is %s, not RSASSA-PSS", OBJ_nid2sn(OBJ_obj2nid(obj)));
        return -1;
    }
    if (ptype != V_ASN1_SEQUENCE) {
        snprintf(why, n, "RSASSA-PSS without parameters (defaults are SHA-1)");
        return -1;
    }
    const ASN1_STRING *seq = pval;
    const unsigned char *p = ASN1_STRING_get0_data(seq);
    RSA_PSS_PARAMS *pss = d2i_RSA_PSS_PARAMS(NULL, &p, ASN1_STRING_length(seq));
    if (!pss) {
        snprintf(why, n, "RSASSA-PSS parameters do not decode");
        return -1;
    }
    int rc = -1;
    int64_t salt = 20;
    X509_ALGOR *mgfhash = NULL;
    if (!pss->hashAlgorithm || OBJ_obj2nid(pss->hashAlgorithm->algorithm) != NID_sha384) {
        snprintf(why, n, "RSASSA-PSS hash is not SHA-384");
        goto out;
    }
    if (!pss->maskGenAlgorithm || OBJ_obj2nid(pss->maskGenAlgorithm->algorithm) != NID_mgf1 ||
        !pss->maskGenAlgorithm->parameter ||
        pss->maskGenAlgorithm->parameter->type != V_ASN1_SEQUENCE) {
        snprintf(why, n, "RSASSA-PSS mask generation is not MGF1 with parameters");
        goto out;
    }
    const ASN1_STRING *ms = pss->maskGenAlgorithm->parameter->value.sequence;
    const unsigned char *mp = ASN1_STRING_get0_data(ms);
    mgfhash = d2i_X509_ALGOR(NULL, &mp, ASN1_STRING_length(ms));
    if (!mgfhash || OBJ_obj2nid(mgfhash->algorithm) != NID_sha384) {
        snprintf(why, n, "RSASSA-PSS MGF1 hash is not SHA-384");
        goto out;
    }
    if (pss->saltLength && ASN1_INTEGER_get_int64(&salt, pss->saltLength) != 1)
        salt = -1;
    if (salt != 48) {
        snprintf(why, n, "RSASSA-PSS salt length %lld, expected 48", (long long)salt);
        goto out;
    }
    if (pss->trailerField) {
        int64_t tf = 0;
        if (ASN1_INTEGER_get_int64(&tf, pss->trailerField) != 1 || tf != 1) {
            snprintf(why, n, "RSASSA-PSS trailer field is not 1");
            goto out;
        }
    }
    rc = 0;
out:
    X509_ALGOR_free(mgfhash);
    RSA_PSS_PARAMS_free(pss);
    return rc;
}

static bool is_p384(EVP_PKEY *pk)
{
    char grp[64] = "";
    size_t gl = 0;
    return pk && EVP_PKEY_is_a(pk, "EC") &&
           EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, grp, sizeof grp, &gl) == 1 &&
           strcmp(grp, "secp384r1") == 0;
}

static json_t *cert_json(X509 *x, const char *src)
{
    json_t *j = json_object();
    char cn[256];
    cert_cn(x, cn, sizeof cn);
    uint8_t h[32];
    json_object_set_new(j, "source", json_string(src));
    json_object_set_new(j, "subject_cn", json_string(cn));
    json_object_set_new(j, "role", json_string(cvm_cert_role_name(cvm_cert_role_of(x))));
    if (cvm_cert_spki_sha256(x, h) == CVM_OK)
        json_object_set_new(j, "spki_sha256", cvm_json_hex(h, 32));
    if (cvm_cert_sha256(x, h) == CVM_OK)
        json_object_set_new(j, "cert_sha256", cvm_json_hex(h, 32));
    char t[40];
    asn1_time_str(X509_get0_notBefore(x), t, sizeof t);
    json_object_set_new(j, "not_before", json_string(t));
    asn1_time_str(X509_get0_notAfter(x), t, sizeof t);
    json_object_set_new(j, "not_after", json_string(t));
    return j;
}

static int verify_store(cvm_verify *v, X509 *leaf, X509 *ark, STACK_OF(X509) *untrusted,
                        X509 **ask_out, char *why, size_t n)
{
    int ok = 0;
    X509_STORE *st = X509_STORE_new();
    X509_STORE_CTX *c = X509_STORE_CTX_new();
    STACK_OF(X509) *chain = NULL;
    if (!st || !c || X509_STORE_add_cert(st, ark) != 1 ||
        X509_STORE_CTX_init(c, st, leaf, untrusted) != 1) {
        snprintf(why, n, "internal error setting up the chain check");
        goto out;
    }
    X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(c);
    X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_CHECK_SS_SIGNATURE);
    X509_VERIFY_PARAM_set_depth(vp, 2);
    X509_VERIFY_PARAM_set_time(vp, v->vtime);
    if (X509_verify_cert(c) != 1) {
        int e = X509_STORE_CTX_get_error(c);
        int depth = X509_STORE_CTX_get_error_depth(c);
        X509 *cur = X509_STORE_CTX_get_current_cert(c);
        char cn[128] = "?";
        char nb[40] = "?", na[40] = "?", vt[40];
        if (cur) {
            cert_cn(cur, cn, sizeof cn);
            asn1_time_str(X509_get0_notBefore(cur), nb, sizeof nb);
            asn1_time_str(X509_get0_notAfter(cur), na, sizeof na);
        }
        cvm_time_format(v->vtime, vt, sizeof vt);
        if (e == X509_V_ERR_CERT_HAS_EXPIRED || e == X509_V_ERR_CERT_NOT_YET_VALID)
            snprintf(why, n, "%s: %s is valid %s .. %s, verification time %s",
                     X509_verify_cert_error_string(e), cn, nb, na, vt);
        else
            snprintf(why, n, "%s (certificate at depth %d: %s)", X509_verify_cert_error_string(e),
                     depth, cn);
        goto out;
    }
    chain = X509_STORE_CTX_get1_chain(c);
    if (!chain || sk_X509_num(chain) != 3) {
        snprintf(why, n, "the chain has %d certificates, expected 3 (leaf, ASK/ASVK, ARK)",
                 chain ? sk_X509_num(chain) : 0);
        goto out;
    }
    for (int i = 0; i < 3; i++) {
        char w[200], cn[128];
        if (check_pss(sk_X509_value(chain, i), w, sizeof w) != 0) {
            cert_cn(sk_X509_value(chain, i), cn, sizeof cn);
            snprintf(why, n, "%s: %s", cn, w);
            goto out;
        }
    }
    *ask_out = sk_X509_value(chain, 1);
    ok = 1;
out:
    if (chain)
        sk_X509_pop_free(chain, X509_free);
    X509_STORE_CTX_free(c);
    X509_STORE_free(st);
    return ok;
}

void cvm_link_amd_chain(cvm_verify *v)
{
    const int L = CVM_L_AMD_CHAIN;
    json_t *d = cvm_link_details(v, L);
    cvm_input *vin = &v->in[CVM_IN_VCEK];
    if (vin->present && vin->rc != CVM_OK) {
        cvm_link_need(v, L, CVM_IN_VCEK);
        return;
    }
    cand c[MAX_CAND];
    size_t nc = 0;
    if (v->ev_certs)
        for (int i = 0; i < sk_X509_num(v->ev_certs) && nc < MAX_CAND; i++)
            c[nc++] = (cand){sk_X509_value(v->ev_certs, i), vin->name};
    if (v->chain_certs)
        for (int i = 0; i < sk_X509_num(v->chain_certs) && nc < MAX_CAND; i++)
            c[nc++] = (cand){sk_X509_value(v->chain_certs, i), "--chain"};
    json_t *certs = json_array();
    for (size_t i = 0; i < nc; i++)
        json_array_append_new(certs, cert_json(c[i].x, c[i].src));
    json_object_set_new(d, "certificates", certs);

    /* the leaf: the first VCEK/VLEK, evidence before --chain */
    X509 *leaf = NULL;
    const char *leaf_src = NULL;
    for (size_t i = 0; i < nc && !leaf; i++) {
        enum cvm_cert_role r = cvm_cert_role_of(c[i].x);
        if (r == CVM_CERT_ROLE_VCEK || r == CVM_CERT_ROLE_VLEK) {
            leaf = c[i].x;
            leaf_src = c[i].src;
            v->leaf_is_vlek = r == CVM_CERT_ROLE_VLEK;
        }
    }
    if (!leaf) {
        if (!vin->present && !v->chain_certs)
            cvm_link_set(v, L, CVM_ST_SKIP,
                         "vcek.pem absent and no --chain given: no VCEK/VLEK to anchor the report");
        else
            cvm_link_set(v, L, CVM_ST_FAIL,
                         "no VCEK or VLEK certificate (CN SEV-VCEK / SEV-VLEK) in %s%s",
                         vin->present ? "vcek.pem" : "", v->chain_certs ? " or --chain" : "");
        return;
    }
    v->leaf = leaf;
    cvm_err err;
    cvm_err_clear(&err);
    if (cvm_amdcert_ext_parse(leaf, leaf_src, &v->leaf_ext, &err) != CVM_OK) {
        char eb[512];
        cvm_link_set(v, L, CVM_ST_FAIL, "%s extensions are malformed: %s",
                     v->leaf_is_vlek ? "VLEK" : "VCEK", cvm_err_format(&err, eb, sizeof eb));
        return;
    }
    v->have_leaf_ext = true;
    json_object_set_new(d, "leaf_extensions", cvm_amd_ext_to_json(&v->leaf_ext));

    /* product line */
    const char *fam = cvm_amd_ext_product_family(&v->leaf_ext);
    enum cvm_product pcert = fam ? cvm_product_from_name(fam) : CVM_PRODUCT_UNKNOWN;
    enum cvm_product prep = v->have_report ? cvm_snp_product(&v->report) : CVM_PRODUCT_UNKNOWN;
    if (pcert != CVM_PRODUCT_UNKNOWN && prep != CVM_PRODUCT_UNKNOWN && pcert != prep) {
        cvm_link_set(v, L, CVM_ST_FAIL,
                     "product mismatch: the %s says %s (productName \"%s\") but the report's CPUID "
                     "(family %02xh model %02xh) says %s",
                     v->leaf_is_vlek ? "VLEK" : "VCEK", cvm_product_name(pcert),
                     v->leaf_ext.product_name, v->report.cpuid_fam_id, v->report.cpuid_mod_id,
                     cvm_product_name(prep));
        return;
    }
    v->product = pcert != CVM_PRODUCT_UNKNOWN ? pcert : prep;
    json_object_set_new(d, "product", json_string(cvm_product_name(v->product)));
    json_object_set_new(d, "product_source",
                        json_string(pcert != CVM_PRODUCT_UNKNOWN ? "VCEK/VLEK productName"
                                                                 : "report CPUID"));
    if (v->product == CVM_PRODUCT_UNKNOWN) {
        cvm_link_set(v, L, CVM_ST_FAIL,
                     "cannot tell the product line: productName \"%s\" is not Milan/Genoa/Turin and "
                     "the report (version %u) carries no CPUID",
                     v->leaf_ext.has_product_name ? v->leaf_ext.product_name : "(absent)",
                     v->have_report ? v->report.version : 0);
        return;
    }

    /* the ARK: a certificate whose key matches a pin for this product */
    X509 *ark = NULL;
    cvm_anchor *anchor = NULL;
    const char *ark_src = NULL;
    char untrusted_ark[256] = "";
    for (size_t i = 0; i < nc; i++) {
        if (c[i].x == leaf)
            continue;
        uint8_t h[32];
        if (cvm_cert_spki_sha256(c[i].x, h) != CVM_OK)
            continue;
        cvm_anchor *a = cvm_trust_find(v, h, v->product);
        if (a && !ark) {
            ark = c[i].x;
            anchor = a;
            ark_src = c[i].src;
        } else if (!a && cvm_cert_role_of(c[i].x) == CVM_CERT_ROLE_ARK && !untrusted_ark[0]) {
            char cn[128], hx[65];
            cert_cn(c[i].x, cn, sizeof cn);
            cvm_hex(h, 32, hx);
            snprintf(untrusted_ark, sizeof untrusted_ark, "; the %s in %s (SPKI sha256 %.16s...) is not pinned",
                     cn, c[i].src, hx);
        }
    }
    if (!ark) {
        cvm_link_set(v, L, CVM_ST_FAIL,
                     "no certificate in %s%s carries the key of a trusted %s ARK (built-in pin SPKI "
                     "sha256 %.16s...)%s",
                     vin->present ? "vcek.pem" : "", v->chain_certs ? " or --chain" : "",
                     cvm_product_name(v->product), cvm_trust_builtin_hex(v->product),
                     untrusted_ark[0] ? untrusted_ark : "; give the ASK and ARK with --chain");
        return;
    }

    STACK_OF(X509) *untrusted = sk_X509_new_null();
    for (size_t i = 0; i < nc; i++)
        if (c[i].x != leaf && c[i].x != ark)
            sk_X509_push(untrusted, c[i].x);

    /* cache key: hashes of leaf, ARK and all intermediates offered, and the time */
    uint8_t key[32];
    bool cacheable = false;
    {
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        uint8_t h[32];
        cacheable = m && EVP_DigestInit_ex(m, EVP_sha256(), NULL) == 1 && cvm_cert_sha256(leaf, h) == CVM_OK &&
                    EVP_DigestUpdate(m, h, 32) == 1 && cvm_cert_sha256(ark, h) == CVM_OK &&
                    EVP_DigestUpdate(m, h, 32) == 1;
        for (int i = 0; cacheable && i < sk_X509_num(untrusted); i++)
            cacheable = cvm_cert_sha256(sk_X509_value(untrusted, i), h) == CVM_OK && EVP_DigestUpdate(m, h, 32) == 1;
        cacheable = cacheable && EVP_DigestFinal_ex(m, key, NULL) == 1;
        EVP_MD_CTX_free(m);
    }
    char why[512] = "";
    X509 *ask = NULL;
    int ok = -1;
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; cacheable && i < sizeof cache / sizeof cache[0]; i++) {
        chain_cache *e = &cache[i];
        if (!e->used || e->t != v->vtime || memcmp(e->key, key, 32) != 0)
            continue;
        ok = e->ok;
        snprintf(why, sizeof why, "%s", e->reason);
        for (int j = 0; ok && j < sk_X509_num(untrusted); j++) {
            uint8_t h[32];
            if (cvm_cert_sha256(sk_X509_value(untrusted, j), h) == CVM_OK &&
                memcmp(h, e->ask_sha256, 32) == 0)
                ask = sk_X509_value(untrusted, j);
        }
        if (ok && !ask)
            ok = -1; /* cannot happen with the same key; verify again */
        break;
    }
    pthread_mutex_unlock(&cache_lock);
    if (ok < 0) {
        ok = verify_store(v, leaf, ark, untrusted, &ask, why, sizeof why);
        if (cacheable) {
            pthread_mutex_lock(&cache_lock);
            chain_cache *e = &cache[cache_next++ % (sizeof cache / sizeof cache[0])];
            memset(e, 0, sizeof *e);
            e->used = true;
            memcpy(e->key, key, 32);
            e->t = v->vtime;
            e->ok = ok;
            if (ok)
                cvm_cert_sha256(ask, e->ask_sha256);
            snprintf(e->reason, sizeof e->reason, "%s", why);
            pthread_mutex_unlock(&cache_lock);
        }
    }
    sk_X509_free(untrusted);
    anchor->used = true;
    char acn[128];
    cert_cn(ark, acn, sizeof acn);
    json_t *aj = json_object();
    json_object_set_new(aj, "name", json_string(anchor->name));
    json_object_set_new(aj, "source", json_string(anchor->source));
    json_object_set_new(aj, "spki_sha256", cvm_json_hex(anchor->spki_sha256, 32));
    json_object_set_new(aj, "certificate_from", json_string(ark_src));
    json_object_set_new(d, "anchor", aj);
    if (!ok) {
        cvm_link_set(v, L, CVM_ST_FAIL, "%s", why);
        return;
    }
    v->ark = ark;
    v->ask = ask;
    char icn[128];
    cert_cn(ask, icn, sizeof icn);
    enum cvm_cert_role ir = cvm_cert_role_of(ask);
    if (v->leaf_is_vlek ? ir != CVM_CERT_ROLE_ASVK : ir != CVM_CERT_ROLE_ASK) {
        cvm_link_set(v, L, CVM_ST_FAIL, "the %s is issued by %s, not by an %s",
                     v->leaf_is_vlek ? "VLEK" : "VCEK", icn, v->leaf_is_vlek ? "ASVK" : "ASK");
        return;
    }
    if (!is_p384(X509_get0_pubkey(leaf))) {
        cvm_link_set(v, L, CVM_ST_FAIL, "the %s key is not EC P-384",
                     v->leaf_is_vlek ? "VLEK" : "VCEK");
        return;
    }
    char vt[40];
    cvm_time_format(v->vtime, vt, sizeof vt);
    cvm_link_set(v, L, CVM_ST_PASS, "%s <- %s <- %s, RSA-PSS SHA-384, valid at %s; anchored by %s (%s)",
                 v->leaf_is_vlek ? "VLEK" : "VCEK", icn, acn, vt, anchor->name, anchor->source);
}
