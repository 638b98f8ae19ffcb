/* TCG crypto-agile event log: parse, replay every bank of the header, the
 * startup locality and the JSON view. Invariants: events tile the input
 * (each starts where the previous ended, the last + padding ends at the
 * input's end), every digest view lies inside the input, and a replay
 * only marks PCRs some event extends. */
#include "eventlog.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cvm_eventlog log;
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_eventlog_parse(data, size, "binary_bios_measurements", &log, &err);
    fuzz_check_rc_len(rc, &err, size);
    if (rc) {
        cvm_eventlog_free(&log);
        return 0;
    }
    FUZZ_CHECK(log.n_algs >= 1 && log.n_algs <= CVM_EVENTLOG_MAX_ALGS);
    size_t end = 32 + log.spec_id_size; /* TCG_PCR_EVENT header is 32 bytes */
    uint32_t extended = 0;
    for (size_t i = 0; i < log.n_events; i++) {
        const cvm_eventlog_event *ev = &log.events[i];
        FUZZ_CHECK(ev->index == i + 1);
        FUZZ_CHECK(ev->offset == end);
        FUZZ_CHECK(ev->len <= size - ev->offset);
        FUZZ_CHECK(ev->pcr_index < CVM_EVENTLOG_NUM_PCRS);
        FUZZ_CHECK(ev->n_digests == log.n_algs);
        for (size_t k = 0; k < ev->n_digests; k++) {
            const cvm_eventlog_digest *d = &ev->digests[k];
            FUZZ_CHECK(d->digest >= data && d->digest + d->size <= data + size);
            FUZZ_CHECK(cvm_eventlog_event_digest(ev, d->alg_id) == d);
        }
        FUZZ_CHECK(ev->event_size == 0 ||
                   (ev->event >= data && ev->event + ev->event_size <= data + size));
        if (ev->event_type != CVM_EV_NO_ACTION)
            extended |= 1u << ev->pcr_index;
        end = ev->offset + ev->len;
    }
    FUZZ_CHECK(end + log.padding == size);

    uint8_t (*pcrs)[64] = malloc(24 * 64);
    FUZZ_CHECK(pcrs);
    for (size_t a = 0; a < log.n_algs; a++) {
        uint32_t covered = 0;
        cvm_err_clear(&err);
        rc = cvm_eventlog_replay(&log, log.algs[a].alg_id, pcrs, &covered, &err);
        fuzz_check_rc(rc, &err);
        if (rc == 0)
            FUZZ_CHECK(covered == extended);
    }
    free(pcrs);
    uint8_t loc = 0;
    (void)cvm_eventlog_startup_locality(&log, &loc);
    fuzz_dump_json(cvm_eventlog_to_json(&log, 0));
    fuzz_dump_json(cvm_eventlog_to_json(&log, 3));
    cvm_eventlog_free(&log);
    return 0;
}
