/* libcurl, loaded at run time and only for https:// (AMD KDS, TSAs). Linking
 * it made every cvm-collect run map ~26 shared objects (Kerberos, LDAP,
 * GnuTLS, ...) for ~20 ms of start-up although IMDS is plain HTTP
 * (bench/collect_bench.sh). curl.h is used for types and constants only;
 * every call goes through a pointer from dlsym. curl_easy_setopt and
 * curl_easy_getinfo are variadic and are called through pointers with
 * their variadic prototypes; one typed helper per argument type keeps each
 * call passing exactly the type libcurl reads back with va_arg. */
#include "http.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

typedef CURLcode (*global_init_fn)(long);
typedef CURL *(*easy_init_fn)(void);
typedef void (*easy_cleanup_fn)(CURL *);
typedef CURLcode (*easy_perform_fn)(CURL *);
typedef const char *(*easy_strerror_fn)(CURLcode);
typedef struct curl_slist *(*slist_append_fn)(struct curl_slist *, const char *);
typedef void (*slist_free_fn)(struct curl_slist *);
typedef size_t (*write_cb)(char *, size_t, size_t, void *);
typedef CURLcode (*setopt_fn)(CURL *, CURLoption, ...);
typedef CURLcode (*getinfo_fn)(CURL *, CURLINFO, ...);

static struct {
    bool tried, ok;
    global_init_fn global_init;
    easy_init_fn easy_init;
    easy_cleanup_fn easy_cleanup;
    easy_perform_fn easy_perform;
    easy_strerror_fn easy_strerror;
    slist_append_fn slist_append;
    slist_free_fn slist_free_all;
    setopt_fn setopt;
    getinfo_fn getinfo;
} k;

static bool load(void)
{
    if (k.tried)
        return k.ok;
    k.tried = true;
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return false;
    /* POSIX: a data pointer from dlsym converts to a function pointer */
#define SYM(field, name)                                                                                             \
    do {                                                                                                             \
        void *s_ = dlsym(h, name);                                                                                   \
        if (!s_)                                                                                                     \
            return false;                                                                                            \
        memcpy(&k.field, &s_, sizeof s_);                                                                            \
    } while (0)
    SYM(global_init, "curl_global_init");
    SYM(easy_init, "curl_easy_init");
    SYM(easy_cleanup, "curl_easy_cleanup");
    SYM(easy_perform, "curl_easy_perform");
    SYM(easy_strerror, "curl_easy_strerror");
    SYM(slist_append, "curl_slist_append");
    SYM(slist_free_all, "curl_slist_free_all");
    SYM(setopt, "curl_easy_setopt");
    SYM(getinfo, "curl_easy_getinfo");
#undef SYM
    if (k.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return false;
    k.ok = true;
    return true;
}

static CURLcode opt_long(CURL *c, CURLoption o, long v) { return k.setopt(c, o, v); }
static CURLcode opt_ptr(CURL *c, CURLoption o, void *v) { return k.setopt(c, o, v); }
static CURLcode opt_str(CURL *c, CURLoption o, const char *v) { return k.setopt(c, o, v); }
static CURLcode opt_off(CURL *c, CURLoption o, curl_off_t v) { return k.setopt(c, o, v); }
static CURLcode opt_cb(CURL *c, CURLoption o, write_cb v) { return k.setopt(c, o, v); }
static CURLcode info_long(CURL *c, CURLINFO i, long *v) { return k.getinfo(c, i, v); }

typedef struct sink {
    cvm_wr *w;
    size_t got, max;
    bool too_big, nomem;
} sink;

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    sink *s = ud;
    size_t len = size * n;
    if (s->got + len > s->max) {
        s->too_big = true;
        return 0; /* makes curl abort with CURLE_WRITE_ERROR */
    }
    if (cvm_wr_bytes(s->w, p, len) != 0) {
        s->nomem = true;
        return 0;
    }
    s->got += len;
    return len;
}

int cvm_http_curl(const cvm_http_req *r, long *status, cvm_wr *out, char *msg, size_t msgcap)
{
    *status = 0;
    /* tests: behave as on a system without libcurl4 */
    if (getenv("CVM_COLLECT_TEST_NO_LIBCURL") || !load()) {
        snprintf(msg, msgcap, "--kds needs libcurl4 (apt-get install libcurl4): libcurl.so.4, used only for "
                              "https:// URLs, cannot be loaded");
        return CVM_HTTP_FAILED;
    }
    CURL *c = k.easy_init();
    if (!c) {
        snprintf(msg, msgcap, "libcurl: out of memory");
        return CVM_HTTP_FAILED;
    }
    struct curl_slist *hl = NULL;
    for (size_t i = 0; r->headers && r->headers[i]; i++) {
        struct curl_slist *n = k.slist_append(hl, r->headers[i]);
        if (!n) {
            k.slist_free_all(hl);
            k.easy_cleanup(c);
            snprintf(msg, msgcap, "libcurl: out of memory");
            return CVM_HTTP_FAILED;
        }
        hl = n;
    }
    sink s = {.w = out, .max = r->max_body};
    char ebuf[CURL_ERROR_SIZE] = "";
    opt_str(c, CURLOPT_URL, r->url);
    opt_ptr(c, CURLOPT_HTTPHEADER, hl);
    /* as for plain HTTP: never a proxy from the environment */
    opt_str(c, CURLOPT_NOPROXY, "*");
    opt_str(c, CURLOPT_PROXY, "");
    opt_long(c, CURLOPT_CONNECTTIMEOUT_MS, r->connect_timeout_ms);
    opt_long(c, CURLOPT_TIMEOUT_MS, r->total_timeout_ms);
    opt_long(c, CURLOPT_NOSIGNAL, 1L);
    opt_long(c, CURLOPT_FOLLOWLOCATION, 0L);
    opt_off(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max_body);
    opt_str(c, CURLOPT_PROTOCOLS_STR, "https");
    if (!strcmp(r->method, "POST")) {
        opt_ptr(c, CURLOPT_POSTFIELDS, (void *)r->body);
        opt_long(c, CURLOPT_POSTFIELDSIZE, (long)r->body_len);
    }
    opt_cb(c, CURLOPT_WRITEFUNCTION, on_data);
    opt_ptr(c, CURLOPT_WRITEDATA, &s);
    opt_ptr(c, CURLOPT_ERRORBUFFER, ebuf);
    CURLcode cc = k.easy_perform(c);
    long code = 0;
    info_long(c, CURLINFO_RESPONSE_CODE, &code);
    k.slist_free_all(hl);
    k.easy_cleanup(c);
    if (s.too_big || cc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(msg, msgcap, "response larger than %zu bytes", r->max_body);
        return CVM_HTTP_TOO_BIG;
    }
    if (s.nomem) {
        snprintf(msg, msgcap, "out of memory");
        return CVM_HTTP_FAILED;
    }
    if (cc != CURLE_OK) {
        snprintf(msg, msgcap, "%s%s%s", k.easy_strerror(cc), ebuf[0] ? ": " : "", ebuf);
        return CVM_HTTP_FAILED;
    }
    *status = code;
    return CVM_HTTP_DONE;
}
