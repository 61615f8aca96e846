// One test suite, two stores: SQLite (a temporary file) and in-memory must behave alike.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "collector/analysis/flow_timeline.hpp"
#include "collector/store/memory_store.hpp"
#include "collector/store/sqlite_schema.hpp"
#include "collector/store/sqlite_store.hpp"

namespace pathwatch::collector {
namespace {

using namespace std::chrono_literals;
using shared::from_unix_nanos;

// 2026-11-01T00:00:00Z
const shared::UtcNanos kT0 = from_unix_nanos(1'793'491'200'000'000'000);

FlowRef flow(const std::string& agent, const std::string& site, const std::string& path) {
  return FlowRef{agent, site, "asp-app", "198.18.30.10", path, ProbeKind::kTcp, 8443};
}

StoredMessage window_msg(const std::string& agent, std::uint64_t seq, shared::UtcNanos start,
                         PathState state = PathState::kUp, const std::string& path = "primary") {
  StoredWindow w;
  w.flow = flow(agent, "honcho", path);
  w.seq = seq;
  w.start = start;
  w.end = start + 10s;
  w.sent = 10;
  w.received = state == PathState::kDown ? 0 : 10;
  w.lost = 10 - w.received;
  w.rtt_avg_ns = 2'000'000;
  w.rtt_p99_ns = 3'000'000;
  w.state = state;
  return StoredMessage{agent, "honcho", seq, w.end, w.end, w};
}

StoredMessage state_msg(const std::string& agent, std::uint64_t seq, shared::UtcNanos at,
                        PathState from, PathState to) {
  StoredStateChange c;
  c.flow = flow(agent, "honcho", "primary");
  c.seq = seq;
  c.at = at;
  c.from = from;
  c.to = to;
  c.reason = "3 consecutive losses";
  return StoredMessage{agent, "honcho", seq, at, at, c};
}

StoredMessage route_msg(const std::string& agent, std::uint64_t seq, shared::UtcNanos at) {
  StoredRouteChange r;
  r.at = at;
  r.prefix = "198.18.30.0/24";
  r.from_path = "primary";
  r.to_path = "backup";
  return StoredMessage{agent, "honcho", seq, at, at, r};
}

class StoreFactory {
 public:
  virtual ~StoreFactory() = default;
  virtual StorePtr open() = 0;  // a second call opens the same data again (restart)
};

class MemoryFactory : public StoreFactory {
 public:
  StorePtr open() override {
    // Memory has no restart: hand out the same instance's data by moving it along.
    if (!kept_) kept_ = std::make_unique<MemoryStore>();
    return std::exchange(kept_, nullptr);
  }
  std::unique_ptr<MemoryStore> kept_;
};

class SqliteFactory : public StoreFactory {
 public:
  SqliteFactory() {
    dir_ = std::filesystem::temp_directory_path() /
           ("pw-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
  }
  ~SqliteFactory() override { std::filesystem::remove_all(dir_); }
  StorePtr open() override {
    return std::make_unique<SqliteStore>(SqliteOptions{(dir_ / "pw.db").string()}, kT0);
  }
  std::filesystem::path dir_;
  static inline int counter_ = 0;
};

template <typename F>
class StoreTest : public ::testing::Test {
 protected:
  F factory_;
};

using Factories = ::testing::Types<MemoryFactory, SqliteFactory>;
TYPED_TEST_SUITE(StoreTest, Factories);

TYPED_TEST(StoreTest, DuplicateAgentSeqIsStoredOnce) {
  auto store = this->factory_.open();
  CommitBatch b;
  b.messages = {window_msg("a1", 1, kT0), window_msg("a1", 2, kT0 + 10s),
                window_msg("a1", 1, kT0)};  // seq 1 twice in one batch
  const auto r = store->commit(b);
  ASSERT_TRUE(r.ok) << r.error;
  // 3 messages: seq 1, seq 2 stored; the second seq 1 is a duplicate.
  EXPECT_EQ(r.stored_count, 2u);
  EXPECT_EQ(r.duplicate_count, 1u);
  EXPECT_EQ(r.stored, (std::vector<bool>{true, true, false}));
  // A later batch repeating seq 2 stores nothing.
  CommitBatch again;
  again.messages = {window_msg("a1", 2, kT0 + 10s)};
  EXPECT_EQ(store->commit(again).duplicate_count, 1u);
  EXPECT_EQ(store->windows(RowFilter{}).size(), 2u);
  // The same seq from another agent is a different message.
  CommitBatch other;
  other.messages = {window_msg("a2", 2, kT0 + 10s)};
  EXPECT_EQ(store->commit(other).stored_count, 1u);
  EXPECT_TRUE(store->contains("a1", 2));
  EXPECT_FALSE(store->contains("a1", 3));
}

TYPED_TEST(StoreTest, RowsComeBackByTimeAndFilter) {
  auto store = this->factory_.open();
  CommitBatch b;
  b.messages = {window_msg("a1", 1, kT0),
                state_msg("a1", 2, kT0 + 15s, PathState::kUp, PathState::kDown),
                window_msg("a1", 3, kT0 + 10s, PathState::kDown), route_msg("a1", 4, kT0 + 16s)};
  ASSERT_TRUE(store->commit(b).ok);
  RowFilter f;
  f.start = kT0 + 5s;
  f.end = kT0 + 1h;
  const auto w = store->windows(f);  // by start: only the window starting at +10s
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].seq, 3u);
  EXPECT_EQ(w[0].state, PathState::kDown);
  EXPECT_EQ(w[0].flow.site, "honcho");
  EXPECT_EQ(w[0].flow.port, 8443u);
  const auto c = store->state_changes(f);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].to, PathState::kDown);
  EXPECT_EQ(c[0].reason, "3 consecutive losses");
  ASSERT_EQ(store->route_changes(f).size(), 1u);
  EXPECT_EQ(store->route_changes(f)[0].to_path, "backup");
  f.site = "elsewhere";
  EXPECT_TRUE(store->windows(f).empty());
  // Latest state: the window ending at +20s (DOWN) is newer than the change at +15s.
  const auto latest = store->latest_flow_states();
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(latest[0].state, PathState::kDown);
  EXPECT_EQ(latest[0].at, kT0 + 20s);
  EXPECT_EQ(latest[0].since, kT0 + 15s);  // entered DOWN by the change, not by the window
}

