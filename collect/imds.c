/* GETs for IMDS THIM and AMD KDS (collect/http.h: plain HTTP in-process,
 * https through a dlopen'd libcurl). Short timeouts and a bounded number of
 * attempts: an incident responder must not wait on a dead metadata service,
 * and the caller falls back to --vcek/--kds. */
#include "imds.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "http.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int cvm_http_get(const char *url, const char *const *headers, const cvm_http_opts *o, uint8_t **body,
                 size_t *len, cvm_err *err)
{
    *body = NULL;
    *len = 0;
    cvm_http_opts d = {0};
    if (o)
        d = *o;
    if (d.connect_timeout_ms <= 0)
        d.connect_timeout_ms = 2000;
    if (d.total_timeout_ms <= 0)
        d.total_timeout_ms = 3000;
    if (d.attempts <= 0)
        d.attempts = 3;
    if (d.attempts > 10)
        d.attempts = 10;
    if (d.max_body == 0)
        d.max_body = 64 * 1024;
    cvm_http_req rq = {.method = "GET",
                       .url = url,
                       .headers = headers,
                       .connect_timeout_ms = d.connect_timeout_ms,
                       .total_timeout_ms = d.total_timeout_ms,
                       .max_body = d.max_body};

    char last[300] = "no attempt";
    for (int attempt = 1; attempt <= d.attempts; attempt++) {
        cvm_wr w;
        cvm_wr_init(&w);
        long status = 0;
        int hc = cvm_http_do(&rq, &status, &w, last, sizeof last);
        int retry = 1;
        if (hc == CVM_HTTP_DONE && status == 200) {
            uint8_t nul = 0;
            if (cvm_wr_bytes(&w, &nul, 1) != CVM_OK) {
                cvm_wr_free(&w);
                return cvm_err_set(err, CVM_E_NOMEM, url, "body", CVM_NO_OFFSET, "out of memory");
            }
            size_t n;
            *body = cvm_wr_take(&w, &n);
            *len = n - 1;
            return CVM_OK;
        }
        if (hc == CVM_HTTP_TOO_BIG) {
            retry = 0;
        } else if (hc == CVM_HTTP_DONE) {
            snprintf(last, sizeof last, "HTTP status %ld", status);
            retry = status >= 500 || status == 429 || status == 408;
        } else if (strstr(last, "needs libcurl4")) {
            retry = 0;
        }
        cvm_wr_free(&w);
        if (d.log)
            fprintf(d.log, "cvm-collect: GET %s (attempt %d/%d): %s\n", url, attempt, d.attempts, last);
        if (!retry)
            break;
        if (attempt < d.attempts)
            sleep_ms(200L * attempt);
    }
    return cvm_err_set(err, CVM_E_IO, url, "http", CVM_NO_OFFSET, "%s", last);
}

int cvm_imds_thim(const char *base, const cvm_http_opts *o, uint8_t **body, size_t *len, cvm_err *err)
{
    if (!base)
        base = CVM_IMDS_DEFAULT_URL;
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    char url[1024];
    if ((size_t)snprintf(url, sizeof url, "%.*s%s", (int)bl, base, CVM_IMDS_THIM_PATH) >= sizeof url)
        return cvm_err_set(err, CVM_E_LIMIT, "--imds", "url", CVM_NO_OFFSET, "URL too long");
    static const char *const hdr[] = {"Metadata: true", NULL};
    return cvm_http_get(url, hdr, o, body, len, err);
}

int cvm_kds_vcek_url(char *out, size_t cap, const char *base, const char *product, const uint8_t *chip_id,
                     size_t chip_len, const cvm_kds_tcb *tcb)
{
    if (!base)
        base = CVM_KDS_DEFAULT_URL;
    bool turin = !strcmp(product, "Turin");
    size_t idlen = turin ? 8 : 64;
    if (chip_len < idlen)
        return -1;
    char hw[129];
    cvm_hex(chip_id, idlen, hw);
    int n;
    /* formats.md §3.3: Turin has an fmcSPL and an 8-byte hwID */
    if (turin)
        n = snprintf(out, cap, "%s/vcek/v1/%s/%s?fmcSPL=%u&blSPL=%u&teeSPL=%u&snpSPL=%u&ucodeSPL=%u", base, product,
                     hw, tcb->fmc, tcb->bl, tcb->tee, tcb->snp, tcb->ucode);
    else
        n = snprintf(out, cap, "%s/vcek/v1/%s/%s?blSPL=%u&teeSPL=%u&snpSPL=%u&ucodeSPL=%u", base, product, hw,
                     tcb->bl, tcb->tee, tcb->snp, tcb->ucode);
    if (n < 0 || (size_t)n >= cap)
        return -1;
    return n;
}

int cvm_kds_fetch(const char *base, const char *product, const uint8_t *chip_id, size_t chip_len,
                  const cvm_kds_tcb *tcb, const cvm_http_opts *o, uint8_t **vcek_der, size_t *vcek_len,
                  uint8_t **chain_pem, size_t *chain_len, cvm_err *err)
{
    *vcek_der = *chain_pem = NULL;
    *vcek_len = *chain_len = 0;
    if (!base)
        base = CVM_KDS_DEFAULT_URL;
    if (strcmp(product, "Milan") && strcmp(product, "Genoa") && strcmp(product, "Turin"))
        return cvm_err_set(err, CVM_E_UNSUPPORTED, "kds", "product", CVM_NO_OFFSET,
                           "no KDS path for product \"%s\"", product);
    cvm_http_opts d = {0};
    if (o)
        d = *o;
    /* KDS is on the internet: allow more time than for the link-local IMDS */
    if (d.total_timeout_ms <= 0)
        d.total_timeout_ms = 15000;
    if (d.connect_timeout_ms <= 0)
        d.connect_timeout_ms = 5000;
    char url[1024];
    if (cvm_kds_vcek_url(url, sizeof url, base, product, chip_id, chip_len, tcb) < 0)
        return cvm_err_set(err, CVM_E_LIMIT, "kds", "url", CVM_NO_OFFSET, "cannot build the VCEK URL");
    int e = cvm_http_get(url, NULL, &d, vcek_der, vcek_len, err);
    if (e)
        return e;
    if ((size_t)snprintf(url, sizeof url, "%s/vcek/v1/%s/cert_chain", base, product) >= sizeof url) {
        free(*vcek_der);
        *vcek_der = NULL;
        return cvm_err_set(err, CVM_E_LIMIT, "kds", "url", CVM_NO_OFFSET, "URL too long");
    }
    e = cvm_http_get(url, NULL, &d, chain_pem, chain_len, err);
    if (e) {
        free(*vcek_der);
        *vcek_der = NULL;
        *vcek_len = 0;
    }
    return e;
}
