/* collect/imds.c against a local HTTP stub (tests/collect/http_stub.py). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "imds.h"

static char g_dir[256];
static char g_base[128];

static int group_setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "%s", cvm_test_tmpdir());
    char thim[400];
    snprintf(thim, sizeof thim, "%s/thim.json", g_dir);
    FILE *f = fopen(thim, "w");
    if (!f)
        return -1;
    fputs("{\"vcekCert\":\"x\",\"certificateChain\":\"y\",\"tcbm\":\"7308000000000003\"}", f);
    fclose(f);
    if (cvm_test_sh("cd %s && printf 'DERDATA' > vcek.der && printf 'CHAIN' > chain.pem && "
                    "(timeout 300 python3 %s %s/port %s vcek.der chain.pem >/dev/null 2>&1 & echo $! > stub.pid)",
                    g_dir, cvm_test_src("tests/collect/http_stub.py"), g_dir, thim))
        return -1;
    char port[400];
    snprintf(port, sizeof port, "%s/port", g_dir);
    for (int i = 0; i < 200 && access(port, R_OK); i++)
        nanosleep(&(struct timespec){.tv_nsec = 25000000}, NULL);
    f = fopen(port, "r");
    if (!f)
        return -1;
    int p = 0;
    if (fscanf(f, "%d", &p) != 1)
        p = 0;
    fclose(f);
    snprintf(g_base, sizeof g_base, "http://127.0.0.1:%d", p);
    return p ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    cvm_test_sh("kill $(cat %s/stub.pid) 2>/dev/null; rm -rf %s", g_dir, g_dir);
    return 0;
}

static long hits(const char *mode)
{
    char url[256];
    snprintf(url, sizeof url, "%s/hits/%s", g_base, mode);
    uint8_t *b = NULL;
    size_t n = 0;
    cvm_err err;
    cvm_err_clear(&err);
    cvm_http_opts o = {.attempts = 1};
    assert_int_equal(cvm_http_get(url, NULL, &o, &b, &n, &err), CVM_OK);
    long v = strtol((char *)b, NULL, 10);
    free(b);
    return v;
}

/* GET the THIM path under the stub's `mode` (o NULL: the defaults); returns
 * the rc, err filled */
static int thim_get(const char *mode, const cvm_http_opts *o, uint8_t **b, size_t *n, cvm_err *err)
{
    char base[200];
    snprintf(base, sizeof base, "%s/%s", g_base, mode);
    cvm_err_clear(err);
    return cvm_imds_thim(base, o, b, n, err);
}

static int thim_once(const char *mode, uint8_t **b, size_t *n, cvm_err *err)
{
    cvm_http_opts o = {.attempts = 1};
    return thim_get(mode, &o, b, n, err);
}

static void t_ok(void **state)
{
    (void)state;
    uint8_t *b = NULL;
    size_t n = 0;
    cvm_err err;
    /* a proxy in the environment must not be used for IMDS */
    setenv("http_proxy", "http://127.0.0.1:1", 1);
    setenv("HTTP_PROXY", "http://127.0.0.1:1", 1);
    int rc = thim_get("ok/", NULL, &b, &n, &err); /* trailing slash tolerated */
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    assert_int_equal(rc, CVM_OK);
    assert_non_null(strstr((char *)b, "\"tcbm\":\"7308000000000003\""));
    assert_int_equal(n, strlen((char *)b));
    free(b);
}

static void t_500_retries_then_fails(void **state)
{
    (void)state;
    uint8_t *b = NULL;
    size_t n = 0;
    cvm_err err;
    cvm_http_opts o = {.attempts = 3};
    assert_int_not_equal(thim_get("e500", &o, &b, &n, &err), CVM_OK);
    assert_null(b);
    assert_non_null(strstr(err.msg, "HTTP status 500"));
    assert_non_null(strstr(err.what, "/e500/metadata/THIM/amd/certification"));
    assert_int_equal(hits("e500"), 3);
}

static void t_big_aborts_without_retry(void **state)
{
    (void)state;
    uint8_t *b = NULL;
    size_t n = 0;
    cvm_err err;
    assert_int_not_equal(thim_get("big", NULL, &b, &n, &err), CVM_OK);
    assert_non_null(strstr(err.msg, "larger than 65536"));
    assert_int_equal(hits("big"), 1);
}

