/* operator.signature and timestamp (spec/verify.md §3.18, §3.19, §4.2) on
 * members made here with OpenSSL (a CMS signer and an RFC 3161 TSA with
 * their own test CAs): valid ones pass and name the signer / genTime; the
 * anchors, the imprint, the bytes signed, and every truncation of both
 * members (ASan) are judged, each rejection saying why. */
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "vtest.h"

typedef struct pki {
    EVP_PKEY *ca_key, *leaf_key;
    X509 *ca, *leaf;
} pki;

static X509 *mkcert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *cn, long serial, const char *eku,
                    bool ca)
{
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    X509_set_pubkey(x, key);
    X509V3_CTX c;
    X509V3_set_ctx(&c, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &c, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    if (eku) {
        e = X509V3_EXT_conf_nid(NULL, &c, NID_ext_key_usage, eku);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    assert_true(X509_sign(x, signer, EVP_sha256()) > 0);
    return x;
}

static void mkpki(pki *p, const char *ca_cn, const char *leaf_cn, const char *eku)
{
    p->ca_key = EVP_EC_gen("P-256");
    p->leaf_key = EVP_EC_gen("P-256");
    assert_non_null(p->ca_key);
    assert_non_null(p->leaf_key);
    p->ca = mkcert(p->ca_key, p->ca_key, NULL, ca_cn, 1, NULL, true);
    p->leaf = mkcert(p->leaf_key, p->ca_key, p->ca, leaf_cn, 2, eku, false);
}

static void freepki(pki *p)
{
    EVP_PKEY_free(p->ca_key);
    EVP_PKEY_free(p->leaf_key);
    X509_free(p->ca);
    X509_free(p->leaf);
}

static uint8_t *der_p7s(pki *op, const uint8_t *data, size_t len, size_t *out)
{
    BIO *in = BIO_new_mem_buf(data, (int)len);
    CMS_ContentInfo *cms = CMS_sign(op->leaf, op->leaf_key, NULL, in, CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP);
    assert_non_null(cms);
    unsigned char *d = NULL;
    int n = i2d_CMS_ContentInfo(cms, &d);
    assert_true(n > 0);
    uint8_t *r = malloc((size_t)n);
    memcpy(r, d, (size_t)n);
    *out = (size_t)n;
    OPENSSL_free(d);
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    return r;
}

static uint8_t *der_tsr(pki *tsa, const uint8_t *data, size_t len, size_t *out)
{
    uint8_t h[32];
    assert_int_equal(cvm_sha256(data, len, h), 0);
    TS_REQ *q = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL);
    TS_MSG_IMPRINT_set_algo(mi, alg);
    TS_MSG_IMPRINT_set_msg(mi, h, 32);
    TS_REQ_set_version(q, 1);
    TS_REQ_set_msg_imprint(q, mi);
    TS_REQ_set_cert_req(q, 1);
    unsigned char *qd = NULL;
    int ql = i2d_TS_REQ(q, &qd);
    assert_true(ql > 0);
    TS_RESP_CTX *c = TS_RESP_CTX_new();
    assert_int_equal(TS_RESP_CTX_set_signer_cert(c, tsa->leaf), 1);
    assert_int_equal(TS_RESP_CTX_set_signer_key(c, tsa->leaf_key), 1);
    ASN1_OBJECT *pol = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
    TS_RESP_CTX_set_def_policy(c, pol);
    TS_RESP_CTX_add_md(c, EVP_sha256());
    BIO *qb = BIO_new_mem_buf(qd, ql);
    TS_RESP *r = TS_RESP_create_response(c, qb);
    assert_non_null(r);
    unsigned char *d = NULL;
    int n = i2d_TS_RESP(r, &d);
    assert_true(n > 0);
    uint8_t *res = malloc((size_t)n);
    memcpy(res, d, (size_t)n);
    *out = (size_t)n;
    OPENSSL_free(d);
    OPENSSL_free(qd);
    TS_RESP_free(r);
    BIO_free(qb);
    TS_RESP_CTX_free(c);
    ASN1_OBJECT_free(pol);
    TS_REQ_free(q);
    TS_MSG_IMPRINT_free(mi);
    X509_ALGOR_free(alg);
    return res;
}

static const uint8_t k_manifest[] = "{\"format\":\"cvm-evidence/bundle/v1\"}";
static const uint8_t k_seal_sig[] = "seal signature bytes";

typedef struct fixture {
    pki op, tsa;
    uint8_t *p7s, *tsr;
    size_t p7s_len, tsr_len;
} fixture;

static fixture F;

/* A verifier context whose bundle holds manifest.json, seal.sig and the
 * given p7s / tsr (NULL: absent). Anchors: op_anchor / tsa_anchor (NULL: none). */
static cvm_verify *ctx(const uint8_t *p7s, size_t p7s_len, const uint8_t *tsr, size_t tsr_len, X509 *op_anchor,
                       X509 *tsa_anchor)
{
    cvm_verify *v = calloc(1, sizeof *v);
    assert_non_null(v);
    cvm_verify_init(v);
    v->opts.bundle_path = "test.tar";
    v->vtime = time(NULL);
    v->time_kind = "now";
    cvm_member *m = calloc(4, sizeof *m);
    size_t n = 0;
    m[n++] = (cvm_member){"manifest.json", k_manifest, sizeof k_manifest - 1};
    if (p7s)
        m[n++] = (cvm_member){"manifest.json.p7s", p7s, p7s_len};
    m[n++] = (cvm_member){"seal.sig", k_seal_sig, sizeof k_seal_sig - 1};
    if (tsr)
        m[n++] = (cvm_member){"seal.sig.tsr", tsr, tsr_len};
    v->bundle.members = m;
    v->bundle.n = n;
    v->have_bundle = true;
    v->tsa_anchors = sk_X509_new_null();
    v->signer_anchors = sk_X509_new_null();
    if (op_anchor) {
        X509_up_ref(op_anchor);
        sk_X509_push(v->signer_anchors, op_anchor);
    }
    if (tsa_anchor) {
        X509_up_ref(tsa_anchor);
        sk_X509_push(v->tsa_anchors, tsa_anchor);
    }
    return v;
}

static void done(cvm_verify *v)
{
    free(v->bundle.members); /* views of test buffers: not cvm_bundle_free */
    v->have_bundle = false;
    cvm_verify_free(v);
    free(v);
}

static int setup(void **state)
{
    (void)state;
    mkpki(&F.op, "Test Operator CA", "examiner@example.org", "codeSigning");
    mkpki(&F.tsa, "Test TSA Root", "Test TSA", "critical,timeStamping");
    F.p7s = der_p7s(&F.op, k_manifest, sizeof k_manifest - 1, &F.p7s_len);
    F.tsr = der_tsr(&F.tsa, k_seal_sig, sizeof k_seal_sig - 1, &F.tsr_len);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    freepki(&F.op);
    freepki(&F.tsa);
    free(F.p7s);
    free(F.tsr);
    return 0;
}

static void test_operator_signature(void **state)
{
    (void)state;
    cvm_verify *v = ctx(F.p7s, F.p7s_len, NULL, 0, F.op.ca, NULL);
    cvm_link_operator_signature(v);
    assert_int_equal(v->res[CVM_L_OPERATOR_SIGNATURE].status, CVM_ST_PASS);
    assert_non_null(strstr(v->res[CVM_L_OPERATOR_SIGNATURE].reason, "examiner@example.org"));
    json_t *s0 = json_array_get(json_object_get(v->res[CVM_L_OPERATOR_SIGNATURE].details, "signers"), 0);
    assert_non_null(json_object_get(s0, "signing_time_claim"));
    assert_int_equal(strlen(json_string_value(json_object_get(s0, "spki_sha256"))), 64);
    done(v);
    /* the pinned leaf itself is an anchor (partial chain) */
    v = ctx(F.p7s, F.p7s_len, NULL, 0, F.op.leaf, NULL);
    cvm_link_operator_signature(v);
    assert_int_equal(v->res[CVM_L_OPERATOR_SIGNATURE].status, CVM_ST_PASS);
    done(v);
    /* no anchor: valid, identity unproven */
    v = ctx(F.p7s, F.p7s_len, NULL, 0, NULL, NULL);
    cvm_link_operator_signature(v);
    assert_int_equal(v->res[CVM_L_OPERATOR_SIGNATURE].status, CVM_ST_WARN);
    assert_non_null(strstr(v->res[CVM_L_OPERATOR_SIGNATURE].reason, "no --signer-anchor"));
    done(v);
    /* another CA */
    v = ctx(F.p7s, F.p7s_len, NULL, 0, F.tsa.ca, NULL);
    cvm_link_operator_signature(v);
    assert_int_equal(v->res[CVM_L_OPERATOR_SIGNATURE].status, CVM_ST_FAIL);
    assert_non_null(strstr(v->res[CVM_L_OPERATOR_SIGNATURE].reason, "does not chain"));
    done(v);
    /* an anchored certificate, but the verification time is after its notAfter */
    v = ctx(F.p7s, F.p7s_len, NULL, 0, F.op.ca, NULL);
    v->vtime = time(NULL) + 86400L * 400;
    cvm_link_operator_signature(v);
    assert_int_equal(v->res[CVM_L_OPERATOR_SIGNATURE].status, CVM_ST_FAIL);
    assert_non_null(strstr(v->res[CVM_L_OPERATOR_SIGNATURE].reason, "expired"));
    done(v);
    /* a signature over other bytes */
    size_t ol;
    uint8_t *other = der_p7s(&F.op, (const uint8_t *)"other", 5, &ol);
    v = ctx(other, ol, NULL, 0, F.op.ca, NULL);
    cvm_link_operator_signature(v);
    assert_int_equal(v->res[CVM_L_OPERATOR_SIGNATURE].status, CVM_ST_FAIL);
    assert_non_null(strstr(v->res[CVM_L_OPERATOR_SIGNATURE].reason, "does not verify over manifest.json"));
    done(v);
    free(other);
    v = ctx(NULL, 0, NULL, 0, F.op.ca, NULL);
    cvm_link_operator_signature(v);
    assert_int_equal(v->res[CVM_L_OPERATOR_SIGNATURE].status, CVM_ST_SKIP);
    done(v);
}

static void test_timestamp(void **state)
{
    (void)state;
    cvm_verify *v = ctx(NULL, 0, F.tsr, F.tsr_len, NULL, F.tsa.ca);
    cvm_timestamp_prepare(v);
    assert_int_equal(v->res[CVM_L_TIMESTAMP].status, CVM_ST_PASS);
    assert_true(v->have_tsa_time);
    assert_true(llabs((long long)(v->tsa_time - time(NULL))) < 600);
    json_t *t0 = json_array_get(json_object_get(v->res[CVM_L_TIMESTAMP].details, "tokens"), 0);
    assert_string_equal(json_string_value(json_object_get(t0, "policy")), "1.3.6.1.4.1.99999.1");
    assert_string_equal(json_string_value(json_object_get(t0, "stamps")), "seal.sig");
    cvm_link_timestamp(v); /* does not overwrite */
    assert_int_equal(v->res[CVM_L_TIMESTAMP].status, CVM_ST_PASS);
    done(v);
    /* pinned TSA certificate */
    v = ctx(NULL, 0, F.tsr, F.tsr_len, NULL, F.tsa.leaf);
    cvm_timestamp_prepare(v);
    assert_int_equal(v->res[CVM_L_TIMESTAMP].status, CVM_ST_PASS);
    done(v);
    /* no anchor: claimed, not verified, not a time basis */
    v = ctx(NULL, 0, F.tsr, F.tsr_len, NULL, NULL);
    cvm_timestamp_prepare(v);
    assert_int_equal(v->res[CVM_L_TIMESTAMP].status, CVM_ST_WARN);
    assert_false(v->have_tsa_time);
    done(v);
    /* wrong anchor */
    v = ctx(NULL, 0, F.tsr, F.tsr_len, NULL, F.op.ca);
    cvm_timestamp_prepare(v);
    assert_int_equal(v->res[CVM_L_TIMESTAMP].status, CVM_ST_FAIL);
    assert_non_null(strstr(v->res[CVM_L_TIMESTAMP].reason, "does not verify against --tsa-anchor"));
    assert_false(v->have_tsa_time);
    done(v);
    /* a token over other bytes */
    size_t ol;
    uint8_t *other = der_tsr(&F.tsa, (const uint8_t *)"other", 5, &ol);
    v = ctx(NULL, 0, other, ol, NULL, F.tsa.ca);
    cvm_timestamp_prepare(v);
    assert_int_equal(v->res[CVM_L_TIMESTAMP].status, CVM_ST_FAIL);
    assert_non_null(strstr(v->res[CVM_L_TIMESTAMP].reason, "message imprint"));
    done(v);
    free(other);
    v = ctx(NULL, 0, NULL, 0, NULL, F.tsa.ca);
    cvm_timestamp_prepare(v);
    cvm_link_timestamp(v);
    assert_int_equal(v->res[CVM_L_TIMESTAMP].status, CVM_ST_SKIP);
    done(v);
}

/* every prefix fails the link, naming the member, without crashing */
static int p7s_prefix(const uint8_t *p, size_t n, void *c)
{
    (void)c;
    cvm_verify *v = ctx(p, n, NULL, 0, NULL, NULL);
    cvm_link_operator_signature(v);
    int st = v->res[CVM_L_OPERATOR_SIGNATURE].status;
    if (st == CVM_ST_FAIL && !strstr(v->res[CVM_L_OPERATOR_SIGNATURE].reason, "manifest.json.p7s"))
        fail_msg("reason does not name the member: %s", v->res[CVM_L_OPERATOR_SIGNATURE].reason);
    done(v);
    return st == CVM_ST_FAIL ? -1 : 0;
}

static int tsr_prefix(const uint8_t *p, size_t n, void *c)
{
    (void)c;
    cvm_verify *v = ctx(NULL, 0, p, n, NULL, F.tsa.ca);
    cvm_timestamp_prepare(v);
    int st = v->res[CVM_L_TIMESTAMP].status;
    if (st == CVM_ST_FAIL && !strstr(v->res[CVM_L_TIMESTAMP].reason, "seal.sig.tsr"))
        fail_msg("reason does not name the member: %s", v->res[CVM_L_TIMESTAMP].reason);
    bool t = v->have_tsa_time;
    done(v);
    return st == CVM_ST_FAIL && !t ? -1 : 0;
}

static void test_truncations(void **state)
{
    (void)state;
    cvm_test_truncations(F.p7s, F.p7s_len, p7s_prefix, NULL);
    cvm_test_truncations(F.tsr, F.tsr_len, tsr_prefix, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operator_signature),
        cmocka_unit_test(test_timestamp),
        cmocka_unit_test(test_truncations),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
