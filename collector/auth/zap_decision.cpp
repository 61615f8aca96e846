// RFC 27 frames: request = version, request_id, domain, address, identity, mechanism,
// credentials...; reply = version, request_id, status_code, status_text, user_id, metadata.
#include "collector/auth/zap_decision.hpp"

#include <zmq.h>

#include <array>

namespace pathwatch::collector {
namespace {

constexpr const char* kZapVersion = "1.0";

std::vector<std::string> reply(const std::string& request_id, const char* code, const char* text,
                               const std::string& user_id) {
  return {kZapVersion, request_id, code, text, user_id, ""};
}

}  // namespace

ZapDecision decide_zap(const std::vector<std::string>& request, const AgentKeyRegistry& registry) {
  ZapDecision d;
  if (request.size() < 2 || request[0] != kZapVersion) return d;  // cannot even answer
  const std::string& request_id = request[1];
  if (request.size() < 6) {
    d.reply = reply(request_id, "500", "malformed ZAP request", "");
    return d;
  }
  d.peer_address = request[3];
  // CURVE sends exactly one credential: the client's 32-byte long-term public key.
  if (request[5] != "CURVE" || request.size() != 7 || request[6].size() != 32) {
    d.outcome = ZapDecision::Outcome::kDenied;
    d.reply = reply(request_id, "400", "CURVE required", "");
    return d;
  }
  std::array<char, 41> z85{};
  if (zmq_z85_encode(z85.data(), reinterpret_cast<const std::uint8_t*>(request[6].data()), 32) ==
      nullptr) {
    d.reply = reply(request_id, "500", "bad key", "");
    return d;
  }
  const std::string key(z85.data(), 40);
  if (!registry.find(key)) {
    d.outcome = ZapDecision::Outcome::kDenied;
    d.reply = reply(request_id, "400", "unknown key", "");
    return d;
  }
  d.outcome = ZapDecision::Outcome::kAllowed;
  d.reply = reply(request_id, "200", "OK", key);
  return d;
}

}  // namespace pathwatch::collector
