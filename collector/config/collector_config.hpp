// The collector's configuration: where it listens, where it stores, how long it keeps data,
// where the API listens, and the analysis keys (services, calendars, maintenance…). Loaded
// strictly like every pathwatch config (FILE:LINE:COL errors). Plain data.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collector/alert/alert_config.hpp"
#include "collector/analysis/analysis_config.hpp"
#include "collector/api/api_tokens.hpp"
#include "collector/api/http_server_options.hpp"
#include "collector/auth/agent_key_registry.hpp"
#include "collector/ingest/ingest_limits.hpp"
#include "collector/ingest/ingest_pipeline.hpp"
#include "collector/isolation/topology.hpp"
#include "collector/notify/notify_config.hpp"
#include "collector/store/sqlite_store.hpp"
#include "collector/store/store.hpp"
#include "shared/config/config_node.hpp"

namespace pathwatch::collector {

struct CollectorConfig {
  std::string file;
  std::string log_level = "info";
  std::vector<std::string> listen;  // ZeroMQ ROUTER endpoints, e.g. "tcp://0.0.0.0:7000"
  bool insecure_plaintext = false;  // lab only: no CURVE
  // collector.curve: the server's key pair (files; the secret one owner-only, checked at start).
  std::string curve_public_key_file;
  std::string curve_secret_key_file;
  shared::SourceLocation collector_location;  // of the `collector:` map, for start-up errors
  // agents: which public keys may connect, each bound to one agent id and site. Keys given as
  // files are read here (relative paths from the config's folder); re-read on SIGHUP.
  std::vector<AgentKeyEntry> agents;
  IngestOptions ingest;
  FloodLimits flood;  // collector.limits: per-sender message and byte rates
  std::string database = "/var/lib/pathwatch/pathwatch.db";  // embedded SQLite store
  bool synchronous_full = true;
  std::chrono::milliseconds busy_timeout{5000};
  RetentionPolicy retention;
  std::string api_address = "127.0.0.1";  // loopback by default: pathwatchctl's way in
  std::uint16_t api_port = 7080;
  // api.tokens: bearer tokens by SHA-256 (docs/security.md). Without it the API serves loopback
  // callers only, each as an operator, and a non-loopback api.listen is refused.
  std::string api_tokens_file;
  std::optional<std::vector<ApiTokenEntry>> api_tokens;
  // api.behind_tls_proxy: the operator states that a TLS proxy terminates in front of the API,
  // which alone allows a non-loopback api.listen (the API itself speaks plain HTTP).
  bool api_behind_tls_proxy = false;
  HttpServerOptions api_server;  // api.{header,body,idle,write}_timeout, max_* limits
  AnalysisConfig analysis;
  // Incidents and alerts (docs/incidents.md): `topology: FILE` turns them on.
  std::string topology_file;
  std::shared_ptr<const isolation::Topology> topology;  // null: no incidents
  alert::AlertConfig alerts;
  std::optional<notify::NotifyConfig> notify;  // nullopt: incidents are stored, not sent
};

// Whether api.tokens is read. The SIGHUP reload of agent keys skips it: a broken or hostile token
// file (a FIFO, a typo) must not stall the ZAP thread or block a key rotation, and the API keeps
// the tokens it read at start-up anyway.
enum class ApiTokenFile { kRead, kSkip };

// Throws shared::ConfigError.
CollectorConfig load_collector_config(const std::string& file,
                                      ApiTokenFile tokens = ApiTokenFile::kRead);
CollectorConfig parse_collector_config(const shared::ConfigNode& root, const std::string& file,
                                       ApiTokenFile tokens = ApiTokenFile::kRead);

}  // namespace pathwatch::collector
