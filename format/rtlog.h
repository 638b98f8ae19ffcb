/* Our PCR23 runtime log (runtime.cel): a profile of the TCG CEL-TLV
 * encoding (format/cel.h), normative in spec/runtime-log.md.
 *
 * Record 0: CEL management cel_version {major 1, minor 0}
 * Record 1: project content type 0xC0 "cvm" log_start {boot_id, TPM
 *           resetCount, restartCount, unix time}
 * Record 2..: IMA_TLV {path, datahash = SHA-256(file)}, one per measured file
 * Every record: PCR 23, exactly one digest (sha256) = SHA-256(content value),
 * recnum = position (0, 1, 2, ...). The collector appends a record BEFORE
 * extending PCR23 with its digest (spec/runtime-log.md §5), so a log may
 * hold trailing records that were not extended; never the opposite.
 *
 * The extended digest covers the path as well as the file hash, so a log
 * cannot re-attribute a measured hash to another path. */
#ifndef CVM_RTLOG_H
#define CVM_RTLOG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cel.h"
#include "err.h"

#define CVM_RTLOG_PCR 23u
#define CVM_RTLOG_PATH_MAX 4096u

/* nested TLV types inside content type CVM_CEL_CT_CVM */
#define CVM_RTLOG_CVM_KIND 0u          /* u8: CVM_RTLOG_KIND_* */
#define CVM_RTLOG_CVM_BOOT_ID 1u       /* 16 bytes */
#define CVM_RTLOG_CVM_RESET_COUNT 2u   /* u32 BE */
#define CVM_RTLOG_CVM_RESTART_COUNT 3u /* u32 BE */
#define CVM_RTLOG_CVM_UNIX_TIME 4u     /* u64 BE, seconds */
#define CVM_RTLOG_KIND_LOG_START 1u

typedef struct cvm_rtlog_boot {
    uint8_t boot_id[16];    /* /proc/sys/kernel/random/boot_id as 16 bytes */
    uint32_t reset_count;   /* TPM2_ReadClock clockInfo.resetCount when the log started */
    uint32_t restart_count; /* clockInfo.restartCount */
    uint64_t unix_time;     /* seconds since the epoch when the log started */
} cvm_rtlog_boot;

typedef struct cvm_rtlog_file {
    uint64_t recnum;
    const char *path; /* views the log; NOT NUL-terminated */
    size_t path_len;
    const uint8_t *sha256; /* 32 bytes, views the log */
} cvm_rtlog_file;

typedef struct cvm_rtlog {
    cvm_cel cel; /* all records (views buf) */
    cvm_rtlog_boot boot;
    cvm_rtlog_file *files; /* owned; files[i] is record i + 2 */
    size_t n_files;
} cvm_rtlog;

/* Writer side (collector). Each function appends records to w and returns
 * the SHA-256 digest(s) the caller must then extend into PCR23, in order. */
int cvm_rtlog_write_start(cvm_wr *w, const cvm_rtlog_boot *boot, uint8_t extend[2][32],
                          cvm_err *err);
/* path: 1..CVM_RTLOG_PATH_MAX bytes, no NUL. recnum: the next record number
 * (= number of records already in the log). */
int cvm_rtlog_write_file(cvm_wr *w, uint64_t recnum, const char *path, size_t path_len,
                         const uint8_t file_sha256[32], uint8_t extend[32], cvm_err *err);

/* Parses runtime.cel and checks the profile above (record kinds in order,
 * contiguous recnums from 0, PCR 23, one sha256 digest equal to
 * SHA-256(content)). An empty log is rejected (a started log has 2
 * records). On success *out views buf. */
int cvm_rtlog_parse(const uint8_t *buf, size_t len, const char *what, cvm_rtlog *out,
                    cvm_err *err);
void cvm_rtlog_free(cvm_rtlog *log);

/* PCR23 (sha256 bank, initial zero) after the first n records. */
int cvm_rtlog_replay(const cvm_rtlog *log, size_t n, uint8_t out[32], cvm_err *err);

/* The smallest n (0..number of records) whose replay equals pcr23 (one
 * incremental pass): CVM_OK with *n set, or CVM_E_VALUE when no prefix
 * matches. Records after n were appended but not (yet) extended
 * (spec/runtime-log.md §6); judging n is the verifier's job. */
int cvm_rtlog_match_prefix(const cvm_rtlog *log, const uint8_t pcr23[32], size_t *n, cvm_err *err);

/* boot_id text ("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", as in
 * /proc/sys/kernel/random/boot_id, trailing newline allowed) to bytes. */
int cvm_rtlog_boot_id_parse(const char *s, size_t len, uint8_t out[16]);
/* bytes to the canonical lower-case text form (37 bytes with NUL). */
void cvm_rtlog_boot_id_format(const uint8_t id[16], char out[37]);

#endif
