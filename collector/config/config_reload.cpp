// The key-by-key comparison behind SIGHUP.
#include "collector/config/config_reload.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "shared/config/config_node.hpp"
#include "shared/config/regular_file.hpp"
#include "shared/security/api_role.hpp"
#include "shared/security/api_token.hpp"

namespace pathwatch::collector {

namespace {

// Maps whose keys are compared one by one (the rest compare as one value).
const std::set<std::string> kSections = {"collector", "store", "api"};

// Taken by a running collector. Everything else needs a restart.
const std::set<std::string> kLive = {"collector.log_level",
                                     "agents",
                                     "agents (key files)",
                                     "topology",
                                     "topology (file)",
                                     "alerts",
                                     "notify",
                                     "notify (secret files)"};
// Those whose change restarts the incident service.
const std::set<std::string> kIncidentKeys = {"topology", "topology (file)", "alerts", "notify",
                                             "notify (secret files)"};

// Why a key is bound at start, for the message.
std::string bound_at_start(const std::string& key) {
  if (key.starts_with("collector.")) return "the ingest socket and its limits are set up at start";
  if (key.starts_with("store.")) return "the store is opened at start";
  if (key.starts_with("api")) return "the API server and its callers are set up at start";
  return "services, calendars and holidays are read at start";
}

std::string token_digests(const CollectorConfig& c) {
  if (!c.api_tokens) return "~";
  std::string out;
  for (const auto& t : *c.api_tokens) {
    out +=
        fmt::format("{}:{}:{};", t.name, shared::role_name(t.role), shared::digest_hex(t.sha256));
  }
  return out;
}

// What a file named by the config holds, as a SHA-256: a change behind an unchanged path
// counts as a change of its key. A file that cannot be read says why (also a change).
std::string file_digest(const std::string& path) {
  try {
    shared::RegularFile f(path, "file", shared::RegularFile::Links::kFollow);
    return shared::digest_hex(shared::api_token_digest(f.read_all(64 * 1024 * 1024)));
  } catch (const std::exception& e) {
    return std::string{"unreadable: "} + e.what();
  }
}

std::string secret_digests(const CollectorConfig& c) {
  if (!c.notify) return "~";
  std::string all;
  if (c.notify->email) all += c.notify->email->password.reveal() + '\n';
  for (const auto& w : c.notify->webhooks) {
    for (const auto& h : w.headers) all += h.value.reveal() + '\n';
  }
  if (all.empty()) return "~";
  return shared::digest_hex(shared::api_token_digest(all));  // never the secrets themselves
}

// The paths under a config map key (api.tls: {certificate, private_key}), resolved like the
// loader resolves them.
std::string files_digest(const shared::ConfigNode& node, const std::string& base_dir) {
  std::string out;
  for (const auto& [key, value] : node.children()) {
    if (!value.is_scalar()) continue;
    std::string path = value.as_string();
    if (!path.empty() && path.front() != '/' && !base_dir.empty()) path = base_dir + "/" + path;
    out += key + ':' + file_digest(path) + ';';
  }
  return out;
}

}  // namespace

ConfigSnapshot read_config_snapshot(const std::string& file) {
  // One read: the values and the texts compared come from the same bytes.
  shared::RegularFile f(file, "configuration file", shared::RegularFile::Links::kFollow);
  const shared::ConfigNode root =
      shared::ConfigNode::load_string(f.read_all(16 * 1024 * 1024), file);
  ConfigSnapshot s{parse_collector_config(root, file), {}};
  for (const auto& [key, value] : root.children()) {
    if (kSections.count(key) && value.is_map()) {
      for (const auto& [sub, v] : value.children()) s.keys[key + "." + sub] = v.canonical();
    } else {
      s.keys[key] = value.canonical();
    }
  }
  // What files behind the keys hold: a new key file, topology or secret behind the same
  // path is taken; a new token file, CURVE key, TLS certificate or holiday file needs a
  // restart, like a change of its key.
  const CollectorConfig& c = s.config;
  const std::string base_dir = std::filesystem::path(file).parent_path().string();
  s.keys["api.tokens (file)"] = token_digests(c);
  std::string keys;
  for (const auto& a : c.agents)
    keys += a.agent_id + ':' + fmt::format("{}", fmt::join(a.public_keys, ",")) + ';';
  if (!keys.empty()) s.keys["agents (key files)"] = keys;
  if (!c.topology_file.empty()) s.keys["topology (file)"] = file_digest(c.topology_file);
  if (const auto d = secret_digests(c); d != "~") s.keys["notify (secret files)"] = d;
  for (const auto& h : c.analysis.holiday_files) s.keys["holidays_file (file)"] += file_digest(h);
  if (!c.curve_secret_key_file.empty()) {
    s.keys["collector.curve (files)"] =
        file_digest(c.curve_public_key_file) + file_digest(c.curve_secret_key_file);
  }
  for (const auto& [key, value] : root.children()) {
    if (key != "api" || !value.is_map()) continue;
    for (const auto& [sub, v] : value.children()) {
      if (sub == "tls" && v.is_map()) s.keys["api.tls (files)"] = files_digest(v, base_dir);
    }
  }
  return s;
}

ReloadPlan plan_reload(const std::map<std::string, std::string>& running,
                       const std::map<std::string, std::string>& next) {
  ReloadPlan plan;
  std::set<std::string> all;
  for (const auto& [k, v] : running) all.insert(k);
  for (const auto& [k, v] : next) all.insert(k);
  for (const auto& key : all) {
    const auto a = running.find(key);
    const auto b = next.find(key);
    const bool was = a != running.end(), is = b != next.end();
    if (was && is && a->second == b->second) continue;
    const char* how = !was ? "added" : !is ? "removed" : "changed";
    // Incidents on or off decides what the API serves: not a live change.
    if (key == "topology" && was != is) {
      plan.refused.push_back(
          fmt::format("topology: {}; turning incidents on or off needs a restart", how));
      continue;
    }
    if (kLive.count(key)) {
      plan.changed.push_back(fmt::format("{} {}", key, how));
      plan.incidents = plan.incidents || kIncidentKeys.count(key) > 0;
      continue;
    }
    plan.refused.push_back(
        fmt::format("{}: {}; this needs a restart ({})", key, how, bound_at_start(key)));
  }
  return plan;
}

}  // namespace pathwatch::collector
