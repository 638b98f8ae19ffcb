/* amd.crl: the AMD CRL, only when one is given with --crl FILE (bundle v1
 * has no CRL member: the auditor brings a current one): signed by the ARK
 * that anchored amd.chain, issuer is that ARK, thisUpdate <= verification time <= nextUpdate, and neither the
 * ASK/ASVK nor the leaf is listed (spec/verify.md §3.4). Checked by hand,
 * not with X509_V_FLAG_CRL_CHECK, which fails at the VCEK because the ASK
 * issues no CRL (c-apis.md §1.5). */
#include "verify.h"

#include <stdio.h>

static void t2s(const ASN1_TIME *t, char *buf, size_t n)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        snprintf(buf, n, "?");
    else
        strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void cvm_link_amd_crl(cvm_verify *v)
{
    const int L = CVM_L_AMD_CRL;
    if (!v->in[CVM_IN_CRL].present) {
        cvm_link_set(v, L, CVM_ST_SKIP, "no CRL given (--crl FILE): revocation not checked");
        cvm_limitation(v, "AMD revocation (CRL) was not checked.");
        return;
    }
    if (!cvm_link_need(v, L, CVM_IN_CRL) || !cvm_link_depends(v, L, CVM_L_AMD_CHAIN))
        return;
    json_t *d = cvm_link_details(v, L);
    char tu[40], nu[40], vt[40];
    t2s(X509_CRL_get0_lastUpdate(v->crl), tu, sizeof tu);
    t2s(X509_CRL_get0_nextUpdate(v->crl), nu, sizeof nu);
    cvm_time_format(v->vtime, vt, sizeof vt);
    json_object_set_new(d, "this_update", json_string(tu));
    json_object_set_new(d, "next_update", json_string(nu));
    if (X509_NAME_cmp(X509_CRL_get_issuer(v->crl), X509_get_subject_name(v->ark)) != 0) {
        cvm_link_set(v, L, CVM_ST_FAIL, "the CRL's issuer is not the ARK that anchored the chain");
        return;
    }
    if (X509_CRL_verify(v->crl, X509_get0_pubkey(v->ark)) != 1) {
        cvm_link_set(v, L, CVM_ST_FAIL, "the CRL's signature does not verify with the pinned ARK key");
        return;
    }
    const ASN1_TIME *lu = X509_CRL_get0_lastUpdate(v->crl), *nx = X509_CRL_get0_nextUpdate(v->crl);
    time_t t = v->vtime;
    if (!lu || X509_cmp_time(lu, &t) > 0) {
        cvm_link_set(v, L, CVM_ST_FAIL, "the CRL's thisUpdate %s is after the verification time %s", tu, vt);
        return;
    }
    if (!nx || X509_cmp_time(nx, &t) < 0) {
        cvm_link_set(v, L, CVM_ST_FAIL, "the CRL is stale: nextUpdate %s is before the verification time %s", nu,
                     vt);
        return;
    }
    X509_REVOKED *rev = NULL;
    if (X509_CRL_get0_by_cert(v->crl, &rev, v->ask) == 1) {
        cvm_link_set(v, L, CVM_ST_FAIL, "the %s (intermediate) is revoked by the AMD CRL",
                     v->leaf_is_vlek ? "ASVK" : "ASK");
        return;
    }
    if (X509_CRL_get0_by_cert(v->crl, &rev, v->leaf) == 1) {
        cvm_link_set(v, L, CVM_ST_FAIL, "the %s is revoked by the AMD CRL", v->leaf_is_vlek ? "VLEK" : "VCEK");
        return;
    }
    cvm_link_set(v, L, CVM_ST_PASS, "ARK-signed CRL (%s .. %s) does not list the %s or the %s", tu, nu,
                 v->leaf_is_vlek ? "ASVK" : "ASK", v->leaf_is_vlek ? "VLEK" : "VCEK");
}
