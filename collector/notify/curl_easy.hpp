// The libcurl plumbing both channels share: one-time global init, an owning easy handle and
// header list, and the mapping of libcurl results onto retry or give up.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

#include "collector/notify/notifier.hpp"

namespace pathwatch::collector::notify {

// curl_global_init exactly once per process, before the first handle (it is not thread-safe
// in every libcurl build).
void ensure_curl_global_init();

struct CurlEasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;

struct CurlSlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlSlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;

// Appends; returns false when libcurl is out of memory.
bool slist_append(CurlSlistPtr& list, const std::string& item);

// A new easy handle with the settings every channel wants: no signals (threads), no
// redirects, no proxy from the environment, a total timeout, and verbose output off.
CurlEasyPtr new_easy_handle(long timeout_ms);

// Transport errors (connection refused, timeout, TLS handshake, server 4xx on SMTP) retry;
// rejected credentials, a refused STARTTLS that was required, a bad URL give up at once.
DeliveryResult result_of(CURLcode code, const char* error_buffer);

}  // namespace pathwatch::collector::notify
