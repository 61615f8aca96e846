// One accepted agent message, decoded into store rows: what ingest hands to the store. The
// (agent_id, seq) pair is the message's identity; the store keeps each pair once.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "collector/store/records.hpp"

namespace pathwatch::collector {

using MessageBody = std::variant<StoredHello, StoredWindow, StoredStateChange, StoredRouteChange,
                                 StoredLinkChange, StoredHeartbeat, StoredDropReport>;

struct StoredMessage {
  std::string agent_id;
  std::string site;
  std::uint64_t seq = 0;
  shared::UtcNanos created{};   // the agent's creation time (data time)
  shared::UtcNanos received{};  // the collector's receive time (liveness only)
  MessageBody body;
};

// Numeric kinds stored beside (agent, seq); the values are the Envelope body field numbers.
enum class MessageKind : std::uint8_t {
  kHello = 10,
  kWindow = 11,
  kStateChange = 12,
  kRouteChange = 13,
  kLinkChange = 14,
  kHeartbeat = 15,
  kDropReport = 16,
};

inline MessageKind kind_of(const MessageBody& body) {
  return static_cast<MessageKind>(10 + body.index());
}

}  // namespace pathwatch::collector
