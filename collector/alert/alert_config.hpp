// The `alerts:` section: which conditions raise notifications and their limits. Strict like
// every pathwatch config (FILE:LINE:COL errors). Plain data.
#pragma once

#include <chrono>
#include <optional>

#include "shared/config/config_node.hpp"
#include "shared/time/time_types.hpp"

namespace pathwatch::collector::alert {

struct AlertConfig {
  bool service_down = true;  // incidents (a service down or degraded), one thread each
  // An incident's messages wait until what they say has lasted this long (data time): the
  // opened one goes this long after the incident began. 0: every change goes at once.
  shared::Nanos settle = std::chrono::seconds{10};
  // A pinned path down longer than this (nullopt: no path alerts).
  std::optional<shared::Nanos> path_down_after = std::chrono::seconds{60};
  bool failover = true;  // traffic left the primary line while the service survived
  // At least `flap_switches` line switches at one site within `flap_within` (0: off).
  int flap_switches = 4;
  shared::Nanos flap_within = std::chrono::minutes{10};
  std::optional<double> loss_over_percent;      // a window's loss above this
  std::optional<shared::Nanos> latency_over;    // a window's mean RTT above this
  std::optional<double> budget_burned_percent;  // SLA error budget used past this
};

// Throws shared::ConfigError. An absent section gives the defaults above.
AlertConfig parse_alert_config(const shared::ConfigNode& node);

}  // namespace pathwatch::collector::alert
