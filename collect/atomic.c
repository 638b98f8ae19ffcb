/* temp file + fsync + link/rename + directory fsync. */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int dir_of(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    int n;
    if (!slash)
        n = snprintf(out, cap, ".");
    else if (slash == path)
        n = snprintf(out, cap, "/");
    else
        n = snprintf(out, cap, "%.*s", (int)(slash - path), path);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int cvm_fsync_parent(const char *path, cvm_err *err)
{
    char dir[4096];
    if (dir_of(path, dir, sizeof dir))
        return cvm_err_set(err, CVM_E_LIMIT, path, "path", CVM_NO_OFFSET, "path too long");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return cvm_err_set(err, CVM_E_IO, dir, "open", CVM_NO_OFFSET, "%s", strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    /* some filesystems (e.g. tmpfs on old kernels) refuse directory fsync */
    if (rc && e != EINVAL && e != EROFS)
        return cvm_err_set(err, CVM_E_IO, dir, "fsync", CVM_NO_OFFSET, "%s", strerror(e));
    return CVM_OK;
}

/* A signal during the write window must not leave the temp file behind:
 * the handler unlinks it (async-signal-safe) and re-raises with the
 * default action. */
static char g_tmp[4200];
static volatile sig_atomic_t g_have_tmp;
static const int k_sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define NSIGS (sizeof k_sigs / sizeof k_sigs[0])

static void on_signal(int sig)
{
    if (g_have_tmp)
        unlink(g_tmp);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
    raise(sig); /* delivered with the default action once we return */
}

/* SIGXFSZ (RLIMIT_FSIZE reached) would kill us mid-write with the temp
 * left behind; ignored, the write fails with EFBIG and the normal error
 * path unlinks the temp and names the cause. */
static struct sigaction g_saved_xfsz;

static void guard(bool on, struct sigaction *saved)
{
    if (on) {
        struct sigaction ign;
        memset(&ign, 0, sizeof ign);
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        sigaction(SIGXFSZ, &ign, &g_saved_xfsz);
    } else {
        sigaction(SIGXFSZ, &g_saved_xfsz, NULL);
    }
    for (size_t i = 0; i < NSIGS; i++) {
        if (on) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_signal;
            sigemptyset(&sa.sa_mask);
            sigaction(k_sigs[i], &sa, &saved[i]);
        } else {
            sigaction(k_sigs[i], &saved[i], NULL);
        }
    }
}

int cvm_atomic_write(const char *path, const uint8_t *data, size_t len, unsigned mode, unsigned flags,
                     cvm_err *err)
{
    char dir[4096], tmp[4200];
    if (dir_of(path, dir, sizeof dir))
        return cvm_err_set(err, CVM_E_LIMIT, path, "path", CVM_NO_OFFSET, "path too long");
    if ((size_t)snprintf(tmp, sizeof tmp, "%s/.cvm-collect.XXXXXX", dir) >= sizeof tmp)
        return cvm_err_set(err, CVM_E_LIMIT, path, "path", CVM_NO_OFFSET, "path too long");
    if (!(flags & CVM_ATOMIC_REPLACE)) {
        struct stat st;
        if (lstat(path, &st) == 0)
            return cvm_err_set(err, CVM_E_IO, path, "output", CVM_NO_OFFSET,
                               "already exists (refusing to overwrite evidence)");
    }
    struct sigaction saved[NSIGS];
    memcpy(g_tmp, tmp, sizeof tmp < sizeof g_tmp ? sizeof tmp : sizeof g_tmp);
    guard(true, saved);
    int fd = mkstemp(g_tmp); /* O_CREAT|O_EXCL, mode 0600 */
    if (fd < 0) {
        int e0 = errno;
        guard(false, saved);
        return cvm_err_set(err, CVM_E_IO, path, "create", CVM_NO_OFFSET, "cannot create a temp file in %s: %s",
                           dir, strerror(e0));
    }
    g_have_tmp = 1;
    memcpy(tmp, g_tmp, sizeof tmp < sizeof g_tmp ? sizeof tmp : sizeof g_tmp);
    const char *slow = getenv("CVM_COLLECT_TEST_SLOW_WRITE"); /* test hook: widen the window */
    if (slow)
        sleep((unsigned)strtoul(slow, NULL, 10));
    const char *step = "write";
    int e = 0;
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            e = n < 0 ? errno : EIO;
            goto fail;
        }
        off += (size_t)n;
    }
    step = "fsync";
    if (fsync(fd)) {
        e = errno;
        goto fail;
    }
    step = "chmod";
    if (fchmod(fd, (mode_t)mode)) {
        e = errno;
        goto fail;
    }
    step = "close";
    if (close(fd)) {
        fd = -1;
        e = errno;
        goto fail;
    }
    fd = -1;
    const char *hook = getenv("CVM_COLLECT_TEST_FAIL");
    if (hook && !strcmp(hook, "before-rename")) {
        step = "test hook";
        e = EIO;
        goto fail;
    }
    if (flags & CVM_ATOMIC_REPLACE) {
        step = "rename";
        if (rename(tmp, path)) {
            e = errno;
            goto fail;
        }
    } else {
        /* link(2) fails with EEXIST instead of replacing: no clobbering even
         * if the file appeared after the check above */
        step = "link";
        if (link(tmp, path)) {
            e = errno;
            if (e == EPERM || e == ENOTSUP || e == EXDEV) {
                struct stat st;
                step = "rename";
                if (lstat(path, &st) == 0) {
                    e = EEXIST;
                    goto fail;
                }
                if (rename(tmp, path)) {
                    e = errno;
                    goto fail;
                }
                goto synced;
            }
            goto fail;
        }
        unlink(tmp);
    }
synced:
    g_have_tmp = 0;
    guard(false, saved);
    return cvm_fsync_parent(path, err);
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    g_have_tmp = 0;
    guard(false, saved);
    return cvm_err_set(err, CVM_E_IO, path, step, CVM_NO_OFFSET, "%s", strerror(e));
}
