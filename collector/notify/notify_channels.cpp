#include "collector/notify/notify_channels.hpp"

#include "collector/notify/smtp_notifier.hpp"
#include "collector/notify/webhook_notifier.hpp"

namespace pathwatch::collector::notify {

std::vector<NotifierPtr> make_notifiers(const NotifyConfig& config, const shared::Clock& clock) {
  std::vector<NotifierPtr> out;
  if (config.email) out.push_back(std::make_unique<SmtpNotifier>(*config.email, clock));
  for (const auto& w : config.webhooks) out.push_back(std::make_unique<WebhookNotifier>(w));
  return out;
}

}  // namespace pathwatch::collector::notify
