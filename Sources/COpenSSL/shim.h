#ifndef ATTEST_COPENSSL_SHIM_H
#define ATTEST_COPENSSL_SHIM_H

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/opensslv.h>
#include <openssl/rand.h>

/* Macros and variadic functions Swift cannot import, as small inline functions. */

static inline long attest_BIO_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

static inline void attest_OPENSSL_free(void *pointer) {
    OPENSSL_free(pointer);
}

static inline unsigned long attest_OPENSSL_version_number(void) {
    return OPENSSL_VERSION_NUMBER;
}

/* A PEM password callback that refuses: an encrypted key must give an error, never a prompt. */
static inline int attest_refuse_password(char *buf, int size, int rwflag, void *u) {
    (void)buf; (void)size; (void)rwflag; (void)u;
    return -1;
}


/* SHA-256 with the digest fetched once per process and one context per thread, freed when the
   thread exits (pthread key destructor): OpenSSL 3.0's implicit fetch in EVP_sha256() takes a
   global lock and is ~2x slower for small inputs. Returns 1 on success. */
#include <pthread.h>

static pthread_once_t attest_sha256_once = PTHREAD_ONCE_INIT;
static pthread_key_t attest_sha256_key;
static EVP_MD *attest_sha256_algorithm = NULL;

static void attest_sha256_free_context(void *context) {
    EVP_MD_CTX_free((EVP_MD_CTX *)context);
}

static void attest_sha256_setup(void) {
    attest_sha256_algorithm = EVP_MD_fetch(NULL, "SHA256", NULL);
    pthread_key_create(&attest_sha256_key, attest_sha256_free_context);
}

static inline int attest_sha256(const void *data, size_t length, unsigned char *out) {
    pthread_once(&attest_sha256_once, attest_sha256_setup);
    if (attest_sha256_algorithm == NULL) return 0;
    EVP_MD_CTX *context = (EVP_MD_CTX *)pthread_getspecific(attest_sha256_key);
    if (context == NULL) {
        context = EVP_MD_CTX_new();
        if (context == NULL || pthread_setspecific(attest_sha256_key, context) != 0) {
            EVP_MD_CTX_free(context);
            return 0;
        }
    }
    unsigned int size = 0;
    return EVP_DigestInit_ex2(context, attest_sha256_algorithm, NULL) == 1
        && EVP_DigestUpdate(context, data, length) == 1
        && EVP_DigestFinal_ex(context, out, &size) == 1
        && size == 32;
}

#endif
