// The ingest pipeline's AgentAuthorizer for CURVE links: the key the link authenticated with
// (ZAP User-Id) must be registered for exactly the agent id and site the Envelope claims.
// Looked up per message against the registry in force, so a key removed by a reload stops
// being accepted even on a connection that was authenticated before.
#pragma once

#include "collector/auth/agent_key_registry.hpp"
#include "collector/ingest/ingest_pipeline.hpp"

namespace pathwatch::collector {

class KeyAuthorizer final : public AgentAuthorizer {
 public:
  explicit KeyAuthorizer(const AgentKeyRegistryHandle& registry) : registry_(registry) {}
  bool allowed(const PeerIdentity& peer, const std::string& agent_id,
               const std::string& site) const override;

 private:
  const AgentKeyRegistryHandle& registry_;
};

}  // namespace pathwatch::collector
