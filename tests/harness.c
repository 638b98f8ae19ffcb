#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SLOTS 16
static char slots[SLOTS][4096];
static int slot;

static char *next_slot(void)
{
    char *s = slots[slot];
    slot = (slot + 1) % SLOTS;
    return s;
}

const char *cvm_test_vector(const char *rel)
{
    const char *dir = getenv("CVM_VECTORS");
    if (!dir || !*dir)
        return NULL;
    char *p = next_slot();
    snprintf(p, 4096, "%s/%s", dir, rel);
    struct stat st;
    if (stat(p, &st) != 0)
        return NULL;
    return p;
}

uint8_t *cvm_test_read(const char *path, size_t *len)
{
    uint8_t *p = NULL;
    cvm_err e;
    cvm_err_clear(&e);
    if (cvm_file_read(path, 256u << 20, &p, len, &e) != 0) {
        char b[512];
        fail_msg("%s", cvm_err_format(&e, b, sizeof(b)));
    }
    return p;
}

static const char *join_env(const char *env, const char *fallback, const char *rel)
{
    const char *d = getenv(env);
    char *p = next_slot();
    snprintf(p, 4096, "%s/%s", d && *d ? d : fallback, rel);
    return p;
}

const char *cvm_test_src(const char *rel) { return join_env("CVM_SOURCE_DIR", ".", rel); }
const char *cvm_test_build(const char *rel) { return join_env("CVM_BUILD_DIR", ".", rel); }

/* Temp dirs get their own slots that are never reused: tests keep these
 * paths until teardown (and `rm -rf` them), so a ring would be dangerous. */
static char tmpdirs[64][32];
static int ntmpdirs;

const char *cvm_test_tmpdir(void)
{
    if (ntmpdirs >= 64)
        fail_msg("too many temp dirs in one test binary");
    char *p = tmpdirs[ntmpdirs++];
    snprintf(p, sizeof(tmpdirs[0]), "/tmp/cvmt.XXXXXX");
    if (!mkdtemp(p))
        fail_msg("mkdtemp failed");
    return p;
}

int cvm_test_sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

void cvm_test_truncations(const uint8_t *buf, size_t len,
                          int (*parse)(const uint8_t *, size_t, void *), void *ctx)
{
    for (size_t n = 0; n < len; n++) {
        /* a heap copy of exactly n bytes so ASan catches any over-read */
        uint8_t *c = malloc(n ? n : 1);
        assert_non_null(c);
        memcpy(c, buf, n);
        int rc = parse(c, n, ctx);
        free(c);
        if (rc == 0)
            fail_msg("a %zu-byte prefix of a %zu-byte input was accepted", n, len);
    }
}
