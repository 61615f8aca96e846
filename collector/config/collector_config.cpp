// Strict loading of the collector config; the analysis keys are delegated to
// parse_analysis_config (collector/analysis).
#include "collector/config/collector_config.hpp"

#include <charconv>
#include <filesystem>

#include "collector/isolation/topology_config.hpp"

namespace pathwatch::collector {

using shared::ConfigMap;
using shared::ConfigNode;
using namespace std::chrono_literals;

namespace {

// "127.0.0.1:7080" or "[::1]:7080"; port 0 lets the kernel choose (tests).
void parse_host_port(const ConfigNode& node, std::string& host, std::uint16_t& port) {
  const std::string text = node.as_nonempty_string();
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    node.fail("expected ADDRESS:PORT, e.g. 127.0.0.1:7080");
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned value = 0;
  const std::string p = text.substr(colon + 1);
  const auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc{} || ptr != p.data() + p.size() || value > 65535) {
    node.fail("expected a port number 0-65535 after ':'");
  }
  port = static_cast<std::uint16_t>(value);
}

}  // namespace

CollectorConfig parse_collector_config(const ConfigNode& root, const std::string& file) {
  CollectorConfig config;
  config.file = file;
  ConfigMap top = root.as_map();
  {
    ConfigMap c = top.required("collector").as_map();
    if (auto n = c.optional("log_level")) {
      config.log_level = n->as_enum<std::string>({{"trace", "trace"},
                                                  {"debug", "debug"},
                                                  {"info", "info"},
                                                  {"warn", "warn"},
                                                  {"error", "error"}});
    }
    const ConfigNode listen = c.required("listen");
    for (const auto& e : listen.as_scalar_or_sequence()) {
      std::string ep = e.as_nonempty_string();
      if (ep.rfind("tcp://", 0) != 0 && ep.rfind("ipc://", 0) != 0) {
        e.fail("listen endpoints look like tcp://ADDRESS:PORT");
      }
      config.listen.push_back(std::move(ep));
    }
    if (auto n = c.optional("insecure_plaintext")) config.insecure_plaintext = n->as_bool();
    IngestOptions& in = config.ingest;
    if (auto n = c.optional("max_message_size")) {
      in.limits.max_message_bytes = n->as_bytes(256, 16 * 1024 * 1024);
    }
    if (auto n = c.optional("max_clock_skew")) in.limits.max_future_skew = n->as_duration(0s, 24h);
    if (auto n = c.optional("silence_after")) in.silence = n->as_duration(1s, 24h);
    if (auto n = c.optional("gap_timeout")) in.gap_timeout = n->as_duration(1s, 24h * 30);
    if (auto n = c.optional("batch_messages")) {
      in.batch_messages = static_cast<std::size_t>(n->as_int(1, 1'000'000));
    }
    if (auto n = c.optional("batch_delay")) in.batch_delay = n->as_duration(0s, 10s);
    c.finish();
  }
  {
    ConfigMap store = top.required("store").as_map();
    config.database = store.required("database").as_nonempty_string();
    if (auto n = store.optional("synchronous")) {
      config.synchronous_full = n->as_enum<bool>({{"full", true}, {"normal", false}});
    }
    if (auto n = store.optional("busy_timeout")) {
      config.busy_timeout =
          std::chrono::duration_cast<std::chrono::milliseconds>(n->as_duration(0s, 10min));
    }
    if (auto r = store.optional("retention")) {
      ConfigMap m = r->as_map();
      // 0d keeps forever.
      if (auto n = m.optional("raw")) config.retention.raw = n->as_duration(0s, 24h * 3650);
      if (auto n = m.optional("hourly")) config.retention.hourly = n->as_duration(0s, 24h * 3650);
      if (auto n = m.optional("events")) config.retention.events = n->as_duration(0s, 24h * 3650);
      m.finish();
    }
    store.finish();
  }
  if (auto a = top.optional("api")) {
    ConfigMap api = a->as_map();
    if (auto n = api.optional("listen")) parse_host_port(*n, config.api_address, config.api_port);
    api.finish();
  }
  const std::string base_dir = std::filesystem::path(file).parent_path().string();
  config.analysis = parse_analysis_config(top, base_dir);
  if (auto n = top.optional("topology")) {
    std::filesystem::path p = n->as_nonempty_string();
    if (p.is_relative() && !base_dir.empty()) p = std::filesystem::path(base_dir) / p;
    config.topology_file = p.string();
    config.topology = std::make_shared<const isolation::Topology>(
        isolation::load_topology(config.topology_file));
  }
  if (auto n = top.optional("alerts")) config.alerts = alert::parse_alert_config(*n);
  if (auto n = top.optional("notify")) config.notify = notify::parse_notify_config(*n);
  top.finish();
  return config;
}

CollectorConfig load_collector_config(const std::string& file) {
  return parse_collector_config(ConfigNode::load_file(file), file);
}

}  // namespace pathwatch::collector
