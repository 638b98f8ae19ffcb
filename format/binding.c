/* Member roles and the quote digests: spec/bundle-v1.md §2 and §5. */
#include "binding.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

struct role_row {
    const char *name;
    const char *role;
    cvm_member_phase phase;
    bool required;
};

/* §2, sorted by name. */
static const struct role_row roles[] = {
    {"ak.pub", "tpm.ak_public", CVM_PHASE_PREQUOTE, true},
    {"akpub.pem", "tpm.ak_pem", CVM_PHASE_PREQUOTE, true},
    {"eventlog.bin", "log.uefi", CVM_PHASE_PREQUOTE, false},
    {"guest_report.bin", "snp.report", CVM_PHASE_PREQUOTE, true},
    {"manifest.json", "bundle.manifest", CVM_PHASE_MANIFEST, true},
    {"manifest.json.p7s", "sig.operator_cms", CVM_PHASE_RESERVED, false},
    {"quote.msg", "tpm.quote_msg", CVM_PHASE_QUOTE, true},
    {"quote.pcrs", "tpm.quote_pcrs", CVM_PHASE_QUOTE, true},
    {"quote.sig", "tpm.quote_sig", CVM_PHASE_QUOTE, true},
    {"report.bin", "hcl.report", CVM_PHASE_PREQUOTE, true},
    {"runtime.cel", "log.runtime", CVM_PHASE_PREQUOTE, false},
    {"seal.msg", "tpm.seal_msg", CVM_PHASE_SEAL, true},
    {"seal.sig", "tpm.seal_sig", CVM_PHASE_SEAL, true},
    {"vcek.pem", "amd.vcek_chain", CVM_PHASE_PREQUOTE, true},
};

const char *const cvm_member_required_names[] = {
    "ak.pub", "akpub.pem", "guest_report.bin", "manifest.json", "quote.msg", "quote.pcrs",
    "quote.sig", "report.bin", "seal.msg", "seal.sig", "vcek.pem", NULL,
};

static const struct role_row tsr_row = {NULL, "sig.timestamp", CVM_PHASE_RESERVED, false};

static const struct role_row *lookup(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (strcmp(roles[i].name, name) == 0)
            return &roles[i];
    /* "<member>.tsr" stamps a table member that is not itself a token (§2) */
    size_t n = strlen(name);
    if (n > 4 && strcmp(name + n - 4, ".tsr") == 0) {
        char base[64];
        if (n - 4 >= sizeof(base))
            return NULL;
        memcpy(base, name, n - 4);
        base[n - 4] = 0;
        for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
            if (strcmp(roles[i].name, base) == 0)
                return &tsr_row;
    }
    return NULL;
}

const char *cvm_member_role(const char *name)
{
    const struct role_row *r = lookup(name);
    return r ? r->role : NULL;
}

cvm_member_phase cvm_member_phase_of(const char *name)
{
    const struct role_row *r = lookup(name);
    return r ? r->phase : CVM_PHASE_UNKNOWN;
}

bool cvm_member_is_prequote(const char *name)
{
    return cvm_member_phase_of(name) == CVM_PHASE_PREQUOTE;
}

bool cvm_member_is_required(const char *name)
{
    const struct role_row *r = lookup(name);
    return r && r->required;
}

bool cvm_member_is_manifested(const char *name)
{
    cvm_member_phase p = cvm_member_phase_of(name);
    return p == CVM_PHASE_PREQUOTE || p == CVM_PHASE_QUOTE;
}

static int digest(const EVP_MD *md, const uint8_t *p1, size_t n1, const uint8_t *p2, size_t n2,
                  uint8_t *out)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, md, NULL) == 1 && EVP_DigestUpdate(c, p1, n1) == 1 &&
             (n2 == 0 || EVP_DigestUpdate(c, p2, n2) == 1) &&
             EVP_DigestFinal_ex(c, out, NULL) == 1;
    EVP_MD_CTX_free(c);
    return ok ? CVM_OK : CVM_E_NOMEM;
}

int cvm_sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    return digest(EVP_sha256(), p ? p : (const uint8_t *)"", n, NULL, 0, out);
}

int cvm_seal_digest(const uint8_t *manifest, size_t len, uint8_t out[32])
{
    /* sizeof includes the NUL: the tag is hashed with it (§5.2) */
    return digest(EVP_sha256(), (const uint8_t *)CVM_SEAL_TAG, sizeof(CVM_SEAL_TAG),
                  manifest ? manifest : (const uint8_t *)"", len, out);
}

int cvm_hcl_user_data(const uint8_t *nonce, size_t nonce_len, uint8_t out[64])
{
    if (!nonce || nonce_len != CVM_NONCE_LEN)
        return CVM_E_VALUE;
    return digest(EVP_sha512(), (const uint8_t *)CVM_HCL_USERDATA_TAG,
                  sizeof(CVM_HCL_USERDATA_TAG), nonce, nonce_len, out);
}

static int cmp_member_ptr(const void *a, const void *b)
{
    const cvm_member *x = *(const cvm_member *const *)a, *y = *(const cvm_member *const *)b;
    return strcmp(x->name, y->name);
}

int cvm_binding_digest(const uint8_t *nonce, size_t nonce_len, const cvm_member *members,
                       size_t n, uint8_t out[32])
{
    if (!nonce || nonce_len != CVM_NONCE_LEN || (n && !members))
        return CVM_E_VALUE;
    const cvm_member **pre = calloc(n ? n : 1, sizeof(*pre));
    if (!pre)
        return CVM_E_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (members[i].name && cvm_member_is_prequote(members[i].name))
            pre[k++] = &members[i];
    qsort(pre, k, sizeof(*pre), cmp_member_ptr);

    int rc = CVM_OK;
    for (size_t i = 1; i < k; i++)
        if (strcmp(pre[i - 1]->name, pre[i]->name) == 0)
            rc = CVM_E_VALUE;
    EVP_MD_CTX *c = rc == CVM_OK ? EVP_MD_CTX_new() : NULL;
    if (rc == CVM_OK) {
        int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
                 EVP_DigestUpdate(c, CVM_BINDING_TAG, sizeof(CVM_BINDING_TAG)) == 1 &&
                 EVP_DigestUpdate(c, nonce, nonce_len) == 1;
        for (size_t i = 0; ok && i < k; i++) {
            uint8_t h[32];
            ok = cvm_sha256(pre[i]->data, pre[i]->len, h) == CVM_OK &&
                 EVP_DigestUpdate(c, pre[i]->name, strlen(pre[i]->name) + 1) == 1 &&
                 EVP_DigestUpdate(c, h, sizeof(h)) == 1;
        }
        ok = ok && EVP_DigestFinal_ex(c, out, NULL) == 1;
        if (!ok)
            rc = CVM_E_NOMEM;
    }
    EVP_MD_CTX_free(c);
    free(pre);
    return rc;
}
