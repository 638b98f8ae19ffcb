/* Stubs: the real implementation follows. */
#include "thim.h"

#include <string.h>

int cvm_thim_parse(const uint8_t *buf, size_t len, const char *what, cvm_thim *out, cvm_err *err)
{
    (void)buf; (void)len;
    memset(out, 0, sizeof *out);
    return cvm_err_set(err, CVM_E_UNSUPPORTED, what, "thim", CVM_NO_OFFSET, "not implemented");
}
void cvm_thim_free(cvm_thim *t) { (void)t; }
void cvm_thim_tcbm_bytes(const cvm_thim *t, uint8_t out[8]) { (void)t; memset(out, 0, 8); }
int cvm_thim_write(const cvm_thim *t, cvm_wr *w) { (void)t; (void)w; return CVM_E_UNSUPPORTED; }
json_t *cvm_thim_to_json(const cvm_thim *t) { (void)t; return json_object(); }
