/* timestamp: RFC 3161 tokens, members <name>.tsr (spec/bundle-v1.md §2, §9;
 * spec/verify.md §3.19, §4.2). Each token is a TimeStampResp over the exact
 * bytes of the member it names. Verified offline against --tsa-anchor only
 * (a private store, no default paths): status granted, the TSA's signature
 * and certificate (critical EKU timeStamping, checked by OpenSSL's TS
 * code), the TSA chain valid at the token's own genTime, and the message
 * imprint (SHA-256/384/512) equal to the hash of the member's bytes.
 *
 * A verified token over seal.sig proves the seal, hence manifest.json and
 * every member it lists, existed no later than genTime, so genTime becomes
 * the verification time when --at is not given. It runs before every other
 * link for that reason (cvm_timestamp_prepare); the link itself only
 * reports what was found. */
#include "verify.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>

int cvm_asn1_time_to_t(const ASN1_TIME *a, time_t *out)
{
    struct tm tm;
    if (!a || ASN1_TIME_to_tm(a, &tm) != 1)
        return -1;
    char b[40];
    if (strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return -1;
    return cvm_time_parse(b, out);
}

static bool is_token(const char *name)
{
    size_t l = strlen(name);
    return l > 4 && strcmp(name + l - 4, ".tsr") == 0;
}

/* One token. Returns the status for it; reason in `why`. */
static enum cvm_status check_token(cvm_verify *v, const cvm_member *m, json_t *d, char *why, size_t wn)
{
    char stamped[64];
    size_t nl = strlen(m->name) - 4;
    snprintf(stamped, sizeof stamped, "%.*s", (int)nl, m->name);
    json_object_set_new(d, "member", json_string(m->name));
    json_object_set_new(d, "stamps", json_string(stamped));
    const uint8_t *data;
    size_t dlen;
    if (cvm_bundle_get(&v->bundle, stamped, &data, &dlen) != CVM_OK) {
        snprintf(why, wn, "%s stamps %s, which is not in the bundle", m->name, stamped);
        return CVM_ST_FAIL;
    }
    ERR_clear_error();
    const unsigned char *p = m->data;
    TS_RESP *r = d2i_TS_RESP(NULL, &p, (long)m->len);
    if (!r || p != m->data + m->len) {
        TS_RESP_free(r);
        ERR_clear_error();
        snprintf(why, wn, "%s: not one DER TimeStampResp (RFC 3161 §2.4.2)%s", m->name, r ? ": trailing bytes" : "");
        return CVM_ST_FAIL;
    }
    enum cvm_status st = CVM_ST_FAIL;
    long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(r)));
    TS_TST_INFO *ti = TS_RESP_get_tst_info(r);
    if ((status != 0 && status != 1) || !ti) {
        snprintf(why, wn, "%s: the TSA did not grant the request (PKIStatus %ld)", m->name, status);
        goto out;
    }
    time_t gen;
    if (cvm_asn1_time_to_t(TS_TST_INFO_get_time(ti), &gen) != 0) {
        snprintf(why, wn, "%s: genTime is not a valid time", m->name);
        goto out;
    }
    char gts[40];
    cvm_time_format(gen, gts, sizeof gts);
    json_object_set_new(d, "gen_time", json_string(gts));
    char oid[128] = "";
    if (TS_TST_INFO_get_policy_id(ti))
        OBJ_obj2txt(oid, sizeof oid, TS_TST_INFO_get_policy_id(ti), 1);
    json_object_set_new(d, "policy", json_string(oid));
    BIGNUM *bn = ASN1_INTEGER_to_BN(TS_TST_INFO_get_serial(ti), NULL);
    char *sh = bn ? BN_bn2hex(bn) : NULL;
    json_object_set_new(d, "serial", json_string(sh ? sh : ""));
    OPENSSL_free(sh);
    BN_free(bn);
    TS_ACCURACY *acc = TS_TST_INFO_get_accuracy(ti);
    if (acc && TS_ACCURACY_get_seconds(acc))
        json_object_set_new(d, "accuracy_seconds", json_integer(ASN1_INTEGER_get(TS_ACCURACY_get_seconds(acc))));

    /* the imprint: a hash we accept, over exactly the stamped bytes */
    TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(ti);
    const ASN1_OBJECT *aobj = NULL;
    X509_ALGOR_get0(&aobj, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
    int nid = OBJ_obj2nid(aobj);
    const EVP_MD *md = nid == NID_sha256 ? EVP_sha256() : nid == NID_sha384 ? EVP_sha384()
                       : nid == NID_sha512 ? EVP_sha512() : NULL;
    if (!md) {
        snprintf(why, wn, "%s: message imprint uses %s; only SHA-256/384/512 are accepted", m->name,
                 nid != NID_undef ? OBJ_nid2sn(nid) : "an unknown hash");
        goto out;
    }
    json_object_set_new(d, "hash", json_string(OBJ_nid2sn(nid)));
    uint8_t h[EVP_MAX_MD_SIZE];
    unsigned hl = 0;
    const ASN1_OCTET_STRING *imp = TS_MSG_IMPRINT_get_msg(mi);
    if (EVP_Digest(data, dlen, h, &hl, md, NULL) != 1 || !imp || (unsigned)ASN1_STRING_length(imp) != hl ||
        memcmp(ASN1_STRING_get0_data(imp), h, hl) != 0) {
        snprintf(why, wn, "%s: message imprint is not %s(%s): the token stamps other bytes", m->name,
                 OBJ_nid2sn(nid), stamped);
        goto out;
    }

    /* who signed it (a claim until verified) */
    PKCS7 *tok = TS_RESP_get_token(r);
    STACK_OF(X509) *signers = tok ? PKCS7_get0_signers(tok, NULL, 0) : NULL;
    char subj[512] = "(TSA certificate not in the token)";
    if (signers && sk_X509_num(signers) == 1) {
        json_t *tsa = json_object();
        cvm_x509_identity(sk_X509_value(signers, 0), tsa, subj, sizeof subj);
        json_object_set_new(d, "tsa", tsa);
    }
    sk_X509_free(signers);
    ERR_clear_error();

    if (sk_X509_num(v->tsa_anchors) == 0) {
        snprintf(why, wn, "%s over %s claims genTime %s by %s; not verified (no --tsa-anchor)", m->name, stamped, gts,
                 subj);
        st = CVM_ST_WARN;
        goto out;
    }
    /* the TSA must have been valid when it signed: its chain is checked at
     * the token's own genTime (long-term validation; spec/verify.md §4.2) */
    X509_STORE *store = cvm_archive_store(v->tsa_anchors, gen);
    TS_VERIFY_CTX *c = TS_VERIFY_CTX_new();
    STACK_OF(X509) *untrusted = X509_chain_up_ref(v->tsa_anchors);
    BIO *dbio = BIO_new_mem_buf(data, (int)dlen);
    if (!store || !c || !untrusted || !dbio) {
        X509_STORE_free(store);
        TS_VERIFY_CTX_free(c);
        sk_X509_pop_free(untrusted, X509_free);
        BIO_free(dbio);
        snprintf(why, wn, "out of memory");
        goto out;
    }
    TS_VERIFY_CTX_set_store(c, store);
    TS_VERIFY_CTX_set_certs(c, untrusted);
    TS_VERIFY_CTX_set_data(c, dbio);
    TS_VERIFY_CTX_set_flags(c, TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_DATA);
    int ok = TS_RESP_verify_response(c, r);
    TS_VERIFY_CTX_free(c);
    if (ok != 1) {
        char e[256];
        snprintf(why, wn, "%s over %s (genTime %s, %s): does not verify against --tsa-anchor: %s", m->name, stamped,
                 gts, subj, cvm_ossl_reason(e, sizeof e));
        goto out;
    }
    json_object_set_new(d, "verified", json_true());
    if (strcmp(stamped, "seal.sig") == 0) {
        v->have_tsa_time = true;
        v->tsa_time = gen;
    }
    snprintf(why, wn, "%s: %s existed at %s, stamped by %s", m->name, stamped, gts, subj);
    st = CVM_ST_PASS;
out:
    ERR_clear_error();
    TS_RESP_free(r);
    return st;
}

