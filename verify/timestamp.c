/* timestamp: RFC 3161 tokens (members <name>.tsr, spec/bundle-v1.md §2
 * "reserved"). Not evaluated by v1; the verification time comes from --at
 * or the clock and the report says which. */
#include "verify.h"

#include <string.h>

void cvm_link_timestamp(cvm_verify *v)
{
    const int L = CVM_L_TIMESTAMP;
    if (!v->opts.bundle_path) {
        cvm_link_set(v, L, CVM_ST_SKIP, "loose files (--dir): no timestamp token");
        return;
    }
    size_t tokens = 0;
    for (size_t i = 0; v->have_bundle && i < v->bundle.n; i++) {
        size_t l = strlen(v->bundle.members[i].name);
        if (l > 4 && strcmp(v->bundle.members[i].name + l - 4, ".tsr") == 0)
            tokens++;
    }
    if (tokens)
        cvm_link_set(v, L, CVM_ST_SKIP, "%zu RFC 3161 token(s) present, not evaluated in v1", tokens);
    else
        cvm_link_set(v, L, CVM_ST_SKIP, "no RFC 3161 token in the bundle");
}
