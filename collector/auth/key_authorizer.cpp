// Key -> (agent id, site) check per message.
#include "collector/auth/key_authorizer.hpp"

namespace pathwatch::collector {

bool KeyAuthorizer::allowed(const PeerIdentity& peer, const std::string& agent_id,
                            const std::string& site) const {
  if (peer.curve_public_key.empty()) return false;  // no authenticated key: never
  const auto binding = registry_.get()->find(peer.curve_public_key);
  return binding && binding->agent_id == agent_id && binding->site == site;
}

}  // namespace pathwatch::collector