static void t_slow_times_out(void **state)
{
    (void)state;
    uint8_t *b = NULL;
    size_t n = 0;
    cvm_err err;
    cvm_http_opts o = {.attempts = 1, .total_timeout_ms = 500};
    assert_int_not_equal(thim_get("slow", &o, &b, &n, &err), CVM_OK);
    assert_non_null(strstr(err.msg, "Timeout"));
}

static void t_unreachable(void **state)
{
    (void)state;
    uint8_t *b = NULL;
    size_t n = 0;
    cvm_err err;
    cvm_err_clear(&err);
    cvm_http_opts o = {.attempts = 2};
    assert_int_not_equal(cvm_imds_thim("http://127.0.0.1:1", &o, &b, &n, &err), CVM_OK);
    assert_non_null(strstr(err.msg, "onnect"));
}

static void t_header_required(void **state)
{
    (void)state;
    /* the stub answers 400 without `Metadata: true`: a plain GET fails */
    char url[256];
    snprintf(url, sizeof url, "%s/ok/metadata/THIM/amd/certification", g_base);
    uint8_t *b = NULL;
    size_t n = 0;
    cvm_err err;
    cvm_err_clear(&err);
    cvm_http_opts o = {.attempts = 1};
    assert_int_not_equal(cvm_http_get(url, NULL, &o, &b, &n, &err), CVM_OK);
    assert_non_null(strstr(err.msg, "HTTP status 400"));
}

static void t_chunked(void **state)
{
    (void)state;
    uint8_t *b = NULL;
    size_t n = 0;
    cvm_err err;
    /* two chunks (lower- and upper-case hex sizes, an extension) + trailer */
    assert_int_equal(thim_once("chunked", &b, &n, &err), CVM_OK);
    const char *want = "{\"vcekCert\":\"x\",\"certificateChain\":\"y\",\"tcbm\":\"7308000000000003\"}";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(b, want, n);
    assert_int_equal(b[n], 0);
    free(b);
    /* an interim head, then the same, in 7-byte pieces across many reads */
    assert_int_equal(thim_once("trickle", &b, &n, &err), CVM_OK);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(b, want, n);
    free(b);
}

static void t_bigchunked_aborts(void **state)
{
    (void)state;
    uint8_t *b = NULL;
    size_t n = 0;
    cvm_err err;
    assert_int_not_equal(thim_once("bigchunked", &b, &n, &err), CVM_OK);
    assert_null(b);
    assert_non_null(strstr(err.msg, "larger than 65536"));
}

static void t_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *mode, *msg;
    } cases[] = {
        /* the parser's words, field and absolute offset (format/http1.c) */
        {"badstatus", "malformed HTTP status line \"HTTP/1.1 2OO OK\": status code is not 3 digits "
                      "(HTTP response status_line.status_code at offset 10)"},
        {"bighead", "the response head exceeds 16384 bytes (HTTP response head at offset 16384)"},
        {"short", "the server closed the connection 90 bytes short of the body (HTTP response body at offset 50)"},
        {"lf", "bare LF in the status line (lines must end with CRLF) (HTTP response status_line at offset 15)"},
        {"badchunk", "the server closed the connection 12 bytes short of the 16-byte chunk (HTTP response "
                     "chunk_data at offset 55)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *b = NULL;
        size_t n = 0;
        cvm_err err;
        assert_int_not_equal(thim_once(cases[i].mode, &b, &n, &err), CVM_OK);
        assert_null(b);
        if (!strstr(err.msg, cases[i].msg))
            fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].mode, err.msg, cases[i].msg);
        assert_non_null(strstr(err.what, cases[i].mode));
    }
}

static void t_bad_urls(void **state)
{
    (void)state;
    static const char *const urls[] = {"ftp://127.0.0.1/x", "http://127.0.0.1:99999/x", "http://u@127.0.0.1/x",
                                       "http://[::1/x", "http:///x", "http://127.0.0.1:/x"};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        uint8_t *b = NULL;
        size_t n = 0;
        cvm_err err;
        cvm_err_clear(&err);
        cvm_http_opts o = {.attempts = 1};
        assert_int_not_equal(cvm_http_get(urls[i], NULL, &o, &b, &n, &err), CVM_OK);
        assert_null(b);
        assert_string_equal(err.what, urls[i]);
    }
}