TYPED_TEST(StoreTest, LatestSinceIsWhenTheFlowEnteredItsState) {
  auto store = this->factory_.open();
  auto commit = [&](std::vector<StoredMessage> messages) {
    CommitBatch b;
    b.messages = std::move(messages);
    ASSERT_TRUE(store->commit(b).ok);
  };
  auto latest = [&] {
    const auto l = store->latest_flow_states();
    EXPECT_EQ(l.size(), 1u);
    return l.empty() ? FlowLatest{} : l[0];
  };
  // UP from +0s; windows [0,10) and [10,20) UP; DOWN at +25s; window [20,30) DOWN.
  commit({state_msg("a1", 1, kT0, PathState::kUnknown, PathState::kUp), window_msg("a1", 2, kT0),
          window_msg("a1", 3, kT0 + 10s),
          state_msg("a1", 4, kT0 + 25s, PathState::kUp, PathState::kDown),
          window_msg("a1", 5, kT0 + 20s, PathState::kDown)});
  EXPECT_EQ(latest().state, PathState::kDown);
  EXPECT_EQ(latest().at, kT0 + 30s);
  EXPECT_EQ(latest().since, kT0 + 25s);
  // A later batch of DOWN windows keeps the stored since.
  commit({window_msg("a1", 6, kT0 + 30s, PathState::kDown)});
  EXPECT_EQ(latest().at, kT0 + 40s);
  EXPECT_EQ(latest().since, kT0 + 25s);
  // The change back to UP was lost (spool overflow): the window [40,50) reporting UP is the
  // first evidence, so since = its end, +50s.
  commit({window_msg("a1", 8, kT0 + 40s, PathState::kUp)});
  EXPECT_EQ(latest().state, PathState::kUp);
  EXPECT_EQ(latest().since, kT0 + 50s);
  // At one instant a change wins a window's end-state, whatever the order: DOWN at +60s, and
  // the window [50,60) ending UP at +60s, committed after it in the same and in a later batch.
  commit({state_msg("a1", 9, kT0 + 60s, PathState::kUp, PathState::kDown),
          window_msg("a1", 10, kT0 + 50s, PathState::kUp)});
  EXPECT_EQ(latest().state, PathState::kDown);
  EXPECT_EQ(latest().since, kT0 + 60s);
  commit({window_msg("a1", 11, kT0 + 50s, PathState::kUp)});
  EXPECT_EQ(latest().state, PathState::kDown);
  EXPECT_EQ(latest().since, kT0 + 60s);
  // Late data (older than the latest) does not move the latest state or its since.
  commit({state_msg("a1", 7, kT0 + 45s, PathState::kDown, PathState::kUp)});
  EXPECT_EQ(latest().state, PathState::kDown);
  EXPECT_EQ(latest().since, kT0 + 60s);
}

