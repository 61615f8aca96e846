// Failover and failback events per site, from route changes (which line carries traffic) and
// from probe states (primary flows down while backup flows work), merged into one event list
// with detection latency, service interruption and flapping. Pure function over rows.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "collector/analysis/flow_timeline.hpp"
#include "collector/analysis/interval_set.hpp"
#include "collector/analysis/service_spec.hpp"
#include "collector/store/records.hpp"

namespace pathwatch::collector {

// A RouteChange's to_path when the agent has lost its evidence of the line (no hop answers
// for a while: a router rate-limiting or never sending Time Exceeded, every line cut). It is
// no switch: it neither opens nor closes a failover (docs/incidents.md "Failover").
inline constexpr std::string_view kUnknownLine = "unknown";

struct FailoverOptions {
  std::string primary_path = "primary";
  // Flapping: at least flap_switches switches (failovers + failbacks) within flap_window.
  int flap_switches = 4;
  shared::Nanos flap_window = std::chrono::minutes{10};
};

enum class FailoverKind {
  kFailover,  // traffic moved to a backup path (or probes saw the backup carry on)
  kOutage,    // no path left: both lines shown down by their flows (or a router's table
              // held no route) and no backup flow working during the event
};
enum class Detection { kRouteChange, kProbeStates, kBoth };
const char* to_string(FailoverKind k);
const char* to_string(Detection d);

struct FailoverEvent {
  std::string site;
  FailoverKind kind = FailoverKind::kFailover;
  Detection detected_by = Detection::kProbeStates;
  // First evidence, or where route changes saw both edges, the route's edges (they watch the
  // line traffic takes, and see a switch and its failback alike).
  shared::UtcNanos start{};
  std::optional<shared::UtcNanos> end;       // failback; nullopt while still on backup
  shared::Nanos duration{0};                 // end − start (to the range's end while ongoing)
  std::optional<shared::UtcNanos> route_at;  // first route change away from primary
  std::optional<shared::UtcNanos> probe_at;  // first instant all primary flows were down
  std::optional<shared::UtcNanos> failback_route_at;
  std::optional<shared::UtcNanos> failback_probe_at;
  std::string backup_path;  // where the route went ("" = no route), or first backup flow up
  // Fault onset as far as the data shows: the start of the run of lossy windows on a primary
  // flow that led into the event (else the first evidence). Latency is therefore an upper
  // bound with the resolution of one window.
  shared::UtcNanos fault_onset{};
  shared::Nanos detection_latency{0};
  std::vector<std::string> services_affected;  // services measured from this site
  IntervalSet interruptions;                   // no flow of the site up (and one down)
  shared::Nanos interrupted{0};
  bool flapping = false;
};

struct FlapEpisode {
  std::string site;
  Interval when;  // first to last switch of the episode
  int switches = 0;
};

struct FailoverReport {
  std::vector<FailoverEvent> events;  // by site, then start
  std::vector<FlapEpisode> flaps;
};

// Route changes of sites outside the index are still used. Rows must include the last route
// change before range.start for an event in progress at the start to be seen.
FailoverReport detect_failovers(const ObservationIndex& index,
                                std::span<const StoredRouteChange> routes,
                                std::span<const ServiceSpec> services,
                                const FailoverOptions& options, Interval range);

}  // namespace pathwatch::collector
