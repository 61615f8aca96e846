// One delivery channel (an SMTP relay, a webhook URL) behind one interface. Implementations:
// smtp_notifier (libcurl SMTP), webhook_notifier (libcurl HTTP JSON POST); tests use fakes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "collector/notify/notification.hpp"

namespace pathwatch::collector::notify {

enum class DeliveryOutcome : std::uint8_t {
  kSent,
  kRetry,      // temporary: the server is down, busy, or said 4xx/5xx-retryable
  kPermanent,  // retrying cannot help: rejected credentials, recipient, request
};

struct DeliveryResult {
  DeliveryOutcome outcome = DeliveryOutcome::kSent;
  std::string error;  // for logs and status; never holds a secret or a message body
  // The server answered (an HTTP status, an SMTP reply): a retryable failure is about this
  // message, not a channel that is down (delivery_queue.hpp).
  bool answered = false;
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  // "email", "webhook:hooks.example" — no secrets, no URL paths (they may carry tokens).
  virtual const std::string& name() const = 0;
  // Called from the delivery thread only; blocks for at most the channel's timeout.
  virtual DeliveryResult deliver(const Notification& notification) = 0;
};

using NotifierPtr = std::unique_ptr<Notifier>;

}  // namespace pathwatch::collector::notify
