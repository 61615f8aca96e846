// The latest known state of every measurement (from stored state changes and windows) and the
// line each agent's as-routed traffic takes (from route changes), turned into isolation's
// ObservationSet at an instant of data time. Pure: rows in, observations out.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <set>
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
  // Its latest window summaries' counts, oldest first: how isolation ranks random loss
  // (loss_likelihood.hpp). Bounded: a loss that began earlier is counted from here.
  std::vector<isolation::WindowCounts> windows;
  static constexpr std::size_t kRecentWindows = 16;
  bool lossy() const {
    return std::any_of(windows.begin(), windows.end(),
                       [](const isolation::WindowCounts& w) { return w.lost > 0; });
  }
  shared::Nanos window{};  // the longest window seen: rows refresh `at` at least this often
};

isolation::ObservedState to_observed(PathState state);
// pathwatch.v1.TcpOutcome (0 = none) to isolation's evidence.
isolation::TcpEvidence to_tcp_evidence(std::uint8_t outcome);

class ObservationBoard {
 public:
  // A measurement counts as unknown, not as its last state, once its agent has sent nothing
  // (no row, no heartbeat: heard()) for `stale_after`, or once the measurement itself has had
  // no row for max(stale_after, 2 windows): time nobody observed is unknown (design.md
  // "Time"). An agent's state changes go out the moment they happen, so while it is heard
  // from, its last state holds.
  explicit ObservationBoard(shared::Nanos stale_after = std::chrono::seconds{60})
      : stale_after_(stale_after) {}

  // Rows may arrive late and out of order (spooled data): an older row never overwrites a
  // newer state. Each returns true when it changed something isolation looks at.
  bool apply(const StoredStateChange& change);
  bool apply(const StoredWindow& window);
  bool apply(const StoredRouteChange& change);
  // The agent's newest message (any kind, heartbeats included) has data time `at`. True when
  // that brings it back from a silence (its measurements count again).
  bool heard(const std::string& agent_id, shared::UtcNanos at);

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

  // Looking back (a verdict is stamped with the earliest data time it held from): the data
  // times in (after, at] at which snapshot() may have changed, newest first — the journal's
  // changes and the instants measurements fell silent — and snapshot as of one of them, with
  // every journaled change after it undone. Exact back to journal_floor(): refreshes that
  // change nothing are not journaled (as of t, a measurement counts as refreshed at t), and
  // older changes are forgotten (forget_before).
  std::vector<shared::UtcNanos> change_times(shared::UtcNanos after, shared::UtcNanos at) const;
  isolation::ObservationSet snapshot_as_of(shared::UtcNanos t,
                                           const isolation::Topology* topology = nullptr) const;
  shared::UtcNanos journal_floor() const { return journal_floor_; }
  // Drops journaled changes at or before `t` (the caller no longer looks back past it).
  void forget_before(shared::UtcNanos t);

 private:
  struct Line {
    std::string path;
    shared::UtcNanos at{};
    shared::UtcNanos changed{};
  };
  // One change isolation looks at, with what it replaced (nullopt: it did not exist).
  struct Undo {
    shared::UtcNanos at{};
    std::optional<MeasurementKey> key;
    std::optional<MeasurementState> measurement;
    std::string agent;  // with !key: a line change (line) or a return from silence (heard)
    std::optional<Line> line;
    std::optional<shared::UtcNanos> heard;
    bool is_heard = false;
  };
  struct View {  // the board's maps as of some instant (see snapshot_as_of)
    const std::map<MeasurementKey, MeasurementState>* states;
    const std::map<std::string, Line>* lines;
    const std::map<std::string, shared::UtcNanos>* heard;
  };
  bool set_state(const MeasurementKey& key, const std::string& site, shared::UtcNanos at,
                 isolation::ObservedState state, const StoredStateChange* evidence);
  void journal(Undo undo);
  // Data time from which the measurement counts as unknown (silent agent, or no row).
  // Agents with a degraded measurement: their silence may be their reports stalled by that
  // loss (they cross it) rather than a cut, and is tolerated kLossySilenceFactor times longer.
  static std::set<std::string> degraded_agents(
      const std::map<MeasurementKey, MeasurementState>& states);
  static constexpr int kLossySilenceFactor = 3;
  shared::UtcNanos silent_from(const MeasurementKey& key, const MeasurementState& s,
                               const std::set<std::string>& degraded_agents,
                               const std::map<std::string, shared::UtcNanos>& heard) const;
  isolation::ObservationSet snapshot_of(const View& view, shared::UtcNanos at,
                                        const isolation::Topology* topology) const;

  shared::Nanos stale_after_;
  std::map<MeasurementKey, MeasurementState> states_;
  std::map<std::string, Line> lines_;
  std::map<std::string, shared::UtcNanos> heard_;  // agent -> newest message's data time
  shared::UtcNanos latest_{};
  std::vector<Undo> journal_;  // in the order applied
  shared::UtcNanos journal_floor_{};
  static constexpr std::size_t kJournalMax = 100000;
};

MeasurementKey key_of(const FlowRef& flow);

}  // namespace pathwatch::collector::incident
