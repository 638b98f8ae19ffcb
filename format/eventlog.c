/* TCG PC Client crypto-agile event log. See eventlog.h and
 * /work/shared/spec/formats.md §7.1. */
#include "eventlog.h"
#include "jsonutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "buf.h"

static const uint8_t SPEC_ID_SIG[16] = "Spec ID Event03";         /* includes the NUL */
static const uint8_t STARTUP_LOCALITY_SIG[16] = "StartupLocality"; /* includes the NUL */

size_t cvm_eventlog_alg_size(uint16_t alg_id)
{
    switch (alg_id) {
    case CVM_ALG_SHA1: return 20;
    case CVM_ALG_SHA256: return 32;
    case CVM_ALG_SHA384: return 48;
    case CVM_ALG_SHA512: return 64;
    case CVM_ALG_SM3_256: return 32;
    default: return 0;
    }
}

const char *cvm_eventlog_alg_name(uint16_t alg_id)
{
    switch (alg_id) {
    case CVM_ALG_SHA1: return "sha1";
    case CVM_ALG_SHA256: return "sha256";
    case CVM_ALG_SHA384: return "sha384";
    case CVM_ALG_SHA512: return "sha512";
    case CVM_ALG_SM3_256: return "sm3_256";
    default: return NULL;
    }
}

const char *cvm_eventlog_type_name(uint32_t t)
{
    switch (t) {
    case CVM_EV_PREBOOT_CERT: return "EV_PREBOOT_CERT";
    case CVM_EV_POST_CODE: return "EV_POST_CODE";
    case 0x2: return "EV_UNUSED";
    case CVM_EV_NO_ACTION: return "EV_NO_ACTION";
    case CVM_EV_SEPARATOR: return "EV_SEPARATOR";
    case CVM_EV_ACTION: return "EV_ACTION";
    case CVM_EV_EVENT_TAG: return "EV_EVENT_TAG";
    case CVM_EV_S_CRTM_CONTENTS: return "EV_S_CRTM_CONTENTS";
    case CVM_EV_S_CRTM_VERSION: return "EV_S_CRTM_VERSION";
    case CVM_EV_CPU_MICROCODE: return "EV_CPU_MICROCODE";
    case CVM_EV_PLATFORM_CONFIG_FLAGS: return "EV_PLATFORM_CONFIG_FLAGS";
    case CVM_EV_TABLE_OF_DEVICES: return "EV_TABLE_OF_DEVICES";
    case CVM_EV_COMPACT_HASH: return "EV_COMPACT_HASH";
    case CVM_EV_IPL: return "EV_IPL";
    case CVM_EV_IPL_PARTITION_DATA: return "EV_IPL_PARTITION_DATA";
    case CVM_EV_NONHOST_CODE: return "EV_NONHOST_CODE";
    case CVM_EV_NONHOST_CONFIG: return "EV_NONHOST_CONFIG";
    case CVM_EV_NONHOST_INFO: return "EV_NONHOST_INFO";
    case CVM_EV_OMIT_BOOT_DEVICE_EVENTS: return "EV_OMIT_BOOT_DEVICE_EVENTS";
    case CVM_EV_EFI_VARIABLE_DRIVER_CONFIG: return "EV_EFI_VARIABLE_DRIVER_CONFIG";
    case CVM_EV_EFI_VARIABLE_BOOT: return "EV_EFI_VARIABLE_BOOT";
    case CVM_EV_EFI_BOOT_SERVICES_APPLICATION: return "EV_EFI_BOOT_SERVICES_APPLICATION";
    case CVM_EV_EFI_BOOT_SERVICES_DRIVER: return "EV_EFI_BOOT_SERVICES_DRIVER";
    case CVM_EV_EFI_RUNTIME_SERVICES_DRIVER: return "EV_EFI_RUNTIME_SERVICES_DRIVER";
    case CVM_EV_EFI_GPT_EVENT: return "EV_EFI_GPT_EVENT";
    case CVM_EV_EFI_ACTION: return "EV_EFI_ACTION";
    case CVM_EV_EFI_PLATFORM_FIRMWARE_BLOB: return "EV_EFI_PLATFORM_FIRMWARE_BLOB";
    case CVM_EV_EFI_HANDOFF_TABLES: return "EV_EFI_HANDOFF_TABLES";
    case CVM_EV_EFI_PLATFORM_FIRMWARE_BLOB2: return "EV_EFI_PLATFORM_FIRMWARE_BLOB2";
    case CVM_EV_EFI_HANDOFF_TABLES2: return "EV_EFI_HANDOFF_TABLES2";
    case CVM_EV_EFI_VARIABLE_BOOT2: return "EV_EFI_VARIABLE_BOOT2";
    case CVM_EV_EFI_HCRTM_EVENT: return "EV_EFI_HCRTM_EVENT";
    case CVM_EV_EFI_VARIABLE_AUTHORITY: return "EV_EFI_VARIABLE_AUTHORITY";
    case CVM_EV_EFI_SPDM_FIRMWARE_BLOB: return "EV_EFI_SPDM_FIRMWARE_BLOB";
    case CVM_EV_EFI_SPDM_FIRMWARE_CONFIG: return "EV_EFI_SPDM_FIRMWARE_CONFIG";
    default: return NULL;
    }
}

