// Opens, updates and closes incidents from the latest state of every measurement: after each
// ingest batch the caller applies the new rows and calls evaluate(data time); the tracker
// builds isolation's ObservationSet, runs isolate(), and decides. Pure: rows in, updates out.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "collector/analysis/service_spec.hpp"
#include "collector/incident/incident.hpp"
#include "collector/incident/observation_board.hpp"
#include "collector/isolation/isolation.hpp"
#include "collector/isolation/topology.hpp"

namespace pathwatch::collector::incident {

struct TrackerOptions {
  shared::Nanos stale_after = std::chrono::seconds{60};  // see ObservationBoard
  // A service must stay impaired this long (data time) before an incident opens, and stay
  // clear this long before it closes: 0 reacts to the first evidence.
  shared::Nanos open_after{0};
  shared::Nanos close_after{0};
  std::string primary_path = "primary";
};

enum class UpdateKind : std::uint8_t { kOpened, kUpdated, kClosed };
const char* to_string(UpdateKind kind);

struct IncidentUpdate {
  UpdateKind kind = UpdateKind::kOpened;
  Incident incident;                     // the incident after this change
  std::optional<VerdictPoint> previous;  // kUpdated: the verdict before, when it changed
  std::optional<notify::VerdictSummary> previous_summary;
};

// One pinned path of one agent whose every known measurement is down.
struct PathDown {
  std::string agent_id;
  std::string site;
  std::string path;
  shared::UtcNanos since{};  // when its last working measurement went down
};

struct Evaluation {
  shared::UtcNanos at{};
  std::vector<IncidentUpdate> updates;
  std::vector<FailoverRecord> failovers;  // line switches first seen in this evaluation
  std::vector<PathDown> paths_down;       // every path down now
  // service -> its affected sites, for every service impaired now (down or degraded)
  std::map<std::string, std::set<std::string>> impaired;
};

class IncidentTracker {
 public:
  // `topology` must outlive the tracker. With no services configured, every target measured
  // on a service path (as-routed) is a service of its own name.
  IncidentTracker(const isolation::Topology& topology, std::vector<ServiceSpec> services,
                  TrackerOptions options = {});

  // After a restart: the incident the store still holds open; it is continued, not reopened.
  void resume(Incident open);
  // The open incident `id`'s opened message went out. Returns whether that changed it (then
  // the caller saves it).
  bool mark_announced(const std::string& id);
  // An opened/updated message of the open incident went out: its verdict is the notified
  // one (incident.hpp mark_notified). False when the message is not the open incident's.
  bool mark_notified(const notify::Notification& message);

  bool apply(const StoredStateChange& change) { return dirty(board_.apply(change)); }
  bool apply(const StoredWindow& window) { return dirty(board_.apply(window)); }
  bool apply(const StoredRouteChange& change);
  // The agent's newest message, heartbeats included (store: AgentSummary::last_seen).
  bool heard(const std::string& agent_id, shared::UtcNanos at) {
    return dirty(board_.heard(agent_id, at));
  }

  // Decides at data time `at` (normally board().latest()).
  Evaluation evaluate(shared::UtcNanos at);

  const ObservationBoard& board() const { return board_; }
  const std::optional<Incident>& open_incident() const { return open_; }
  const std::optional<isolation::Verdict>& last_verdict() const { return verdict_; }
  // The earliest data time the last verdict held from (see held_since).
  shared::UtcNanos last_verdict_since() const { return verdict_since_; }

 private:
  struct Impairment {
    notify::FaultNature fault = notify::FaultNature::kDegraded;
    shared::UtcNanos since{};
    std::map<std::string, std::set<std::string>> services;  // service -> sites
  };

  bool dirty(bool changed) {
    dirty_ = dirty_ || changed;
    return changed;
  }
  std::optional<Impairment> impairment(const isolation::ObservationSet& set) const;
  bool recovery_observed(const isolation::ObservationSet& set) const;
  shared::UtcNanos held_since(const VerdictPoint& point, shared::UtcNanos settled) const;
  void detect_probe_failovers(shared::UtcNanos at, std::vector<FailoverRecord>& out);
  std::vector<PathDown> paths_down(shared::UtcNanos at) const;
  bool is_as_routed(const std::string& agent_id, const std::string& path) const;
  std::string site_of(const std::string& agent_id) const;

  const isolation::Topology& topology_;
  std::vector<ServiceSpec> services_;
  TrackerOptions options_;
  ObservationBoard board_;
  bool dirty_ = true;
  std::optional<isolation::Verdict> verdict_;
  shared::UtcNanos verdict_settled_{};  // board_.settled_at() when verdict_ was computed
  shared::UtcNanos verdict_since_{};    // the earliest data time verdict_ held from
  std::optional<Incident> open_;
  std::optional<shared::UtcNanos> impaired_since_;  // pending open (open_after)
  std::optional<shared::UtcNanos> clear_since_;     // pending close (close_after)
  // Per site: which line its traffic takes, from every agent's route changes and the probes.
  struct SiteLines {
    struct Route {
      bool away = false;  // off the primary line
      shared::UtcNanos at{};
    };
    std::map<std::string, Route> away;  // "agent|prefix" -> its latest known route
    bool on_backup = false;             // a failover recorded and not yet failed back
    shared::UtcNanos switched{};        // data time of the last recorded switch
    bool routes_away() const {
      for (const auto& [key, r] : away) {
        if (r.away) return true;
      }
      return false;
    }
  };
  std::map<std::string, SiteLines> site_lines_;  // site -> its lines
  std::vector<FailoverRecord> pending_failovers_;
  std::string last_id_;
};

}  // namespace pathwatch::collector::incident
