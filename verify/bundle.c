/* bundle.tar, bundle.manifest and quote.binding (spec/verify.md §3.1-§3.2,
 * §3.11; spec/bundle-v1.md). Bundle input is not wired yet in this build:
 * cvm-verify BUNDLE.tar reports a usage error until format/bundle.h lands. */
#include "verify.h"

#include <stdio.h>

int cvm_bundle_load(cvm_verify *v, char *errbuf, size_t errlen);

int cvm_bundle_load(cvm_verify *v, char *errbuf, size_t errlen)
{
    snprintf(errbuf, errlen, "%s: bundle input is not supported by this build yet; use --dir DIR",
             v->opts.bundle_path);
    return -1;
}

void cvm_link_bundle_tar(cvm_verify *v)
{
    if (!v->opts.bundle_path)
        cvm_link_set(v, CVM_L_BUNDLE_TAR, CVM_ST_SKIP, "loose files (--dir), not a bundle");
}

void cvm_link_bundle_manifest(cvm_verify *v)
{
    if (!v->opts.bundle_path)
        cvm_link_set(v, CVM_L_BUNDLE_MANIFEST, CVM_ST_SKIP, "loose files (--dir): no manifest");
}

void cvm_link_quote_binding(cvm_verify *v)
{
    if (!v->opts.bundle_path)
        cvm_link_set(v, CVM_L_QUOTE_BINDING, CVM_ST_SKIP,
                     "loose files (--dir): the quote's extraData is a plain nonce, no binding digest");
}
