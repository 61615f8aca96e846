// Exact texts of the notification templates (ja default, en), so a wording change is a
// deliberate change of this file too.
#include <gtest/gtest.h>

#include "collector/notify/message_text.hpp"
#include "collector/notify/time_text.hpp"
#include "tests/unit/collector/notify/notification_fixture.hpp"

namespace pathwatch::collector::notify {
namespace {

using testing::jst;

TEST(TimeText, JstToTheMinuteAndUtcToTheSecond) {
  // 14:05:09 JST = 05:05:09 UTC (JST is UTC+9, no DST).
  const auto t = jst(2026, 11, 23, 14, 5, 9);
  EXPECT_EQ(format_jst_minute(t), "2026-11-23 14:05 JST");
  EXPECT_EQ(format_utc_second(t), "2026-11-23T05:05:09Z");
  // 08:30 JST on the 1st is 23:30 UTC on the last day of the previous month.
  EXPECT_EQ(format_utc_second(jst(2026, 12, 1, 8, 30, 0)), "2026-11-30T23:30:00Z");
}

TEST(TimeText, Durations) {
  using namespace std::chrono;
  EXPECT_EQ(format_duration(seconds(45), Language::kJa), "45秒");
  EXPECT_EQ(format_duration(seconds(45), Language::kEn), "45 s");
  EXPECT_EQ(format_duration(minutes(23) + seconds(59), Language::kJa), "23分");
  EXPECT_EQ(format_duration(hours(1) + minutes(23) + seconds(40), Language::kJa), "1時間23分");
  EXPECT_EQ(format_duration(hours(1) + minutes(23) + seconds(40), Language::kEn), "1 h 23 min");
  // 2 d 0 h 4 min: the zero hours stay, so the reader does not misread days as hours.
  EXPECT_EQ(format_duration(hours(48) + minutes(4), Language::kJa), "2日0時間4分");
  EXPECT_EQ(format_duration(hours(48) + minutes(4), Language::kEn), "2 d 0 h 4 min");
  EXPECT_EQ(format_duration(seconds(-5), Language::kEn), "0 s");
}

// An SLA budget alert: 73 min of the 86.4 min a 30-day 24x7 month allows at 99.8 %
// (0.2 % x 30 d = 5,184 s), 84.5 %, over the rule's 80 %. No suspects: nothing is failing.
Notification budget_alert() {
  Notification n;
  n.kind = NotificationKind::kOpened;
  n.fault = FaultNature::kDegraded;
  n.incident_id = "SLA-juki-202611";
  n.at = jst(2026, 11, 23, 14, 5, 9);
  n.started_at = n.at;
  n.services = {{"juki", "住民記録システム", "Resident records"}};
  n.budget = BudgetNote{std::chrono::year{2026} / std::chrono::November, 84.5, 80.0,
                        std::chrono::minutes{73}, std::chrono::seconds{5184}};
  return n;
}

TEST(Templates, BudgetJapanese) {
  const MessageText m = render_message(budget_alert(), Language::kJa);
  EXPECT_EQ(m.subject, "[pathwatch] SLA エラーバジェット: 住民記録システム 2026年11月 84.5% 消費");
  EXPECT_EQ(m.body,
            "住民記録システム は 2026年11月 のエラーバジェットの 84.5% を消費しました "
            "(通知しきい値 80.0%)。\n"
            "\n"
            "通知: SLA-juki-202611\n"
            "サービス: 住民記録システム\n"
            "消費: 1時間13分 / 月の許容 1時間26分\n"
            "時点: 2026-11-23 14:05 JST (2026-11-23T05:05:09Z)\n"
            "\n"
            "バジェットを使い切ると、その月の稼働率は契約値を下回ります。\n"
            "\n"
            "-- \n"
            "pathwatch (このメールは自動送信です)\n");
}

TEST(Templates, BudgetEnglish) {
  const MessageText m = render_message(budget_alert(), Language::kEn);
  EXPECT_EQ(m.subject, "[pathwatch] SLA error budget: Resident records has used 84.5 % (2026-11)");
  EXPECT_EQ(m.body,
            "Resident records has used 84.5 % of its error budget for 2026-11 (alert at "
            "80.0 %).\n"
            "\n"
            "Alert: SLA-juki-202611\n"
            "Service: Resident records\n"
            "Used: 1 h 13 min of the 1 h 26 min the month allows\n"
            "As of: 2026-11-23 14:05 JST (2026-11-23T05:05:09Z)\n"
            "\n"
            "When the budget is used up, the month's availability falls below the contract.\n"
            "\n"
            "-- \n"
            "pathwatch (automatic message)\n");
}

TEST(Templates, OpenedJapanese) {
  const MessageText m = render_message(testing::opened_incident(), Language::kJa);
  EXPECT_EQ(m.subject, "[pathwatch] 障害発生: 住民記録システム — 原因候補: 主回線 (キャリアA)");
  EXPECT_EQ(m.body,
            "住民記録システム で障害が発生しました。\n"
            "\n"
            "インシデント: INC-20261123-0001\n"
            "サービス: 住民記録システム\n"
            "影響拠点: 本庁舎\n"
            "発生時刻: 2026-11-23 14:05 JST (2026-11-23T05:05:09Z)\n"
            "\n"
            "原因候補:\n"
            "  主回線 — 責任者: キャリアA\n"
            "    連絡先: noc@carrier-a.example / 0120-000-001 / 回線ID PRI-0001\n"
            "\n"
            "根拠 (切り分け結果):\n"
            "  サービス影響: 停止\n"
            "  障害 原因候補 1: 主回線 (キャリアA)\n"
            "\n"
            "-- \n"
            "pathwatch (このメールは自動送信です)\n");
}

TEST(Templates, OpenedEnglish) {
  const MessageText m = render_message(testing::opened_incident(), Language::kEn);
  EXPECT_EQ(m.subject, "[pathwatch] Down: Resident records — suspected: primary line (Carrier A)");
  EXPECT_EQ(m.body,
            "Resident records is down.\n"
            "\n"
            "Incident: INC-20261123-0001\n"
            "Service: Resident records\n"
            "Sites: Main office\n"
            "Started: 2026-11-23 14:05 JST (2026-11-23T05:05:09Z)\n"
            "\n"
            "Suspected:\n"
            "  primary line — owner: Carrier A\n"
            "    contact: noc@carrier-a.example / 0120-000-001 / 回線ID PRI-0001\n"
            "\n"
            "Evidence (fault isolation):\n"
            "  service impact: down\n"
            "  Down candidate 1: primary line (Carrier A)\n"
            "\n"
            "-- \n"
            "pathwatch (automatic message)\n");
}

TEST(Templates, RecoveredJapaneseWithDurationAndFailover) {
  const MessageText m = render_message(testing::recovered_incident(), Language::kJa);
  // 14:05:09 + 1:23:40 = 15:28:49 JST (06:28:49 UTC).
  EXPECT_EQ(m.subject, "[pathwatch] 復旧: 住民記録システム (継続時間 1時間23分)");
  EXPECT_EQ(m.body,
            "住民記録システム が復旧しました。\n"
            "\n"
            "インシデント: INC-20261123-0001\n"
            "サービス: 住民記録システム\n"
            "影響拠点: 本庁舎\n"
            "発生時刻: 2026-11-23 14:05 JST (2026-11-23T05:05:09Z)\n"
            "復旧時刻: 2026-11-23 15:28 JST (2026-11-23T06:28:49Z)\n"
            "継続時間: 1時間23分\n"
            "\n"
            "原因候補:\n"
            "  主回線 — 責任者: キャリアA\n"
            "    連絡先: noc@carrier-a.example / 0120-000-001 / 回線ID PRI-0001\n"
            "\n"
            "回線切替:\n"
            "  2026-11-23 14:05 JST 本庁舎: primary → backup\n"
            "\n"
            "根拠 (切り分け結果):\n"
            "  サービス影響: 停止\n"
            "  障害 原因候補 1: 主回線 (キャリアA)\n"
            "\n"
            "-- \n"
            "pathwatch (このメールは自動送信です)\n");
}

TEST(Templates, RecoveredEnglishSubject) {
  const MessageText m = render_message(testing::recovered_incident(), Language::kEn);
  EXPECT_EQ(m.subject, "[pathwatch] Recovered: Resident records (lasted 1 h 23 min)");
  EXPECT_NE(m.body.find("Recovered: 2026-11-23 15:28 JST (2026-11-23T06:28:49Z)\n"
                        "Duration: 1 h 23 min\n"),
            std::string::npos)
      << m.body;
}

TEST(Templates, UpdatedWithIndistinguishableCausesAndPrevious) {
  Notification n = testing::opened_incident();
  n.kind = NotificationKind::kUpdated;
  n.at = jst(2026, 11, 23, 14, 12, 0);
  n.previous = n.verdict;
  n.verdict.causes = {Cause{{testing::primary_line(), testing::lgcs()}}};
  n.verdict.conclusive = false;
  n.verdict.other_explanations = 1;
  n.verdict.evidence_ja.clear();
  n.verdict.evidence_en.clear();
  const MessageText ja = render_message(n, Language::kJa);
  EXPECT_EQ(ja.subject,
            "[pathwatch] 障害更新: 住民記録システム — 原因候補: 主回線 (キャリアA) または LGCS "
            "(LGCS運用者)");
  EXPECT_EQ(ja.body,
            "住民記録システム の障害について切り分け結果が更新されました。\n"
            "\n"
            "インシデント: INC-20261123-0001\n"
            "サービス: 住民記録システム\n"
            "影響拠点: 本庁舎\n"
            "発生時刻: 2026-11-23 14:05 JST (2026-11-23T05:05:09Z)\n"
            "更新時刻: 2026-11-23 14:12 JST (2026-11-23T05:12:00Z)\n"
            "\n"
            "原因候補:\n"
            "  主回線 — 責任者: キャリアA\n"
            "    連絡先: noc@carrier-a.example / 0120-000-001 / 回線ID PRI-0001\n"
            "  または LGCS — 責任者: LGCS運用者\n"
            "    連絡先: ops@lgcs.example\n"
            "  (根拠だけでは一つに絞れません)\n"
            "  (同等の説明が他に 1 件あります)\n"
            "前回の原因候補: 主回線 (キャリアA)\n"
            "\n"
            "-- \n"
            "pathwatch (このメールは自動送信です)\n");
  const MessageText en = render_message(n, Language::kEn);
  // LGCS has no English label: the Japanese label (here ASCII) is used.
  EXPECT_EQ(en.subject,
            "[pathwatch] Down (update): Resident records — suspected: primary line (Carrier A) or "
            "LGCS (LGCS operator)");
}

TEST(Templates, DegradedAndNotIsolatedAndSeveralCauses) {
  Notification n = testing::opened_incident();
  n.fault = FaultNature::kDegraded;
  n.verdict = VerdictSummary{};
  n.services.push_back({"madoguchi", "窓口システム", ""});
  n.sites.clear();
  const MessageText ja = render_message(n, Language::kJa);
  EXPECT_EQ(ja.subject,
            "[pathwatch] 品質劣化発生: 住民記録システム、窓口システム — 原因候補: 切り分け中");
  EXPECT_NE(ja.body.find("影響拠点: (拠点未特定)\n"), std::string::npos) << ja.body;
  EXPECT_NE(ja.body.find("原因候補: 切り分け中\n"), std::string::npos) << ja.body;
  // 窓口システム has no English name: the Japanese one stands in.
  EXPECT_EQ(render_message(n, Language::kEn).subject,
            "[pathwatch] Degraded: Resident records, 窓口システム — suspected: not isolated yet");

  n.verdict.causes = {Cause{{testing::primary_line()}}, Cause{{testing::lgcs()}}};
  n.verdict.conclusive = true;
  const MessageText two = render_message(n, Language::kJa);
  EXPECT_NE(two.subject.find("原因候補: 主回線 (キャリアA) + LGCS (LGCS運用者)"),
            std::string::npos);
  EXPECT_NE(two.body.find("  (1) 主回線 — 責任者: キャリアA\n"), std::string::npos) << two.body;
  EXPECT_NE(two.body.find("  (2) LGCS — 責任者: LGCS運用者\n"), std::string::npos) << two.body;
}

}  // namespace
}  // namespace pathwatch::collector::notify
