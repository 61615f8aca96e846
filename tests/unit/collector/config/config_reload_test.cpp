// What a SIGHUP may apply: keys compare by value (layout, order and comments do not count),
// live keys are listed as changed, every bound key that changed refuses the reload with its
// own line, and turning incidents on or off needs a restart.
#include "collector/config/config_reload.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace pathwatch::collector {
namespace {

// The snapshot of a config text, through a real file (read_config_snapshot reads files).
ConfigSnapshot snapshot(const std::string& text) {
  const auto path = std::filesystem::path(::testing::TempDir()) /
                    ("pw-reload-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << text;
  auto s = read_config_snapshot(path.string());
  std::filesystem::remove(path);
  return s;
}

const std::string kBase =
    "collector:\n"
    "  listen: [tcp://127.0.0.1:7000]\n"
    "  insecure_plaintext: true\n"
    "  log_level: info\n"
    "store: {database: x.db}\n"
    "alerts:\n"
    "  path_down: {after: 30s}\n";

TEST(ConfigReload, LayoutOrderAndCommentsAreNoChange) {
  const auto a = snapshot(kBase);
  const auto b = snapshot(
      "# the same values, written otherwise\n"
      "store:\n"
      "  database: x.db\n"
      "alerts: {path_down: {after: 30s}}\n"
      "collector: {log_level: info, insecure_plaintext: true,\n"
      "            listen: ['tcp://127.0.0.1:7000']}\n");
  const auto plan = plan_reload(a.keys, b.keys);
  EXPECT_TRUE(plan.refused.empty());
  EXPECT_TRUE(plan.changed.empty());
}

TEST(ConfigReload, LiveKeysAreApplied) {
  const auto a = snapshot(kBase);
  std::string text = kBase;
  text.replace(text.find("log_level: info"), 15, "log_level: debug");
  text.replace(text.find("30s"), 3, "45s");
  text += "notify:\n  webhooks: [{url: 'http://127.0.0.1:9/hook'}]\n";
  const auto plan = plan_reload(a.keys, snapshot(text).keys);
  EXPECT_TRUE(plan.refused.empty());
  EXPECT_EQ(plan.changed, (std::vector<std::string>{"alerts changed", "collector.log_level changed",
                                                    "notify added"}));
}

TEST(ConfigReload, EachBoundKeyRefusesWithItsOwnLine) {
  const auto a = snapshot(kBase);
  std::string text = kBase;
  text.replace(text.find("7000"), 4, "7001");
  text.replace(text.find("x.db"), 4, "y.db");
  text.replace(text.find("log_level: info"), 15, "log_level: debug");  // live, not applied
  text += "api: {listen: '127.0.0.1:0'}\n";
  const auto plan = plan_reload(a.keys, snapshot(text).keys);
  ASSERT_EQ(plan.refused.size(), 3u);
  EXPECT_EQ(plan.refused[0],
            "api.listen: added; this needs a restart (the API server and its callers are set "
            "up at start)");
  EXPECT_EQ(plan.refused[1],
            "collector.listen: changed; this needs a restart (the ingest socket and its limits "
            "are set up at start)");
  EXPECT_EQ(plan.refused[2],
            "store.database: changed; this needs a restart (the store is opened at start)");
}

TEST(ConfigReload, IncidentsOnOrOffNeedARestart) {
  const auto a = snapshot(kBase);
  const std::string topology = std::filesystem::absolute("etc/lab/topology.yaml").string();
  const auto plan = plan_reload(a.keys, snapshot(kBase + "topology: " + topology + "\n").keys);
  ASSERT_EQ(plan.refused.size(), 1u);
  EXPECT_EQ(plan.refused[0], "topology: added; turning incidents on or off needs a restart");
}

TEST(ConfigReload, ABrokenFileIsRefusedWithItsPosition) {
  try {
    snapshot(kBase + "alerts: [unclosed\n");
    FAIL() << "expected a ConfigError";
  } catch (const shared::ConfigError& e) {
    EXPECT_NE(std::string{e.what()}.find(".yaml:"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pathwatch::collector
