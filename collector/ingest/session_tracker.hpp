// Agent sessions (stretches of data time an agent covered, split by silences longer than the
// threshold), maintained incrementally from each stored message's observed interval. Pure.
// Time outside every session is *unknown* to the analyzers, never *down*.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "collector/store/records.hpp"

namespace pathwatch::collector {

// Changes in the order they happened; compact() leaves the last change per key.
struct SessionChanges {
  struct Op {
    bool remove = false;  // the row keyed (agent_id, first) went away (merged, key moved)
    AgentSession session;
  };
  std::vector<Op> ops;
  // Set by the SessionTracker that records into this object: lets it extend its own latest
  // upsert in place instead of appending one op (two string copies) per in-order message.
  std::uint64_t serial = 0;
  std::vector<AgentSession> upserts() const;
  std::vector<AgentSession> removed() const;
};

class SessionTracker {
 public:
  explicit SessionTracker(shared::Nanos silence, std::size_t keep_per_agent = 16)
      : silence_(silence), keep_(keep_per_agent) {}

  // Start-up: the newest session of each agent, from the store.
  void load(const AgentSession& session);
  // One stored message covering [from, to] of data time. Records changes in `changes`.
  void observe(const std::string& agent_id, const std::string& site, shared::UtcNanos from,
               shared::UtcNanos to, SessionChanges& changes);
  // The tracked sessions of an agent (newest last), for tests.
  std::vector<AgentSession> sessions_of(const std::string& agent_id) const;

 private:
  shared::Nanos silence_;
  std::size_t keep_;
  struct Agent {
    std::vector<AgentSession> sessions;  // sorted by first
    std::uint64_t serial = 0;            // the SessionChanges that `op` indexes into
    std::size_t op = 0;                  // that object's latest upsert of sessions.back()
  };
  std::map<std::string, Agent> by_agent_;
  std::uint64_t next_serial_ = 0;
};

// Collapses a batch's changes to the last one per (agent_id, first) key.
void compact(SessionChanges& changes);

}  // namespace pathwatch::collector
