#include "collector/notify/curl_easy.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <mutex>

namespace pathwatch::collector::notify {

namespace {

int few_syns(void*, curl_socket_t fd, curlsocktype purpose) {
  if (purpose == CURLSOCKTYPE_IPCXN) {
    const int syns = 1;  // retransmissions of the SYN: one, after 1 s
    ::setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &syns, sizeof syns);
  }
  return CURL_SOCKOPT_OK;
}

}  // namespace

void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool slist_append(CurlSlistPtr& list, const std::string& item) {
  curl_slist* next = curl_slist_append(list.get(), item.c_str());
  if (next == nullptr) return false;
  (void)list.release();
  list.reset(next);
  return true;
}

CurlEasyPtr new_easy_handle(long timeout_ms) {
  ensure_curl_global_init();
  CurlEasyPtr h(curl_easy_init());
  if (!h) return h;
  curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h.get(), CURLOPT_FOLLOWLOCATION, 0L);
  // An empty string disables proxies, including http_proxy from the environment: a
  // notification about a broken network must not depend on a proxy nobody configured here.
  curl_easy_setopt(h.get(), CURLOPT_PROXY, "");
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h.get(), CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  // A relay that does not answer a SYN is down: give up the connect after one resent SYN
  // (about 3 s) and try again soon (the queue's down-channel probe), rather than sit out the
  // kernel's SYN back-off (1, 3, 7, 15 s...). Only the SYNs: DNS, TLS and the SMTP greeting
  // keep the whole timeout.
  curl_easy_setopt(h.get(), CURLOPT_SOCKOPTFUNCTION, few_syns);
  curl_easy_setopt(h.get(), CURLOPT_VERBOSE, 0L);
  return h;
}

DeliveryResult result_of(CURLcode code, const char* error_buffer) {
  if (code == CURLE_OK) return {DeliveryOutcome::kSent, ""};
  std::string message = curl_easy_strerror(code);
  if (error_buffer != nullptr && error_buffer[0] != '\0')
    message += ": " + std::string(error_buffer);
  switch (code) {
    case CURLE_LOGIN_DENIED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_AUTH_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
      return {DeliveryOutcome::kPermanent, message};
    default:
      return {DeliveryOutcome::kRetry, message};
  }
}

}  // namespace pathwatch::collector::notify
