// A synthetic month of agent data for many sites and services, as each site's agent would send
// it: Hello, WindowSummary, StateChange, RouteChange and Heartbeat envelopes with per-agent
// sequence numbers and data timestamps. Outages of known length at known times (whole seconds,
// deterministic from a seed), outages crossing the JST month's boundaries, agent silences,
// primary-line faults with route changes and maintenance windows. The known lists let a test
// compute the expected availability without the analysis code.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "collector/analysis/service_spec.hpp"
#include "pathwatch/v1/messages.pb.h"
#include "shared/time/time_types.hpp"

namespace pathwatch::tools {

struct ScenarioOptions {
  std::uint64_t seed = 1;
  std::chrono::year_month month{std::chrono::year{2026}, std::chrono::November};
  int sites = 10;
  int services = 40;  // service i is measured from site i % sites, targets "<name>-app", "-db"
  shared::Nanos heartbeat_interval = std::chrono::minutes{5};
  // Every flow sends one WindowSummary per window (the agent's window length, announced in its
  // Hello). Must divide an hour: the API reads an hour before the month to know the states at
  // its start, and window end-states are what carries a state from before that hour.
  shared::Nanos window = std::chrono::minutes{10};
  // false: no WindowSummary at all (states from the changes alone), for benches of the
  // analysis at a scale where a month of summaries would not fit in memory.
  bool window_summaries = true;
  // Data starts this long before the month and ends this long after it, so outages can cross
  // the month's boundaries (a multiple of `window`, at least 3 hours).
  shared::Nanos margin = std::chrono::hours{3};
  // Every 4th service uses the business-hours calendar "office" (Mon-Fri 08:30-17:15 JST
  // without holidays), the others 24x7.
  bool mixed_calendars = true;
  // A restarted agent's first state report comes this long after its Hello (its first probes
  // must answer before it knows a state: 3 probes at 1 s). The time between is unknown.
  shared::Nanos restart_report_delay = std::chrono::seconds{3};
};

struct KnownOutage {
  std::string site, target, path;
  collector::Interval when;
};
struct KnownSilence {  // the site's agent delivered nothing: unknown, not down
  std::string site;
  collector::Interval when;
  // `when` plus the restarted agent's restart_report_delay: the time it observed nothing.
  collector::Interval unobserved;
};
struct KnownLineFault {  // every primary flow of the site down, route moved to backup
  std::string site;
  collector::Interval when;
};

struct Scenario {
  ScenarioOptions options;
  collector::Interval month;  // the JST month
  collector::Interval data;   // what the agents cover: the month plus the margins
  std::vector<std::string> sites;
  std::vector<collector::ServiceSpec> services;
  // The first window applies to every service (config); the others to one service each (the
  // kind an operator enters with `pathwatchctl maintenance add`).
  std::vector<collector::MaintenanceWindow> maintenance;
  std::vector<KnownOutage> outages;  // per flow, merged, sorted; line faults included
  std::vector<KnownSilence> silences;
  std::vector<KnownLineFault> line_faults;
  std::vector<pathwatch::v1::Envelope> envelopes;  // in time order
};

// The silence after which the collector should close an agent's session (its silence_after):
// longer than any gap between one agent's messages, shorter than any generated silence.
shared::Nanos session_silence_threshold(const ScenarioOptions& options);

// Throws std::invalid_argument for options it cannot honour (window, margin).
Scenario generate_scenario(const ScenarioOptions& options);

}  // namespace pathwatch::tools