static const char *md_name(uint16_t alg_id)
{
    switch (alg_id) {
    case CVM_ALG_SHA1: return "SHA1";
    case CVM_ALG_SHA256: return "SHA256";
    case CVM_ALG_SHA384: return "SHA384";
    case CVM_ALG_SHA512: return "SHA512";
    case CVM_ALG_SM3_256: return "SM3";
    default: return NULL;
    }
}

/* Hashes the concatenation of up to two buffers. */
static int hash2(uint16_t alg_id, const void *a, size_t alen, const void *b, size_t blen,
                 uint8_t *out)
{
    const char *name = md_name(alg_id);
    if (!name)
        return CVM_E_UNSUPPORTED;
    EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
    if (!md)
        return CVM_E_UNSUPPORTED;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = CVM_E_NOMEM;
    unsigned int n = 0;
    if (ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, a, alen) == 1 &&
        (blen == 0 || EVP_DigestUpdate(ctx, b, blen) == 1) && EVP_DigestFinal_ex(ctx, out, &n) == 1 &&
        n == cvm_eventlog_alg_size(alg_id))
        rc = CVM_OK;
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
    return rc;
}

int cvm_eventlog_hash(uint16_t alg_id, const void *data, size_t len, uint8_t *out)
{
    return hash2(alg_id, data, len, NULL, 0, out);
}

int cvm_eventlog_extend(uint16_t alg_id, uint8_t *pcr, const uint8_t *digest)
{
    size_t n = cvm_eventlog_alg_size(alg_id);
    uint8_t tmp[CVM_EVENTLOG_MAX_DIGEST];
    if (!n)
        return CVM_E_UNSUPPORTED;
    int rc = hash2(alg_id, pcr, n, digest, n, tmp);
    if (rc == CVM_OK)
        memcpy(pcr, tmp, n);
    return rc;
}

const cvm_eventlog_digest *cvm_eventlog_event_digest(const cvm_eventlog_event *ev, uint16_t alg_id)
{
    for (size_t i = 0; i < ev->n_digests; i++)
        if (ev->digests[i].alg_id == alg_id)
            return &ev->digests[i];
    return NULL;
}

void cvm_eventlog_pcr_initial(uint32_t pcr, size_t size, uint8_t *out)
{
    memset(out, pcr >= 17 && pcr <= 22 ? 0xFF : 0x00, size);
}

void cvm_eventlog_free(cvm_eventlog *log)
{
    if (!log)
        return;
    free(log->events);
    memset(log, 0, sizeof(*log));
}

/* Field names carry the event index, e.g. "events[12].digests[1].hash_alg". */

