#ifndef GATEHOUSE_CCURLSHIM_H
#define GATEHOUSE_CCURLSHIM_H
#include <curl/curl.h>

// Swift cannot call the variadic curl_easy_setopt / curl_easy_getinfo; these typed wrappers can be.
CURLcode gh_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode gh_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode gh_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode gh_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
// For CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION, which share the curl_write_callback shape.
CURLcode gh_easy_setopt_write_callback(CURL *handle, CURLoption option, curl_write_callback callback);

CURLcode gh_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode gh_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);

// CURL_GLOBAL_ALL is a composite macro Swift does not import.
CURLcode gh_global_init_all(void);

#endif
