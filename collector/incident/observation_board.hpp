// The latest known state of every measurement (from stored state changes and windows) and the
// line each agent's as-routed traffic takes (from route changes), turned into isolation's
// ObservationSet at an instant of data time. Pure: rows in, observations out.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "collector/isolation/observation.hpp"
#include "collector/isolation/topology.hpp"
#include "collector/store/records.hpp"
#include "shared/time/time_types.hpp"

namespace pathwatch::collector::incident {

struct MeasurementKey {
  std::string agent_id;
  std::string path;
  std::string target;
  isolation::ProbeKind kind = isolation::ProbeKind::kIcmp;
  std::uint32_t port = 0;
  auto operator<=>(const MeasurementKey&) const = default;
};

struct MeasurementState {
  std::string site;
  isolation::ObservedState state = isolation::ObservedState::kUnknown;
  shared::UtcNanos at{};       // data time of the row that set `state`
  shared::UtcNanos since{};    // data time the measurement entered `state`
  shared::UtcNanos changed{};  // data time of the last row that changed state or evidence
  isolation::TcpEvidence tcp = isolation::TcpEvidence::kNone;
  std::optional<isolation::IcmpEvidence> icmp;
  // Probes answered in a row over the latest windows (saturating); below kCleanProbes the
  // measurement has recent loss and, though up, does not prove its segments undegraded.
  std::uint32_t clean_probes = kCleanProbes;
  static constexpr std::uint32_t kCleanProbes = 10;
  bool recent_loss() const { return clean_probes < kCleanProbes; }
};

isolation::ObservedState to_observed(PathState state);
// pathwatch.v1.TcpOutcome (0 = none) to isolation's evidence.
isolation::TcpEvidence to_tcp_evidence(std::uint8_t outcome);

class ObservationBoard {
 public:
  // A measurement not refreshed for this long (agent silent) counts as unknown, not as its
  // last state: time nobody observed is unknown (design.md "Time").
  explicit ObservationBoard(shared::Nanos stale_after = std::chrono::seconds{60})
      : stale_after_(stale_after) {}

  // Rows may arrive late and out of order (spooled data): an older row never overwrites a
  // newer state. Each returns true when it changed something isolation looks at.
  bool apply(const StoredStateChange& change);
  bool apply(const StoredWindow& window);
  bool apply(const StoredRouteChange& change);

  // Every known measurement's state at `at`; `topology` decides which paths are as-routed
  // (their via_path is the agent's current line). Observations keep the board's order.
  isolation::ObservationSet snapshot(shared::UtcNanos at,
                                     const isolation::Topology* topology = nullptr) const;

  const std::map<MeasurementKey, MeasurementState>& measurements() const { return states_; }
  // The line ("primary", "backup"; "" = no route) the agent's ordinary traffic takes.
  std::optional<std::string> line(const std::string& agent_id) const;
  // The newest data time seen in any row.
  shared::UtcNanos latest() const { return latest_; }
  // The earliest data time from which snapshot(at) has held unchanged: the newest state or
  // evidence change, line move or fall into silence up to `at`. A verdict is stamped with it,
  // so it says when the evidence was complete, not when the collector next looked.
  shared::UtcNanos settled_at(shared::UtcNanos at) const;

 private:
  struct Line {
    std::string path;
    shared::UtcNanos at{};
    shared::UtcNanos changed{};
  };
  bool set_state(const MeasurementKey& key, const std::string& site, shared::UtcNanos at,
                 isolation::ObservedState state, const StoredStateChange* evidence);

  shared::Nanos stale_after_;
  std::map<MeasurementKey, MeasurementState> states_;
  std::map<std::string, Line> lines_;
  shared::UtcNanos latest_{};
};

MeasurementKey key_of(const FlowRef& flow);

}  // namespace pathwatch::collector::incident