static int parse_spec_id(cvm_rd *r, cvm_eventlog *log)
{
    int rc;
    uint32_t pcr, type, size, nalg;
    size_t start = cvm_rd_abs(r);
    if ((rc = cvm_rd_u32le(r, "spec_id.pcr_index", &pcr)))
        return rc;
    if (pcr != 0)
        return cvm_rd_fail(r, CVM_E_VALUE, "spec_id.pcr_index", start, "is %u, must be 0", pcr);
    if ((rc = cvm_rd_u32le(r, "spec_id.event_type", &type)))
        return rc;
    if (type != CVM_EV_NO_ACTION)
        return cvm_rd_fail(r, CVM_E_VALUE, "spec_id.event_type", start + 4,
                           "is 0x%x, must be EV_NO_ACTION (3): not a crypto-agile log", type);
    if ((rc = cvm_rd_zeros(r, "spec_id.digest", 20)))
        return rc;
    size_t size_off = cvm_rd_abs(r);
    if ((rc = cvm_rd_u32le(r, "spec_id.event_size", &size)))
        return rc;
    if (size > cvm_rd_left(r))
        return cvm_rd_fail(r, CVM_E_TRUNCATED, "spec_id.event_size", size_off,
                           "%u exceeds the %zu bytes left", size, cvm_rd_left(r));
    log->spec_id_size = size;
    cvm_rd s;
    if ((rc = cvm_rd_sub(r, "spec_id.event", size, &s)))
        return rc;

    const uint8_t *sig;
    if ((rc = cvm_rd_view(&s, "spec_id.signature", 16, &sig)))
        return rc;
    if (memcmp(sig, SPEC_ID_SIG, 16) != 0)
        return cvm_rd_fail(&s, CVM_E_VALUE, "spec_id.signature", cvm_rd_abs(&s) - 16,
                           "is not \"Spec ID Event03\\0\"");
    if ((rc = cvm_rd_u32le(&s, "spec_id.platform_class", &log->platform_class)) ||
        (rc = cvm_rd_u8(&s, "spec_id.spec_version_minor", &log->spec_version_minor)) ||
        (rc = cvm_rd_u8(&s, "spec_id.spec_version_major", &log->spec_version_major)))
        return rc;
    if (log->spec_version_major != 2 || log->spec_version_minor != 0)
        return cvm_rd_fail(&s, CVM_E_UNSUPPORTED, "spec_id.spec_version", cvm_rd_abs(&s) - 2,
                           "is %u.%u, only 2.0 is defined", log->spec_version_major,
                           log->spec_version_minor);
    if ((rc = cvm_rd_u8(&s, "spec_id.spec_errata", &log->spec_errata)) ||
        (rc = cvm_rd_u8(&s, "spec_id.uintn_size", &log->uintn_size)))
        return rc;
    if (log->uintn_size != 1 && log->uintn_size != 2)
        return cvm_rd_fail(&s, CVM_E_VALUE, "spec_id.uintn_size", cvm_rd_abs(&s) - 1,
                           "is %u, must be 1 (UINT32) or 2 (UINT64)", log->uintn_size);
    size_t nalg_off = cvm_rd_abs(&s);
    if ((rc = cvm_rd_u32le(&s, "spec_id.number_of_algorithms", &nalg)))
        return rc;
    if (nalg == 0 || nalg > CVM_EVENTLOG_MAX_ALGS)
        return cvm_rd_fail(&s, nalg ? CVM_E_LIMIT : CVM_E_VALUE, "spec_id.number_of_algorithms",
                           nalg_off, "is %u, must be 1..%u", nalg, CVM_EVENTLOG_MAX_ALGS);
    for (uint32_t i = 0; i < nalg; i++) {
        char f[96];
        cvm_eventlog_alg a;
        size_t off = cvm_rd_abs(&s);
        if ((rc = cvm_rd_u16le(&s, cvm_fieldf(f, sizeof f, "spec_id.digest_sizes[%u].algorithm_id", i),
                               &a.alg_id)) ||
            (rc = cvm_rd_u16le(&s, cvm_fieldf(f, sizeof f, "spec_id.digest_sizes[%u].digest_size", i),
                               &a.digest_size)))
            return rc;
        size_t known = cvm_eventlog_alg_size(a.alg_id);
        /* An algorithm we do not know is still parseable (the header gives
         * its size); it just cannot be replayed. */
        if (known ? a.digest_size != known : (a.digest_size == 0 || a.digest_size > CVM_EVENTLOG_MAX_DIGEST))
            return cvm_rd_fail(&s, CVM_E_VALUE,
                               cvm_fieldf(f, sizeof f, "spec_id.digest_sizes[%u].digest_size", i), off + 2,
                               "algorithm 0x%04x declares %u bytes, expected %zu", a.alg_id,
                               a.digest_size, known);
        for (size_t j = 0; j < i; j++)
            if (log->algs[j].alg_id == a.alg_id)
                return cvm_rd_fail(&s, CVM_E_VALUE,
                                   cvm_fieldf(f, sizeof f, "spec_id.digest_sizes[%u].algorithm_id", i), off,
                                   "algorithm 0x%04x listed twice", a.alg_id);
        log->algs[i] = a;
    }
    log->n_algs = nalg;
    if ((rc = cvm_rd_u8(&s, "spec_id.vendor_info_size", &log->vendor_info_size)) ||
        (rc = cvm_rd_view(&s, "spec_id.vendor_info", log->vendor_info_size, &log->vendor_info)) ||
        (rc = cvm_rd_end(&s, "spec_id.event")))
        return rc;
    return CVM_OK;
}

