// IncidentMonitor over a MemoryStore with hand-made rows. The SLA budget feed: a month's
// downtime past the limit gives one notification, below it none, and the month's rows are read
// only every budget_every of data time; budget_burned's policies, by hand. Incident messages:
// a restart neither loses a held opened message nor repeats a sent one, and a held message
// still goes when data time stops.
#include "collector/incident/incident_monitor.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "collector/analysis/error_budget.hpp"
#include "collector/api/http_server.hpp"
#include "collector/incident/incident_service.hpp"
#include "collector/incident/notification_outbox.hpp"
#include "collector/isolation/topology_config.hpp"
#include "collector/store/memory_store.hpp"
#include "shared/time/jst.hpp"
#include "tests/unit/collector/incident/lab_rows.hpp"

namespace pathwatch::collector::incident {
namespace {

using namespace std::chrono;
using testing::t;  // t(0) = 2026-11-23 14:00:00 JST

// November 2026 in JST: 30 days = 2,592,000 s, 24x7. Error budget at 99.8 %:
// 0.2 % × 2,592,000 s = 5,184 s (86.4 min). The rule's limit, 80 %, is 4,147.2 s.
const shared::UtcNanos kMonthStart = shared::from_jst(2026y / November / 1);
// main-agent is connected from before October on (no unknown time in these tests).
const shared::UtcNanos kConnected = shared::from_jst(2026y / October / 1) - hours{1};

shared::UtcNanos jst(int day, int hour, int minute = 0) {
  return shared::from_jst(2026y / November / day, hours{hour} + minutes{minute});
}

// Forwards to a MemoryStore, counting sessions() reads: only the availability computation
// reads sessions (the monitor's row reads do not), so the count is the number of budget
// checks. `fail_sessions` makes those reads fail like a broken database.
class CountingStore final : public Store {
 public:
  int session_reads = 0;
  bool fail_sessions = false;

  CommitResult commit(const CommitBatch& b) override { return inner_.commit(b); }
  std::vector<AgentSummary> agents() override { return inner_.agents(); }
  std::vector<AgentSession> latest_sessions() override { return inner_.latest_sessions(); }
  std::vector<AgentSession> sessions(const RowFilter& f) override {
    ++session_reads;
    if (fail_sessions) throw StoreError("database disk image is malformed");
    return inner_.sessions(f);
  }
  std::vector<StoredWindow> windows(const RowFilter& f) override { return inner_.windows(f); }
  std::vector<StoredWindow> timeline_windows(const RowFilter& f) override {
    return inner_.timeline_windows(f);
  }
  std::vector<StoredStateChange> state_changes(const RowFilter& f) override {
    return inner_.state_changes(f);
  }
  std::vector<StoredRouteChange> route_changes(const RowFilter& f) override {
    return inner_.route_changes(f);
  }
  std::vector<StoredLinkChange> link_changes(const RowFilter& f) override {
    return inner_.link_changes(f);
  }
  std::vector<StoredHello> hellos(const RowFilter& f) override { return inner_.hellos(f); }
  std::vector<StoredDropReport> drop_reports(const RowFilter& f) override {
    return inner_.drop_reports(f);
  }
  std::vector<StoredGap> gaps(const RowFilter& f) override { return inner_.gaps(f); }
  std::vector<FlowLatest> latest_flow_states() override { return inner_.latest_flow_states(); }
  std::vector<HourlyWindow> hourly_windows(const RowFilter& f) override {
    return inner_.hourly_windows(f);
  }
  bool contains(const std::string& a, std::uint64_t s) override { return inner_.contains(a, s); }
  std::int64_t add_maintenance(const MaintenanceRecord& r) override {
    return inner_.add_maintenance(r);
  }
  std::vector<MaintenanceRecord> maintenance() override { return inner_.maintenance(); }
  bool remove_maintenance(std::int64_t id) override { return inner_.remove_maintenance(id); }
  std::int64_t add_audit(const AuditRecord& r) override { return inner_.add_audit(r); }
  std::vector<AuditRecord> audit_records(shared::UtcNanos since, std::size_t limit) override {
    return inner_.audit_records(since, limit);
  }
  RetentionResult apply_retention(const RetentionPolicy& p, shared::UtcNanos now) override {
    return inner_.apply_retention(p, now);
  }

