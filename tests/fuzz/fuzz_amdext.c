/* The AMD VCEK/VLEK extension decoder alone. Going through d2i_X509 (see
 * fuzz_amdcert) most mutations die in OpenSSL's DER parser before they
 * reach ours, so here the input is a list of extensions put straight into
 * an in-memory X509:  repeat { u8 oid_selector, u8 len, len bytes value }.
 * The selector picks one of the known AMD OIDs, an unknown one under the
 * AMD arc, or a non-AMD OID (which the decoder must skip). */
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "amdcert.h"
#include "fuzz.h"

static const char *const oids[] = {
    "1.3.6.1.4.1.3704.1.1",   "1.3.6.1.4.1.3704.1.2",   "1.3.6.1.4.1.3704.1.3.1",
    "1.3.6.1.4.1.3704.1.3.2", "1.3.6.1.4.1.3704.1.3.3", "1.3.6.1.4.1.3704.1.3.4",
    "1.3.6.1.4.1.3704.1.3.5", "1.3.6.1.4.1.3704.1.3.6", "1.3.6.1.4.1.3704.1.3.7",
    "1.3.6.1.4.1.3704.1.3.8", "1.3.6.1.4.1.3704.1.3.9", "1.3.6.1.4.1.3704.1.4",
    "1.3.6.1.4.1.3704.1.5",   "1.3.6.1.4.1.3704.1.6",   "1.3.6.1.4.1.3704.1.3.10",
    "1.3.6.1.4.1.3704.2.1",   "1.3.6.1.4.1.3704.1",     "1.3.6.1.4.1.37041.1",
    "1.3.6.1.4.1.3704.1.7",   "1.3.6.1.4.1.3704.1.8",   "1.3.6.1.4.1.3704.1.9",
    "1.3.6.1.4.1.3704.1.10",  "1.3.6.1.4.1.3704.1.11",  "1.3.6.1.4.1.3704.1.12",
    "2.5.29.19",              "2.5.29.15",
};
#define N_OIDS (sizeof(oids) / sizeof(oids[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ASN1_OBJECT *objs[N_OIDS];
    if (!objs[0])
        for (size_t i = 0; i < N_OIDS; i++)
            FUZZ_CHECK((objs[i] = OBJ_txt2obj(oids[i], 1)) != NULL);

    X509 *x = X509_new();
    FUZZ_CHECK(x);
    size_t pos = 0;
    int n_ext = 0;
    while (pos + 2 <= size && n_ext < 40) {
        size_t sel = data[pos] % N_OIDS, len = data[pos + 1];
        pos += 2;
        if (len > size - pos)
            len = size - pos;
        ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
        FUZZ_CHECK(os && ASN1_OCTET_STRING_set(os, data + pos, (int)len));
        X509_EXTENSION *ext = X509_EXTENSION_create_by_OBJ(NULL, objs[sel], 0, os);
        FUZZ_CHECK(ext);
        FUZZ_CHECK(X509_add_ext(x, ext, -1));
        X509_EXTENSION_free(ext);
        ASN1_OCTET_STRING_free(os);
        pos += len;
        n_ext++;
    }

    cvm_amd_ext e;
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_amdcert_ext_parse(x, "fuzz", &e, &err);
    fuzz_check_rc(rc, &err);
    if (rc == 0) {
        FUZZ_CHECK(e.n_unknown <= CVM_AMD_UNKNOWN_MAX);
        FUZZ_CHECK(!e.has_hwid || e.hwid_len == 64 || e.hwid_len == 8);
        if (e.has_product_name)
            FUZZ_CHECK(strlen(e.product_name) > 0 && strlen(e.product_name) < CVM_AMD_STR_MAX);
        if (e.has_csp_id)
            FUZZ_CHECK(strlen(e.csp_id) > 0 && strlen(e.csp_id) < CVM_AMD_STR_MAX);
        const char *fam = cvm_amd_ext_product_family(&e);
        FUZZ_CHECK(!fam || !strcmp(fam, "Milan") || !strcmp(fam, "Genoa") ||
                   !strcmp(fam, "Turin"));
        fuzz_dump_json(cvm_amd_ext_to_json(&e));
    }
    X509_free(x);
    return 0;
}
