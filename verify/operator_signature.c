/* operator.signature: an operator's signature over manifest.json
 * (manifest.json.p7s). Not verified by this version. */
#include "verify.h"

void cvm_link_operator_signature(cvm_verify *v)
{
    cvm_link_set(v, CVM_L_OPERATOR_SIGNATURE, CVM_ST_SKIP,
                 v->opts.bundle_path ? "no operator signature checked (not supported by this version)"
                                     : "loose files (--dir): no manifest to sign");
}
