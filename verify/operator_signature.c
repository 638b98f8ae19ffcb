/* operator.signature: an operator's CMS signature over manifest.json
 * (member manifest.json.p7s, spec/bundle-v1.md §2 "reserved"). Not
 * evaluated by v1: reported as skip and never allowed to change the
 * verdict. */
#include "verify.h"

void cvm_link_operator_signature(cvm_verify *v)
{
    const int L = CVM_L_OPERATOR_SIGNATURE;
    if (!v->opts.bundle_path) {
        cvm_link_set(v, L, CVM_ST_SKIP, "loose files (--dir): no manifest to sign");
        return;
    }
    const uint8_t *p;
    size_t n;
    if (v->have_bundle && cvm_bundle_get(&v->bundle, "manifest.json.p7s", &p, &n) == CVM_OK)
        cvm_link_set(v, L, CVM_ST_SKIP, "manifest.json.p7s present, not evaluated in v1");
    else
        cvm_link_set(v, L, CVM_ST_SKIP, "no operator signature (manifest.json.p7s) in the bundle");
}
