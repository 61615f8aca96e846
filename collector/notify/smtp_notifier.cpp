#include "collector/notify/smtp_notifier.hpp"

#include <algorithm>
#include <cstring>

#include "collector/notify/curl_easy.hpp"
#include "collector/notify/mime.hpp"

namespace pathwatch::collector::notify {
namespace {

struct Upload {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* u = static_cast<Upload*>(user);
  const std::size_t room = size * count;
  const std::size_t n = std::min(room, u->data->size() - u->offset);
  std::memcpy(buffer, u->data->data() + u->offset, n);
  u->offset += n;
  return n;
}

bool plain_address(const std::string& a) {
  const auto at = a.find('@');
  return at != std::string::npos && at > 0 && at + 1 < a.size() && is_single_line(a) &&
         a.find_first_of(" \t<>,;\"()[]\\") == std::string::npos;
}

long curl_use_ssl(StartTls s) {
  switch (s) {
    case StartTls::kNone:
      return CURLUSESSL_NONE;
    case StartTls::kOpportunistic:
      return CURLUSESSL_TRY;
    case StartTls::kRequired:
      return CURLUSESSL_ALL;
  }
  return CURLUSESSL_ALL;
}

}  // namespace

EmailEnvelope envelope_for(const EmailChannelConfig& config, const Notification& n) {
  EmailEnvelope e{config.from, config.to, {}};
  if (config.cc_owners && n.verdict.conclusive) {
    for (const auto& cause : n.verdict.causes) {
      for (const auto& s : cause.alternatives) {
        if (!plain_address(s.email)) continue;
        if (std::find(e.to.begin(), e.to.end(), s.email) != e.to.end()) continue;
        if (std::find(e.cc.begin(), e.cc.end(), s.email) != e.cc.end()) continue;
        e.cc.push_back(s.email);
      }
    }
  }
  return e;
}

SmtpNotifier::SmtpNotifier(EmailChannelConfig config, const shared::Clock& clock)
    : config_(std::move(config)), clock_(clock), name_("email:" + url_host(config_.url)) {
  ensure_curl_global_init();
}

DeliveryResult SmtpNotifier::deliver(const Notification& n) {
  const EmailEnvelope envelope = envelope_for(config_, n);
  const EmailMessage message =
      build_email(n, render_message(n, config_.language), envelope, clock_.utc_now());

  CurlEasyPtr h = new_easy_handle(static_cast<long>(config_.timeout.count()));
  if (!h) return {DeliveryOutcome::kRetry, "curl_easy_init failed"};
  char error[CURL_ERROR_SIZE] = {};
  CURL* c = h.get();
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_URL, config_.url.c_str());
  curl_easy_setopt(c, CURLOPT_USE_SSL, curl_use_ssl(config_.starttls));
  if (!config_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, config_.ca_file.c_str());
  if (!config_.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, config_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, config_.password.reveal().c_str());
  }
  const std::string mail_from = "<" + envelope.from + ">";
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  CurlSlistPtr recipients;
  for (const auto* list : {&envelope.to, &envelope.cc}) {
    for (const auto& r : *list) {
      if (!slist_append(recipients, "<" + r + ">"))
        return {DeliveryOutcome::kRetry, "out of memory"};
    }
  }
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  Upload upload{&message.data};
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.data.size()));

  const CURLcode code = curl_easy_perform(c);
  DeliveryResult result = result_of(code, error);
  if (code != CURLE_OK) {
    long reply = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
    // A 5xx reply is the relay's final word on this message (RFC 5321 4.2.1); 4xx may pass.
    if (reply >= 500 && reply < 600) result.outcome = DeliveryOutcome::kPermanent;
    if (reply > 0) result.error += " (SMTP reply " + std::to_string(reply) + ")";
    result.answered = reply > 0;
  }
  return result;
}

}  // namespace pathwatch::collector::notify