TYPED_TEST(StoreTest, AgentsMergeWithMinMax) {
  auto store = this->factory_.open();
  CommitBatch b;
  b.messages = {window_msg("a1", 5, kT0)};
  b.agents = {AgentUpdate{"a1", "honcho", kT0, kT0 + 10s, kT0 + 11s, 5, 5}};
  ASSERT_TRUE(store->commit(b).ok);
  CommitBatch older;  // another collector's older facts must not move anything back
  older.agents = {AgentUpdate{"a1", "honcho", kT0 - 1h, kT0, kT0, 3, 3}};
  ASSERT_TRUE(store->commit(older).ok);
  const auto agents = store->agents();
  ASSERT_EQ(agents.size(), 1u);
  EXPECT_EQ(agents[0].first_seen, kT0 - 1h);
  EXPECT_EQ(agents[0].last_seen, kT0 + 10s);
  EXPECT_EQ(agents[0].last_seq, 5u);
  EXPECT_EQ(agents[0].through_seq, 5u);
}

TYPED_TEST(StoreTest, SessionsUpsertAndRemove) {
  auto store = this->factory_.open();
  CommitBatch b;
  b.sessions = {AgentSession{"a1", "honcho", kT0, kT0 + 1min},
                AgentSession{"a1", "honcho", kT0 + 1h, kT0 + 2h}};
  ASSERT_TRUE(store->commit(b).ok);
  CommitBatch c;
  c.sessions_removed = {AgentSession{"a1", "honcho", kT0 + 1h, kT0 + 2h}};
  c.sessions = {AgentSession{"a1", "honcho", kT0, kT0 + 3h}};
  ASSERT_TRUE(store->commit(c).ok);
  const auto all = store->sessions(RowFilter{});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].last, kT0 + 3h);
  ASSERT_EQ(store->latest_sessions().size(), 1u);
}

TYPED_TEST(StoreTest, MaintenanceAddListRemove) {
  auto store = this->factory_.open();
  const auto id = store->add_maintenance(MaintenanceRecord{0, kT0, kT0 + 2h, {"juki"}, "patch"});
  auto list = store->maintenance();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, id);
  EXPECT_EQ(list[0].services, std::vector<std::string>{"juki"});
  EXPECT_TRUE(store->remove_maintenance(id));
  EXPECT_FALSE(store->remove_maintenance(id));
  EXPECT_TRUE(store->maintenance().empty());
}

TYPED_TEST(StoreTest, AuditRecordsComeBackNewestFirstAndSurviveRetention) {
  auto store = this->factory_.open();
  AuditRecord r{0,
                kT0,
                "alice",
                "operator",
                "token",
                "127.0.0.1",
                "POST",
                "/v1/maintenance",
                R"({"note":"patch"})",
                201,
                "created 1"};
  const auto first = store->add_audit(r);
  r.at = kT0 + 1h;
  r.method = "DELETE";
  r.route = "/v1/maintenance/1";
  r.status = 200;
  const auto second = store->add_audit(r);
  EXPECT_NE(first, second);
  auto all = store->audit_records(kT0, 10);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, second);  // newest first
  EXPECT_EQ(all[0].method, "DELETE");
  EXPECT_EQ(all[1].who, "alice");
  EXPECT_EQ(all[1].summary, R"({"note":"patch"})");
  EXPECT_EQ(all[1].status, 201);
  EXPECT_EQ(all[1].at, kT0);
  EXPECT_EQ(store->audit_records(kT0 + 30min, 10).size(), 1u);  // since
  EXPECT_EQ(store->audit_records(kT0, 1).size(), 1u);           // limit
  // Retention prunes data, never the record of who changed it.
  store->apply_retention(RetentionPolicy{1h, 1h, 1h}, kT0 + 24h * 400);
  EXPECT_EQ(store->audit_records(kT0, 10).size(), 2u);
}

