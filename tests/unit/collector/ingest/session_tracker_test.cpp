// Sessions from hand-placed data times: extend, split on silence, and merge when late
// (spooled) data bridges two sessions.
#include "collector/ingest/session_tracker.hpp"

#include <gtest/gtest.h>

namespace pathwatch::collector {
namespace {

using namespace std::chrono_literals;
const shared::UtcNanos kT0 = shared::from_unix_nanos(1'793'491'200'000'000'000);

TEST(SessionTracker, SplitsOnSilenceAndMergesWhenLateDataBridges) {
  SessionTracker t(60s);
  SessionChanges c;
  t.observe("a", "s", kT0, kT0 + 10s, c);
  t.observe("a", "s", kT0 + 10s, kT0 + 20s, c);
  // 100 s after the last data (> 60 s silence): a second session.
  t.observe("a", "s", kT0 + 120s, kT0 + 130s, c);
  auto sessions = t.sessions_of("a");
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_EQ(sessions[0].last, kT0 + 20s);
  EXPECT_EQ(sessions[1].first, kT0 + 120s);
  // Spooled data at +60..+70 s is within 60 s of both: one session [+0, +130 s].
  t.observe("a", "s", kT0 + 60s, kT0 + 70s, c);
  sessions = t.sessions_of("a");
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].first, kT0);
  EXPECT_EQ(sessions[0].last, kT0 + 130s);
  compact(c);
  // After compaction: the row keyed +0 s is upserted to +130 s, the row keyed +120 s removed.
  const auto up = c.upserts();
  const auto rm = c.removed();
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].first, kT0);
  EXPECT_EQ(up[0].last, kT0 + 130s);
  ASSERT_EQ(rm.size(), 1u);
  EXPECT_EQ(rm[0].first, kT0 + 120s);
}

TEST(SessionTracker, InOrderDataInOneBatchIsOneUpsertPerAgent) {
  // 1,000 consecutive 10 s windows each of agents a and b, interleaved, in one batch: each
  // agent's session is extended in place, so the batch holds one op per agent (it held one per
  // message before compaction), ending at the last window: +10,000 s.
  SessionTracker t(60s);
  SessionChanges c;
  for (int i = 0; i < 1000; ++i) {
    const auto from = kT0 + std::chrono::seconds{10 * i};
    t.observe("a", "s1", from, from + 10s, c);
    t.observe("b", "s2", from, from + 10s, c);
  }
  ASSERT_EQ(c.ops.size(), 2u);
  compact(c);
  const auto up = c.upserts();
  ASSERT_EQ(up.size(), 2u);
  EXPECT_EQ(up[0].agent_id, "a");
  EXPECT_EQ(up[0].first, kT0);
  EXPECT_EQ(up[0].last, kT0 + 10000s);
  EXPECT_EQ(up[1].agent_id, "b");
  EXPECT_EQ(up[1].site, "s2");
  EXPECT_EQ(up[1].last, kT0 + 10000s);
  // A second batch starts its own op for the same session.
  SessionChanges next;
  t.observe("a", "s1", kT0 + 10000s, kT0 + 10010s, next);
  ASSERT_EQ(next.ops.size(), 1u);
  EXPECT_EQ(next.ops[0].session.last, kT0 + 10010s);
  EXPECT_TRUE(c.upserts().size() == 2u);  // the first batch's changes are untouched
}

}  // namespace
}  // namespace pathwatch::collector