void cvm_timestamp_prepare(cvm_verify *v)
{
    const int L = CVM_L_TIMESTAMP;
    if (!v->opts.bundle_path || !v->have_bundle)
        return; /* the link reports why */
    json_t *arr = json_array();
    enum cvm_status worst = CVM_ST_NOTRUN;
    char reason[1024] = "", first_bad[1024] = "";
    size_t n = 0;
    for (size_t i = 0; i < v->bundle.n; i++) {
        const cvm_member *m = &v->bundle.members[i];
        if (!is_token(m->name))
            continue;
        json_t *d = json_object();
        char why[900];
        enum cvm_status st = check_token(v, m, d, why, sizeof why);
        json_object_set_new(d, "status", json_string(cvm_status_name(st)));
        json_object_set_new(d, "reason", json_string(why));
        json_array_append_new(arr, d);
        if (st == CVM_ST_FAIL && worst != CVM_ST_FAIL)
            snprintf(first_bad, sizeof first_bad, "%s", why);
        if (st > worst) /* PASS < WARN < FAIL */
            worst = st;
        size_t k = strlen(reason);
        snprintf(reason + k, sizeof reason - k, "%s%s", n ? "; " : "", why);
        n++;
    }
    if (!n) {
        json_decref(arr);
        return;
    }
    json_object_set_new(cvm_link_details(v, L), "tokens", arr);
    if (worst == CVM_ST_FAIL)
        cvm_link_set(v, L, CVM_ST_FAIL, "%s", first_bad);
    else
        cvm_link_set(v, L, worst, "%s", reason);
}

void cvm_link_timestamp(cvm_verify *v)
{
    const int L = CVM_L_TIMESTAMP;
    if (v->res[L].status != CVM_ST_NOTRUN)
        return; /* judged by cvm_timestamp_prepare */
    if (!v->opts.bundle_path) {
        cvm_link_set(v, L, CVM_ST_SKIP, "loose files (--dir): no timestamp token");
        return;
    }
    if (!v->have_bundle) {
        cvm_link_set(v, L, CVM_ST_SKIP, "depends on bundle.tar");
        return;
    }
    cvm_link_set(v, L, CVM_ST_SKIP, "no RFC 3161 token (<member>.tsr) in the bundle");
}