TYPED_TEST(StoreTest, RetentionRollsUpThenPrunes) {
  auto store = this->factory_.open();
  CommitBatch b;
  // 360 windows of 10 s = the hour [kT0, kT0+1h); 6 of them DOWN. Plus one window an hour later.
  for (std::uint64_t i = 0; i < 360; ++i) {
    b.messages.push_back(window_msg("a1", i + 1, kT0 + std::chrono::seconds{10 * i},
                                    i < 6 ? PathState::kDown : PathState::kUp));
  }
  b.messages.push_back(window_msg("a1", 361, kT0 + 1h));
  ASSERT_TRUE(store->commit(b).ok);
  RetentionPolicy p;
  p.raw = 24h;
  p.hourly = 24h * 30;
  p.events = 24h * 30;
  // At kT0 + 2h nothing is old enough to prune; both complete hours are rolled up.
  auto r = store->apply_retention(p, kT0 + 2h);
  EXPECT_EQ(r.windows_pruned, 0u);
  auto hourly = store->hourly_windows(RowFilter{});
  ASSERT_EQ(hourly.size(), 2u);
  EXPECT_EQ(hourly[0].hour, kT0);
  EXPECT_EQ(hourly[0].windows, 360u);
  EXPECT_EQ(hourly[0].windows_down, 6u);
  EXPECT_EQ(hourly[0].sent, 3600u);  // 360 × 10
  EXPECT_EQ(hourly[0].lost, 60u);    // 6 × 10
  EXPECT_EQ(hourly[0].rtt_avg_ns, 2'000'000);
  // A day and two hours later the raw windows go (361), the roll-ups stay.
  r = store->apply_retention(p, kT0 + 26h);
  EXPECT_EQ(r.windows_pruned, 361u);
  EXPECT_TRUE(store->windows(RowFilter{}).empty());
  EXPECT_EQ(store->hourly_windows(RowFilter{}).size(), 2u);
  // After 31 days the roll-ups go too.
  r = store->apply_retention(p, kT0 + 24h * 31);
  EXPECT_EQ(r.hourly_pruned, 2u);
}

// Retention in chunks of 7 rows per transaction (SqliteOptions::retention_chunk_rows; 20,000 in
// production) ends where one big transaction would: 361 windows = 51 full chunks + 4 rows.
TEST(SqliteStore, RetentionInSmallChunksPrunesEverythingDue) {
  SqliteFactory factory;
  SqliteOptions o{(factory.dir_ / "chunks.db").string()};
  o.retention_chunk_rows = 7;
  SqliteStore store(o, kT0);
  CommitBatch b;
  for (std::uint64_t i = 0; i < 360; ++i) {
    b.messages.push_back(window_msg("a1", i + 1, kT0 + std::chrono::seconds{10 * i},
                                    i < 6 ? PathState::kDown : PathState::kUp));
  }
  b.messages.push_back(window_msg("a1", 361, kT0 + 1h));
  // 20 state changes and 20 sessions, every one older than the events cutoff below.
  for (std::uint64_t i = 0; i < 20; ++i) {
    b.messages.push_back(
        state_msg("a1", 400 + i, kT0 + std::chrono::seconds{i}, PathState::kUp, PathState::kDown));
    b.sessions.push_back(AgentSession{"a1", "honcho", kT0 + std::chrono::minutes{2 * i},
                                      kT0 + std::chrono::minutes{2 * i + 1}});
  }
  ASSERT_TRUE(store.commit(b).ok);
  RetentionPolicy p;
  p.raw = 24h;
  p.hourly = 24h * 30;
  p.events = 24h;
  auto r = store.apply_retention(p, kT0 + 2h);
  EXPECT_EQ(r.hours_rolled_up, 2u);  // one flow × the two complete hours
  EXPECT_EQ(r.windows_pruned, 0u);
  r = store.apply_retention(p, kT0 + 26h);
  EXPECT_EQ(r.windows_pruned, 361u);
  // 20 state changes + 20 sessions + the 2 timeline points kept (the windows ending at +10 s,
  // the first, and at +70 s, the first up; the late changes at +0..19 s, all down, make no
  // window after them differ).
  EXPECT_EQ(r.events_pruned, 42u);
  EXPECT_TRUE(store.windows(RowFilter{}).empty());
  EXPECT_TRUE(store.state_changes(RowFilter{}).empty());
  EXPECT_TRUE(store.sessions(RowFilter{}).empty());
  const auto hourly = store.hourly_windows(RowFilter{});
  ASSERT_EQ(hourly.size(), 2u);
  EXPECT_EQ(hourly[0].windows, 360u);
  EXPECT_EQ(hourly[0].windows_down, 6u);
  EXPECT_EQ(hourly[1].windows, 1u);
}

