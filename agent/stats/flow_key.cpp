// Text forms of flow identities, for logs.
#include "agent/stats/flow_key.hpp"

namespace pathwatch::agent {

const char* to_string(ProbeKind kind) {
  return kind == ProbeKind::kTcp ? "tcp" : "icmp";
}

std::string to_string(const FlowKey& key) {
  std::string s = key.target + "/" + key.path + "/" + to_string(key.kind);
  // append, not `":" + std::to_string(...)`: GCC 12 at -O3 reports a false -Wrestrict on
  // operator+(const char*, string&&) (GCC PR 105651), which breaks Release builds.
  if (key.kind == ProbeKind::kTcp) s.append(":").append(std::to_string(key.port));
  return s;
}

}  // namespace pathwatch::agent
