// One incident used across the notify tests: 住民記録システム down at the main office since
// 2026-11-23 14:05:09 JST (05:05:09 UTC), the primary line of carrier A suspected.
#pragma once

#include <chrono>

#include "collector/notify/notification.hpp"
#include "shared/time/jst.hpp"

namespace pathwatch::collector::notify::testing {

inline shared::UtcNanos jst(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  using namespace std::chrono;
  return shared::from_jst(year{y} / month{mo} / day{d}, hours{h} + minutes{mi} + seconds{s});
}

inline SuspectSegment primary_line() {
  return SuspectSegment{"main-primary",   "主回線",    "primary line",          "carrier-a",
                        "キャリアA",      "Carrier A", "noc@carrier-a.example", "0120-000-001",
                        "回線ID PRI-0001"};
}

inline SuspectSegment lgcs() {
  return SuspectSegment{
      "lgcs", "LGCS", "", "lgcs-op", "LGCS運用者", "LGCS operator", "ops@lgcs.example", "", ""};
}

inline Notification opened_incident() {
  Notification n;
  n.kind = NotificationKind::kOpened;
  n.fault = FaultNature::kDown;
  n.incident_id = "INC-20261123-0001";
  n.at = jst(2026, 11, 23, 14, 5, 9);
  n.started_at = jst(2026, 11, 23, 14, 5, 9);
  n.services = {{"juki", "住民記録システム", "Resident records"}};
  n.sites = {{"main", "本庁舎", "Main office"}};
  n.verdict.causes = {Cause{{primary_line()}}};
  n.verdict.conclusive = true;
  n.verdict.evidence_ja = {"サービス影響: 停止", "障害 原因候補 1: 主回線 (キャリアA)"};
  n.verdict.evidence_en = {"service impact: down", "Down candidate 1: primary line (Carrier A)"};
  return n;
}

inline Notification recovered_incident() {
  Notification n = opened_incident();
  n.kind = NotificationKind::kRecovered;
  // 1 h 23 min 40 s after the start: shown as 1時間23分 / 1 h 23 min (truncated to minutes).
  n.recovered_at =
      n.started_at + std::chrono::hours(1) + std::chrono::minutes(23) + std::chrono::seconds(40);
  n.at = *n.recovered_at;
  n.failovers = {{jst(2026, 11, 23, 14, 5, 40), "本庁舎", "primary", "backup"}};
  return n;
}

}  // namespace pathwatch::collector::notify::testing
