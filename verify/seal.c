/* seal: the seal quote over manifest.json (spec/bundle-v1.md). Bundles only. */
#include "verify.h"

void cvm_link_seal(cvm_verify *v)
{
    if (!v->opts.bundle_path)
        cvm_link_set(v, CVM_L_SEAL, CVM_ST_SKIP, "loose files (--dir): no seal quote");
}
