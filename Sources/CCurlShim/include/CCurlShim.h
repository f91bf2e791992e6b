#ifndef GATEHOUSE_CCURLSHIM_H
#define GATEHOUSE_CCURLSHIM_H
#include <curl/curl.h>

// Swift cannot call the variadic curl_easy_setopt; these typed wrappers can be.
CURLcode gh_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode gh_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode gh_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode gh_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);

#endif
