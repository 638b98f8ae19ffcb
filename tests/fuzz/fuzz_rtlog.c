/* runtime.cel under our profile (rtlog): parse, replay every prefix and
 * find it again with match_prefix; the boot identity round-trips through
 * its text form; each file record rewritten by the writer gives the same
 * extend digest as the one stored.
 *
 * Every record's digest must be SHA-256 of its content, which random
 * mutation almost never keeps true; so each input is also tried with the
 * sha256 digests recomputed (when it parses as generic CEL), letting the
 * fuzzer reach the profile checks behind the digest check. */
#include "eventlog.h"
#include "fuzz.h"
#include "rtlog.h"

static void check(const uint8_t *data, size_t size)
{
    cvm_rtlog log;
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_rtlog_parse(data, size, "runtime.cel", &log, &err);
    fuzz_check_rc_len(rc, &err, size);
    if (rc) {
        cvm_rtlog_free(&log);
        return;
    }
    FUZZ_CHECK(log.cel.n_records == log.n_files + 2);

    char txt[37];
    uint8_t id[16];
    cvm_rtlog_boot_id_format(log.boot.boot_id, txt);
    FUZZ_CHECK(cvm_rtlog_boot_id_parse(txt, strlen(txt), id) == CVM_OK);
    FUZZ_CHECK(memcmp(id, log.boot.boot_id, 16) == 0);

    /* a start record rewritten from the decoded boot identity is the same */
    {
        cvm_wr w;
        uint8_t ext[2][32];
        cvm_wr_init(&w);
        cvm_err_clear(&err);
        FUZZ_CHECK(cvm_rtlog_write_start(&w, &log.boot, ext, &err) == CVM_OK);
        size_t head = log.cel.records[1].offset + log.cel.records[1].len;
        FUZZ_CHECK(w.len == head && memcmp(w.p, data, head) == 0);
        for (size_t i = 0; i < log.n_files; i++) {
            const cvm_rtlog_file *f = &log.files[i];
            uint8_t e[32];
            size_t before = w.len;
            cvm_err_clear(&err);
            FUZZ_CHECK(cvm_rtlog_write_file(&w, f->recnum, f->path, f->path_len, f->sha256, e,
                                            &err) == CVM_OK);
            const cvm_cel_record *r = &log.cel.records[i + 2];
            FUZZ_CHECK(w.len - before == r->len && memcmp(w.p + before, data + r->offset, r->len) == 0);
            FUZZ_CHECK(memcmp(e, r->digests[0].digest, 32) == 0);
        }
        FUZZ_CHECK(w.len == size);
        cvm_wr_free(&w);
    }

    uint8_t pcr[32];
    for (size_t n = 0; n <= log.cel.n_records && n < 64; n++) {
        size_t found = (size_t)-1;
        cvm_err_clear(&err);
        FUZZ_CHECK(cvm_rtlog_replay(&log, n, pcr, &err) == CVM_OK);
        cvm_err_clear(&err);
        FUZZ_CHECK(cvm_rtlog_match_prefix(&log, pcr, &found, &err) == CVM_OK);
        /* the smallest matching prefix; equal digests at two lengths would
         * need a SHA-256 cycle */
        FUZZ_CHECK(found == n);
    }
    cvm_rtlog_free(&log);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(data, size);

    cvm_cel cel;
    if (cvm_cel_parse(data, size, "runtime.cel", &cel, NULL) != CVM_OK) {
        cvm_cel_free(&cel);
        return 0;
    }
    cvm_wr w;
    cvm_wr_init(&w);
    bool ok = true;
    for (size_t i = 0; ok && i < cel.n_records; i++) {
        cvm_cel_record r = cel.records[i];
        uint8_t d[CVM_CEL_MAX_DIGESTS][64];
        for (size_t k = 0; k < r.n_digests; k++) {
            if (r.digests[k].alg_id != CVM_ALG_SHA256)
                continue;
            ok = cvm_eventlog_hash(CVM_ALG_SHA256, r.content, r.content_len, d[k]) == CVM_OK;
            r.digests[k].digest = d[k];
        }
        ok = ok && cvm_cel_write_record(&w, &r) == CVM_OK;
    }
    if (ok)
        check(w.p, w.len);
    cvm_wr_free(&w);
    cvm_cel_free(&cel);
    return 0;
}
