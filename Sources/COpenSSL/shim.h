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
#include <openssl/ts.h>
#include <openssl/x509v3.h>
#include <openssl/objects.h>
#include <openssl/bn.h>

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

/* RFC 3161: the verification flags (bit macros), and a context setter that takes ownership of an
 * OPENSSL_malloc'd copy (TS_VERIFY_CTX_free frees the imprint with OPENSSL_free in 3.0). */
static inline int attest_TS_VFY_TOKEN_FLAGS(void) {
    return TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_IMPRINT | TS_VFY_SIGNER;
}

static inline int attest_TS_VERIFY_CTX_set_imprint_copy(TS_VERIFY_CTX *ctx, const unsigned char *bytes, long length) {
    unsigned char *copy = OPENSSL_memdup(bytes, (size_t)length);
    if (copy == NULL) return 0;
    TS_VERIFY_CTX_set_imprint(ctx, copy, length);
    return 1;
}

static inline unsigned long attest_XN_FLAG_ONELINE(void) {
    return XN_FLAG_ONELINE;
}

/* The directory name of a GENERAL_NAME, or NULL when it holds another kind of name. */
static inline X509_NAME *attest_GENERAL_NAME_directory(GENERAL_NAME *name) {
    return (name != NULL && name->type == GEN_DIRNAME) ? name->d.directoryName : NULL;
}

#endif
