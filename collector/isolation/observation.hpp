// What isolation takes in: the concurrent state of every measurement at one instant, with the
// protocol evidence the agents saw. Plain data; the caller fills it from stored state changes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shared/time/time_types.hpp"

namespace pathwatch::collector::isolation {

enum class ObservedState : std::uint8_t { kUnknown, kUp, kDegraded, kDown };
enum class ProbeKind : std::uint8_t { kIcmp, kTcp };
// The last TCP outcome (pathwatch.v1.TcpOutcome without the unspecified value).
enum class TcpEvidence : std::uint8_t { kNone, kOk, kRefused, kTimeout, kUnreachable, kError };

// An ICMP error the probes received: who sent it, and what it said.
struct IcmpEvidence {
  std::string router;  // source address of the ICMP error
  std::uint8_t type = 0;
  std::uint8_t code = 0;
};

struct Observation {
  std::string agent_id;
  std::string path;
  std::string target;
  ProbeKind kind = ProbeKind::kIcmp;
  std::uint32_t port = 0;  // TCP only
  // For an as-routed path: the line the agent identified ("primary", "backup"); empty when
  // not known, and then every line the path may follow is considered.
  std::string via_path;
  ObservedState state = ObservedState::kUnknown;
  TcpEvidence tcp = TcpEvidence::kNone;
  std::optional<IcmpEvidence> icmp;
  // The measurement's recent windows lost probes although its state is up: under random loss
  // a flow is up by chance between losses, so it does not prove its segments are not
  // degraded (it still proves they are not down).
  bool recent_loss = false;
};

// Every measurement's state at one instant (the caller picks the instant from the data).
struct ObservationSet {
  shared::UtcNanos at{};
  std::vector<Observation> observations;
};

}  // namespace pathwatch::collector::isolation
