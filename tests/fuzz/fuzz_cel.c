/* CEL-TLV: parse; writing every parsed record back gives the input byte
 * for byte (the record keeps its integer widths); replay of every PCR and
 * bank present; the CEL-JSON view. */
#include "cel.h"
#include "eventlog.h"
#include "fuzz.h"

static const uint16_t algs[] = {0x0004, 0x000B, 0x000C, 0x000D, 0x0012};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cvm_cel cel;
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_cel_parse(data, size, "runtime.cel", &cel, &err);
    fuzz_check_rc_len(rc, &err, size);
    if (rc) {
        cvm_cel_free(&cel);
        return 0;
    }
    cvm_wr w;
    cvm_wr_init(&w);
    size_t off = 0;
    uint32_t pcrs = 0;
    for (size_t i = 0; i < cel.n_records; i++) {
        const cvm_cel_record *r = &cel.records[i];
        FUZZ_CHECK(r->offset == off);
        off += r->len;
        FUZZ_CHECK(r->n_digests >= 1 && r->n_digests <= CVM_CEL_MAX_DIGESTS);
        if (i)
            FUZZ_CHECK(r->recnum > cel.records[i - 1].recnum);
        if (!r->is_nv_index)
            pcrs |= 1u << r->index;
        cvm_err_clear(&err);
        rc = cvm_cel_write_record_err(&w, r, &err);
        if (rc) {
            char b[512];
            fprintf(stderr, "record %zu does not write back: %s\n", i,
                    cvm_err_format(&err, b, sizeof(b)));
            abort();
        }
        FUZZ_CHECK(w.len == off);
    }
    FUZZ_CHECK(off == size);
    FUZZ_CHECK(w.len == size && (size == 0 || memcmp(w.p, data, size) == 0));
    cvm_wr_free(&w);

    for (uint32_t pcr = 0; pcr < 24; pcr++) {
        if (!(pcrs & (1u << pcr)))
            continue;
        for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
            uint8_t out[64], out_n[64];
            cvm_err_clear(&err);
            rc = cvm_cel_replay(&cel, algs[a], pcr, NULL, out, &err);
            fuzz_check_rc(rc, &err);
            if (rc == 0) {
                /* the _n form over all records agrees */
                cvm_err_clear(&err);
                FUZZ_CHECK(cvm_cel_replay_n(&cel, cel.n_records, algs[a], pcr, NULL, out_n,
                                            &err) == CVM_OK);
                FUZZ_CHECK(memcmp(out, out_n, cvm_eventlog_alg_size(algs[a])) == 0);
            }
        }
    }
    fuzz_dump_json(cvm_cel_to_json(&cel));
    cvm_cel_free(&cel);
    return 0;
}