static void t_https_via_dlopened_curl(void **state)
{
    (void)state;
    /* TLS to the plain-HTTP stub: libcurl is loaded and fails the handshake */
    char url[256];
    snprintf(url, sizeof url, "https://127.0.0.1:%s/ok/x", strrchr(g_base, ':') + 1);
    uint8_t *b = NULL;
    size_t n = 0;
    cvm_err err;
    cvm_err_clear(&err);
    cvm_http_opts o = {.attempts = 1};
    assert_int_not_equal(cvm_http_get(url, NULL, &o, &b, &n, &err), CVM_OK);
    assert_null(b);
    assert_null(strstr(err.msg, "libcurl4"));
    assert_non_null(strstr(err.msg, "SSL"));

    /* without libcurl4: one attempt, and the message says what to install */
    setenv("CVM_COLLECT_TEST_NO_LIBCURL", "1", 1);
    cvm_err_clear(&err);
    o.attempts = 3;
    FILE *log = tmpfile();
    assert_non_null(log);
    o.log = log;
    int rc = cvm_http_get(url, NULL, &o, &b, &n, &err);
    unsetenv("CVM_COLLECT_TEST_NO_LIBCURL");
    assert_int_not_equal(rc, CVM_OK);
    assert_non_null(strstr(err.msg, "--kds needs libcurl4 (apt-get install libcurl4)"));
    rewind(log);
    char line[512];
    int lines = 0;
    while (fgets(line, sizeof line, log))
        lines++;
    fclose(log);
    assert_int_equal(lines, 1);
}

static void t_kds(void **state)
{
    (void)state;
    uint8_t chip[64];
    for (int i = 0; i < 64; i++)
        chip[i] = (uint8_t)i;
    cvm_kds_tcb tcb = {.bl = 3, .tee = 0, .snp = 8, .ucode = 115, .fmc = 1};
    char url[512];
    assert_true(cvm_kds_vcek_url(url, sizeof url, NULL, "Milan", chip, 64, &tcb) > 0);
    assert_string_equal(url, "https://kdsintf.amd.com/vcek/v1/Milan/"
                             "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                             "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
                             "?blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115");
    assert_true(cvm_kds_vcek_url(url, sizeof url, "http://k", "Turin", chip, 64, &tcb) > 0);
    assert_string_equal(url, "http://k/vcek/v1/Turin/0001020304050607?fmcSPL=1&blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115");
    assert_int_equal(cvm_kds_vcek_url(url, 20, NULL, "Milan", chip, 64, &tcb), -1);

    char base[200];
    snprintf(base, sizeof base, "%s/ok", g_base);
    uint8_t *der = NULL, *chain = NULL;
    size_t dl = 0, cl = 0;
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_kds_fetch(base, "Genoa", chip, 64, &tcb, NULL, &der, &dl, &chain, &cl, &err), CVM_OK);
    assert_int_equal(dl, 7);
    assert_memory_equal(der, "DERDATA", 7);
    assert_int_equal(cl, 5);
    assert_memory_equal(chain, "CHAIN", 5);
    free(der);
    free(chain);
    cvm_err_clear(&err);
    assert_int_not_equal(cvm_kds_fetch(base, "Naples", chip, 64, &tcb, NULL, &der, &dl, &chain, &cl, &err),
                         CVM_OK);
    assert_string_equal(err.field, "product");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_ok),
        cmocka_unit_test(t_500_retries_then_fails),
        cmocka_unit_test(t_big_aborts_without_retry),
        cmocka_unit_test(t_slow_times_out),
        cmocka_unit_test(t_unreachable),
        cmocka_unit_test(t_header_required),
        cmocka_unit_test(t_chunked),
        cmocka_unit_test(t_bigchunked_aborts),
        cmocka_unit_test(t_malformed),
        cmocka_unit_test(t_bad_urls),
        cmocka_unit_test(t_https_via_dlopened_curl),
        cmocka_unit_test(t_kds),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
