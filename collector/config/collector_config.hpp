// The collector's configuration: where it listens, where it stores, how it logs. Loaded
// strictly like every pathwatch config (FILE:LINE:COL errors). Plain data.
#pragma once

#include <string>
#include <vector>

#include "shared/config/config_node.hpp"

namespace pathwatch::collector {

struct CollectorConfig {
  std::string file;
  std::string log_level = "info";
  std::vector<std::string> listen;  // ZeroMQ ROUTER endpoints, e.g. "tcp://0.0.0.0:7000"
  bool insecure_plaintext = false;  // lab only: no CURVE
  std::string database = "/var/lib/pathwatch/pathwatch.db";  // embedded SQLite store
};

// Throws shared::ConfigError.
CollectorConfig load_collector_config(const std::string& file);
CollectorConfig parse_collector_config(const shared::ConfigNode& root, const std::string& file);

}  // namespace pathwatch::collector
