// A synthetic month of agent data for many sites and services: outages of known length at
// known times (deterministic from a seed), agent silences, primary-line faults with route
// changes, as pathwatch.v1.Envelopes stamped with data timestamps. The known lists let a test
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
  // Every 4th service uses the business-hours calendar "office" (Mon-Fri 08:30-17:15 JST
  // without holidays), the others 24x7.
  bool mixed_calendars = true;
};

struct KnownOutage {
  std::string site, target, path;
  collector::Interval when;
};
struct KnownSilence {  // the site's agent delivered nothing: unknown, not down
  std::string site;
  collector::Interval when;
};
struct KnownLineFault {  // every primary flow of the site down, route moved to backup
  std::string site;
  collector::Interval when;
};

struct Scenario {
  ScenarioOptions options;
  collector::Interval month;
  std::vector<std::string> sites;
  std::vector<collector::ServiceSpec> services;
  std::vector<collector::MaintenanceWindow> maintenance;
  std::vector<KnownOutage> outages;  // per flow, merged, sorted; line faults included
  std::vector<KnownSilence> silences;
  std::vector<KnownLineFault> line_faults;
  std::vector<pathwatch::v1::Envelope> envelopes;  // in time order
};

// The silence after which the collector would close an agent's session.
shared::Nanos session_silence_threshold(const ScenarioOptions& options);

Scenario generate_scenario(const ScenarioOptions& options);

}  // namespace pathwatch::tools
