// Key registry: one binding per key, checked when built.
#include "collector/auth/agent_key_registry.hpp"

#include <stdexcept>

#include "shared/security/curve_keys.hpp"

namespace pathwatch::collector {

AgentKeyRegistry::AgentKeyRegistry(const std::vector<AgentKeyEntry>& entries) {
  for (const auto& e : entries) {
    for (const auto& key : e.public_keys) {
      if (!shared::is_z85_key(key)) {
        throw std::invalid_argument("agent '" + e.agent_id + "': not a Z85 CURVE public key");
      }
      const AgentBinding binding{e.agent_id, e.site};
      auto [it, fresh] = by_key_.try_emplace(key, binding);
      if (!fresh && !(it->second == binding)) {
        throw std::invalid_argument("a public key is bound to both agent '" + it->second.agent_id +
                                    "' and agent '" + e.agent_id + "'");
      }
    }
  }
}

std::optional<AgentBinding> AgentKeyRegistry::find(const std::string& public_z85) const {
  auto it = by_key_.find(public_z85);
  if (it == by_key_.end()) return std::nullopt;
  return it->second;
}

}  // namespace pathwatch::collector
