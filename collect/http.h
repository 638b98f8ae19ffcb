/* One HTTP request for cvm-collect. http:// goes through a small strict
 * HTTP/1.1 client over a TCP socket (collect/http.c): IMDS is plain HTTP to a
 * link-local address and linking libcurl costs ~20 ms of process start-up
 * (bench/collect_bench.sh). https:// (AMD KDS, TSAs) goes through libcurl,
 * loaded with dlopen only on that path (collect/curl_dl.c). Never a proxy. */
#ifndef CVM_COLLECT_HTTP_H
#define CVM_COLLECT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct cvm_http_req {
    const char *method;          /* "GET" or "POST" */
    const char *url;             /* http:// or https:// */
    const char *const *headers;  /* "Name: value", NULL-terminated; may be NULL */
    const uint8_t *body;         /* POST body */
    size_t body_len;
    long connect_timeout_ms;     /* > 0 */
    long total_timeout_ms;       /* > 0: the whole request */
    size_t max_body;             /* > 0: a bigger body aborts the transfer */
} cvm_http_req;

enum {
    CVM_HTTP_DONE = 0,    /* a complete response; *status is its code */
    CVM_HTTP_FAILED = 1,  /* transport or protocol error: msg says which */
    CVM_HTTP_TOO_BIG = 2, /* body over max_body: aborted early */
};

/* Limits of the plain client: the response head (status line + headers). */
#define CVM_HTTP_MAX_HEAD 16384

/* Performs the request. The body of a complete response is appended to
 * `out` (any status). msg gets a one-line reason on failure. */
int cvm_http_do(const cvm_http_req *r, long *status, cvm_wr *out, char *msg, size_t msgcap);

/* The plain-HTTP path only (http:// URLs). */
int cvm_http_plain(const cvm_http_req *r, long *status, cvm_wr *out, char *msg, size_t msgcap);

/* The libcurl path (https://): CVM_HTTP_FAILED with "... needs libcurl4
 * (apt-get install libcurl4)" when libcurl.so.4 cannot be loaded. */
int cvm_http_curl(const cvm_http_req *r, long *status, cvm_wr *out, char *msg, size_t msgcap);

#endif
