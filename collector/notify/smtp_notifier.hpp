// E-mail over SMTP with libcurl: smtp:// with STARTTLS none/opportunistic/required or smtps://,
// optional AUTH (password from a checked secret file, never logged), one message per
// notification, threaded per incident (email_message.hpp).
#pragma once

#include <string>

#include "collector/notify/email_message.hpp"
#include "collector/notify/notifier.hpp"
#include "collector/notify/notify_config.hpp"
#include "shared/time/clock.hpp"

namespace pathwatch::collector::notify {

// From, To (configured) and Cc: with cc_owners, the contacts of a conclusive verdict's
// suspected owners that look like plain addresses, without duplicates.
EmailEnvelope envelope_for(const EmailChannelConfig& config, const Notification& notification);

class SmtpNotifier final : public Notifier {
 public:
  // `clock` gives the Date header; it must outlive the notifier.
  SmtpNotifier(EmailChannelConfig config, const shared::Clock& clock);

  const std::string& name() const override { return name_; }
  DeliveryResult deliver(const Notification& notification) override;

 private:
  EmailChannelConfig config_;
  const shared::Clock& clock_;
  std::string name_;
};

}  // namespace pathwatch::collector::notify