// A window [start_s, start_s + 10) of flow "primary" at kT0 + start_s seconds.
StoredMessage window_at(std::uint64_t seq, int start_s, PathState state) {
  return window_msg("a1", seq, kT0 + std::chrono::seconds{start_s}, state);
}

// One flow's windows (end-states) and state changes, some late (issue 16 item 6). All points
// by time (s after kT0; u up, d down; * arrives late, in the second commit):
//   10u 20u 25d(change)* 30u 40u 50d 60d 70u 80d* | gap | 210u 220u
// Timeline: up 10, down 25, up 30, down 50, up 70, down 80, up 210 (the restarted session's
// first observation, 200-210 unknown). SQLite keeps the windows ending 10 (first), 30 (after
// the late change), 50 and 70 (state differs), 80 (late) and 210 (starts after its
// predecessor, 80): 6 of 10.
void commit_timeline_case(Store& store) {
  CommitBatch in_order;
  int seq = 1;
  for (auto [start, state] : {std::pair{0, PathState::kUp},
                              {10, PathState::kUp},
                              {20, PathState::kUp},
                              {30, PathState::kUp},
                              {40, PathState::kDown},
                              {50, PathState::kDown},
                              {60, PathState::kUp},
                              {200, PathState::kUp},
                              {210, PathState::kUp}}) {
    in_order.messages.push_back(window_at(static_cast<std::uint64_t>(seq++), start, state));
  }
  in_order.sessions = {AgentSession{"a1", "honcho", kT0, kT0 + 75s},
                       AgentSession{"a1", "honcho", kT0 + 200s, kT0 + 230s}};
  ASSERT_TRUE(store.commit(in_order).ok);
  CommitBatch late;
  late.messages = {state_msg("a1", 20, kT0 + 25s, PathState::kUp, PathState::kDown),
                   window_at(21, 70, PathState::kDown)};
  ASSERT_TRUE(store.commit(late).ok);
}

std::vector<StateStep> timeline_of(const std::vector<StoredStateChange>& changes,
                                   const std::vector<StoredWindow>& windows,
                                   const std::vector<AgentSession>& sessions) {
  const ObservationIndex index(ObservationRows{changes, windows, sessions});
  return index.flows().empty() ? std::vector<StateStep>{} : index.flows()[0].timeline.steps();
}

