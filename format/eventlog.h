/* TCG PC Client crypto-agile event log (binary_bios_measurements):
 * parser, PCR replay and a JSON view. Facts: /work/shared/spec/formats.md §7.1;
 * TCG PC Client Platform Firmware Profile (PFP) §10.
 *
 * Layout (little-endian):
 *   TCG_PCR_EVENT   {pcrIndex u32 = 0, eventType u32 = EV_NO_ACTION, digest[20] = 0,
 *                    eventSize u32, TCG_EfiSpecIDEvent "Spec ID Event03"}
 *   TCG_PCR_EVENT2* {pcrIndex u32, eventType u32,
 *                    TPML_DIGEST_VALUES {count u32, count x {hashAlg u16, digest[size from header]}},
 *                    eventSize u32, event[eventSize]}
 *   optional padding: all 0xFF bytes starting where a pcrIndex would (0xFFFFFFFF marks log end).
 *
 * The parsed log VIEWS `buf`: keep it alive while the cvm_eventlog is used. */
#ifndef CVM_EVENTLOG_H
#define CVM_EVENTLOG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

/* Caps: real logs hold tens to a few thousand events and tens of KiB. */
#define CVM_EVENTLOG_MAX_EVENTS 20000u
#define CVM_EVENTLOG_MAX_SIZE (16u * 1024u * 1024u)
#define CVM_EVENTLOG_MAX_ALGS 8u /* numberOfAlgorithms in the Spec ID header */
#define CVM_EVENTLOG_MAX_DIGEST 64u
#define CVM_EVENTLOG_NUM_PCRS 24u

/* Event types (PFP; formats.md §7.1) */
#define CVM_EV_PREBOOT_CERT 0x0u
#define CVM_EV_POST_CODE 0x1u
#define CVM_EV_NO_ACTION 0x3u
#define CVM_EV_SEPARATOR 0x4u
#define CVM_EV_ACTION 0x5u
#define CVM_EV_EVENT_TAG 0x6u
#define CVM_EV_S_CRTM_CONTENTS 0x7u
#define CVM_EV_S_CRTM_VERSION 0x8u
#define CVM_EV_CPU_MICROCODE 0x9u
#define CVM_EV_PLATFORM_CONFIG_FLAGS 0xAu
#define CVM_EV_TABLE_OF_DEVICES 0xBu
#define CVM_EV_COMPACT_HASH 0xCu
#define CVM_EV_IPL 0xDu
#define CVM_EV_IPL_PARTITION_DATA 0xEu
#define CVM_EV_NONHOST_CODE 0xFu
#define CVM_EV_NONHOST_CONFIG 0x10u
#define CVM_EV_NONHOST_INFO 0x11u
#define CVM_EV_OMIT_BOOT_DEVICE_EVENTS 0x12u
#define CVM_EV_EFI_EVENT_BASE 0x80000000u
#define CVM_EV_EFI_VARIABLE_DRIVER_CONFIG 0x80000001u
#define CVM_EV_EFI_VARIABLE_BOOT 0x80000002u
#define CVM_EV_EFI_BOOT_SERVICES_APPLICATION 0x80000003u
#define CVM_EV_EFI_BOOT_SERVICES_DRIVER 0x80000004u
#define CVM_EV_EFI_RUNTIME_SERVICES_DRIVER 0x80000005u
#define CVM_EV_EFI_GPT_EVENT 0x80000006u
#define CVM_EV_EFI_ACTION 0x80000007u
#define CVM_EV_EFI_PLATFORM_FIRMWARE_BLOB 0x80000008u
#define CVM_EV_EFI_HANDOFF_TABLES 0x80000009u
#define CVM_EV_EFI_PLATFORM_FIRMWARE_BLOB2 0x8000000Au
#define CVM_EV_EFI_HANDOFF_TABLES2 0x8000000Bu
#define CVM_EV_EFI_VARIABLE_BOOT2 0x8000000Cu
#define CVM_EV_EFI_HCRTM_EVENT 0x80000010u
#define CVM_EV_EFI_VARIABLE_AUTHORITY 0x800000E0u
#define CVM_EV_EFI_SPDM_FIRMWARE_BLOB 0x800000E1u
#define CVM_EV_EFI_SPDM_FIRMWARE_CONFIG 0x800000E2u

/* TPM_ALG_ID values that may appear in a log */
#define CVM_ALG_SHA1 0x0004u
#define CVM_ALG_SHA256 0x000Bu
#define CVM_ALG_SHA384 0x000Cu
#define CVM_ALG_SHA512 0x000Du
#define CVM_ALG_SM3_256 0x0012u

typedef struct cvm_eventlog_alg {
    uint16_t alg_id;
    uint16_t digest_size;
} cvm_eventlog_alg;

typedef struct cvm_eventlog_digest {
    uint16_t alg_id;
    uint16_t size;
    const uint8_t *digest; /* views buf */
} cvm_eventlog_digest;

