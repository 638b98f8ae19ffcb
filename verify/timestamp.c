/* timestamp: RFC 3161 tokens over the manifest. Not verified by this
 * version; the verification time comes from --at or the clock. */
#include "verify.h"

void cvm_link_timestamp(cvm_verify *v)
{
    cvm_link_set(v, CVM_L_TIMESTAMP, CVM_ST_SKIP,
                 v->opts.bundle_path ? "no RFC 3161 token checked (not supported by this version)"
                                     : "loose files (--dir): no timestamp token");
}
