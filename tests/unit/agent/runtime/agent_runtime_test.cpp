// AgentRuntime with fake engines and a fake transport: results drive state changes that are
// published at once, windows publish summaries, and a reload keeps unchanged flows' state.
#include "agent/runtime/agent_runtime.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "agent/publish/memory_outbox.hpp"
#include "agent/route/fake_netlink_source.hpp"
#include "tests/unit/agent/publish/fake_transport.hpp"

namespace pathwatch::agent {
namespace {

using namespace std::chrono_literals;
namespace pb = pathwatch::v1;

class FakeEngine final : public ProbeEngine {
 public:
  void send(const FlowSpec& flow, std::uint64_t seq, std::uint8_t) override {
    sends.push_back({flow.id, seq});
  }
  IgnoredCounters ignored() const override { return {}; }
  std::vector<std::pair<FlowId, std::uint64_t>> sends;
};

std::shared_ptr<const AgentConfig> config(const std::string& backup_source = "198.18.1.11",
                                          bool second_target = false) {
  auto c = std::make_shared<AgentConfig>();
  c->agent_id = "a";
  c->site = "s";
  PathConfig primary;
  primary.name = "primary";
  primary.source_address = "198.18.1.10";
  PathConfig backup;
  backup.name = "backup";
  backup.source_address = backup_source;
  c->paths = {primary, backup};
  TargetConfig t;
  t.name = "asp";
  t.address = "198.18.30.10";
  t.paths = {"primary", "backup"};
  c->targets.push_back(t);
  if (second_target) {
    t.name = "other";
    t.address = "198.18.30.11";
    c->targets.push_back(t);
  }
  return c;
}

struct Rig {
  boost::asio::io_context io;
  shared::ManualClock clock{shared::from_unix_nanos(1'700'000'000'000'000'000)};
  EnvelopeFactory envelopes{"a", "s", clock};
  MemoryOutbox outbox{1 << 20, 1000};
  testing::FakeTransport transport;
  Publisher publisher{envelopes, outbox, transport, clock, [](pb::Hello&) {}};
  std::vector<FakeEngine*> engines;
  AgentRuntime runtime{io, clock, publisher, factories()};

  RuntimeFactories factories() {
    RuntimeFactories f;
    f.icmp_engine = [this](boost::asio::io_context&, const PathConfig&, bool, ProbeResultSink,
                           const shared::Clock&) {
      auto e = std::make_unique<FakeEngine>();
      engines.push_back(e.get());
      return e;
    };
    f.tcp_engine = [this](boost::asio::io_context&, const PathConfig&, ProbeResultSink,
                          const shared::Clock&) {
      auto e = std::make_unique<FakeEngine>();
      engines.push_back(e.get());
      return e;
    };
    return f;  // no route watcher
  }

