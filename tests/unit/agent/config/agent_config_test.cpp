#include "agent/config/agent_config.hpp"

#include <gtest/gtest.h>

namespace pathwatch::agent {
namespace {

using namespace std::chrono_literals;

constexpr const char* kMinimal = R"(agent: {id: a1, site: honcho}
collector: {endpoints: tcp://198.18.10.10:7000, insecure_plaintext: true}
paths:
  - {name: primary, source: 198.18.1.10}
  - {name: backup, interface: backup, fwmark: 0x20}
targets:
  - name: asp
    address: 198.18.30.10
    tcp: [8443, 8444]
    paths: [primary, backup]
    interval: 250ms
)";

AgentConfig parse(const std::string& text) {
  return parse_agent_config(shared::ConfigNode::load_string(text, "agent.yaml"), "agent.yaml");
}

// kMinimal with `key: value` added to its collector map (line 2).
std::string with_collector_key(const std::string& key_value) {
  std::string text = kMinimal;
  text.replace(text.find("insecure_plaintext: true}"), 25,
               "insecure_plaintext: true, " + key_value + "}");
  return text;
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const shared::ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(AgentConfig, ParsesAMinimalConfigWithDefaults) {
  const auto c = parse(kMinimal);
  EXPECT_EQ(c.agent_id, "a1");
  EXPECT_EQ(c.window, 10s);
  ASSERT_EQ(c.paths.size(), 2u);
  EXPECT_EQ(c.paths[1].fwmark, 0x20u);
  ASSERT_EQ(c.targets.size(), 1u);
  EXPECT_EQ(c.targets[0].probe.interval, 250ms);
  EXPECT_EQ(c.targets[0].probe.timeout, 1s);
  EXPECT_EQ(c.targets[0].tcp_ports, (std::vector<std::uint16_t>{8443, 8444}));
  EXPECT_TRUE(c.targets[0].icmp);
  EXPECT_EQ(c.thresholds.down_after, 3u);
}

// Leaving DEGRADED needs loss at or below the clear threshold (agent/state's hysteresis): it
// defaults to half the entry threshold and may never exceed it.
TEST(AgentConfig, DegradedClearThreshold) {
  std::string text = kMinimal;
  text += "thresholds: {degraded_loss_percent: 10, degraded_clear_loss_percent: 4}\n";
  EXPECT_EQ(parse(text).thresholds.degraded_clear_loss_percent, 4.0);
  EXPECT_FALSE(parse(kMinimal).thresholds.degraded_clear_loss_percent.has_value());
  std::string bad = kMinimal;
  bad += "thresholds: {degraded_loss_percent: 10, degraded_clear_loss_percent: 12}\n";
  EXPECT_EQ(error_of(bad),
            "agent.yaml:12:70: thresholds.degraded_clear_loss_percent: must not exceed "
            "degraded_loss_percent (10)");
}

// Loss is not a cut (agent/state/cut_evidence.hpp): a false DOWN per 100,000 flow-hours
// under random loss, loss beyond 75 % round trip weighed as 75 %.
TEST(AgentConfig, CutTestThresholds) {
  const auto d = parse(kMinimal).thresholds;
  EXPECT_EQ(d.false_down_per_hour, 1e-4);
  EXPECT_EQ(d.max_random_loss_percent, 75.0);
  std::string text = kMinimal;
  text += "thresholds: {false_down_per_hour: 0.001, max_random_loss_percent: 60}\n";
  EXPECT_EQ(parse(text).thresholds.false_down_per_hour, 0.001);
  EXPECT_EQ(parse(text).thresholds.max_random_loss_percent, 60.0);
  std::string bad = kMinimal;
  bad += "thresholds: {max_random_loss_percent: 100}\n";
  EXPECT_NE(error_of(bad).find("thresholds.max_random_loss_percent"), std::string::npos)
      << error_of(bad);
  bad = kMinimal + std::string("thresholds: {false_down_per_hour: 0}\n");
  EXPECT_NE(error_of(bad).find("thresholds.false_down_per_hour"), std::string::npos)
      << error_of(bad);
  // More than one false DOWN an hour is no target (and once above the probe rate the cut
  // threshold would go negative).
  bad = kMinimal + std::string("thresholds: {false_down_per_hour: 2}\n");
  EXPECT_NE(error_of(bad).find("thresholds.false_down_per_hour"), std::string::npos)
      << error_of(bad);
}

// Suspicion is on by default (5 x for 3 s, at most 500 probes/s); speedup 1 turns it off.
TEST(AgentConfig, Suspicion) {
  const auto d = parse(kMinimal).suspicion;
  EXPECT_EQ(d.speedup, 5u);
  EXPECT_EQ(d.hold, 3s);
  EXPECT_EQ(d.max_rate, 500.0);
  const auto c = parse(std::string(kMinimal) + "suspicion: {speedup: 1, hold: 2s, max_rate: 80}\n");
  EXPECT_EQ(c.suspicion.speedup, 1u);
  EXPECT_EQ(c.suspicion.hold, 2s);
  EXPECT_EQ(c.suspicion.max_rate, 80.0);
  EXPECT_EQ(error_of(std::string(kMinimal) + "suspicion: {speedup: 0}\n"),
            "agent.yaml:12:22: suspicion.speedup: value 0 out of range [1, 20]");
  EXPECT_EQ(error_of(std::string(kMinimal) + "suspicion: {faster: 2}\n"),
            "agent.yaml:12:13: suspicion: unknown key 'faster'");
}

// The heartbeat defaults to the window (heartbeat_or); 100 ms is the floor (a tick per heartbeat).
TEST(AgentConfig, CollectorHeartbeat) {
  EXPECT_FALSE(parse(kMinimal).collector.heartbeat.has_value());
  EXPECT_EQ(parse(kMinimal).collector.heartbeat_or(10s), 10s);
  const std::string text = with_collector_key("heartbeat: 250ms");
  EXPECT_EQ(parse(text).collector.heartbeat_or(10s), 250ms);
  const std::string bad = with_collector_key("heartbeat: 10ms");
  EXPECT_EQ(error_of(bad),
            "agent.yaml:2:86: collector.heartbeat: duration 10ms out of range [100ms, 1h]");
}

// Endpoint failover: 20 s by default; under 10 s (two of the collector's 5 s heartbeats) would
// leave a live collector, so it is an error.
TEST(AgentConfig, CollectorFailoverAfter) {
  EXPECT_EQ(parse(kMinimal).collector.failover_after, 20s);
  const std::string text = with_collector_key("failover_after: 45s");
  EXPECT_EQ(parse(text).collector.failover_after, 45s);
  const std::string bad = with_collector_key("failover_after: 5s");
  EXPECT_EQ(error_of(bad),
            "agent.yaml:2:91: collector.failover_after: duration 5s out of range [10s, 10m]");
}

// Every name the collector refuses (collector/ingest/envelope_decoder: empty or > 128 bytes, or
// an Envelope that does not parse because a proto3 string is not UTF-8) is a config error at
// load time, with the position of the value (--check-config exits 2 with it).
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST(AgentConfig, AgentIdMustBeValidUtf8) {
  // The raw byte 0xFF can never appear in UTF-8; yaml-cpp passes it through (a YAML "\xff"
  // escape would be U+00FF, valid UTF-8, so the byte is written raw).
  EXPECT_EQ(
      error_of(replaced(kMinimal, "id: a1", "id: a\xff")),
      "agent.yaml:1:13: agent.id: agent id is not valid UTF-8 (the collector cannot parse it)");
}

TEST(AgentConfig, AgentIdAtMost128Bytes) {
  EXPECT_EQ(parse(replaced(kMinimal, "id: a1", "id: " + std::string(128, 'a'))).agent_id.size(),
            128u);
  EXPECT_EQ(error_of(replaced(kMinimal, "id: a1", "id: " + std::string(129, 'a'))),
            "agent.yaml:1:13: agent.id: agent id is 129 bytes long; the collector accepts at most "
            "128");
}

TEST(AgentConfig, SiteMustNotBeEmptyOrTooLong) {
  EXPECT_NE(
      error_of(replaced(kMinimal, "site: honcho", "site: \"\"")).find("site must not be empty"),
      std::string::npos);
  // 43 three-byte characters: 129 bytes although only 43 characters.
  std::string long_site;
  for (int i = 0; i < 43; ++i) long_site += "\u672c";
  EXPECT_NE(error_of(replaced(kMinimal, "site: honcho", "site: " + long_site))
                .find("agent.site: site is 129 bytes long"),
            std::string::npos);
}

TEST(AgentConfig, TargetNameMustBeValidUtf8AndShort) {
  // An overlong encoding of '/' (C0 AF) is not valid UTF-8 either.
  EXPECT_EQ(error_of(replaced(kMinimal, "name: asp", "name: a\xc0\xaf")),
            "agent.yaml:7:11: targets[0].name: target name is not valid UTF-8 (the collector "
            "cannot parse it)");
  EXPECT_NE(error_of(replaced(kMinimal, "name: asp", "name: " + std::string(200, 't')))
                .find("targets[0].name: target name is 200 bytes long"),
            std::string::npos);
}

TEST(AgentConfig, PathNameMustBeValidUtf8AndShort) {
  std::string text = replaced(kMinimal, "{name: backup,", "{name: b\xed\xa0\x80,");
  // A UTF-16 surrogate (U+D800 as ED A0 80) is not valid UTF-8.
  EXPECT_EQ(error_of(text),
            "agent.yaml:5:12: paths[1].name: path name is not valid UTF-8 (the collector cannot "
            "parse it)");
  EXPECT_NE(error_of(replaced(kMinimal, "{name: primary,", "{name: " + std::string(129, 'p') + ","))
                .find("paths[0].name: path name is 129 bytes long"),
            std::string::npos);
}

// "unknown" and "unknown:..." are what the agent reports for an unidentified line
// (agent/route/route_events.hpp): no path may be called so.
TEST(AgentConfig, UnknownIsAReservedPathName) {
  EXPECT_NE(error_of(replaced(kMinimal, "{name: backup,", "{name: unknown,")).find("is reserved"),
            std::string::npos);
  EXPECT_NE(
      error_of(replaced(kMinimal, "{name: backup,", "{name: 'unknown:x',")).find("is reserved"),
      std::string::npos);
}

// A target's own hop_ttl (1..64) for its hop probes; absent: the path's.
TEST(AgentConfig, TargetHopTtl) {
  EXPECT_FALSE(parse(kMinimal).targets[0].hop_ttl.has_value());
  const std::string with =
      replaced(kMinimal, "    interval: 250ms\n", "    interval: 250ms\n    hop_ttl: 3\n");
  EXPECT_EQ(parse(with).targets[0].hop_ttl, std::uint8_t{3});
  EXPECT_NE(error_of(replaced(with, "hop_ttl: 3", "hop_ttl: 0")), "");
}

TEST(AgentConfig, JapaneseNamesWithin128BytesAreAccepted) {
  const auto c = parse(replaced(kMinimal, "site: honcho", "site: 本庁舎"));
  EXPECT_EQ(c.site, "本庁舎");
}

TEST(AgentConfig, ExampleConfigInEtcIsValid) {
  const auto c = load_agent_config("etc/agent.example.yaml");
  EXPECT_EQ(c.site, "honcho");
  EXPECT_EQ(c.paths.size(), 3u);
  EXPECT_EQ(c.find_path("as-routed")->line_hops.at("198.18.102.1"), "backup");
}

TEST(AgentConfig, UnknownKey) {
  std::string text = kMinimal;
  text.replace(text.find("    interval"), 4, "    intervall: 1s\n    ");
  EXPECT_EQ(error_of(text), "agent.yaml:11:5: targets[0]: unknown key 'intervall'");
}

TEST(AgentConfig, WrongType) {
  std::string text = kMinimal;
  text.replace(text.find("8444"), 4, "http");
  EXPECT_EQ(error_of(text), "agent.yaml:9:17: targets[0].tcp[1]: expected an integer, got 'http'");
}

TEST(AgentConfig, MissingRequiredField) {
  std::string text = kMinimal;
  text.erase(text.find("    address: 198.18.30.10\n"), 26);
  EXPECT_EQ(error_of(text), "agent.yaml:7:5: targets[0]: missing required key 'address'");
}

TEST(AgentConfig, TargetOnUnknownPath) {
  std::string text = kMinimal;
  text.replace(text.find("[primary, backup]"), 17, "[primary, bakup]");
  EXPECT_EQ(error_of(text), "agent.yaml:10:22: targets[0].paths[1]: unknown path 'bakup'");
}

TEST(AgentConfig, BadAddress) {
  std::string text = kMinimal;
  text.replace(text.find("198.18.30.10"), 12, "asp.example");
  EXPECT_NE(error_of(text).find("'asp.example' is not an IPv4 or IPv6 address"), std::string::npos);
}

TEST(AgentConfig, IntervalBelow10msIsRejected) {
  std::string text = kMinimal;
  text.replace(text.find("250ms"), 5, "5ms");
  EXPECT_NE(error_of(text).find("out of range [10ms, 1h]"), std::string::npos);
}

TEST(AgentConfig, PathNeedsAPin) {
  std::string text = kMinimal;
  text.replace(text.find("{name: primary, source: 198.18.1.10}"), 36, "{name: primary}");
  EXPECT_NE(error_of(text).find("needs interface, source or fwmark"), std::string::npos);
}

TEST(AgentConfig, CollectorWithoutCurveOrInsecureFlagIsRejected) {
  std::string text = kMinimal;
  text.replace(text.find(", insecure_plaintext: true"), 26, "");
  EXPECT_NE(error_of(text).find("needs 'curve' keys"), std::string::npos);
}

}  // namespace
}  // namespace pathwatch::agent
