/* THIM JSON: strict parse; the compact writer's output parses back to a
 * struct that writes the same bytes (a fixed point after one round), the
 * pretty form parses to the same struct, and the JSON view serialises. */
#include "fuzz.h"
#include "thim.h"

static void write_fixed_point(const cvm_thim *t, bool pretty, const uint8_t *want,
                              size_t want_len)
{
    cvm_wr w;
    cvm_wr_init(&w);
    FUZZ_CHECK((pretty ? cvm_thim_write_pretty(t, &w) : cvm_thim_write(t, &w)) == CVM_OK);
    cvm_thim t2;
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_thim_parse(w.p, w.len, "rewritten.json", &t2, &err);
    if (rc) {
        char b[512];
        fprintf(stderr, "rewritten THIM rejected: %s\n", cvm_err_format(&err, b, sizeof(b)));
        abort();
    }
    FUZZ_CHECK(t2.vcek_cert_len == t->vcek_cert_len &&
               memcmp(t2.vcek_cert, t->vcek_cert, t->vcek_cert_len) == 0);
    FUZZ_CHECK(t2.certificate_chain_len == t->certificate_chain_len &&
               memcmp(t2.certificate_chain, t->certificate_chain, t->certificate_chain_len) == 0);
    FUZZ_CHECK(strcmp(t2.tcbm_hex, t->tcbm_hex) == 0 && t2.tcbm == t->tcbm);
    FUZZ_CHECK(strcmp(t2.cache_control, t->cache_control) == 0);
    FUZZ_CHECK(t2.cache_control_is_int == t->cache_control_is_int);
    FUZZ_CHECK(json_equal(t2.extra, t->extra) || (!t2.extra && !t->extra));
    cvm_wr w2;
    cvm_wr_init(&w2);
    FUZZ_CHECK(cvm_thim_write(&t2, &w2) == CVM_OK);
    if (want)
        FUZZ_CHECK(w2.len == want_len && memcmp(w2.p, want, want_len) == 0);
    else
        FUZZ_CHECK(w2.len == w.len && memcmp(w2.p, w.p, w.len) == 0);
    cvm_wr_free(&w2);
    cvm_wr_free(&w);
    cvm_thim_free(&t2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cvm_thim t;
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_thim_parse(data, size, "fuzz.json", &t, &err);
    fuzz_check_rc_len(rc, &err, size);
    if (rc)
        return 0;
    FUZZ_CHECK(strlen(t.vcek_cert) == t.vcek_cert_len);
    FUZZ_CHECK(strlen(t.certificate_chain) == t.certificate_chain_len);
    FUZZ_CHECK(strlen(t.tcbm_hex) == 16);
    uint8_t b[8];
    cvm_thim_tcbm_bytes(&t, b);
    uint64_t back = 0;
    for (int i = 7; i >= 0; i--)
        back = back << 8 | b[i];
    FUZZ_CHECK(back == t.tcbm);

    write_fixed_point(&t, false, NULL, 0);
    {
        cvm_wr w;
        cvm_wr_init(&w);
        FUZZ_CHECK(cvm_thim_write(&t, &w) == CVM_OK);
        write_fixed_point(&t, true, w.p, w.len);
        cvm_wr_free(&w);
    }
    fuzz_dump_json(cvm_thim_to_json(&t));
    cvm_thim_free(&t);
    return 0;
}
