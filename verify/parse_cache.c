/* A process-local memo of decodings that depend only on the bytes decoded:
 * certificate lists (vcek.pem, --trust-anchor) and public keys
 * (akpub.pem). In a batch the same VCEK chain and trust anchor come with
 * every bundle of a host; OpenSSL 3's decoder framework makes each parse
 * cost as much as a signature check (bench/verify_bench.c). Only
 * successful decodings are kept, keyed by SHA-256 of (kind, bytes), and
 * handed out as new references (X509_up_ref / EVP_PKEY_up_ref), so callers
 * own and free what they get exactly as before. Guarded by a mutex. */
#include "verify.h"

#include <pthread.h>
#include <string.h>

#define SLOTS 64

enum { K_CERTS = 1, K_PUBKEY = 2 };

typedef struct slot {
    int kind;
    uint8_t key[32];
    STACK_OF(X509) *certs;
    EVP_PKEY *pk;
} slot;

static slot slots[SLOTS];
static size_t next_slot;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static bool key_of(int kind, const uint8_t *buf, size_t len, uint8_t key[32])
{
    uint8_t k = (uint8_t)kind;
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    bool ok = m && EVP_DigestInit_ex(m, EVP_sha256(), NULL) == 1 && EVP_DigestUpdate(m, &k, 1) == 1 &&
              EVP_DigestUpdate(m, buf, len) == 1 && EVP_DigestFinal_ex(m, key, NULL) == 1;
    EVP_MD_CTX_free(m);
    return ok;
}

static STACK_OF(X509) *certs_ref(STACK_OF(X509) *sk)
{
    STACK_OF(X509) *out = sk_X509_new_null();
    for (int i = 0; out && i < sk_X509_num(sk); i++) {
        X509 *x = sk_X509_value(sk, i);
        if (X509_up_ref(x) != 1 || !sk_X509_push(out, x)) {
            if (out)
                cvm_certs_free(out);
            return NULL;
        }
    }
    return out;
}

static slot *find(int kind, const uint8_t key[32])
{
    for (size_t i = 0; i < SLOTS; i++)
        if (slots[i].kind == kind && memcmp(slots[i].key, key, 32) == 0)
            return &slots[i];
    return NULL;
}

static slot *take_slot(int kind, const uint8_t key[32])
{
    slot *s = &slots[next_slot++ % SLOTS];
    if (s->certs)
        cvm_certs_free(s->certs);
    EVP_PKEY_free(s->pk);
    memset(s, 0, sizeof *s);
    s->kind = kind;
    memcpy(s->key, key, 32);
    return s;
}

int cvm_pcache_certs(const uint8_t *buf, size_t len, const char *what, STACK_OF(X509) **out, cvm_err *err)
{
    uint8_t key[32];
    bool keyed = key_of(K_CERTS, buf, len, key);
    if (keyed) {
        pthread_mutex_lock(&lock);
        slot *s = find(K_CERTS, key);
        STACK_OF(X509) *sk = s ? certs_ref(s->certs) : NULL;
        pthread_mutex_unlock(&lock);
        if (sk) {
            *out = sk;
            return CVM_OK;
        }
    }
    int rc = cvm_certs_load(buf, len, what, out, err);
    if (rc == CVM_OK && keyed) {
        STACK_OF(X509) *copy = certs_ref(*out);
        if (copy) {
            pthread_mutex_lock(&lock);
            take_slot(K_CERTS, key)->certs = copy;
            pthread_mutex_unlock(&lock);
        }
    }
    return rc;
}

EVP_PKEY *cvm_pcache_pubkey_get(const uint8_t *buf, size_t len)
{
    uint8_t key[32];
    if (!key_of(K_PUBKEY, buf, len, key))
        return NULL;
    pthread_mutex_lock(&lock);
    slot *s = find(K_PUBKEY, key);
    EVP_PKEY *pk = s && EVP_PKEY_up_ref(s->pk) == 1 ? s->pk : NULL;
    pthread_mutex_unlock(&lock);
    return pk;
}

void cvm_pcache_pubkey_put(const uint8_t *buf, size_t len, EVP_PKEY *pk)
{
    uint8_t key[32];
    if (!key_of(K_PUBKEY, buf, len, key) || EVP_PKEY_up_ref(pk) != 1)
        return;
    pthread_mutex_lock(&lock);
    take_slot(K_PUBKEY, key)->pk = pk;
    pthread_mutex_unlock(&lock);
}
