// An RFC 5322 message for one notification: UTF-8 text, RFC 2047 subject, base64 body, and
// threading headers so every message of one incident lands in one thread. Pure: no I/O.
#pragma once

#include <string>
#include <vector>

#include "collector/notify/message_text.hpp"
#include "collector/notify/notification.hpp"
#include "shared/time/time_types.hpp"

namespace pathwatch::collector::notify {

struct EmailEnvelope {
  std::string from;  // bare address: pathwatch@example.lg.jp
  std::vector<std::string> to;
  std::vector<std::string> cc;
};

struct EmailMessage {
  std::string message_id;  // with angle brackets
  std::string data;        // the whole message, CRLF line ends
};

// The Message-ID of the incident's first (opened) message, derived from the incident id alone:
// every later message refers to it without any stored state, even across restarts, and even
// when the opened message itself was lost. "<pathwatch.INC-1@example.lg.jp>".
std::string thread_root_id(const std::string& incident_id, const std::string& domain);
// Opened: the thread root; others: unique per incident, kind and notification time.
std::string message_id(const Notification& n, const std::string& domain);
// The domain part of an address ("example.lg.jp"); "localhost" when there is none.
std::string address_domain(const std::string& address);

EmailMessage build_email(const Notification& n, const MessageText& text,
                         const EmailEnvelope& envelope, shared::UtcNanos date);

}  // namespace pathwatch::collector::notify
