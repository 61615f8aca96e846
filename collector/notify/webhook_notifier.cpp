#include "collector/notify/webhook_notifier.hpp"

#include "collector/notify/curl_easy.hpp"
#include "collector/notify/webhook_json.hpp"

namespace pathwatch::collector::notify {
namespace {

// The response body is not needed; reading it keeps the connection well-behaved.
std::size_t discard(char*, std::size_t size, std::size_t count, void*) {
  return size * count;
}

}  // namespace

DeliveryOutcome outcome_of_http_status(long status) {
  if (status >= 200 && status < 300) return DeliveryOutcome::kSent;
  if (status == 408 || status == 429 || status >= 500) return DeliveryOutcome::kRetry;
  return DeliveryOutcome::kPermanent;
}

WebhookNotifier::WebhookNotifier(WebhookConfig config)
    : config_(std::move(config)), name_("webhook:" + url_host(config_.url)) {
  ensure_curl_global_init();
}

DeliveryResult WebhookNotifier::deliver(const Notification& n) {
  const std::string body = webhook_payload(n, config_.language);
  CurlEasyPtr h = new_easy_handle(static_cast<long>(config_.timeout.count()));
  if (!h) return {DeliveryOutcome::kRetry, "curl_easy_init failed"};
  char error[CURL_ERROR_SIZE] = {};
  CURL* c = h.get();
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_URL, config_.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!config_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, config_.ca_file.c_str());
  CurlSlistPtr headers;
  bool ok = slist_append(headers, "Content-Type: application/json; charset=utf-8") &&
            slist_append(headers, "User-Agent: pathwatch-collector") &&
            slist_append(headers, "Expect:");  // no 100-continue round trip
  for (const auto& header : config_.headers) {
    ok = ok && slist_append(headers, header.name + ": " + header.value.reveal());
  }
  if (!ok) return {DeliveryOutcome::kRetry, "out of memory"};
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);

  const CURLcode code = curl_easy_perform(c);
  if (code != CURLE_OK) return result_of(code, error);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  const DeliveryOutcome outcome = outcome_of_http_status(status);
  if (outcome == DeliveryOutcome::kSent) return {outcome, "", true};
  return {outcome, "HTTP status " + std::to_string(status), true};
}

}  // namespace pathwatch::collector::notify