 private:
  MemoryStore inner_;
};

class BudgetFeed : public ::testing::Test {
 protected:
  BudgetFeed() : topo_(isolation::load_topology("etc/lab/topology.yaml")) {
    ServiceSpec asp;
    asp.name = "asp";
    asp.targets = {"asp-app"};
    asp.reference_sites = {"main"};
    asp.target_percent = 99.8;
    analysis_.services = {asp};
    // Only the budget rule: the other rules' notifications would blur the counts.
    alerts_.service_down = false;
    alerts_.failover = false;
    alerts_.path_down_after.reset();
    alerts_.flap_switches = 0;
    alerts_.budget_burned_percent = 80.0;
  }

  std::unique_ptr<IncidentMonitor> monitor() {
    return std::make_unique<IncidentMonitor>(
        store_, incidents_, topo_, analysis_.services, alerts_, MonitorOptions{},
        [this](std::vector<notify::Notification> ns, const std::string&) {
          for (auto& n : ns) sent_.push_back(std::move(n));
          return true;
        },
        &analysis_);
  }
  // A monitor started at the collector's clock, as the collector starts it.
  std::unique_ptr<IncidentMonitor> started_monitor() {
    auto m = monitor();
    m->start(clock_, mono_);
    return m;
  }

  // One message of main-agent's measurement of asp-app (as-routed) at data time `at`.
  void commit(shared::UtcNanos at, MessageBody body) {
    CommitBatch b;
    ++seq_;
    b.messages = {StoredMessage{"main-agent", "main", seq_, at, at, std::move(body)}};
    b.agents = {AgentUpdate{"main-agent", "main", kConnected, at, at, seq_, seq_}};
    b.sessions = {AgentSession{"main-agent", "main", kConnected, at}};
    ASSERT_TRUE(store_.commit(b).ok);
  }
  void change(shared::UtcNanos at, PathState to) {
    auto c = testing::change("main-agent", "as-routed", "asp-app", to, 0);
    c.at = at;
    commit(at, c);
  }
  // A 10 s window ending at `at` in `state`: what moves data time forward between changes.
  void window(shared::UtcNanos at, PathState state) {
    StoredWindow w;
    w.flow = testing::change("main-agent", "as-routed", "asp-app", state, 0).flow;
    w.start = at - seconds{10};
    w.end = at;
    w.sent = w.received = 10;
    w.state = state;
    commit(at, w);
  }
  // The month so far: up since before the month, down on 2026-11-10 from 03:00 JST for
  // `outage_minutes`, up again after.
  void history(int outage_minutes) {
    change(kMonthStart - minutes{10}, PathState::kUp);
    change(jst(10, 3), PathState::kDown);
    change(jst(10, 3, outage_minutes), PathState::kUp);
  }
  std::vector<notify::Notification> budget_notifications() const {
    std::vector<notify::Notification> out;
    for (const auto& n : sent_) {
      if (n.incident_id.starts_with("SLA-")) out.push_back(n);
    }
    return out;
  }