static int alg_index(const cvm_eventlog *log, uint16_t alg_id)
{
    for (size_t i = 0; i < log->n_algs; i++)
        if (log->algs[i].alg_id == alg_id)
            return (int)i;
    return -1;
}

static int parse_event2(cvm_rd *r, cvm_eventlog *log, size_t idx, cvm_eventlog_event *ev)
{
    char f[96];
    int rc;
    uint32_t count;
    memset(ev, 0, sizeof(*ev));
    ev->index = idx;
    ev->offset = cvm_rd_abs(r);
    size_t start = cvm_rd_pos(r);
    if ((rc = cvm_rd_u32le(r, cvm_fieldf(f, sizeof f, "events[%zu].pcr_index", idx), &ev->pcr_index)))
        return rc;
    if (ev->pcr_index >= CVM_EVENTLOG_NUM_PCRS)
        return cvm_rd_fail(r, CVM_E_VALUE, f, ev->offset, "PCR %u is not 0..23", ev->pcr_index);
    if ((rc = cvm_rd_u32le(r, cvm_fieldf(f, sizeof f, "events[%zu].event_type", idx), &ev->event_type)))
        return rc;
    size_t count_off = cvm_rd_abs(r);
    if ((rc = cvm_rd_u32le(r, cvm_fieldf(f, sizeof f, "events[%zu].digests.count", idx), &count)))
        return rc;
    /* Every event carries one digest per active bank (PFP); fewer would
     * leave a bank unreplayable, more cannot be sized. */
    if (count != log->n_algs)
        return cvm_rd_fail(r, count > log->n_algs ? CVM_E_LIMIT : CVM_E_VALUE, f, count_off,
                           "%u digests, the Spec ID header declares %zu algorithms", count,
                           log->n_algs);
    bool seen[CVM_EVENTLOG_MAX_ALGS] = {false};
    for (uint32_t j = 0; j < count; j++) {
        uint16_t alg;
        size_t off = cvm_rd_abs(r);
        if ((rc = cvm_rd_u16le(r, cvm_fieldf(f, sizeof f, "events[%zu].digests[%u].hash_alg", idx, j), &alg)))
            return rc;
        int ai = alg_index(log, alg);
        if (ai < 0)
            return cvm_rd_fail(r, CVM_E_VALUE, f, off,
                               "algorithm 0x%04x is not in the Spec ID header (size unknown)", alg);
        if (seen[ai])
            return cvm_rd_fail(r, CVM_E_VALUE, f, off, "algorithm 0x%04x appears twice", alg);
        seen[ai] = true;
        ev->digests[j].alg_id = alg;
        ev->digests[j].size = log->algs[ai].digest_size;
        if ((rc = cvm_rd_view(r, cvm_fieldf(f, sizeof f, "events[%zu].digests[%u].digest", idx, j),
                              ev->digests[j].size, &ev->digests[j].digest)))
            return rc;
    }
    ev->n_digests = count;
    size_t size_off = cvm_rd_abs(r);
    if ((rc = cvm_rd_u32le(r, cvm_fieldf(f, sizeof f, "events[%zu].event_size", idx), &ev->event_size)))
        return rc;
    if (ev->event_size > cvm_rd_left(r))
        return cvm_rd_fail(r, CVM_E_TRUNCATED, f, size_off, "%u exceeds the %zu bytes left",
                           ev->event_size, cvm_rd_left(r));
    if ((rc = cvm_rd_view(r, cvm_fieldf(f, sizeof f, "events[%zu].event", idx), ev->event_size, &ev->event)))
        return rc;
    ev->len = cvm_rd_pos(r) - start;
    return CVM_OK;
}

