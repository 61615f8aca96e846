// SIGHUP: the collector reads its whole config file again and either applies all of it or
// refuses all of it. Taken live: collector.log_level, agents (keys and their files), and the
// incident keys (topology and its file, alerts, notify and its secret files), which restart
// the incident service from its kept state (incident_service.hpp). Every other key is bound
// at start (sockets, CURVE keys, the store, the API and its token file, ingest limits,
// services and calendars); a change to any of them refuses the reload, one message per key,
// and the running config stays whole. docs/collector.md lists the keys.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "collector/config/collector_config.hpp"

namespace pathwatch::collector {

// A config as read once from its file: the parsed values, and each key's canonical text
// ("collector.listen", "store.database", "api.tokens", a top-level key otherwise), and what
// the files behind them hold as digests ("api.tokens (file)", "topology (file)", "notify
// (secret files)", "collector.curve (files)", …; never a secret itself).
struct ConfigSnapshot {
  CollectorConfig config;
  std::map<std::string, std::string> keys;
};

// Throws shared::ConfigError like load_collector_config.
ConfigSnapshot read_config_snapshot(const std::string& file);

struct ReloadPlan {
  // One message per key a restart is needed for; not empty: nothing is applied.
  std::vector<std::string> refused;
  // The live keys whose text changed (for the log).
  std::vector<std::string> changed;
  // A key of the incident service changed (topology, alerts, notify, or a file behind them).
  bool incidents = false;
};

ReloadPlan plan_reload(const std::map<std::string, std::string>& running,
                       const std::map<std::string, std::string>& next);

}  // namespace pathwatch::collector
