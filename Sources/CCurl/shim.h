#ifndef ATTEST_CCURL_SHIM_H
#define ATTEST_CCURL_SHIM_H

/* libcurl (Debian's libcurl4-openssl-dev) for the one HTTP request attest makes: the POST of an
 * RFC 3161 query to a Time-Stamp Authority. curl_easy_setopt and curl_easy_getinfo are variadic,
 * which Swift cannot call: each argument type gets a typed inline wrapper here. */
#include <curl/curl.h>

typedef size_t (*attest_curl_write_callback)(char *data, size_t size, size_t count, void *context);

static inline CURLcode attest_curl_set_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode attest_curl_set_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode attest_curl_set_write_callback(CURL *handle, attest_curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

static inline CURLcode attest_curl_response_code(CURL *handle, long *code) {
    return curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, code);
}

static inline CURLcode attest_curl_content_type(CURL *handle, char **type) {
    return curl_easy_getinfo(handle, CURLINFO_CONTENT_TYPE, type);
}

#endif
