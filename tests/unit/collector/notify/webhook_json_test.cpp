// The webhook body: field names and values a receiver routes on, in the channel's language;
// and which HTTP statuses retry.
#include "collector/notify/webhook_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "collector/notify/message_text.hpp"
#include "collector/notify/webhook_notifier.hpp"
#include "tests/unit/collector/notify/notification_fixture.hpp"

namespace pathwatch::collector::notify {
namespace {

TEST(WebhookJson, OpenedInJapanese) {
  const Notification n = testing::opened_incident();
  const auto j = nlohmann::json::parse(webhook_payload(n, Language::kJa));
  EXPECT_EQ(j["source"], "pathwatch");
  EXPECT_EQ(j["schema"], 1);
  EXPECT_EQ(j["incident_id"], "INC-20261123-0001");
  EXPECT_EQ(j["kind"], "opened");
  EXPECT_EQ(j["fault"], "down");
  EXPECT_EQ(j["service"], "住民記録システム");
  EXPECT_EQ(j["services"][0]["name"], "juki");
  EXPECT_EQ(j["sites"][0]["label"], "本庁舎");
  EXPECT_EQ(j["segment"]["name"], "main-primary");
  EXPECT_EQ(j["segment"]["label"], "主回線");
  EXPECT_EQ(j["owner"]["name"], "carrier-a");
  EXPECT_EQ(j["owner"]["label"], "キャリアA");
  EXPECT_EQ(j["contact"]["email"], "noc@carrier-a.example");
  EXPECT_EQ(j["contact"]["phone"], "0120-000-001");
  EXPECT_EQ(j["conclusive"], true);
  // 14:05:09 JST = 05:05:09 UTC = 1795410309 s (Python: calendar.timegm((2026,11,23,5,5,9))).
  EXPECT_EQ(j["started_at"]["jst"], "2026-11-23 14:05 JST");
  EXPECT_EQ(j["started_at"]["utc"], "2026-11-23T05:05:09Z");
  EXPECT_EQ(j["started_at"]["unix_nanos"], 1795410309000000000LL);
  EXPECT_TRUE(j["recovered_at"].is_null());
  EXPECT_EQ(j["evidence"],
            (nlohmann::json{"サービス影響: 停止", "障害 原因候補 1: 主回線 (キャリアA)"}));
  EXPECT_EQ(j["subject"], render_message(n, Language::kJa).subject);
  EXPECT_EQ(j["text"], render_message(n, Language::kJa).body);
}

TEST(WebhookJson, RecoveredInEnglish) {
  const Notification n = testing::recovered_incident();
  const auto j = nlohmann::json::parse(webhook_payload(n, Language::kEn));
  EXPECT_EQ(j["kind"], "recovered");
  EXPECT_EQ(j["service"], "Resident records");
  EXPECT_EQ(j["owner"]["label"], "Carrier A");
  EXPECT_EQ(j["recovered_at"]["jst"], "2026-11-23 15:28 JST");
  EXPECT_EQ(j["duration_seconds"], 5020);  // 1 h 23 min 40 s
  EXPECT_EQ(j["failovers"][0]["to"], "backup");
  EXPECT_EQ(j["evidence"][0], "service impact: down");
}

TEST(WebhookJson, NotIsolatedHasNullSegment) {
  Notification n = testing::opened_incident();
  n.verdict = VerdictSummary{};
  const auto j = nlohmann::json::parse(webhook_payload(n, Language::kJa));
  EXPECT_TRUE(j["segment"].is_null());
  EXPECT_TRUE(j["owner"].is_null());
  EXPECT_TRUE(j["causes"].empty());
}

// An incident has "budget": null; an SLA budget alert carries its month's figures (73 min of
// the 5,184 s a 30-day month allows at 99.8 %).
TEST(WebhookJson, BudgetAlertCarriesItsFigures) {
  EXPECT_TRUE(
      nlohmann::json::parse(webhook_payload(testing::opened_incident(), Language::kJa))["budget"]
          .is_null());
  Notification n = testing::opened_incident();
  n.verdict = VerdictSummary{};
  n.incident_id = "SLA-juki-202611";
  n.budget = BudgetNote{std::chrono::year{2026} / std::chrono::November, 84.5, 80.0,
                        std::chrono::minutes{73}, std::chrono::seconds{5184}};
  const auto j = nlohmann::json::parse(webhook_payload(n, Language::kEn));
  EXPECT_EQ(j["budget"]["month"], "2026-11");
  EXPECT_EQ(j["budget"]["burned_percent"], 84.5);
  EXPECT_EQ(j["budget"]["limit_percent"], 80.0);
  EXPECT_EQ(j["budget"]["burned_seconds"], 4380);
  EXPECT_EQ(j["budget"]["budget_seconds"], 5184);
  EXPECT_EQ(j["subject"], render_message(n, Language::kEn).subject);
}

TEST(WebhookStatus, RetryOnlyWhatMayPass) {
  EXPECT_EQ(outcome_of_http_status(200), DeliveryOutcome::kSent);
  EXPECT_EQ(outcome_of_http_status(204), DeliveryOutcome::kSent);
  EXPECT_EQ(outcome_of_http_status(500), DeliveryOutcome::kRetry);
  EXPECT_EQ(outcome_of_http_status(503), DeliveryOutcome::kRetry);
  EXPECT_EQ(outcome_of_http_status(429), DeliveryOutcome::kRetry);
  EXPECT_EQ(outcome_of_http_status(408), DeliveryOutcome::kRetry);
  EXPECT_EQ(outcome_of_http_status(400), DeliveryOutcome::kPermanent);
  EXPECT_EQ(outcome_of_http_status(404), DeliveryOutcome::kPermanent);
  EXPECT_EQ(outcome_of_http_status(301), DeliveryOutcome::kPermanent);  // redirects not followed
}

}  // namespace
}  // namespace pathwatch::collector::notify
