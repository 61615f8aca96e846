// Webhook: the notification as JSON (webhook_json.hpp) in an HTTP(S) POST with libcurl, with
// configured headers (tokens never logged) and timeout. 2xx is sent; 408, 429 and 5xx retry;
// other 4xx give up (the receiver refuses this request and will refuse it again).
#pragma once

#include <string>

#include "collector/notify/notifier.hpp"
#include "collector/notify/notify_config.hpp"

namespace pathwatch::collector::notify {

// The outcome for an HTTP status (exposed for tests).
DeliveryOutcome outcome_of_http_status(long status);

class WebhookNotifier final : public Notifier {
 public:
  explicit WebhookNotifier(WebhookConfig config);

  const std::string& name() const override { return name_; }
  DeliveryResult deliver(const Notification& notification) override;

 private:
  WebhookConfig config_;
  std::string name_;  // "webhook:host": the URL's path may be a secret (chat webhooks)
};

}  // namespace pathwatch::collector::notify
