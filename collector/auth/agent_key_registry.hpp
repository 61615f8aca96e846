// Which CURVE public keys may connect, and the one agent id and site each key speaks for.
// Several keys per agent (rotation: old and new side by side); a key belongs to one agent.
// Plain data, built from the collector config; swapped whole on reload (AgentKeyRegistryHandle).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace pathwatch::collector {

struct AgentBinding {
  std::string agent_id;
  std::string site;
  bool operator==(const AgentBinding&) const = default;
};

struct AgentKeyEntry {
  std::string agent_id;
  std::string site;
  std::vector<std::string> public_keys;  // Z85
};

class AgentKeyRegistry {
 public:
  AgentKeyRegistry() = default;
  // Throws std::invalid_argument when a key is not Z85 or is bound to two different agents
  // (the config loader checks this first and reports FILE:LINE:COL).
  explicit AgentKeyRegistry(const std::vector<AgentKeyEntry>& entries);

  std::optional<AgentBinding> find(const std::string& public_z85) const;
  std::size_t keys() const { return by_key_.size(); }

 private:
  std::unordered_map<std::string, AgentBinding> by_key_;
};

// The registry in force, shared by the ZAP thread (who may connect), the ingest thread (may
// this key speak for that agent) and the reload (SIGHUP). Readers get a snapshot.
class AgentKeyRegistryHandle {
 public:
  explicit AgentKeyRegistryHandle(std::shared_ptr<const AgentKeyRegistry> initial)
      : current_(std::move(initial)) {}
  std::shared_ptr<const AgentKeyRegistry> get() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  void set(std::shared_ptr<const AgentKeyRegistry> next) {
    std::lock_guard lock(mutex_);
    current_ = std::move(next);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const AgentKeyRegistry> current_;
};

}  // namespace pathwatch::collector