typedef struct cvm_eventlog_event {
    size_t index;  /* position in the log; 0 is the Spec ID event, so events[i].index == i + 1 */
    size_t offset; /* absolute offset of the record's pcrIndex */
    size_t len;    /* whole record length */
    uint32_t pcr_index;
    uint32_t event_type;
    size_t n_digests; /* == the header's number of algorithms */
    cvm_eventlog_digest digests[CVM_EVENTLOG_MAX_ALGS]; /* in the record's order */
    uint32_t event_size;
    const uint8_t *event; /* views buf */
} cvm_eventlog_event;

typedef struct cvm_eventlog {
    /* TCG_EfiSpecIDEvent */
    uint32_t platform_class;
    uint8_t spec_version_minor;
    uint8_t spec_version_major;
    uint8_t spec_errata;
    uint8_t uintn_size;
    size_t n_algs;
    cvm_eventlog_alg algs[CVM_EVENTLOG_MAX_ALGS]; /* header order */
    uint8_t vendor_info_size;
    const uint8_t *vendor_info; /* views buf */
    size_t spec_id_size;        /* EventSize of the first record */
    /* TCG_PCR_EVENT2 records after the header */
    cvm_eventlog_event *events; /* owned */
    size_t n_events;
    size_t padding; /* bytes of trailing 0xFF padding accepted after the last event */
} cvm_eventlog;

/* Parses the whole log. `what` names the file in errors. Strict: Spec ID
 * "Spec ID Event03" v2.0 with 1..8 algorithms of known digest sizes;
 * every record carries exactly one digest per header algorithm (matched by
 * id, any order, no duplicates, unknown ids rejected); pcrIndex <= 23;
 * eventSize bounded by the bytes left; at most CVM_EVENTLOG_MAX_EVENTS
 * events and CVM_EVENTLOG_MAX_SIZE bytes. On success *out views buf and
 * owns `events` (free with cvm_eventlog_free). On failure *out is empty. */
int cvm_eventlog_parse(const uint8_t *buf, size_t len, const char *what, cvm_eventlog *out,
                       cvm_err *err);
void cvm_eventlog_free(cvm_eventlog *log);

/* Digest size for a TPM_ALG_ID we know, else 0. */
size_t cvm_eventlog_alg_size(uint16_t alg_id);
/* "sha1", "sha256", "sha384", "sha512", "sm3_256" or NULL. */
const char *cvm_eventlog_alg_name(uint16_t alg_id);
/* "EV_SEPARATOR" etc., or NULL for a type we do not know. */
const char *cvm_eventlog_type_name(uint32_t event_type);
/* H_alg(data) into out (cvm_eventlog_alg_size(alg_id) bytes). CVM_E_UNSUPPORTED
 * for an algorithm OpenSSL does not provide. */
int cvm_eventlog_hash(uint16_t alg_id, const void *data, size_t len, uint8_t *out);
/* pcr = H_alg(pcr || digest), both cvm_eventlog_alg_size(alg_id) bytes. */
int cvm_eventlog_extend(uint16_t alg_id, uint8_t *pcr, const uint8_t *digest);

/* The digest of `alg_id` in the event, or NULL. */
const cvm_eventlog_digest *cvm_eventlog_event_digest(const cvm_eventlog_event *ev, uint16_t alg_id);

/* Initial value of a PCR in one bank before any extend (before
 * StartupLocality): 00..00 for PCR 0-16 and 23; FF..FF for PCR 17-22.
 * Why: 17-22 are the DRTM/locality PCRs; their reset value is all ones
 * unless a DRTM sequence (locality 4) resets them to zero, which never
 * happens on an Azure CVM - Azure quotes show them as ff..ff. */
void cvm_eventlog_pcr_initial(uint32_t pcr, size_t size, uint8_t *out);

/* Replays the log into the bank `alg` (must be in the Spec ID header):
 * pcrs[i] (first digest_size bytes used) receives the value of PCR i;
 * *covered_mask (may be NULL) gets bit i set for every PCR that at least
 * one event extends. EV_NO_ACTION events are not extended; the PCR0
 * EV_NO_ACTION "StartupLocality\0"+locality event sets the last byte of
 * PCR0's initial value to the locality (PFP "Startup Locality Event"). */
int cvm_eventlog_replay(const cvm_eventlog *log, uint16_t alg, uint8_t pcrs[24][64],
                        uint32_t *covered_mask, cvm_err *err);

/* Startup locality found in the log (0 when the event is absent); returns
 * 1 when present, 0 when absent. */
int cvm_eventlog_startup_locality(const cvm_eventlog *log, uint8_t *locality);

/* JSON view: {"spec_id": {...}, "events": [{"index", "pcr", "type",
 * "type_name", "digests": {"sha256": hex, ...}, "event_size",
 * "description"?}], "events_total", "events_truncated", "pcrs": {"sha256":
 * {"0": hex, ...}}, "covered": {"sha256": [0, 1, ...]}}. At most
 * max_events events are listed (0 = all). Returns NULL on allocation
 * failure. */
json_t *cvm_eventlog_to_json(const cvm_eventlog *log, size_t max_events);

#endif
