// A 10,000-target × 2-path agent's Hello gets through the collector: every part the publisher
// sends fits the collector's DecodeLimits and is accepted by its own decoder, and the parts
// together carry every target once. (Today's code sends one ~1 MB Hello: refused, forever.)
#include "agent/publish/hello_split.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include "agent/publish/memory_outbox.hpp"
#include "agent/publish/publisher.hpp"
#include "collector/ingest/envelope_decoder.hpp"
#include "tests/unit/agent/publish/fake_transport.hpp"

namespace pathwatch::agent {
namespace {

namespace pb = pathwatch::v1;

constexpr std::int64_t kNow = 1'700'000'000'000'000'000;

// What agent/publish/messages.cpp fill_hello makes of `targets` targets, each on two paths
// with ICMP and two TCP ports. `name_bytes`: the length of each target name (128 is the most
// agent/config accepts).
void big_hello(pb::Hello& h, int targets, std::size_t name_bytes) {
  h.set_agent_version("pathwatch-agent 1.0.0");
  h.set_hostname("honcho-probe-01");
  h.set_started_unix_nanos(kNow);
  h.set_window_ns(10'000'000'000);
  h.set_incarnation(0x0123456789abcdefULL);
  h.set_first_seq(1);
  for (const char* name : {"primary", "backup"}) {
    auto* p = h.add_paths();
    p->set_name(name);
    p->set_interface(std::string(name) + "0");
  }
  for (int i = 0; i < targets; ++i) {
    auto* t = h.add_targets();
    std::string name = fmt::format("target-{:05}-", i);
    name.resize(name_bytes, 'x');
    t->set_name(name);
    t->set_address(fmt::format("fd00:5057:{:x}::{:x}", i / 256, i % 256 + 1));
    t->add_paths("primary");
    t->add_paths("backup");
    t->add_kinds(pb::PROBE_KIND_ICMP);
    t->add_kinds(pb::PROBE_KIND_TCP);
    t->add_tcp_ports(443);
    t->add_tcp_ports(8443);
    t->set_interval_ns(1'000'000'000);
  }
}

// Connects a publisher whose Hello is `targets` targets and decodes every frame it sends with
// the collector's decoder and default limits.
void expect_every_part_accepted(int targets, std::size_t name_bytes) {
  shared::ManualClock clock{shared::from_unix_nanos(kNow)};
  EnvelopeFactory envelopes(std::string(128, 'a'), std::string(128, 's'), clock);
  MemoryOutbox outbox(256 << 20, 100'000);
  testing::FakeTransport transport;
  const collector::DecodeLimits limits;  // max_message_bytes 64 KiB
  PublisherOptions options;
  options.max_envelope_bytes = limits.max_message_bytes;
  Publisher publisher(
      envelopes, outbox, transport, clock, [&](pb::Hello& h) { big_hello(h, targets, name_bytes); },
      options);
  publisher.start();
  transport.connect();

  pb::Hello whole;
  big_hello(whole, targets, name_bytes);
  ASSERT_GT(whole.ByteSizeLong(), limits.max_message_bytes);  // why it must be split

  ASSERT_GT(transport.sent.size(), 1u);
  std::set<std::string> names;
  std::uint32_t parts = 0;
  for (std::size_t i = 0; i < transport.sent.size(); ++i) {
    const std::string& frame = transport.sent[i];
    EXPECT_LE(frame.size(), limits.max_message_bytes) << "part " << i + 1;
    const auto bytes = std::as_bytes(std::span(frame.data(), frame.size()));
    collector::DecodeResult d =
        collector::decode_envelope(bytes, shared::from_unix_nanos(kNow), limits);
    ASSERT_TRUE(d.ok()) << "part " << i + 1 << " rejected: "
                        << collector::to_string(std::get<collector::RejectReason>(d.value));
    const auto& m = std::get<collector::StoredMessage>(d.value);
    const auto& hello = std::get<collector::StoredHello>(m.body);
    EXPECT_EQ(hello.targets, static_cast<std::uint32_t>(targets));  // the total, in every part
    EXPECT_EQ(hello.paths, 2u);
    EXPECT_EQ(hello.part, i + 1);
    EXPECT_EQ(hello.agent_version, "pathwatch-agent 1.0.0");
    EXPECT_EQ(m.seq, i + 1);  // each part its own envelope and seq, consecutive
    parts = hello.parts;
    pb::Envelope env;
    ASSERT_TRUE(env.ParseFromString(frame));
    for (const auto& t : env.hello().targets()) EXPECT_TRUE(names.insert(t.name()).second);
  }
  EXPECT_EQ(parts, transport.sent.size());
  EXPECT_EQ(names.size(), static_cast<std::size_t>(targets));
  EXPECT_EQ(publisher.counters().oversized, 0u);
}

TEST(HelloSplitTest, TenThousandTargetsOnTwoPathsAreAcceptedPartByPart) {
  expect_every_part_accepted(10'000, 24);
}

TEST(HelloSplitTest, LongestNamesStillFit) {
  // 128-byte target names, agent id and site: the worst case agent/config lets through.
  expect_every_part_accepted(2'000, 128);
}

TEST(HelloSplitTest, ASmallHelloIsOnePartWithoutPartFields) {
  pb::Hello h;
  big_hello(h, 10, 24);
  const auto parts = split_hello(h, 60'000);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].parts(), 0u);  // byte-identical to what older agents sent
  EXPECT_EQ(parts[0].targets_size(), 10);
}

TEST(HelloSplitTest, PartsStayWithinTheBudgetAndKeepTargetOrder) {
  pb::Hello h;
  big_hello(h, 3'000, 40);
  const std::size_t budget = 20'000;
  const auto parts = split_hello(h, budget);
  ASSERT_GT(parts.size(), 1u);
  int next = 0;
  for (const auto& p : parts) {
    EXPECT_LE(p.ByteSizeLong(), budget);
    EXPECT_EQ(p.total_targets(), 3'000u);
    EXPECT_EQ(p.first_seq(), 1u);  // every part repeats every other field
    EXPECT_EQ(p.paths_size(), 2);
    for (const auto& t : p.targets()) EXPECT_EQ(t.name(), h.targets(next++).name());
  }
  EXPECT_EQ(next, 3'000);
}

}  // namespace
}  // namespace pathwatch::agent
