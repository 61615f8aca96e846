#include "collector/notify/email_message.hpp"

#include <fmt/format.h>

#include "collector/notify/mime.hpp"

namespace pathwatch::collector::notify {
namespace {

// Message-ID's left part is a dot-atom (RFC 5322 3.6.4): keep letters, digits, '-' and '_',
// and write anything else as =XX so two different ids never collide.
std::string id_atom(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= '0' && u <= '9') || (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || c == '-' ||
        c == '_') {
      out += c;
    } else {
      out += fmt::format("={:02X}", u);
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += ", ";
    out += i;
  }
  return out;
}

}  // namespace

std::string address_domain(const std::string& address) {
  const auto at = address.rfind('@');
  if (at == std::string::npos || at + 1 >= address.size()) return "localhost";
  return address.substr(at + 1);
}

std::string thread_root_id(const std::string& incident_id, const std::string& domain) {
  return "<pathwatch." + id_atom(incident_id) + "@" + domain + ">";
}

std::string message_id(const Notification& n, const std::string& domain) {
  if (n.kind == NotificationKind::kOpened) return thread_root_id(n.incident_id, domain);
  return fmt::format("<pathwatch.{}.{}.{}@{}>", id_atom(n.incident_id), to_string(n.kind),
                     shared::to_unix_nanos(n.at), domain);
}

EmailMessage build_email(const Notification& n, const MessageText& text,
                         const EmailEnvelope& envelope, shared::UtcNanos date) {
  const std::string domain = address_domain(envelope.from);
  EmailMessage m;
  m.message_id = message_id(n, domain);
  std::string& d = m.data;
  d += "Date: " + format_rfc5322_date(date) + "\r\n";
  d += "From: " + envelope.from + "\r\n";
  d += "To: " + join(envelope.to) + "\r\n";
  if (!envelope.cc.empty()) d += "Cc: " + join(envelope.cc) + "\r\n";
  d += "Subject: " + encode_header_text(text.subject) + "\r\n";
  d += "Message-ID: " + m.message_id + "\r\n";
  if (n.kind != NotificationKind::kOpened) {
    const std::string root = thread_root_id(n.incident_id, domain);
    d += "In-Reply-To: " + root + "\r\n";
    d += "References: " + root + "\r\n";
  }
  d += "MIME-Version: 1.0\r\n";
  d += "Content-Type: text/plain; charset=UTF-8\r\n";
  d += "Content-Transfer-Encoding: base64\r\n";
  // RFC 3834: machine-generated, so vacation responders stay quiet.
  d += "Auto-Submitted: auto-generated\r\n";
  d += "X-Pathwatch-Incident: " + encode_header_text(n.incident_id) + "\r\n";
  d += std::string("X-Pathwatch-Kind: ") + to_string(n.kind) + "\r\n";
  d += "\r\n";
  std::string body;
  body.reserve(text.body.size() + text.body.size() / 40);
  for (const char c : text.body) {
    if (c == '\n') body += '\r';
    body += c;
  }
  d += base64_encode(body, 76) + "\r\n";
  return m;
}

}  // namespace pathwatch::collector::notify