int cvm_eventlog_parse(const uint8_t *buf, size_t len, const char *what, cvm_eventlog *out,
                       cvm_err *err)
{
    cvm_rd r;
    int rc;
    memset(out, 0, sizeof(*out));
    cvm_rd_init(&r, buf, len, what ? what : "binary_bios_measurements", err);
    if (len > CVM_EVENTLOG_MAX_SIZE)
        return cvm_rd_fail(&r, CVM_E_LIMIT, "log", 0, "%zu bytes exceeds the %u-byte cap", len,
                           CVM_EVENTLOG_MAX_SIZE);
    if ((rc = parse_spec_id(&r, out)))
        goto fail;

    size_t cap = 0;
    while (cvm_rd_left(&r) > 0) {
        /* 0xFFFFFFFF where a pcrIndex would be marks the end of the used
         * part of a fixed-size log area; all that follows must be 0xFF. */
        cvm_rd peek = r;
        uint32_t marker;
        peek.err = NULL;
        if (cvm_rd_u32le(&peek, "pcr_index", &marker) == CVM_OK && marker == 0xFFFFFFFFu) {
            out->padding = cvm_rd_left(&r);
            while (cvm_rd_left(&r) > 0) {
                uint8_t b;
                if ((rc = cvm_rd_u8(&r, "padding", &b)))
                    goto fail;
                if (b != 0xFF) {
                    rc = cvm_rd_fail(&r, CVM_E_TRAILING, "padding", cvm_rd_abs(&r) - 1,
                                     "byte 0x%02x in the 0xFF padding after the last event", b);
                    goto fail;
                }
            }
            break;
        }
        if (out->n_events >= CVM_EVENTLOG_MAX_EVENTS) {
            rc = cvm_rd_fail(&r, CVM_E_LIMIT, "events", CVM_NO_OFFSET, "more than %u events",
                             CVM_EVENTLOG_MAX_EVENTS);
            goto fail;
        }
        cvm_eventlog_event *ne =
            cvm_grow(out->events, &cap, out->n_events, sizeof(*ne), 64, CVM_EVENTLOG_MAX_EVENTS);
        if (!ne) {
            rc = cvm_err_set(err, CVM_E_NOMEM, r.what, "events", CVM_NO_OFFSET, "out of memory");
            goto fail;
        }
        out->events = ne;
        if ((rc = parse_event2(&r, out, out->n_events + 1, &out->events[out->n_events])))
            goto fail;
        out->n_events++;
    }
    return CVM_OK;
fail:
    cvm_eventlog_free(out);
    return rc;
}

static bool is_startup_locality(const cvm_eventlog_event *ev)
{
    return ev->pcr_index == 0 && ev->event_type == CVM_EV_NO_ACTION && ev->event_size == 17 &&
           memcmp(ev->event, STARTUP_LOCALITY_SIG, 16) == 0;
}

int cvm_eventlog_startup_locality(const cvm_eventlog *log, uint8_t *locality)
{
    for (size_t i = 0; i < log->n_events; i++)
        if (is_startup_locality(&log->events[i])) {
            if (locality)
                *locality = log->events[i].event[16];
            return 1;
        }
    if (locality)
        *locality = 0;
    return 0;
}

int cvm_eventlog_replay(const cvm_eventlog *log, uint16_t alg, uint8_t pcrs[24][64],
                        uint32_t *covered_mask, cvm_err *err)
{
    const char *what = "event log replay";
    int ai = alg_index(log, alg);
    if (ai < 0)
        return cvm_err_set(err, CVM_E_UNSUPPORTED, what, "alg", CVM_NO_OFFSET,
                           "bank 0x%04x is not in the log's Spec ID header", alg);
    size_t n = log->algs[ai].digest_size;
    if (cvm_eventlog_alg_size(alg) != n || !md_name(alg))
        return cvm_err_set(err, CVM_E_UNSUPPORTED, what, "alg", CVM_NO_OFFSET,
                           "cannot replay bank 0x%04x", alg);
    for (uint32_t p = 0; p < CVM_EVENTLOG_NUM_PCRS; p++) {
        memset(pcrs[p], 0, 64);
        cvm_eventlog_pcr_initial(p, n, pcrs[p]);
    }
    uint8_t loc;
    if (cvm_eventlog_startup_locality(log, &loc)) {
        /* PFP: H-CRTM (4) and locality 3 startup leave PCR0 at 00..0L. */
        if (loc != 0 && loc != 3 && loc != 4)
            return cvm_err_set(err, CVM_E_VALUE, what, "startup_locality", CVM_NO_OFFSET,
                               "locality %u is not 0, 3 or 4", loc);
        pcrs[0][n - 1] = loc;
    }
    uint32_t mask = 0;
    for (size_t i = 0; i < log->n_events; i++) {
        const cvm_eventlog_event *ev = &log->events[i];
        if (ev->event_type == CVM_EV_NO_ACTION)
            continue;
        const cvm_eventlog_digest *d = cvm_eventlog_event_digest(ev, alg);
        if (!d) /* the parser guarantees one digest per header algorithm */
            return cvm_err_set(err, CVM_E_STATE, what, "digests", ev->offset, "no digest");
        int rc = cvm_eventlog_extend(alg, pcrs[ev->pcr_index], d->digest);
        if (rc)
            return cvm_err_set(err, rc, what, "alg", CVM_NO_OFFSET, "hash 0x%04x failed", alg);
        mask |= 1u << ev->pcr_index;
    }
    if (covered_mask)
        *covered_mask = mask;
    return CVM_OK;
}