  // The collector's clock at every tick: far from the data, to show it is never used.
  const shared::UtcNanos clock_ = t(0) + hours{24 * 365};
  const shared::MonoNanos mono_{hours{1}};
  isolation::Topology topo_;
  AnalysisConfig analysis_;
  alert::AlertConfig alerts_;
  CountingStore store_;
  MemoryIncidentStore incidents_;
  std::vector<notify::Notification> sent_;
  std::uint64_t seq_ = 0;
};

TEST_F(BudgetFeed, BurnedPastTheLimitNotifiesOncePerMonth) {
  // 75 min down = 4,500 s of 5,184 s = 86.8 % of the budget, past 80 %.
  history(75);
  auto m = started_monitor();
  window(t(0), PathState::kUp);
  m->tick(clock_, mono_);
  auto sla = budget_notifications();
  ASSERT_EQ(sla.size(), 1u);
  EXPECT_EQ(sla[0].incident_id, "SLA-asp-202611");
  EXPECT_EQ(sla[0].kind, notify::NotificationKind::kOpened);
  EXPECT_EQ(sla[0].at, t(0));  // decided at the newest data time, not the collector's clock
  ASSERT_EQ(sla[0].services.size(), 1u);
  EXPECT_EQ(sla[0].services[0].name, "asp");
  EXPECT_EQ(store_.session_reads, 1);

  // Two more periods (t(300), t(600)): computed again, not sent again.
  for (int s = 10; s <= 600; s += 10) {
    window(t(s), PathState::kUp);
    m->tick(clock_, mono_);
  }
  EXPECT_EQ(store_.session_reads, 3);
  EXPECT_EQ(budget_notifications().size(), 1u);
}

TEST_F(BudgetFeed, BelowTheLimitNothingUntilTheNextCheckSeesMore) {
  // 60 min down = 3,600 s of 5,184 s = 69.4 %: below 80 %.
  history(60);
  auto m = started_monitor();
  window(t(0), PathState::kUp);
  m->tick(clock_, mono_);
  EXPECT_EQ(store_.session_reads, 1);
  EXPECT_TRUE(budget_notifications().empty());

  // Down again from t(10). 80 % = 4,147.2 s needs 547.2 s more: reached at t(557.2). The
  // checks run at t(300) (3,600 + 290 = 3,890 s, 75.0 %: nothing) and t(600) (3,600 + 590 =
  // 4,190 s, 80.8 %): the notification comes with the t(600) tick, not at t(560).
  change(t(10), PathState::kDown);
  m->tick(clock_, mono_);
  for (int s = 20; s <= 590; s += 10) {
    window(t(s), PathState::kDown);
    m->tick(clock_, mono_);
    ASSERT_TRUE(budget_notifications().empty()) << "at t(" << s << ")";
  }
  EXPECT_EQ(store_.session_reads, 2);  // t(0), t(300)
  window(t(600), PathState::kDown);
  m->tick(clock_, mono_);
  EXPECT_EQ(store_.session_reads, 3);
  const auto sla = budget_notifications();
  ASSERT_EQ(sla.size(), 1u);
  EXPECT_EQ(sla[0].at, t(600));
}

// October 2026: 31 days = 2,678,400 s; budget 0.2 % = 5,356.8 s; 80 % = 4,285.44 s. Down
// from 22:44 JST on the 31st: the October checks at 23:50 (66 min = 3,960 s, 73.9 %) and
// 23:55 (71 min = 4,260 s, 79.5 %) stay below; the month ends at 76 min = 4,560 s (85.1 %).
// The first November check (00:00) finishes October and sends SLA-asp-202610.
TEST_F(BudgetFeed, TheFirstCheckOfAMonthFinishesThePreviousOne) {
  const auto oct31 = [](int hour, int minute) {
    return shared::from_jst(2026y / October / 31, hours{hour} + minutes{minute});
  };
  change(kConnected + minutes{50}, PathState::kUp);
  change(oct31(22, 44), PathState::kDown);
  auto m = started_monitor();
  for (int minute = 50; minute <= 59; ++minute) {
    window(oct31(23, minute), PathState::kDown);
    m->tick(clock_, mono_);
  }
  EXPECT_EQ(store_.session_reads, 2);  // 23:50, 23:55
  EXPECT_TRUE(budget_notifications().empty());
  window(kMonthStart, PathState::kDown);  // 00:00 JST, November 1st
  m->tick(clock_, mono_);
  EXPECT_EQ(store_.session_reads, 4);  // October to its end, then November so far
  const auto sla = budget_notifications();
  ASSERT_EQ(sla.size(), 1u);
  EXPECT_EQ(sla[0].incident_id, "SLA-asp-202610");
  EXPECT_EQ(sla[0].at, kMonthStart);
}

TEST_F(BudgetFeed, ComputedOnlyEveryBudgetEveryOfDataTime) {
  history(75);
  auto m = started_monitor();
  // Ticks every 10 s of data time for 15 min: checks at t(0), t(300), t(600), t(900).
  for (int s = 0; s <= 900; s += 10) {
    window(t(s), PathState::kUp);
    m->tick(clock_, mono_);
  }
  EXPECT_EQ(store_.session_reads, 4);
  // Ticks without new data (the collector's clock alone moving) never check.
  for (int i = 0; i < 100; ++i) m->tick(clock_ + seconds{i * 60}, mono_ + seconds{i * 60});
  EXPECT_EQ(store_.session_reads, 4);
  EXPECT_EQ(budget_notifications().size(), 1u);
}

TEST_F(BudgetFeed, OffWithoutTheRuleOrWithoutServices) {
  history(75);
  alerts_.budget_burned_percent.reset();
  auto m = started_monitor();
  window(t(0), PathState::kUp);
  m->tick(clock_, mono_);
  EXPECT_EQ(store_.session_reads, 0);

  alerts_.budget_burned_percent = 80.0;
  const auto services = analysis_.services;
  analysis_.services.clear();
  auto m2 = started_monitor();
  window(t(10), PathState::kUp);
  m2->tick(clock_, mono_);
  EXPECT_EQ(store_.session_reads, 0);
  EXPECT_TRUE(budget_notifications().empty());
}

TEST_F(BudgetFeed, StoreErrorsAreLoggedAndRetriedNextPeriod) {
  history(75);
  auto m = started_monitor();
  store_.fail_sessions = true;
  window(t(0), PathState::kUp);
  EXPECT_NO_THROW(m->tick(clock_, mono_));
  EXPECT_EQ(store_.session_reads, 1);
  store_.fail_sessions = false;
  window(t(10), PathState::kUp);
  m->tick(clock_, mono_);  // not retried on every tick: a check reads the month's rows
  EXPECT_EQ(store_.session_reads, 1);
  window(t(300), PathState::kUp);
  m->tick(clock_, mono_);
  EXPECT_EQ(store_.session_reads, 2);
  EXPECT_EQ(budget_notifications().size(), 1u);
}

// budget_burned by hand. A 30-day 24x7 month, 2 h maintenance, `until` on day 16: before it
// 10 min unavailable and 1 h unknown, after it the same again (not yet observed: ignored).
TEST(BudgetBurned, FollowsTheUnknownPolicyAndIgnoresTimeAfterUntil) {
  AvailabilityFigure f;
  f.range = {kMonthStart, shared::from_jst(2026y / December / 1)};
  f.scheduled = hours{24 * 30};  // 2,592,000 s
  f.excluded = hours{2};         // 7,200 s
  f.target_percent = 99.8;
  f.unavailable_periods.append({jst(5, 1), jst(5, 1, 10)});
  f.unavailable_periods.append({jst(20, 1), jst(20, 1, 10)});
  f.unknown_periods.append({jst(6, 1), jst(6, 2)});
  f.unknown_periods.append({jst(21, 1), jst(21, 2)});
  const auto until = jst(16, 0);

  // unavailable: budget 0.002 × (2,592,000 − 7,200) = 5,169.6 s; burned 600 + 3,600 = 4,200 s
  // = 81.24 %.
  f.unknown_policy = UnknownPolicy::kUnavailable;
  auto b = budget_burned(f, until);
  EXPECT_EQ(b.budget, milliseconds{5'169'600});
  EXPECT_EQ(b.burned, seconds{4'200});
  EXPECT_NEAR(b.percent, 81.244, 0.001);

  // available: same budget, burned 600 s = 11.61 %.
  f.unknown_policy = UnknownPolicy::kAvailable;
  b = budget_burned(f, until);
  EXPECT_EQ(b.budget, milliseconds{5'169'600});
  EXPECT_EQ(b.burned, seconds{600});
  EXPECT_NEAR(b.percent, 11.606, 0.001);

  // excluded: the hour unknown so far leaves the denominator: 0.002 × 2,581,200 = 5,162.4 s;
  // burned 600 s = 11.62 %.
  f.unknown_policy = UnknownPolicy::kExcluded;
  b = budget_burned(f, until);
  EXPECT_EQ(b.budget, milliseconds{5'162'400});
  EXPECT_EQ(b.burned, seconds{600});
  EXPECT_NEAR(b.percent, 11.623, 0.001);

  // A 100 % target has no budget: anything burned is past every limit.
  f.target_percent = 100.0;
  EXPECT_TRUE(std::isinf(budget_burned(f, until).percent));
}

// The incident messages (service_down, settle 10 s) instead of the budget's.
class IncidentMessages : public BudgetFeed {
 protected:
  IncidentMessages() {
    alerts_.service_down = true;
    alerts_.budget_burned_percent.reset();
  }
  std::vector<notify::NotificationKind> incident_kinds() const {
    std::vector<notify::NotificationKind> out;
    for (const auto& n : sent_) {
      if (n.incident_id.starts_with("INC-")) out.push_back(n.kind);
    }
    return out;
  }
};

TEST_F(IncidentMessages, ARestartNeitherLosesAHeldOpeningNorRepeatsASentOne) {
  using notify::NotificationKind;
  change(t(0), PathState::kUp);
  change(t(10), PathState::kDown);
  auto m = started_monitor();
  m->tick(clock_, mono_);  // opened at data time 10 s, held for settle
  EXPECT_TRUE(incident_kinds().empty());

  // The collector restarts while the opened message is held; data time goes on to 25 s.
  m = started_monitor();
  window(t(25), PathState::kDown);
  m->tick(clock_, mono_);
  EXPECT_EQ(incident_kinds(), std::vector<NotificationKind>{NotificationKind::kOpened});

  // It restarts again, now that the opening is out: the recovery, without a second opening.
  m = started_monitor();
  change(t(40), PathState::kUp);
  window(t(41), PathState::kUp);
  m->tick(clock_, mono_);
  EXPECT_EQ(incident_kinds(), (std::vector<NotificationKind>{NotificationKind::kOpened,
                                                             NotificationKind::kRecovered}));
}

TEST_F(IncidentMessages, AHeldOpeningGoesWhenDataTimeStops) {
  change(t(0), PathState::kUp);
  change(t(10), PathState::kDown);
  auto m = started_monitor();
  m->tick(clock_, mono_);
  // No rows after this: the agents are cut off. The collector's clock goes on.
  m->tick(clock_ + seconds{14}, mono_ + seconds{14});
  EXPECT_TRUE(incident_kinds().empty());
  m->tick(clock_ + seconds{15}, mono_ + seconds{15});
  EXPECT_EQ(incident_kinds(),
            std::vector<notify::NotificationKind>{notify::NotificationKind::kOpened});
}

// An incident store whose disk is full: every save fails.
class FullDiskIncidents final : public IncidentStore {
 public:
  void save(const Incident&) override { throw StoreError("database or disk is full"); }
  std::vector<Incident> list(const IncidentQuery&) override { return {}; }
  std::optional<Incident> get(const std::string&) override { return std::nullopt; }
};

TEST_F(IncidentMessages, AnIncidentThatCannotBeSavedIsStillAnnouncedAndRecovered) {
  FullDiskIncidents full;
  IncidentMonitor m(store_, full, topo_, analysis_.services, alerts_, MonitorOptions{},
                    [this](std::vector<notify::Notification> ns, const std::string&) {
                      for (auto& n : ns) sent_.push_back(std::move(n));
                      return true;
                    });
  change(t(0), PathState::kUp);
  change(t(10), PathState::kDown);
  m.start(clock_, mono_);
  m.tick(clock_, mono_);
  window(t(20), PathState::kDown);
  m.tick(clock_, mono_ + seconds{1});
  change(t(30), PathState::kUp);
  window(t(31), PathState::kUp);
  m.tick(clock_, mono_ + seconds{2});
  EXPECT_EQ(incident_kinds(),
            (std::vector<notify::NotificationKind>{notify::NotificationKind::kOpened,
                                                   notify::NotificationKind::kRecovered}));
}

// A webhook receiver on 127.0.0.1: the real HTTP server, recording "incident/kind" per POST.
class WebhookReceiver {
 public:
  explicit WebhookReceiver(std::uint16_t port = 0)
      : server_("127.0.0.1", port, [this](const ApiRequest& r) {
          const auto j = nlohmann::json::parse(r.body, nullptr, false);
          std::lock_guard lock(mutex_);
          got_.push_back(j.is_discarded() ? std::string{"?"}
                                          : j.value("incident_id", "") + "/" + j.value("kind", ""));
          return ApiResponse{200, "{}"};
        }) {
    server_.start();
  }
  std::uint16_t port() const { return server_.port(); }
  std::vector<std::string> got() const {
    std::lock_guard lock(mutex_);
    return got_;
  }
  // Waits (bounded) until `count` messages arrived.
  bool wait_for(std::size_t count) const {
    for (int i = 0; i < 200 && got().size() < count; ++i) {
      std::this_thread::sleep_for(milliseconds{50});
    }
    return got().size() >= count;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> got_;
  HttpServer server_;
};

// Issue 16 item 9, from outside the monitor: the real service (SQLite outbox, libcurl
// webhook) stopped and started like the collector. A message decided while the receiver is
// down survives the stop; nothing already sent goes twice; the thread goes on after restarts.
TEST_F(IncidentMessages, DeliveriesAndThreadsSurviveRestarts) {
  const auto dir = std::filesystem::path(::testing::TempDir()) /
                   ("pw-durable-alerting-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto receiver = std::make_unique<WebhookReceiver>();
  const std::uint16_t port = receiver->port();
  IncidentSetup setup;
  setup.topology = std::make_shared<const isolation::Topology>(topo_);
  setup.services = analysis_.services;
  setup.alerts = alerts_;
  setup.database = (dir / "pw.db").string();
  notify::NotifyConfig notify;
  notify::WebhookConfig hook;
  hook.url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  hook.timeout = seconds{2};
  notify.webhooks = {hook};
  notify.retry = notify::RetryPolicy{100, milliseconds{50}, milliseconds{200}};
  setup.notify = notify;
  shared::SystemClock clock;
  const auto now = clock.utc_now();

  change(t(0), PathState::kUp);
  change(t(10), PathState::kDown);
  {
    IncidentService first(setup, store_, clock);
    first.tick(now);  // opened, held while the verdict settles
    window(t(25), PathState::kDown);
    first.tick(now);  // settled: sent
    ASSERT_TRUE(receiver->wait_for(1));
  }
  std::string id = receiver->got().at(0);
  ASSERT_TRUE(id.ends_with("/opened")) << id;
  id = id.substr(0, id.size() - 7);
  {
    // Restarted while the incident is still on: nothing goes twice.
    IncidentService second(setup, store_, clock);
    window(t(30), PathState::kDown);
    second.tick(now);
    // The receiver goes away; the incident ends; the recovery cannot be delivered.
    receiver.reset();
    change(t(40), PathState::kUp);
    window(t(41), PathState::kUp);
    second.tick(now);
    second.tick(now);
  }  // stopped with the recovery still pending
  auto outbox = open_sqlite_notification_outbox(setup.database, milliseconds{1000});
  ASSERT_EQ(outbox->pending().size(), 1u);
  EXPECT_EQ(outbox->pending().at(0).notification.kind, notify::NotificationKind::kRecovered);

  WebhookReceiver back(port);
  {
    IncidentService third(setup, store_, clock);
    ASSERT_TRUE(back.wait_for(1));
    third.tick(now);
    std::this_thread::sleep_for(milliseconds{300});
  }
  EXPECT_EQ(back.got(), std::vector<std::string>{id + "/recovered"});
  EXPECT_TRUE(outbox->pending().empty());
  std::filesystem::remove_all(dir);
}

// Review of item 9: the incident store and the alert state are kept in two transactions. A
// stop after the close was saved but before the alert state was: the restart sends the
// recovery (before: the thread stayed open forever and no recovery ever went).
TEST_F(IncidentMessages, ARecoveryLostBetweenTwoTransactionsIsSentAtStart) {
  std::string saved_state;
  auto keep = [&](std::vector<notify::Notification> ns, const std::string& state) {
    for (auto& n : ns) sent_.push_back(std::move(n));
    saved_state = state;
    return true;
  };
  change(t(0), PathState::kUp);
  change(t(10), PathState::kDown);
  IncidentMonitor first(store_, incidents_, topo_, analysis_.services, alerts_, MonitorOptions{},
                        keep);
  first.start(clock_, mono_);
  first.tick(clock_, mono_);  // opened at data time 10 s, held for settle
  window(t(25), PathState::kDown);
  first.tick(clock_, mono_);
  ASSERT_EQ(incident_kinds(),
            std::vector<notify::NotificationKind>{notify::NotificationKind::kOpened});
  // What was notified is kept on the incident (issue 15 item 7).
  const auto stored = incidents_.list({});
  ASSERT_EQ(stored.size(), 1u);
  ASSERT_TRUE(stored[0].notified.has_value());
  EXPECT_TRUE(stored[0].announced);
  EXPECT_TRUE(stored[0].notified->settled);
  const std::string before_close = saved_state;
  change(t(40), PathState::kUp);
  window(t(41), PathState::kUp);
  first.tick(clock_, mono_ + seconds{1});  // closed and saved in the incident store...
  ASSERT_EQ(incident_kinds().size(), 2u);
  sent_.clear();
  // ...but the collector died before the outbox commit: the kept state is the one before.
  IncidentMonitor second(store_, incidents_, topo_, analysis_.services, alerts_, MonitorOptions{},
                         keep);
  second.start(clock_, mono_ + seconds{2}, before_close);
  EXPECT_EQ(incident_kinds(),
            std::vector<notify::NotificationKind>{notify::NotificationKind::kRecovered});
}

// The outbox keeps a tick's notifications and the alert state in one transaction, pending
// until their end is recorded; ended rows are pruned, pending ones never.
TEST(NotificationOutbox, KeepsPendingRowsAndTheAlertStateTogether) {
  const auto db = std::filesystem::path(::testing::TempDir()) /
                  ("pw-outbox-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(db);
  auto outbox = open_sqlite_notification_outbox(db.string(), milliseconds{1000});
  EXPECT_FALSE(outbox->alert_state().has_value());
  notify::Notification a;
  a.incident_id = "PATH-a";
  notify::Notification b = a;
  b.kind = notify::NotificationKind::kRecovered;
  const auto t0 = t(0);
  const auto ids = outbox->record({a, b}, {"email", "webhook:x"}, std::string{"{\"v\":1}"}, t0);
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(outbox->alert_state(), std::string{"{\"v\":1}"});
  outbox->record({}, {"email"}, std::nullopt, t0);  // state kept as it was
  EXPECT_EQ(outbox->alert_state(), std::string{"{\"v\":1}"});
  auto pending = outbox->pending();
  ASSERT_EQ(pending.size(), 4u);
  EXPECT_EQ(pending[1].channel, "webhook:x");
  EXPECT_EQ(pending[3].notification.kind, notify::NotificationKind::kRecovered);
  outbox->finish({{ids[0], notify::DeliveryState::kSent, 1, ""},
                  {ids[1], notify::DeliveryState::kFailed, 6, "refused"}},
                 t0 + seconds{1});
  pending = outbox->pending();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].id, ids[2]);
  EXPECT_EQ(outbox->prune(t0 + seconds{2}), 2u);
  EXPECT_EQ(outbox->pending().size(), 2u);
  std::filesystem::remove(db);
}

}  // namespace
}  // namespace pathwatch::collector::incident