TYPED_TEST(StoreTest, TimelineWindowsGiveTheTimelineOfAllWindows) {
  auto store = this->factory_.open();
  commit_timeline_case(*store);
  const RowFilter all;
  const auto changes = store->state_changes(all);
  const auto sessions = store->sessions(all);
  const auto kept = store->timeline_windows(all);
  const auto from_all = timeline_of(changes, store->windows(all), sessions);
  // Up 10-25, down 25-30, up 30-50, down 50-70, up 70-75, unknown from the session's end
  // (75) until the new session's first observation (210), then up until its end (230).
  const std::vector<StateStep> want{
      {kT0 + 10s, PathState::kUp},  {kT0 + 25s, PathState::kDown},
      {kT0 + 30s, PathState::kUp},  {kT0 + 50s, PathState::kDown},
      {kT0 + 70s, PathState::kUp},  {kT0 + 75s, PathState::kUnknown},
      {kT0 + 210s, PathState::kUp}, {kT0 + 230s, PathState::kUnknown}};
  EXPECT_EQ(from_all, want);
  EXPECT_EQ(timeline_of(changes, kept, sessions), want);
  EXPECT_LE(kept.size(), 10u);
  // From +100 s: the point in force then comes first (the window ending at +80 s, down: the
  // last point before +100 s, later than the change at +25 s), then +210 (and, for the memory
  // store, which returns every window, +220).
  RowFilter later;
  later.start = kT0 + 100s;
  const auto from_100 = store->timeline_windows(later);
  ASSERT_GE(from_100.size(), 2u);
  EXPECT_EQ(from_100[0].end, kT0 + 80s);
  EXPECT_EQ(from_100[0].state, PathState::kDown);
  EXPECT_EQ(from_100[1].end, kT0 + 210s);
}

TEST(SqliteStore, TimelinePointsKeepSixOfTenWindows) {
  SqliteFactory factory;
  auto store = factory.open();
  commit_timeline_case(*store);
  std::vector<std::int64_t> at;
  for (const auto& w : store->timeline_windows(RowFilter{})) at.push_back((w.end - kT0) / 1s);
  EXPECT_EQ(at, (std::vector<std::int64_t>{10, 30, 50, 70, 80, 210}));  // see commit_timeline_case
}

TEST(SqliteStore, SchemaV5BackfillsTimelinePointsFromWindows) {
  SqliteFactory factory;
  const std::string path = (factory.dir_ / "v3.db").string();
  {
    SqliteStore store(SqliteOptions{path}, kT0);
    commit_timeline_case(store);
  }
  {
    // Back to a v4 file holding the same rows.
    sqlite::Connection db(path);
    db.exec("DROP INDEX timeline_points_by_flow");
    db.exec("DROP TABLE timeline_points");
    db.exec("DROP INDEX state_changes_by_flow");
    db.exec("DELETE FROM meta WHERE key = 'max_window_ns'");
    db.exec("DELETE FROM schema_version WHERE version = 5");
  }
  SqliteStore store(SqliteOptions{path}, kT0);
  EXPECT_EQ(store.schema_version(), 5);
  std::vector<std::int64_t> at;
  for (const auto& w : store.timeline_windows(RowFilter{})) at.push_back((w.end - kT0) / 1s);
  // The same rule over all stored points at once: the same six.
  EXPECT_EQ(at, (std::vector<std::int64_t>{10, 30, 50, 70, 80, 210}));
  // And later points still go the right way: the next in-order window (220-230, down) differs.
  CommitBatch b;
  b.messages = {window_at(30, 220, PathState::kDown)};
  ASSERT_TRUE(store.commit(b).ok);
  EXPECT_EQ(store.timeline_windows(RowFilter{}).size(), 7u);
}

TEST(SqliteStore, ReopenedFileHasEverything) {
  SqliteFactory factory;
  {
    auto store = factory.open();
    CommitBatch b;
    b.messages = {window_msg("a1", 1, kT0),
                  state_msg("a1", 2, kT0 + 5s, PathState::kUp, PathState::kDown)};
    b.agents = {AgentUpdate{"a1", "honcho", kT0, kT0 + 10s, kT0 + 10s, 2, 2}};
    ASSERT_TRUE(store->commit(b).ok);
  }
  auto store = factory.open();
  EXPECT_EQ(store->windows(RowFilter{}).size(), 1u);
  EXPECT_EQ(store->state_changes(RowFilter{}).size(), 1u);
  ASSERT_EQ(store->agents().size(), 1u);
  EXPECT_EQ(store->agents()[0].through_seq, 2u);
  // Dedup holds across the restart: seq 1 again is a duplicate.
  CommitBatch again;
  again.messages = {window_msg("a1", 1, kT0)};
  EXPECT_EQ(store->commit(again).duplicate_count, 1u);
}