/* ---- JSON view ---- */

/* Printable ASCII (with trailing NULs trimmed), or false. */
static bool ascii_text(const uint8_t *p, size_t n, char *out, size_t cap)
{
    while (n > 0 && p[n - 1] == 0)
        n--;
    if (n == 0)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] > 0x7e)
            return false;
        if (k + 4 < cap)
            out[k++] = (char)p[i];
    }
    if (k + 4 >= cap && n > k) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = 0;
    return true;
}

static void describe(const cvm_eventlog_event *ev, char *out, size_t cap)
{
    out[0] = 0;
    const uint8_t *d = ev->event;
    size_t n = ev->event_size;
    switch (ev->event_type) {
    case CVM_EV_NO_ACTION:
        if (is_startup_locality(ev))
            snprintf(out, cap, "StartupLocality %u", d[16]);
        else if (n < 16 || !ascii_text(d, 16, out, cap)) /* e.g. "SP800-155 Event" */
            out[0] = 0;
        return;
    case CVM_EV_SEPARATOR:
        if (n == 4) {
            uint32_t v = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
            snprintf(out, cap, v == 0 ? "separator" : v == 0xFFFFFFFFu ? "separator (error)"
                                                                          : "separator 0x%08x", v);
        }
        return;
    case CVM_EV_EFI_VARIABLE_DRIVER_CONFIG:
    case CVM_EV_EFI_VARIABLE_BOOT:
    case CVM_EV_EFI_VARIABLE_BOOT2:
    case CVM_EV_EFI_VARIABLE_AUTHORITY: {
        /* UEFI_VARIABLE_DATA: GUID[16] | nameLen u64 (CHAR16) | dataLen u64 | name | data */
        cvm_rd r;
        uint64_t nl, dl;
        const uint8_t *name;
        cvm_rd_init(&r, d, n, "event", NULL);
        if (cvm_rd_skip(&r, "guid", 16) || cvm_rd_u64le(&r, "name_len", &nl) ||
            cvm_rd_u64le(&r, "data_len", &dl) || nl > 256 || cvm_rd_view(&r, "name", nl * 2, &name))
            return;
        size_t k = 0;
        for (uint64_t i = 0; i < nl && k + 1 < cap; i++) {
            uint16_t c = (uint16_t)(name[2 * i] | name[2 * i + 1] << 8);
            out[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
        }
        out[k] = 0;
        return;
    }
    case CVM_EV_POST_CODE:
    case CVM_EV_ACTION:
    case CVM_EV_EFI_ACTION:
    case CVM_EV_IPL:
    case CVM_EV_S_CRTM_VERSION:
    case CVM_EV_EVENT_TAG:
    case CVM_EV_COMPACT_HASH:
        if (!ascii_text(d, n, out, cap)) {
            /* S-CRTM version and some IPL strings are UTF-16LE */
            size_t k = 0;
            bool ok = n >= 2 && n % 2 == 0;
            for (size_t i = 0; ok && i + 1 < n; i += 2) {
                uint16_t c = (uint16_t)(d[i] | d[i + 1] << 8);
                if (c == 0 && i + 2 >= n)
                    break;
                if (c < 0x20 || c > 0x7e)
                    ok = false;
                else if (k + 1 < cap)
                    out[k++] = (char)c;
            }
            out[ok ? k : 0] = 0;
        }
        return;
    default:
        return;
    }
}

static int set_new(json_t *o, const char *k, json_t *v)
{
    return v ? json_object_set_new(o, k, v) : -1;
}

json_t *cvm_eventlog_to_json(const cvm_eventlog *log, size_t max_events)
{
    json_t *root = json_object(), *sid = json_object(), *algs = json_array(), *evs = json_array();
    int bad = !root || !sid || !algs || !evs;
    if (!bad) {
        bad |= set_new(sid, "platform_class", json_integer(log->platform_class));
        bad |= set_new(sid, "spec_version_major", json_integer(log->spec_version_major));
        bad |= set_new(sid, "spec_version_minor", json_integer(log->spec_version_minor));
        bad |= set_new(sid, "spec_errata", json_integer(log->spec_errata));
        bad |= set_new(sid, "uintn_size", json_integer(log->uintn_size));
        bad |= set_new(sid, "vendor_info", cvm_hex_json(log->vendor_info, log->vendor_info_size));
        for (size_t i = 0; i < log->n_algs; i++) {
            json_t *a = json_object();
            const char *nm = cvm_eventlog_alg_name(log->algs[i].alg_id);
            bad |= !a || json_array_append_new(algs, a);
            if (a) {
                bad |= set_new(a, "algorithm_id", json_integer(log->algs[i].alg_id));
                if (nm)
                    bad |= set_new(a, "name", json_string(nm));
                bad |= set_new(a, "digest_size", json_integer(log->algs[i].digest_size));
            }
        }
        bad |= json_object_set(sid, "algorithms", algs);
    }
    size_t shown = max_events && max_events < log->n_events ? max_events : log->n_events;
    for (size_t i = 0; !bad && i < shown; i++) {
        const cvm_eventlog_event *ev = &log->events[i];
        json_t *e = json_object(), *dg = json_object();
        bad |= !e || !dg || json_array_append_new(evs, e);
        if (bad) {
            json_decref(dg);
            break;
        }
        bad |= set_new(e, "index", json_integer((json_int_t)ev->index));
        bad |= set_new(e, "pcr", json_integer(ev->pcr_index));
        bad |= set_new(e, "type", json_integer(ev->event_type));
        const char *tn = cvm_eventlog_type_name(ev->event_type);
        bad |= set_new(e, "type_name", tn ? json_string(tn) : json_null());
        for (size_t j = 0; j < ev->n_digests; j++) {
            const char *nm = cvm_eventlog_alg_name(ev->digests[j].alg_id);
            char k[16];
            if (!nm) {
                snprintf(k, sizeof k, "0x%04x", ev->digests[j].alg_id);
                nm = k;
            }
            bad |= set_new(dg, nm, cvm_hex_json(ev->digests[j].digest, ev->digests[j].size));
        }
        bad |= set_new(e, "digests", dg);
        bad |= set_new(e, "event_size", json_integer(ev->event_size));
        char desc[160];
        describe(ev, desc, sizeof desc);
        if (desc[0])
            bad |= set_new(e, "description", json_string(desc));
    }
    if (!bad) {
        bad |= set_new(root, "spec_id", sid);
        sid = NULL;
        bad |= set_new(root, "events", evs);
        evs = NULL;
        bad |= set_new(root, "events_total", json_integer((json_int_t)log->n_events));
        bad |= set_new(root, "events_truncated", json_boolean(shown < log->n_events));
        uint8_t loc;
        if (cvm_eventlog_startup_locality(log, &loc))
            bad |= set_new(root, "startup_locality", json_integer(loc));
        json_t *pcrs = json_object(), *cov = json_object();
        bad |= set_new(root, "pcrs", pcrs) | set_new(root, "covered", cov);
        for (size_t i = 0; !bad && i < log->n_algs; i++) {
            uint16_t alg = log->algs[i].alg_id;
            const char *nm = cvm_eventlog_alg_name(alg);
            uint8_t v[24][64];
            uint32_t mask;
            if (!nm || cvm_eventlog_replay(log, alg, v, &mask, NULL) != CVM_OK)
                continue;
            json_t *bank = json_object(), *cl = json_array();
            bad |= set_new(pcrs, nm, bank) | set_new(cov, nm, cl);
            for (uint32_t p = 0; !bad && p < CVM_EVENTLOG_NUM_PCRS; p++) {
                char k[4];
                snprintf(k, sizeof k, "%u", p);
                bad |= set_new(bank, k, cvm_hex_json(v[p], log->algs[i].digest_size));
                if (mask & (1u << p))
                    bad |= json_array_append_new(cl, json_integer(p));
            }
        }
    }
    json_decref(algs);
    json_decref(sid);
    json_decref(evs);
    if (bad) {
        json_decref(root);
        return NULL;
    }
    return root;
}
