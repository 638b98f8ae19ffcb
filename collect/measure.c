/* `cvm-collect measure FILE...`
 *
 * Order (spec/runtime-log.md, format/rtlog.h): the new records are appended
 * to the log (written atomically: temp + fsync + rename) BEFORE PCR23 is
 * extended with their digests, as IMA does. If we die in between, the log
 * holds records the PCR never saw, never the reverse. The next call finds
 * that by replay: PCR23 equals the replay of a strict prefix of the log. It
 * then stops with a message naming the records, or with --resume extends
 * them (completing the interrupted call) and carries on.
 *
 * A new log starts when none exists, or when the log's log_start record
 * names another boot: a different boot_id (spec/runtime-log.md §5) or a
 * different TPM resetCount/restartCount (a TPM restart resets PCR23 without
 * a reboot; the fake CVM's swtpm does exactly that). The previous log is
 * kept as PATH.prev.
 *
 * Lock: fcntl on PATH.lock rather than on the log itself, because the log
 * is replaced by rename and a lock on the old inode would not exclude a
 * process that opened the new one. */
/* realpath(3) is XSI */
#define _XOPEN_SOURCE 700
#include "measure.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "atomic.h"
#include "buf.h"
#include "cel.h"
#include "rtlog.h"
#include "status.h"
#include "vtpm.h"

