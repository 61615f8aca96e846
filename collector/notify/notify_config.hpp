// The `notify:` configuration section: the e-mail channel, webhooks, retry policy and queue
// bound. Strict like every pathwatch config (FILE:LINE:COL errors); secret files are read and
// checked here, at start-up, so a bad file stops the collector with a clear message.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collector/notify/notification.hpp"
#include "collector/notify/secret_file.hpp"
#include "shared/config/config_node.hpp"

namespace pathwatch::collector::notify {

// STARTTLS on smtp:// (CURLOPT_USE_SSL); smtps:// is TLS from the first byte regardless.
enum class StartTls : std::uint8_t { kNone, kOpportunistic, kRequired };

struct EmailChannelConfig {
  std::string url;   // smtp://host:port or smtps://host:port
  std::string from;  // bare address
  std::vector<std::string> to;
  StartTls starttls = StartTls::kRequired;
  std::string username;
  std::string password_file;
  Secret password;
  std::string ca_file;  // empty: the system's CA store
  Language language = Language::kJa;
  std::chrono::milliseconds timeout{30000};
  // Also send to the contact address of every suspected segment's owner, but only when the
  // verdict is conclusive (an outside party is not mailed on a guess).
  bool cc_owners = false;
};

struct WebhookHeader {
  std::string name;
  Secret value;  // may be a token: never logged
};

struct WebhookConfig {
  std::string url;  // http:// or https://
  std::vector<WebhookHeader> headers;
  std::chrono::milliseconds timeout{10000};
  Language language = Language::kJa;
  std::string ca_file;
};

// A channel that fails is tried again soon and often (one try at a time while it is down,
// every 1.5–3 s by default), so a message goes within about 5 s of the relay coming back,
// however long it was away (issue 15 item 5); a job is given up after `give_up_after`.
struct RetryPolicy {
  int attempts = 0;  // total tries per job, the first included; 0: no limit but give_up_after
  std::chrono::nanoseconds initial_backoff = std::chrono::seconds(1);
  std::chrono::nanoseconds max_backoff = std::chrono::seconds(3);
  std::chrono::nanoseconds give_up_after = std::chrono::hours(24);  // from when it was queued
};

struct NotifyConfig {
  std::optional<EmailChannelConfig> email;
  std::vector<WebhookConfig> webhooks;
  RetryPolicy retry;
  std::size_t queue_capacity = 1000;  // deliveries waiting (per channel and notification)
};

// Throws shared::ConfigError.
NotifyConfig parse_notify_config(const shared::ConfigNode& node);

// "hooks.example" of "https://hooks.example:8443/T0/B1?x" (for logs: paths may hold tokens);
// "127.0.0.1" of "smtp://127.0.0.1:2525"; "[::1]" stays bracketed. Empty when malformed.
std::string url_host(const std::string& url);
std::string url_scheme(const std::string& url);
bool is_loopback_host(const std::string& host);

}  // namespace pathwatch::collector::notify