  FlowKey key(const std::string& path) {
    return {"asp", "198.18.30.10", path, ProbeKind::kIcmp, 0};
  }
  // Feeds probe `seq` of flow `id`, sent now: answered in 5 ms, or timed out.
  void result(FlowId id, std::uint64_t seq, bool answered) {
    ProbeResult r;
    r.flow = id;
    r.seq = seq;
    r.sent_utc = clock.utc_now();
    r.outcome = answered ? Outcome::kOk : Outcome::kTimeout;
    if (answered) r.rtt = 5ms;
    runtime.on_result(r);
  }
  void answer(FlowId id, std::uint64_t seq) { result(id, seq, true); }
  void lose(FlowId id, std::uint64_t seq) { result(id, seq, false); }
  // Starts with `c`, takes the primary flow up, then puts it in doubt (2 losses in 6 > 5 %).
  FlowId start_and_doubt_primary(std::shared_ptr<const AgentConfig> c) {
    publisher.start();
    transport.connect();
    runtime.start(std::move(c));
    const auto primary = runtime.flow_id(key("primary"));
    if (!primary) throw std::logic_error("no primary flow");
    for (std::uint64_t s = 1; s <= 3; ++s) answer(*primary, s);
    lose(*primary, 4);
    answer(*primary, 5);
    lose(*primary, 6);
    return *primary;
  }
  std::vector<pb::Envelope> sent_of(bool (pb::Envelope::*has)() const) {
    std::vector<pb::Envelope> v;
    for (std::size_t i = 0; i < transport.sent.size(); ++i) {
      auto e = transport.sent_envelope(i);
      if ((e.*has)()) v.push_back(e);
    }
    return v;
  }
};

TEST(AgentRuntimeTest, StateChangePublishedAtOnceAndReloadKeepsUnchangedFlows) {
  Rig r;
  r.publisher.start();
  r.transport.connect();
  r.runtime.start(config());
  // One ICMP engine per path (IPv4): 2 engines, 2 flows.
  EXPECT_EQ(r.engines.size(), 2u);
  const auto primary = r.runtime.flow_id(r.key("primary"));
  const auto backup = r.runtime.flow_id(r.key("backup"));
  ASSERT_TRUE(primary && backup);
  for (std::uint64_t s = 1; s <= 3; ++s) r.answer(*primary, s);  // up_after = 3
  for (std::uint64_t s = 1; s <= 3; ++s) r.answer(*backup, s);
  EXPECT_EQ(r.runtime.state(r.key("primary")), PathState::kUp);
  const auto changes = r.sent_of(&pb::Envelope::has_state_change);
  ASSERT_EQ(changes.size(), 2u);  // one per flow, sent before any window closed
  EXPECT_EQ(changes[0].state_change().flow().path(), "primary");
  EXPECT_EQ(changes[0].state_change().to(), pb::PATH_STATE_UP);

  // Reload: backup's source changes, a target is added. Primary keeps id and state;
  // backup is a new flow (UNKNOWN) and its old partial window is published.
  r.runtime.reload(config("198.18.1.12", true));
  EXPECT_EQ(r.runtime.flow_id(r.key("primary")), primary);
  EXPECT_EQ(r.runtime.state(r.key("primary")), PathState::kUp);
  EXPECT_NE(r.runtime.flow_id(r.key("backup")), backup);
  EXPECT_EQ(r.runtime.state(r.key("backup")), PathState::kUnknown);
  const auto windows = r.sent_of(&pb::Envelope::has_window);
  ASSERT_EQ(windows.size(), 1u);  // the old backup flow's last window
  EXPECT_EQ(windows[0].window().flow().path(), "backup");
  EXPECT_EQ(windows[0].window().sent(), 3u);
  EXPECT_EQ(windows[0].window().received(), 3u);

  // A window end publishes one summary per flow: asp x 2 paths + other x 2 paths = 4.
  r.runtime.close_windows(r.clock.utc_now() + 10s);
  EXPECT_EQ(r.sent_of(&pb::Envelope::has_window).size(), 5u);
  // Results of the removed flow are counted, not applied.
  r.answer(*backup, 4);
  EXPECT_EQ(r.runtime.counters().results_unknown_flow, 1u);
  r.runtime.stop();
}

// Suspicion: the second loss of an UP flow (10 % > 5 % of 20) puts it in doubt, and every flow
// is probed faster for `hold`; a lone loss does not, and the speed-up is cut to max_rate.
TEST(AgentRuntimeTest, LossesThatPutAPathInDoubtSpeedEveryFlowUp) {
  Rig r;
  r.publisher.start();
  r.transport.connect();
  auto c = std::make_shared<AgentConfig>(*config());
  c->suspicion.speedup = 5;
  c->suspicion.hold = 2s;
  c->suspicion.max_rate = 8;  // 2 flows at 1 s: 8 / 2 = 4 x, under the speedup of 5
  r.runtime.start(c);
  EXPECT_EQ(r.runtime.hurry_factor(), 4u);
  const auto primary = r.runtime.flow_id(r.key("primary"));
  ASSERT_TRUE(primary);
  for (std::uint64_t s = 1; s <= 3; ++s) r.answer(*primary, s);
  const auto& schedule = r.runtime.scheduler().schedule();
  // Windows of 10 s (the default) close on 10 s multiples of UTC; the clock is on one.
  const auto t0 = r.clock.utc_now();
  EXPECT_EQ(r.runtime.next_window_end(), t0 + 10s);
  r.lose(*primary, 4);
  EXPECT_FALSE(schedule.hurrying(r.clock.mono_now()));  // a lone loss: 5 %, allowed
  r.answer(*primary, 5);
  r.lose(*primary, 6);
  EXPECT_TRUE(schedule.hurrying(r.clock.mono_now()));
  // Hurried, windows also close on multiples of the probe interval (1 s): the counts reach
  // the collector every interval.
  EXPECT_EQ(r.runtime.next_window_end(), t0 + 1s);
  r.clock.advance(1500ms);
  EXPECT_EQ(r.runtime.next_window_end(), t0 + 2s);
  EXPECT_EQ(r.runtime.counters().hurries, 1u);
  r.lose(*primary, 7);  // still in doubt: extended to 3.5 s, not counted again
  EXPECT_EQ(r.runtime.counters().hurries, 1u);
  r.clock.advance(2001ms);
  EXPECT_FALSE(schedule.hurrying(r.clock.mono_now()));
  EXPECT_EQ(r.runtime.next_window_end(), t0 + 10s);
  r.runtime.stop();

  // speedup 1: suspicion off, whatever the losses.
  Rig off;
  c->suspicion.speedup = 1;
  off.runtime.start(c);
  EXPECT_EQ(off.runtime.hurry_factor(), 1u);
  const auto p = off.runtime.flow_id(off.key("primary"));
  for (std::uint64_t s = 1; s <= 3; ++s) off.answer(*p, s);
  for (std::uint64_t s = 4; s <= 6; ++s) off.lose(*p, s);
  EXPECT_EQ(off.runtime.state(off.key("primary")), PathState::kDown);
  EXPECT_FALSE(off.runtime.scheduler().schedule().hurrying(off.clock.mono_now()));
  EXPECT_EQ(off.runtime.counters().hurries, 0u);
  off.runtime.stop();
}

// Loss is not a cut: on a path that loses half its probes, a flow losing 10 in a row while
// another flow of the same path answers stays up (random loss at 47 % gives 10 in a row
// every ~4,000 probes; its own test needs 28); when both fall silent together, the path's
// pooled test calls the cut long before either flow's own test would.
TEST(AgentRuntimeTest, FlowsOfOnePathAreWeighedTogether) {
  Rig r;
  r.publisher.start();
  r.transport.connect();
  r.runtime.start(config("198.18.1.11", true));
  const auto asp = r.runtime.flow_id(r.key("primary"));
  const auto other = r.runtime.flow_id({"other", "198.18.30.11", "primary", ProbeKind::kIcmp, 0});
  ASSERT_TRUE(asp && other);
  std::uint64_t seq = 1;
  for (; seq <= 3; ++seq) {
    r.answer(*asp, seq);
    r.answer(*other, seq);
  }
  for (int i = 0; i < 20; ++i, seq += 2) {  // 20 losses in 43 probes each: 46.5 %
    r.lose(*asp, seq);
    r.lose(*other, seq);
    r.answer(*asp, seq + 1);
    r.answer(*other, seq + 1);
  }
  EXPECT_EQ(r.runtime.state(r.key("primary")), PathState::kDegraded);
  for (int i = 0; i < 10; ++i, ++seq) {
    r.lose(*asp, seq);
    r.answer(*other, seq);
  }
  EXPECT_EQ(r.runtime.state(r.key("primary")), PathState::kDegraded);
  r.answer(*asp, seq++);
  // Both silent: the path's threshold ln(2 x 3,600 / 1e-4) = 18.1 nats at ln(1 / 0.5) a loss
  // (both memories near 50 % now) is ~26 losses of the two together: 13 each, not 24+.
  int own_losses = 0;
  while (r.runtime.state(r.key("primary")) != PathState::kDown && own_losses < 28) {
    r.lose(*asp, seq);
    r.lose(*other, seq++);
    ++own_losses;
  }
  EXPECT_EQ(r.runtime.state(r.key("primary")), PathState::kDown);
  EXPECT_LE(own_losses, 17);
  const auto changes = r.sent_of(&pb::Envelope::has_state_change);
  ASSERT_FALSE(changes.empty());
  EXPECT_NE(changes.back().state_change().reason().find("the path silent"), std::string::npos)
      << changes.back().state_change().reason();
  r.runtime.stop();
}

// An as-routed path: the flows of targets seen on one line share a pool. During a cut of
// that line the hop flows stop hearing the router (no evidence of any line: no change):
// the flows stay in the line's pool, so its evidence goes on and the lossy flows go DOWN
// by the pooled test, as on a named path. Moving them to the pool of no line reset their
// streaks and mixed them with a target not seen on any line yet that still answers: each
// then needed its own test's 26 losses.
TEST(AgentRuntimeTest, ACutLineKeepsItsFlowsPooled) {
  auto c = std::make_shared<AgentConfig>(*config("198.18.1.11", true));
  PathConfig routed;
  routed.name = "routed";
  routed.as_routed = true;
  routed.line_hops = {{"198.18.101.1", "primary"}};
  c->paths.push_back(routed);
  for (auto& t : c->targets) t.paths = {"routed"};
  TargetConfig third = c->targets.back();  // its hop flow never hears a router
  third.name = "third";
  third.address = "198.18.30.12";
  c->targets.push_back(third);
  Rig r;
  r.publisher.start();
  r.transport.connect();
  r.runtime.start(c);
  const FlowKey asp_key{"asp", "198.18.30.10", "routed", ProbeKind::kIcmp, 0};
  const FlowKey other_key{"other", "198.18.30.11", "routed", ProbeKind::kIcmp, 0};
  const auto asp = r.runtime.flow_id(asp_key);
  const auto other = r.runtime.flow_id(other_key);
  const auto asp_hop = r.runtime.flow_id(asp_key, true);
  const auto other_hop = r.runtime.flow_id(other_key, true);
  const auto third_id = r.runtime.flow_id({"third", "198.18.30.12", "routed", ProbeKind::kIcmp, 0});
  ASSERT_TRUE(asp && other && asp_hop && other_hop && third_id);
  std::uint64_t hop_seq = 1;
  const auto hops = [&](bool answered) {
    for (const auto id : {*asp_hop, *other_hop}) {
      ProbeResult h;
      h.flow = id;
      h.seq = hop_seq;
      h.sent_utc = r.clock.utc_now();
      h.outcome = answered ? Outcome::kTimeExceeded : Outcome::kTimeout;
      if (answered) {
        h.rtt = 4ms;
        h.icmp = IcmpEvidence{"198.18.101.1", 11, 0};
      }
      r.runtime.on_result(h);
    }
    ++hop_seq;
  };
  hops(true);
  hops(true);  // both targets seen on "primary"
  std::uint64_t seq = 1;
  for (; seq <= 3; ++seq) {
    r.answer(*asp, seq);
    r.answer(*other, seq);
  }
  for (int i = 0; i < 20; ++i, seq += 2) {  // ~50 % loss on both
    r.lose(*asp, seq);
    r.lose(*other, seq);
    r.answer(*asp, seq + 1);
    r.answer(*other, seq + 1);
  }
  ASSERT_EQ(r.runtime.state(asp_key), PathState::kDegraded);
  // The cut: every probe lost, the hop flows too (misses: the line stays as it was).
  int own_losses = 0;
  while (r.runtime.state(asp_key) != PathState::kDown && own_losses < 30) {
    r.lose(*asp, seq);
    r.lose(*other, seq);
    r.answer(*third_id, seq++);
    hops(false);
    ++own_losses;
  }
  EXPECT_EQ(r.runtime.state(asp_key), PathState::kDown);
  EXPECT_LE(own_losses, 17);
  const auto changes = r.sent_of(&pb::Envelope::has_state_change);
  ASSERT_FALSE(changes.empty());
  EXPECT_NE(changes.back().state_change().reason().find("the path silent"), std::string::npos)
      << changes.back().state_change().reason();
  r.runtime.stop();
}

// A reload during a suspicion: the hurry goes on until it would have ended, at the pace the new
// flows allow within max_rate (4 flows at 1 s and 8 probes/s: 2 x, where 2 flows had 4 x).
TEST(AgentRuntimeTest, ReloadDuringASuspicionKeepsItWithinMaxRate) {
  Rig r;
  auto c = std::make_shared<AgentConfig>(*config());
  c->suspicion.speedup = 5;
  c->suspicion.hold = 3s;
  c->suspicion.max_rate = 8;
  r.start_and_doubt_primary(c);
  ASSERT_TRUE(r.runtime.scheduler().schedule().hurrying(r.clock.mono_now()));
  ASSERT_EQ(r.runtime.hurry_factor(), 4u);
  r.clock.advance(1s);

  auto bigger = std::make_shared<AgentConfig>(*config("198.18.1.11", true));
  bigger->suspicion = c->suspicion;
  r.runtime.reload(bigger);
  EXPECT_EQ(r.runtime.hurry_factor(), 2u);
  // What the schedule would send over the next second (a copy: the runtime's own timer is not
  // run here, so the probes due now are taken first): 4 flows x 2, and still hurried until
  // 3 s after the doubt, 2 s after the reload.
  ProbeSchedule schedule = r.runtime.scheduler().schedule();
  const auto now = r.clock.mono_now();
  std::vector<FlowId> due;
  schedule.take_due(now, due);
  std::size_t sent = 0;
  for (auto t = 1ms; t <= 1000ms; t += 1ms) {  // bounded: 1000 steps
    due.clear();
    schedule.take_due(now + t, due);
    sent += due.size();
  }
  EXPECT_EQ(sent, 8u);
  EXPECT_TRUE(schedule.hurrying(now + 1999ms));
  EXPECT_FALSE(schedule.hurrying(now + 2s));
  r.runtime.stop();
}

// The wall clock steps (NTP, an operator) while windows run: no window may end before it
// starts or stretch over the step, or the collector rejects it and its counts are lost. Each
// window closes after the time it lasted; the next ones start at the new time.
TEST(AgentRuntimeTest, WallClockStepsNeitherReverseNorStretchAWindow) {
  Rig r;
  r.publisher.start();
  r.transport.connect();
  r.runtime.start(config());  // windows of 10 s; the clock is on a multiple of 10 s
  const auto t0 = r.clock.utc_now();
  const auto primary = r.runtime.flow_id(r.key("primary"));
  ASSERT_TRUE(primary);
  // The (start, end) of the windows published for one target and path.
  const auto windows = [&](const std::string& target = "asp", const std::string& path = "primary") {
    std::vector<std::pair<std::int64_t, std::int64_t>> v;
    for (const auto& e : r.sent_of(&pb::Envelope::has_window)) {
      if (e.window().flow().target() != target || e.window().flow().path() != path) continue;
      v.push_back({e.window().start_unix_nanos(), e.window().end_unix_nanos()});
    }
    return v;
  };
  const auto ns = [&](shared::UtcNanos t) { return shared::to_unix_nanos(t); };

  // An hour back, 4 s into the first window; the timer, armed before, fires 10 s in.
  r.clock.advance(4s);
  r.answer(*primary, 1);
  r.clock.jump_utc(-1h);
  r.clock.advance(6s);
  r.runtime.on_window_timer(t0 + 10s);
  const auto t1 = r.clock.utc_now();  // t0 + 10 s - 1 h
  ASSERT_EQ(windows().size(), 1u);
  EXPECT_EQ(windows()[0], std::make_pair(ns(t0), ns(t0 + 10s)));
  EXPECT_EQ(r.runtime.next_window_end(), t1 + 10s);

  // Re-armed after a step (as a suspicion does), the timer still plans on the windows' own
  // time: 3 s into the second window the clock steps 30 s back, and the window ends 7 s later
  // at t1 + 10 s, not 37 s later or at t1 - 20 s.
  r.clock.advance(3s);
  r.clock.jump_utc(-30s);
  const auto planned = r.runtime.next_window_end();
  EXPECT_EQ(planned, t1 + 10s);
  EXPECT_EQ(planned - r.runtime.window_now(), 7s);
  r.clock.advance(7s);
  r.runtime.on_window_timer(planned);
  ASSERT_EQ(windows().size(), 2u);
  EXPECT_EQ(windows()[1], std::make_pair(ns(t1), ns(t1 + 10s)));

  // An hour forward: the window lasted 10 s, not an hour and 10 s. A target added by a reload
  // after the step starts its window on the same time as the others.
  const auto t2 = r.clock.utc_now();
  r.clock.advance(4s);
  r.clock.jump_utc(1h);
  r.clock.advance(1s);
  r.runtime.reload(config("198.18.1.11", true));
  r.clock.advance(5s);
  r.runtime.on_window_timer(t2 + 10s);
  ASSERT_EQ(windows().size(), 3u);
  EXPECT_EQ(windows()[2], std::make_pair(ns(t2), ns(t2 + 10s)));
  EXPECT_EQ(windows("other"),
            (std::vector<std::pair<std::int64_t, std::int64_t>>{{ns(t2 + 5s), ns(t2 + 10s)}}));

  // Half a second back is a slew, not a step: the window ends where planned, and the next
  // one does not end at or before its start.
  const auto t3 = r.clock.utc_now();
  r.clock.advance(10s);
  r.clock.jump_utc(-500ms);
  r.runtime.on_window_timer(t3 + 10s);
  EXPECT_EQ(windows()[3], std::make_pair(ns(t3), ns(t3 + 10s)));
  EXPECT_GT(r.runtime.next_window_end(), t3 + 10s);
  r.runtime.stop();  // the last window may be empty: the slew left the clock before its start
  for (const auto& e : r.sent_of(&pb::Envelope::has_window)) {
    EXPECT_LE(e.window().start_unix_nanos(), e.window().end_unix_nanos());
  }
}

// A path pinned to an interface: each window summary carries that interface's oper state and
// the window's counter deltas, and a link transition is published as a LinkChange at once.
TEST(AgentRuntimeTest, WindowSummariesCarryInterfaceCounterDeltas) {
  boost::asio::io_context io;
  shared::ManualClock clock{shared::from_unix_nanos(1'700'000'000'000'000'000)};
  EnvelopeFactory envelopes{"a", "s", clock};
  MemoryOutbox outbox{1 << 20, 1000};
  testing::FakeTransport transport;
  Publisher publisher{envelopes, outbox, transport, clock, [](pb::Hello&) {}};
  FakeNetlinkSource* netlink = nullptr;
  RuntimeFactories f;
  f.icmp_engine = [](boost::asio::io_context&, const PathConfig&, bool, ProbeResultSink,
                     const shared::Clock&) { return std::make_unique<FakeEngine>(); };
  f.tcp_engine = [](boost::asio::io_context&, const PathConfig&, ProbeResultSink,
                    const shared::Clock&) { return std::make_unique<FakeEngine>(); };
  f.route_watcher = [&](boost::asio::io_context& ctx, const shared::Clock& c, const AgentConfig&,
                        RouteWatcherCallbacks callbacks) {
    auto source = std::make_unique<FakeNetlinkSource>();
    netlink = source.get();
    netlink->set_link(LinkInfo{7, "wan0", true, 10, 1, 100, 2});
    return std::make_unique<RouteWatcher>(ctx, c, std::move(source), std::vector<WatchedPrefix>{},
                                          std::map<std::string, std::string>{{"wan0", "primary"}},
                                          std::move(callbacks), RouteWatcherOptions{0ms});
  };
  AgentRuntime runtime{io, clock, publisher, f};
  publisher.start();
  transport.connect();

  auto c = std::make_shared<AgentConfig>();
  c->agent_id = "a";
  c->site = "s";
  PathConfig primary;
  primary.name = "primary";
  primary.interface = "wan0";
  PathConfig backup;
  backup.name = "backup";
  backup.source_address = "198.18.1.11";
  c->paths = {primary, backup};
  TargetConfig t;
  t.name = "asp";
  t.address = "198.18.30.10";
  t.paths = {"primary", "backup"};
  c->targets.push_back(t);
  runtime.start(c);
  ASSERT_NE(netlink, nullptr);

  // During the window: rx_errors 10 -> 13, tx_dropped 2 -> 7, and the link went down.
  netlink->set_link(LinkInfo{7, "wan0", false, 13, 1, 100, 7});
  runtime.close_windows(clock.utc_now() + 10s);

  std::vector<pb::Envelope> windows;
  std::vector<pb::Envelope> links;
  for (std::size_t i = 0; i < transport.sent.size(); ++i) {
    auto e = transport.sent_envelope(i);
    if (e.has_window()) windows.push_back(e);
    if (e.has_link_change()) links.push_back(e);
  }
  // The link dump at window end saw the transition: one LinkChange, published before the
  // summaries that count it.
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].link_change().interface(), "wan0");
  EXPECT_EQ(links[0].link_change().path(), "primary");
  EXPECT_FALSE(links[0].link_change().oper_up());
  ASSERT_EQ(windows.size(), 2u);  // asp over primary and over backup
  for (const auto& w : windows) {
    if (w.window().flow().path() == "backup") {
      EXPECT_EQ(w.window().interfaces_size(), 0);  // pinned by source: no interface
      continue;
    }
    ASSERT_EQ(w.window().interfaces_size(), 1);
    const auto& ifc = w.window().interfaces(0);
    EXPECT_EQ(ifc.interface(), "wan0");
    EXPECT_FALSE(ifc.oper_up());
    EXPECT_EQ(ifc.link_changes(), 1u);
    EXPECT_EQ(ifc.rx_errors(), 3u);   // 13 - 10
    EXPECT_EQ(ifc.tx_errors(), 0u);   // 1 - 1
    EXPECT_EQ(ifc.rx_dropped(), 0u);  // 100 - 100
    EXPECT_EQ(ifc.tx_dropped(), 5u);  // 7 - 2
  }

  // Next window: nothing changed, so all deltas are 0 and no new LinkChange.
  transport.sent.clear();
  runtime.close_windows(clock.utc_now() + 20s);
  for (std::size_t i = 0; i < transport.sent.size(); ++i) {
    auto e = transport.sent_envelope(i);
    EXPECT_FALSE(e.has_link_change());
    if (e.has_window() && e.window().flow().path() == "primary") {
      ASSERT_EQ(e.window().interfaces_size(), 1);
      EXPECT_EQ(e.window().interfaces(0).link_changes(), 0u);
      EXPECT_EQ(e.window().interfaces(0).rx_errors(), 0u);
      EXPECT_EQ(e.window().interfaces(0).tx_dropped(), 0u);
    }
  }
  runtime.stop();
}

}  // namespace
}  // namespace pathwatch::agent
