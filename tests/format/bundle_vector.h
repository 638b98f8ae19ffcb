/* The worked vector of spec/bundle-v1.md §7, shared by the bundle tests. */
#ifndef CVM_TEST_BUNDLE_VECTOR_H
#define CVM_TEST_BUNDLE_VECTOR_H

#include <stdint.h>
#include <string.h>

#include "bundle.h"
#include "manifest.h"

#define VEC_BINDING "e20b61d5311d28f95dbfb1eddaab964f279da418af55cfe7ad6c6683700d6561"
#define VEC_SEAL "f093b63b31330d051e016f9f0713d9f16313d5e7544a462698f65c7ce7c1c3ec"
#define VEC_USER_DATA                                                                            \
    "5659d780d777b653d6fff14e2d9c67c978e1db9f7b841a84e4604ccd1f71179591030221615f84a7dcedc81e" \
    "ccb0a9e0f4a6c2df98cc027e50c5c2f377826916"
#define VEC_BUNDLE_ID "01234567-89ab-4cde-8f01-23456789abcd"
#define VEC_TOPDIR "cvm-evidence-" VEC_BUNDLE_ID
#define VEC_MANIFEST_LEN 1672u

#define M(n, s) {n, (const uint8_t *)(s), sizeof(s) - 1}
/* deliberately not in name order */
static const cvm_member vec_members[] = {
    M("report.bin", "HCL report bytes\n"), M("guest_report.bin", "SNP report bytes\n"),
    M("vcek.pem", "VCEK chain\n"),         M("akpub.pem", "AK PEM\n"),
    M("ak.pub", "AK TPM2B_PUBLIC\n"),      M("eventlog.bin", "UEFI log\n"),
    M("quote.msg", "quote attest\n"),      M("quote.sig", "quote sig\n"),
    M("quote.pcrs", "quote pcrs\n"),
};
#undef M
#define VEC_N (sizeof(vec_members) / sizeof(vec_members[0]))

static inline void vec_nonce(uint8_t n[32])
{
    for (int i = 0; i < 32; i++)
        n[i] = (uint8_t)i;
}

/* Fills the manifest of §7 (strings are heap copies: cvm_manifest_free). */
static inline int vec_manifest(cvm_manifest *m, cvm_err *err)
{
    memset(m, 0, sizeof(*m));
    m->bundle_id = strdup(VEC_BUNDLE_ID);
    m->created = strdup("2026-11-28T06:00:00Z");
    m->collector_name = strdup("cvm-collect");
    m->collector_version = strdup("1.0.0");
    m->custody_case_id = strdup("CASE-1");
    m->custody_examiner = strdup("Zo\xc3\xab Example");
    m->custody_note = strdup("worked vector");
    vec_nonce(m->nonce);
    m->nonce_source = CVM_NONCE_AUDITOR;
    m->fresh_report = true;
    m->pcr_selection = strdup("sha256:0,1,2,3,4,5,6,7");
    cvm_unhex(VEC_BINDING, 64, m->binding, 32);
    return cvm_manifest_set_members(m, vec_members, VEC_N, err);
}

#endif