TYPED_TEST(StoreTest, OutOfOrderSeqsAreEachStoredOnce) {
  auto store = this->factory_.open();
  CommitBatch first;
  first.messages = {window_msg("a1", 1, kT0), window_msg("a1", 2, kT0 + 10s),
                    route_msg("a1", 5, kT0 + 40s), window_msg("b1", 2, kT0)};
  ASSERT_EQ(store->commit(first).stored_count, 4u);
  // Seqs 3 and 4 fill the hole between 2 and 5, 5 is a duplicate (a different kind cannot
  // sneak in under a stored seq), 7 opens a new run; b1's seqs are its own.
  CommitBatch second;
  second.messages = {
      window_msg("a1", 4, kT0 + 30s), state_msg("a1", 5, kT0, PathState::kUp, PathState::kDown),
      window_msg("a1", 3, kT0 + 20s), window_msg("a1", 7, kT0 + 60s), window_msg("b1", 1, kT0)};
  const auto r = store->commit(second);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.stored_count, 4u);  // a1: 3, 4, 7; b1: 1
  EXPECT_EQ(r.duplicate_count, 1u);
  // Everything again: 1..5 and 7 of a1 (6 messages) and b1's 1 and 2 are all duplicates.
  CommitBatch again;
  for (std::uint64_t seq : {1, 2, 3, 4, 5, 7}) {
    again.messages.push_back(window_msg("a1", seq, kT0 + 10s * static_cast<int>(seq)));
  }
  again.messages.push_back(window_msg("b1", 1, kT0));
  again.messages.push_back(window_msg("b1", 2, kT0));
  const auto d = store->commit(again);
  EXPECT_EQ(d.stored_count, 0u);
  EXPECT_EQ(d.duplicate_count, 8u);
  EXPECT_TRUE(store->contains("a1", 4));
  EXPECT_TRUE(store->contains("a1", 7));
  EXPECT_FALSE(store->contains("a1", 6));
  EXPECT_FALSE(store->contains("a1", 8));
  EXPECT_FALSE(store->contains("c1", 1));
  // Rows: a1 windows 1, 2, 3, 4, 7 and b1 windows 1, 2 = 7.
  EXPECT_EQ(store->windows(RowFilter{}).size(), 7u);
}

TEST(SqliteStore, SchemaV2TurnsStoredMessagesIntoSeqRanges) {
  SqliteFactory factory;
  const std::string path = (factory.dir_ / "v1.db").string();
  {
    // A v1 database: agent a1 (id 1) stored seqs 1, 2, 3 and 7.
    sqlite::Connection db(path);
    sqlite::migrate(db, sqlite::migrations().first(1), 1);
    db.exec(
        "INSERT INTO agents (id, agent_id, site, first_seen, last_seen, last_received) VALUES "
        "(1, 'a1', 'honcho', 0, 0, 0)");
    db.exec(
        "INSERT INTO messages VALUES (1, 1, 11, 0), (1, 2, 11, 0), (1, 3, 11, 0), "
        "(1, 7, 11, 0)");
  }
  SqliteStore store(SqliteOptions{path}, kT0);
  EXPECT_EQ(store.schema_version(), sqlite::latest_schema_version());
  EXPECT_TRUE(store.contains("a1", 3));
  EXPECT_TRUE(store.contains("a1", 7));
  EXPECT_FALSE(store.contains("a1", 5));
  CommitBatch b;
  b.messages = {window_msg("a1", 2, kT0), window_msg("a1", 4, kT0), window_msg("a1", 7, kT0)};
  const auto r = store.commit(b);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.stored_count, 1u);  // only 4 is new
  EXPECT_EQ(r.duplicate_count, 2u);
}

