// Text forms of flow identities, for logs.
#include "agent/stats/flow_key.hpp"

namespace pathwatch::agent {

const char* to_string(ProbeKind kind) {
  return kind == ProbeKind::kTcp ? "tcp" : "icmp";
}

std::string to_string(const FlowKey& key) {
  std::string s = key.target + "/" + key.path + "/" + to_string(key.kind);
  if (key.kind == ProbeKind::kTcp) s += ":" + std::to_string(key.port);
  return s;
}

}  // namespace pathwatch::agent
