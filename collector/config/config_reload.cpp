// The key-by-key comparison behind SIGHUP.
#include "collector/config/config_reload.hpp"

#include <fmt/format.h>

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
const std::set<std::string> kLive = {"collector.log_level", "agents", "topology", "alerts",
                                     "notify"};

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
  // The token file's contents: read at start only (a change needs a restart).
  s.keys["api.tokens (file)"] = token_digests(s.config);
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
      continue;
    }
    plan.refused.push_back(
        fmt::format("{}: {}; this needs a restart ({})", key, how, bound_at_start(key)));
  }
  return plan;
}

}  // namespace pathwatch::collector