TEST(SqliteStore, SchemaV3GivesExistingFlowsTheirSince) {
  SqliteFactory factory;
  const std::string path = (factory.dir_ / "v2.db").string();
  {
    // A v2 database: flow 1 DOWN (latest +40s) since its change at +25s; flow 2 UP at +10s
    // with no change stored.
    sqlite::Connection db(path);
    sqlite::migrate(db, sqlite::migrations().first(2), 1);
    db.exec(
        "INSERT INTO agents (id, agent_id, site, first_seen, last_seen, last_received) VALUES "
        "(1, 'a1', 'honcho', 0, 0, 0)");
    const auto t = [](std::chrono::seconds s) {
      return std::to_string((kT0 + s).time_since_epoch().count());
    };
    db.exec(
        "INSERT INTO flows (id, agent, target, address, path, kind, port, latest_state, "
        "latest_at) VALUES (1, 1, 'asp-app', '198.18.30.10', 'primary', 2, 8443, 4, " +
        t(40s) + "), (2, 1, 'asp-app', '198.18.30.10', 'backup', 2, 8443, 2, " + t(10s) + ")");
    db.exec("INSERT INTO state_changes VALUES (1, 1, " + t(5s) +
            ", 1, 4, '', 0, '', 0, 0), (1, 2, " + t(15s) + ", 4, 2, '', 0, '', 0, 0), (1, 3, " +
            t(25s) + ", 2, 4, '', 0, '', 0, 0)");
  }
  SqliteStore store(SqliteOptions{path}, kT0);
  const auto latest = store.latest_flow_states();
  ASSERT_EQ(latest.size(), 2u);  // ordered by path: backup, primary
  EXPECT_EQ(latest[0].flow.path, "backup");
  EXPECT_EQ(latest[0].since, kT0 + 10s);  // no change into UP stored: the latest time seen
  EXPECT_EQ(latest[1].since, kT0 + 25s);  // the latest change into DOWN (not the one at +5s)
}

TEST(SqliteSchema, MigrationsRunOnceAndInOrder) {
  SqliteFactory factory;
  const std::string path = (factory.dir_ / "m.db").string();
  {
    sqlite::Connection db(path);
    const sqlite::Migration v1[] = {{1, "CREATE TABLE t (a INTEGER)"}};
    sqlite::migrate(db, v1, 1);
    EXPECT_EQ(sqlite::schema_version(db), 1);
  }
  sqlite::Connection db(path);
  const sqlite::Migration v2[] = {{1, "CREATE TABLE t (a INTEGER)"},
                                  {2, "ALTER TABLE t ADD COLUMN b INTEGER"}};
  sqlite::migrate(db, v2, 2);  // only step 2 runs (step 1 again would fail: table exists)
  EXPECT_EQ(sqlite::schema_version(db), 2);
  sqlite::migrate(db, v2, 3);  // nothing left to do
  const sqlite::Migration older[] = {{1, "CREATE TABLE t (a INTEGER)"}};
  EXPECT_THROW(sqlite::migrate(db, older, 4), StoreError);  // database newer than the build
}

TEST(SqliteStore, NewFileIsAtTheLatestSchema) {
  SqliteFactory factory;
  SqliteStore store(SqliteOptions{(factory.dir_ / "n.db").string()}, kT0);
  EXPECT_EQ(store.schema_version(), sqlite::latest_schema_version());
}

// At shutdown the API's reads fail fast (the API server's stop() bound), while the writer
// (ingest's last commit) and retention's reader keep working.
TEST(SqliteStore, CancelledApiReadsFailButWritesAndRetentionDoNot) {
  SqliteFactory factory;
  SqliteStore store(SqliteOptions{(factory.dir_ / "cancel.db").string()}, kT0);
  // 300 windows: reading them takes thousands of SQLite instructions, more than the progress
  // handler's period (100), as every read that could hold stop() does.
  CommitBatch b;
  for (std::uint64_t i = 0; i < 300; ++i) {
    b.messages.push_back(window_msg("a1", i + 1, kT0 + std::chrono::seconds{10 * i}));
  }
  store.commit(b);
  ASSERT_EQ(store.windows(RowFilter{}).size(), 300u);
  store.cancel_api_reads();
  EXPECT_THROW(store.windows(RowFilter{}), StoreError);
  EXPECT_THROW(store.windows(RowFilter{}), StoreError);  // every later statement too
  CommitBatch more;
  more.messages.push_back(window_msg("a1", 301, kT0 + 1h));
  EXPECT_NO_THROW(store.commit(more));
  EXPECT_NO_THROW(store.apply_retention(RetentionPolicy{}, kT0 + 1h));
}

}  // namespace
}  // namespace pathwatch::collector
