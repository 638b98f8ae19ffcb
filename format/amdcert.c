/* Stubs: the real implementation follows. */
#include "amdcert.h"

#include <string.h>

int cvm_certs_load(const uint8_t *buf, size_t len, const char *what, STACK_OF(X509) **out,
                   cvm_err *err)
{
    (void)buf; (void)len; (void)out;
    return cvm_err_set(err, CVM_E_UNSUPPORTED, what, "certs", CVM_NO_OFFSET, "not implemented");
}
int cvm_cert_load_one(const uint8_t *buf, size_t len, const char *what, X509 **out, cvm_err *err)
{
    (void)buf; (void)len; (void)out;
    return cvm_err_set(err, CVM_E_UNSUPPORTED, what, "cert", CVM_NO_OFFSET, "not implemented");
}
void cvm_certs_free(STACK_OF(X509) *sk) { sk_X509_pop_free(sk, X509_free); }
int cvm_cert_write_pem(X509 *x, cvm_wr *w) { (void)x; (void)w; return CVM_E_UNSUPPORTED; }
int cvm_certs_write_pem(STACK_OF(X509) *sk, cvm_wr *w) { (void)sk; (void)w; return CVM_E_UNSUPPORTED; }
int cvm_cert_write_der(X509 *x, cvm_wr *w) { (void)x; (void)w; return CVM_E_UNSUPPORTED; }
enum cvm_cert_role cvm_cert_role_of(X509 *x) { (void)x; return CVM_CERT_ROLE_UNKNOWN; }
const char *cvm_cert_role_name(enum cvm_cert_role r) { (void)r; return "unknown"; }
bool cvm_cert_cn_generation(X509 *x, char *out, size_t cap) { (void)x; (void)out; (void)cap; return false; }
int cvm_amdcert_ext_parse(X509 *x, const char *what, cvm_amd_ext *out, cvm_err *err)
{
    (void)x;
    memset(out, 0, sizeof *out);
    return cvm_err_set(err, CVM_E_UNSUPPORTED, what, "extensions", CVM_NO_OFFSET, "not implemented");
}
const char *cvm_amd_ext_product_family(const cvm_amd_ext *e) { (void)e; return NULL; }
json_t *cvm_amd_ext_to_json(const cvm_amd_ext *e) { (void)e; return json_object(); }
int cvm_cert_spki_sha256(X509 *x, uint8_t out[32]) { (void)x; (void)out; return CVM_E_UNSUPPORTED; }
int cvm_cert_sha256(X509 *x, uint8_t out[32]) { (void)x; (void)out; return CVM_E_UNSUPPORTED; }
json_t *cvm_cert_to_json(X509 *x) { (void)x; return json_object(); }
