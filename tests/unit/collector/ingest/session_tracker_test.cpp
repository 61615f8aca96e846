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

}  // namespace
}  // namespace pathwatch::collector
