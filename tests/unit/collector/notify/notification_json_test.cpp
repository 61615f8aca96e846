// The kept form of a notification: every field comes back as it went in (the outbox and the
// alert state rest on it), and a document it did not write is refused with a message.
#include "collector/notify/notification_json.hpp"

#include <gtest/gtest.h>

#include "tests/unit/collector/notify/notification_fixture.hpp"

namespace pathwatch::collector::notify {
namespace {

using namespace std::chrono;

Notification everything() {
  Notification n = testing::opened_incident();
  n.kind = NotificationKind::kUpdated;
  n.fault = FaultNature::kDegraded;
  n.previous = n.verdict;
  n.verdict.causes = {Cause{{testing::primary_line(), testing::lgcs()}}};
  n.verdict.conclusive = false;
  n.verdict.other_explanations = 2;
  n.failovers = {FailoverNote{n.at + seconds{3}, "main", "primary", "backup"}};
  n.recovered_at = n.at + minutes{5};
  n.budget = BudgetNote{2026y / November, 81.5, 80.0, seconds{4200}, seconds{5184}};
  return n;
}

TEST(NotificationJson, EveryFieldSurvivesTheRoundTrip) {
  const Notification n = everything();
  const auto j = notification_json(n);
  const Notification back = notification_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(notification_json(back), j);
  EXPECT_EQ(back.kind, NotificationKind::kUpdated);
  EXPECT_EQ(back.at, n.at);
  EXPECT_EQ(back.recovered_at, n.recovered_at);
  ASSERT_TRUE(back.previous.has_value());
  EXPECT_EQ(back.previous->causes.size(), 1u);
  ASSERT_EQ(back.verdict.causes.size(), 1u);
  EXPECT_EQ(back.verdict.causes[0].alternatives[1].owner_label_en, "LGCS operator");
  EXPECT_EQ(back.services[0].label, "住民記録システム");
  ASSERT_TRUE(back.budget.has_value());
  EXPECT_EQ(back.budget->month, 2026y / November);
  EXPECT_EQ(back.budget->burned, seconds{4200});
  ASSERT_EQ(back.failovers.size(), 1u);
  EXPECT_EQ(back.failovers[0].to_path, "backup");
}

TEST(NotificationJson, OptionalFieldsStayAbsent) {
  const Notification back = notification_from_json(notification_json(testing::opened_incident()));
  EXPECT_FALSE(back.previous.has_value());
  EXPECT_FALSE(back.recovered_at.has_value());
  EXPECT_FALSE(back.budget.has_value());
}

TEST(NotificationJson, ADocumentItDidNotWriteIsRefused) {
  auto j = notification_json(testing::opened_incident());
  j["kind"] = "escalated";
  EXPECT_THROW(notification_from_json(j), std::runtime_error);
  j = notification_json(testing::opened_incident());
  j.erase("at");
  EXPECT_THROW(notification_from_json(j), std::runtime_error);
}

}  // namespace
}  // namespace pathwatch::collector::notify
