// ZAP (ZeroMQ RFC 27) request -> reply, without sockets: a CURVE client whose public key is in
// the registry is let in with its Z85 key as User-Id (ingest reads it back per message with
// zmq_msg_gets "User-Id"); anything else gets 400.
#pragma once

#include <string>
#include <vector>

#include "collector/auth/agent_key_registry.hpp"

namespace pathwatch::collector {

struct ZapDecision {
  enum class Outcome { kAllowed, kDenied, kMalformed };
  Outcome outcome = Outcome::kMalformed;
  std::vector<std::string> reply;  // six frames, empty when the request was too broken to answer
  std::string peer_address;        // for the (rate-limited) denial log
};

ZapDecision decide_zap(const std::vector<std::string>& request, const AgentKeyRegistry& registry);

}  // namespace pathwatch::collector
