// Strict loading of the collector config; the analysis keys are delegated to
// parse_analysis_config (collector/analysis).
#include "collector/config/collector_config.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <map>
#include <set>

#include "collector/api/api_tls.hpp"
#include "collector/isolation/topology_config.hpp"
#include "shared/security/curve_keys.hpp"

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
  // The server binds an address, it does not resolve names: "localhost:7080" would pass here
  // and fail at start, so it is refused here (--check-config says so too).
  in6_addr scratch{};
  if (::inet_pton(AF_INET, host.c_str(), &scratch) != 1 &&
      ::inet_pton(AF_INET6, host.c_str(), &scratch) != 1) {
    node.fail("'" + host +
              "' is not an IP address; write 127.0.0.1, ::1 or an address of this host (host "
              "names are not resolved)");
  }
  unsigned value = 0;
  const std::string p = text.substr(colon + 1);
  const auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc{} || ptr != p.data() + p.size() || value > 65535) {
    node.fail("expected a port number 0-65535 after ':'");
  }
  port = static_cast<std::uint16_t>(value);
}

// 127.0.0.0/8 and ::1 (also as ::ffff:127.x.y.z). A host name is not loopback: the server
// binds literal addresses only.
bool is_loopback_address(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

// agents: [{id, site, public_key: Z85-or-file | [..]}]: several keys per agent (rotation), one
// agent per key.
std::vector<AgentKeyEntry> parse_agents(const ConfigNode& node, const std::string& base_dir) {
  std::vector<AgentKeyEntry> out;
  std::set<std::string> ids;
  std::map<std::string, std::string> key_owner;
  for (const auto& item : node.as_sequence()) {
    ConfigMap m = item.as_map();
    AgentKeyEntry e;
    const ConfigNode id = m.required("id");
    e.agent_id = id.as_nonempty_string();
    if (!ids.insert(e.agent_id).second) id.fail("agent '" + e.agent_id + "' is listed twice");
    e.site = m.required("site").as_nonempty_string();
    for (const auto& k : m.required("public_key").as_scalar_or_sequence()) {
      const std::string text = k.as_nonempty_string();
      std::string key = text;
      if (!shared::is_z85_key(text)) {
        try {
          key = shared::load_public_key_file(resolve(base_dir, text));
        } catch (const shared::ConfigError& err) {
          k.fail("not a Z85 public key, nor a readable key file: " + err.message());
        }
      }
      auto [it, fresh] = key_owner.try_emplace(key, e.agent_id);
      if (!fresh && it->second != e.agent_id) {
        k.fail("this key is already bound to agent '" + it->second +
               "': a key speaks for one agent only");
      }
      e.public_keys.push_back(std::move(key));
    }
    m.finish();
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

CollectorConfig parse_collector_config(const ConfigNode& root, const std::string& file,
                                       ApiTokenFile tokens) {
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
    if (auto n = c.optional("curve")) {
      ConfigMap curve = n->as_map();
      const std::string dir = std::filesystem::path(file).parent_path().string();
      config.curve_public_key_file =
          resolve(dir, curve.required("public_key").as_nonempty_string());
      config.curve_secret_key_file =
          resolve(dir, curve.required("secret_key").as_nonempty_string());
      curve.finish();
    }
    // Checked at start-up (collector_main), so a partial config still parses in tests.
    config.collector_location = c.node().location();
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
    if (auto n = c.optional("limits")) config.flood = parse_flood_limits(*n);
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
  const std::string base_dir = std::filesystem::path(file).parent_path().string();
  if (auto a = top.optional("api")) {
    ConfigMap api = a->as_map();
    std::optional<ConfigNode> listen = api.optional("listen");
    if (listen) parse_host_port(*listen, config.api_address, config.api_port);
    if (auto n = api.optional("tokens")) {
      config.api_tokens_file = resolve(base_dir, n->as_nonempty_string());
      // Skipped: an empty list stands for "a token file is configured" (the listen check below).
      config.api_tokens = tokens == ApiTokenFile::kRead
                              ? load_api_token_file(config.api_tokens_file)
                              : std::vector<ApiTokenEntry>{};
    }
    HttpServerOptions& o = config.api_server;
    const auto ms = [](std::chrono::nanoseconds d) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(d);
    };
    if (auto n = api.optional("header_timeout"))
      o.header_timeout = ms(n->as_duration(100ms, 10min));
    if (auto n = api.optional("body_timeout")) o.body_timeout = ms(n->as_duration(100ms, 10min));
    if (auto n = api.optional("idle_timeout")) o.idle_timeout = ms(n->as_duration(100ms, 1h));
    if (auto n = api.optional("write_timeout")) o.write_timeout = ms(n->as_duration(100ms, 10min));
    if (auto n = api.optional("max_connections")) {
      o.max_connections = static_cast<std::size_t>(n->as_int(1, 100000));
    }
    if (auto n = api.optional("max_connections_per_peer")) {
      o.max_connections_per_peer = static_cast<std::size_t>(n->as_int(1, 100000));
    }
    if (auto n = api.optional("max_header_size")) o.max_header_bytes = n->as_bytes(1024, 1 << 20);
    if (auto n = api.optional("max_body_size")) o.max_body_bytes = n->as_bytes(1024, 64 << 20);
    if (auto n = api.optional("handler_threads")) {
      o.handler_threads = static_cast<std::size_t>(n->as_int(1, 64));
    }
    if (auto t = api.optional("tls")) {
      ConfigMap tls = t->as_map();
      const std::string certificate =
          resolve(base_dir, tls.required("certificate").as_nonempty_string());
      const std::string private_key =
          resolve(base_dir, tls.required("private_key").as_nonempty_string());
      tls.finish();
      o.tls = load_api_tls(certificate, private_key);
    }
    // Without tokens every caller is an operator: acceptable where only this host's users can
    // connect, never on an address others reach.
    if (!config.api_tokens && !is_loopback_address(config.api_address)) {
      const std::string msg = fmt::format(
          "the API would listen on {} without a token file: anyone reaching it could change "
          "maintenance windows. Add 'api.tokens: FILE' (pathwatchctl token create) or listen on "
          "127.0.0.1",
          config.api_address);
      if (listen) listen->fail(msg);
      api.node().fail(msg);
    }
    // Without api.tls the API speaks plain HTTP: beyond loopback the bearer tokens would cross
    // the network in cleartext. Allowed only when the operator says a TLS proxy terminates in
    // front of it.
    std::optional<ConfigNode> proxy = api.optional("behind_tls_proxy");
    config.api_behind_tls_proxy = proxy && proxy->as_bool();
    if (!o.tls && !config.api_behind_tls_proxy && !is_loopback_address(config.api_address)) {
      const std::string msg = fmt::format(
          "the API would listen on {} in plain HTTP: bearer tokens would cross the network in "
          "cleartext. Add 'api.tls: {{certificate: FILE, private_key: FILE}}', or set "
          "'api.behind_tls_proxy: true' when a TLS proxy terminates in front (docs/security.md)",
          config.api_address);
      if (listen) listen->fail(msg);
      api.node().fail(msg);
    }
    api.finish();
  }
  if (auto a = top.optional("agents")) config.agents = parse_agents(*a, base_dir);
  config.analysis = parse_analysis_config(top, base_dir);
  if (auto n = top.optional("topology")) {
    std::filesystem::path p = n->as_nonempty_string();
    if (p.is_relative() && !base_dir.empty()) p = std::filesystem::path(base_dir) / p;
    config.topology_file = p.string();
    config.topology =
        std::make_shared<const isolation::Topology>(isolation::load_topology(config.topology_file));
  }
  if (auto n = top.optional("alerts")) config.alerts = alert::parse_alert_config(*n);
  if (auto n = top.optional("notify")) config.notify = notify::parse_notify_config(*n);
  top.finish();
  return config;
}

CollectorConfig load_collector_config(const std::string& file, ApiTokenFile tokens) {
  return parse_collector_config(ConfigNode::load_file(file), file, tokens);
}

}  // namespace pathwatch::collector