int cvm_runtime_log_lock(const char *log_path, bool exclusive, cvm_err *err)
{
    char lp[4200];
    if ((size_t)snprintf(lp, sizeof lp, "%s.lock", log_path) >= sizeof lp)
        return cvm_err_set(err, CVM_E_LIMIT, log_path, "path", CVM_NO_OFFSET, "path too long"), -1;
    int fd = exclusive ? open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644) : open(lp, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (exclusive)
            cvm_err_set(err, CVM_E_IO, lp, "open", CVM_NO_OFFSET, "cannot open the lock file: %s", strerror(errno));
        return -1;
    }
    struct flock fl = {.l_type = (short)(exclusive ? F_WRLCK : F_RDLCK), .l_whence = SEEK_SET};
    while (fcntl(fd, F_SETLKW, &fl) == -1) {
        if (errno == EINTR)
            continue;
        cvm_err_set(err, CVM_E_IO, lp, "lock", CVM_NO_OFFSET, "%s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int sha256_file(const char *path, uint8_t out[32], cvm_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return cvm_err_set(err, CVM_E_IO, path, "open", CVM_NO_OFFSET, "%s", strerror(errno));
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    int rc = CVM_OK;
    if (!m || !EVP_DigestInit_ex(m, EVP_sha256(), NULL)) {
        rc = cvm_err_set(err, CVM_E_NOMEM, path, "sha256", CVM_NO_OFFSET, "digest init failed");
        goto out;
    }
    uint8_t buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(m, buf, n);
    if (ferror(f)) {
        rc = cvm_err_set(err, CVM_E_IO, path, "read", CVM_NO_OFFSET, "%s", strerror(errno));
        goto out;
    }
    unsigned int ol = 0;
    EVP_DigestFinal_ex(m, out, &ol);
out:
    EVP_MD_CTX_free(m);
    fclose(f);
    return rc;
}

static void read_boot_id(uint8_t id[16])
{
    memset(id, 0, 16);
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (!f)
        return;
    char s[64];
    size_t n = fread(s, 1, sizeof s - 1, f);
    fclose(f);
    if (cvm_rtlog_boot_id_parse(s, n, id) != CVM_OK)
        memset(id, 0, 16);
}

static int read_pcr(cvm_vtpm *t, unsigned pcr, uint8_t out[32], cvm_err *err)
{
    cvm_pcr_selection sel = {.count = 1};
    sel.sel[0].hash = CVM_TPM_ALG_SHA256;
    sel.sel[0].size_of_select = 3;
    sel.sel[0].select[pcr / 8] = (uint8_t)(1u << (pcr % 8));
    cvm_pcrs *p = calloc(1, sizeof *p);
    if (!p)
        return cvm_err_set(err, CVM_E_NOMEM, "measure", "alloc", CVM_NO_OFFSET, "out of memory");
    int e = cvm_vtpm_pcr_read(t, &sel, p, NULL, err);
    if (!e)
        memcpy(out, p->values[0].bytes, 32);
    free(p);
    return e;
}

static int hexline(FILE *f, const char *label, const uint8_t *d, size_t n)
{
    char h[129];
    cvm_hex(d, n, h);
    return fprintf(f, "%s%s\n", label, h);
}

int cvm_measure_files(const cvm_measure_opts *o, const char *const *files, size_t nfiles, cvm_err *err)
{
    const char *logp = o->runtime_log ? o->runtime_log : CVM_RUNTIME_LOG_DEFAULT;
    FILE *log = o->log ? o->log : stderr;
    FILE *out = o->out ? o->out : stdout;
    if (o->pcr != CVM_RTLOG_PCR) {
        cvm_err_set(err, CVM_E_UNSUPPORTED, "--pcr", "pcr", CVM_NO_OFFSET,
                    "the runtime log profile (spec/runtime-log.md) records PCR 23 only");
        return CVM_EXIT_USAGE;
    }
    if (nfiles == 0) {
        cvm_err_set(err, CVM_E_VALUE, "measure", "files", CVM_NO_OFFSET, "no FILE given");
        return CVM_EXIT_USAGE;
    }

    /* Hash the files before touching the TPM or the log: a missing file
     * must not leave anything half done. */
    uint8_t(*digests)[32] = calloc(nfiles, 32);
    char **paths = calloc(nfiles, sizeof *paths);
    int status = CVM_EXIT_FAIL;
    int lockfd = -1;
    cvm_vtpm *t = NULL;
    uint8_t *old = NULL;
    size_t old_len = 0;
    cvm_rtlog rl;
    bool have_rl = false;
    cvm_wr w;
    cvm_wr_init(&w);
    if (!digests || !paths) {
        cvm_err_set(err, CVM_E_NOMEM, "measure", "alloc", CVM_NO_OFFSET, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nfiles; i++) {
        char rp[PATH_MAX];
        if (!realpath(files[i], rp)) {
            cvm_err_set(err, CVM_E_IO, files[i], "path", CVM_NO_OFFSET, "%s", strerror(errno));
            status = CVM_EXIT_USAGE;
            goto done;
        }
        struct stat st;
        if (stat(rp, &st) || !S_ISREG(st.st_mode)) {
            cvm_err_set(err, CVM_E_VALUE, files[i], "type", CVM_NO_OFFSET, "not a regular file");
            status = CVM_EXIT_USAGE;
            goto done;
        }
        if (!(paths[i] = strdup(rp)) || sha256_file(rp, digests[i], err)) {
            if (!paths[i])
                cvm_err_set(err, CVM_E_NOMEM, "measure", "alloc", CVM_NO_OFFSET, "out of memory");
            status = CVM_EXIT_USAGE;
            goto done;
        }
    }

    /* the log's directory (default /var/lib/cvm-evidence) */
    {
        char dir[4096];
        const char *slash = strrchr(logp, '/');
        if (slash && slash != logp && (size_t)(slash - logp) < sizeof dir) {
            snprintf(dir, sizeof dir, "%.*s", (int)(slash - logp), logp);
            if (mkdir(dir, 0755) && errno != EEXIST) {
                cvm_err_set(err, CVM_E_IO, dir, "mkdir", CVM_NO_OFFSET, "%s", strerror(errno));
                status = CVM_EXIT_OUTPUT;
                goto done;
            }
        }
    }
    lockfd = cvm_runtime_log_lock(logp, true, err);
    if (lockfd < 0) {
        status = CVM_EXIT_OUTPUT;
        goto done;
    }

    if (cvm_vtpm_open(&t, o->tcti, o->verbose ? log : NULL, err)) {
        status = CVM_EXIT_TPM;
        goto done;
    }
    TPMS_TIME_INFO ti;
    if (cvm_vtpm_read_clock(t, &ti, err)) {
        status = CVM_EXIT_TPM;
        goto done;
    }

    /* the existing log, if it belongs to this boot */
    cvm_err lerr;
    cvm_err_clear(&lerr);
    int fr = cvm_file_read(logp, CVM_CEL_MAX_SIZE, &old, &old_len, &lerr);
    if (fr == CVM_OK) {
        if (cvm_rtlog_parse(old, old_len, logp, &rl, err)) {
            fprintf(log, "cvm-collect: the runtime log is not valid; move it aside to start a new one\n");
            status = CVM_EXIT_INCONSISTENT;
            goto done;
        }
        have_rl = true;
        uint8_t boot_id[16], zero16[16] = {0};
        read_boot_id(boot_id);
        bool other_boot = rl.boot.reset_count != ti.clockInfo.resetCount ||
                          rl.boot.restart_count != ti.clockInfo.restartCount ||
                          (memcmp(boot_id, zero16, 16) && memcmp(boot_id, rl.boot.boot_id, 16));
        if (other_boot) {
            char prev[4200], was[37], now[37];
            snprintf(prev, sizeof prev, "%s.prev", logp);
            cvm_rtlog_boot_id_format(rl.boot.boot_id, was);
            cvm_rtlog_boot_id_format(boot_id, now);
            fprintf(log,
                    "cvm-collect: %s is from another boot (boot_id %s, TPM resetCount %u restartCount %u; now %s, "
                    "%u, %u); keeping it as %s and starting a new log\n",
                    logp, was, rl.boot.reset_count, rl.boot.restart_count, now, ti.clockInfo.resetCount,
                    ti.clockInfo.restartCount, prev);
            if (rename(logp, prev)) {
                cvm_err_set(err, CVM_E_IO, prev, "rename", CVM_NO_OFFSET, "%s", strerror(errno));
                status = CVM_EXIT_OUTPUT;
                goto done;
            }
            cvm_rtlog_free(&rl);
            have_rl = false;
            free(old);
            old = NULL;
            old_len = 0;
        }
    } else if (lerr.code != CVM_E_IO || access(logp, F_OK) == 0) {
        *err = lerr;
        status = CVM_EXIT_OUTPUT;
        goto done;
    }

    /* PCR23 must be explained by the log (or be zero for a new one) */
    uint8_t pcr[32], replay[32] = {0};
    if (read_pcr(t, o->pcr, pcr, err)) {
        status = CVM_EXIT_TPM;
        goto done;
    }
    size_t nrec = have_rl ? rl.cel.n_records : 0;
    if (have_rl && cvm_rtlog_replay(&rl, nrec, replay, err)) {
        status = CVM_EXIT_INCONSISTENT;
        goto done;
    }
    if (memcmp(pcr, replay, 32)) {
        char hp[65], hr[65];
        cvm_hex(pcr, 32, hp);
        cvm_hex(replay, 32, hr);
        size_t match = 0;
        cvm_err merr;
        cvm_err_clear(&merr);
        bool prefix = have_rl && cvm_rtlog_match_prefix(&rl, pcr, &match, &merr) == CVM_OK && match < nrec;
        if (!prefix) {
            if (have_rl)
                cvm_err_set(err, CVM_E_VALUE, logp, "pcr23", CVM_NO_OFFSET,
                            "PCR%u is %s but the runtime log (%zu records) replays to %s, and no prefix of it "
                            "matches: PCR%u was extended outside `cvm-collect measure` or reset",
                            o->pcr, hp, nrec, hr, o->pcr);
            else
                cvm_err_set(err, CVM_E_VALUE, logp, "pcr23", CVM_NO_OFFSET,
                            "PCR%u is %s, not zero, and there is no runtime log for this boot: it was extended "
                            "outside `cvm-collect measure`, so a new log could never explain it",
                            o->pcr, hp);
            status = CVM_EXIT_INCONSISTENT;
            goto done;
        }
        if (!o->resume) {
            cvm_err_set(err, CVM_E_VALUE, logp, "pcr23", CVM_NO_OFFSET,
                        "records %zu..%zu of the runtime log were logged but never extended into PCR%u (an earlier "
                        "measure was interrupted; PCR%u is %s, the whole log replays to %s); run again with "
                        "--resume to extend them",
                        match, nrec - 1, o->pcr, o->pcr, hp, hr);
            status = CVM_EXIT_INCONSISTENT;
            goto done;
        }
        for (size_t i = match; i < nrec; i++) {
            const cvm_cel_digest *d = cvm_cel_record_digest(&rl.cel.records[i], TPM2_ALG_SHA256);
            if (!d || cvm_vtpm_pcr_extend_sha256(t, o->pcr, d->digest, err)) {
                status = CVM_EXIT_TPM;
                goto done;
            }
        }
        fprintf(log, "cvm-collect: --resume: extended %zu pending record(s) %zu..%zu\n", nrec - match, match,
                nrec - 1);
    }

    /* new records after the existing bytes, then one atomic write */
    uint8_t (*ext)[32] = calloc(nfiles + 2, 32);
    if (!ext) {
        cvm_err_set(err, CVM_E_NOMEM, "measure", "alloc", CVM_NO_OFFSET, "out of memory");
        goto done;
    }
    size_t next = 0;
    uint64_t recnum = nrec;
    int e = CVM_OK;
    if (old_len)
        e = cvm_wr_bytes(&w, old, old_len);
    if (!e && !have_rl) {
        cvm_rtlog_boot b = {.reset_count = ti.clockInfo.resetCount,
                            .restart_count = ti.clockInfo.restartCount,
                            .unix_time = (uint64_t)time(NULL)};
        read_boot_id(b.boot_id);
        e = cvm_rtlog_write_start(&w, &b, &ext[0], err);
        next = 2;
        recnum = 2;
    }
    size_t first_file_rec = (size_t)recnum;
    for (size_t i = 0; i < nfiles && !e; i++)
        e = cvm_rtlog_write_file(&w, recnum++, paths[i], strlen(paths[i]), digests[i], ext[next++], err);
    if (!e) {
        /* self-check: what we are about to store parses under the profile */
        cvm_rtlog chk;
        e = cvm_rtlog_parse(w.p, w.len, logp, &chk, err);
        if (!e) {
            e = cvm_rtlog_replay(&chk, chk.cel.n_records, replay, err);
            cvm_rtlog_free(&chk);
        }
    }
    if (e) {
        free(ext);
        status = CVM_EXIT_FAIL;
        goto done;
    }
    if (cvm_atomic_write(logp, w.p, w.len, 0644, CVM_ATOMIC_REPLACE, err)) {
        free(ext);
        status = CVM_EXIT_OUTPUT;
        goto done;
    }
    const char *hook = getenv("CVM_COLLECT_TEST_FAIL");
    if (hook && !strcmp(hook, "measure-before-extend")) {
        free(ext);
        cvm_err_set(err, CVM_E_IO, "measure", "test hook", CVM_NO_OFFSET, "stopped after the log write");
        status = CVM_EXIT_FAIL;
        goto done;
    }
    for (size_t i = 0; i < next; i++) {
        if (cvm_vtpm_pcr_extend_sha256(t, o->pcr, ext[i], err)) {
            free(ext);
            status = CVM_EXIT_TPM;
            goto done;
        }
    }
    free(ext);
    if (read_pcr(t, o->pcr, pcr, err)) {
        status = CVM_EXIT_TPM;
        goto done;
    }
    for (size_t i = 0; i < nfiles; i++) {
        char h[65];
        cvm_hex(digests[i], 32, h);
        fprintf(out, "measured %s sha256:%s (record %zu)\n", paths[i], h, first_file_rec + i);
    }
    char lbl[32];
    snprintf(lbl, sizeof lbl, "pcr%u sha256:", o->pcr);
    hexline(out, lbl, pcr, 32);
    if (memcmp(pcr, replay, 32)) {
        cvm_err_set(err, CVM_E_VALUE, logp, "pcr23", CVM_NO_OFFSET,
                    "PCR%u changed while we extended it (another writer?): it no longer matches the log", o->pcr);
        status = CVM_EXIT_INCONSISTENT;
        goto done;
    }
    if (o->verbose)
        fprintf(log, "cvm-collect: %lu TPM commands\n", cvm_vtpm_commands(t));
    status = CVM_EXIT_OK;
done:
    cvm_wr_free(&w);
    if (have_rl)
        cvm_rtlog_free(&rl);
    free(old);
    cvm_vtpm_close(t);
    if (lockfd >= 0)
        close(lockfd);
    for (size_t i = 0; paths && i < nfiles; i++)
        free(paths[i]);
    free(paths);
    free(digests);
    return status;
}
