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


#endif
