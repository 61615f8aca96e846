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

// One window summary's probe counts (the collector keeps a measurement's last few): what the
// degraded pass ranks random loss with (loss_likelihood.hpp).
struct WindowCounts {
  shared::UtcNanos start{};
  shared::UtcNanos end{};
  std::uint32_t sent = 0;
  std::uint32_t lost = 0;
};

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
  shared::UtcNanos since{};  // data time it entered `state` (0: not known)
  // Its most recent window summaries, oldest first (empty: none known). Under random loss a
  // flow is up by chance between losses: how many probes it sent and lost since the loss
  // began decides what it proves (docs/isolation.md, "Down and degraded").
  std::vector<WindowCounts> windows;
};

// Every measurement's state at one instant (the caller picks the instant from the data).
struct ObservationSet {
  shared::UtcNanos at{};
  std::vector<Observation> observations;
};

}  // namespace pathwatch::collector::isolation
