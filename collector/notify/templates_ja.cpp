// The Japanese wording of every notification (the default language). Tests pin the exact text
// (tests/unit/collector/notify/templates_test.cpp); change both together.
#include <cstdio>
#include <string>

#include "collector/notify/message_text.hpp"
#include "collector/notify/time_text.hpp"

namespace pathwatch::collector::notify::templates {
namespace {

constexpr Language kLang = Language::kJa;

std::string headline(const Notification& n, const std::string& services) {
  const bool down = n.fault == FaultNature::kDown;
  switch (n.kind) {
    case NotificationKind::kOpened:
      return services + (down ? " で障害が発生しました。" : " で品質劣化が発生しました。");
    case NotificationKind::kUpdated:
      return services + (down ? " の障害について切り分け結果が更新されました。"
                              : " の品質劣化について切り分け結果が更新されました。");
    case NotificationKind::kRecovered:
      return services + " が復旧しました。";
  }
  return "";
}

std::string subject_word(const Notification& n) {
  const bool down = n.fault == FaultNature::kDown;
  switch (n.kind) {
    case NotificationKind::kOpened:
      return down ? "障害発生" : "品質劣化発生";
    case NotificationKind::kUpdated:
      return down ? "障害更新" : "品質劣化更新";
    case NotificationKind::kRecovered:
      return "復旧";
  }
  return "";
}

void causes_block(const VerdictSummary& v, std::string& out) {
  if (v.causes.empty()) {
    out += "原因候補: 切り分け中\n";
    return;
  }
  out += "原因候補:\n";
  for (std::size_t i = 0; i < v.causes.size(); ++i) {
    const auto& alternatives = v.causes[i].alternatives;
    for (std::size_t j = 0; j < alternatives.size(); ++j) {
      const auto& s = alternatives[j];
      std::string prefix = "  ";
      if (v.causes.size() > 1 && j == 0) prefix += "(" + std::to_string(i + 1) + ") ";
      if (j > 0) prefix += "または ";
      out += prefix + segment_label(s, kLang) + " — 責任者: " + owner_label(s, kLang) + "\n";
      const std::string contact = contact_text(s);
      out += "    連絡先: " + (contact.empty() ? std::string("(未登録)") : contact) + "\n";
    }
  }
  if (!v.conclusive) out += "  (根拠だけでは一つに絞れません)\n";
  if (v.other_explanations > 0) {
    out += "  (同等の説明が他に " + std::to_string(v.other_explanations) + " 件あります)\n";
  }
}

std::string percent_text(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", p);
  return buf;
}

// SLA エラーバジェットの警告: いま故障はないので原因候補はなく、月の数値を示す。
MessageText render_budget(const Notification& n, const BudgetNote& b) {
  const std::string services = join_services(n, kLang);
  const std::string month =
      std::to_string(int(b.month.year())) + "年" + std::to_string(unsigned(b.month.month())) + "月";
  MessageText m;
  m.subject = "[pathwatch] SLA エラーバジェット: " + services + " " + month + " " +
              percent_text(b.burned_percent) + " 消費";
  std::string& t = m.body;
  t += services + " は " + month + " のエラーバジェットの " + percent_text(b.burned_percent) +
       " を消費しました (通知しきい値 " + percent_text(b.limit_percent) + ")。\n\n";
  t += "通知: " + n.incident_id + "\n";
  t += "サービス: " + services + "\n";
  if (b.budget.count() > 0) {
    t += "消費: " + format_duration(b.burned, kLang) + " / 月の許容 " +
         format_duration(b.budget, kLang) + "\n";
  }
  t += "時点: " + format_jst_minute(n.at) + " (" + format_utc_second(n.at) + ")\n";
  t += "\nバジェットを使い切ると、その月の稼働率は契約値を下回ります。\n";
  t += "\n-- \npathwatch (このメールは自動送信です)\n";
  return m;
}

// 回線切替: どの回線からどの回線へ、いつから、どれだけの時間。
MessageText render_line_switch(const Notification& n) {
  const std::string sites = join_sites(n, kLang);
  const FailoverNote f = n.failovers.empty() ? FailoverNote{} : n.failovers.front();
  const std::string to = f.to_path.empty() ? std::string("(経路なし)") : f.to_path;
  const bool back = n.kind == NotificationKind::kRecovered;
  MessageText m;
  m.subject = "[pathwatch] " + std::string(back ? "回線切替 復帰" : "回線切替") + ": " + sites +
              " " + f.from_path + " → " + to;
  if (back && n.recovered_at) {
    m.subject += " (継続時間 " + format_duration(*n.recovered_at - n.started_at, kLang) + ")";
  }
  std::string& b = m.body;
  b += back ? sites + " は " + f.from_path + " 回線に戻りました (回線切替の復帰)。\n\n"
            : sites + " は " + f.from_path + " 回線から " + to +
                  " に切り替わりました (回線切替)。\n\n";
  b += "通知: " + n.incident_id + "\n";
  b += "拠点: " + sites + "\n";
  b += "切替元回線: " + f.from_path + "\n";
  b += "切替先回線: " + to + "\n";
  b += "発生時刻: " + format_jst_minute(n.started_at) + " (" + format_utc_second(n.started_at) +
       ")\n";
  if (back && n.recovered_at) {
    b += "復帰時刻: " + format_jst_minute(*n.recovered_at) + " (" +
         format_utc_second(*n.recovered_at) + ")\n";
    b += "継続時間: " + format_duration(*n.recovered_at - n.started_at, kLang) + "\n";
  } else {
    b += "継続時間: 継続中\n";
  }
  b += "\n-- \npathwatch (このメールは自動送信です)\n";
  return m;
}

}  // namespace

MessageText render_ja(const Notification& n) {
  if (n.budget) return render_budget(n, *n.budget);
  if (n.line_switch) return render_line_switch(n);
  const std::string services = join_services(n, kLang);
  MessageText m;
  m.subject = "[pathwatch] " + subject_word(n) + ": " + services;
  if (n.kind == NotificationKind::kRecovered) {
    if (n.recovered_at) {
      m.subject += " (継続時間 " + format_duration(*n.recovered_at - n.started_at, kLang) + ")";
    }
  } else {
    const std::string cause = cause_text(n.verdict, kLang);
    m.subject += " — 原因候補: " + (cause.empty() ? std::string("切り分け中") : cause);
  }

  std::string& b = m.body;
  b += headline(n, services) + "\n\n";
  b += "インシデント: " + n.incident_id + "\n";
  b += "サービス: " + services + "\n";
  b += "影響拠点: " + join_sites(n, kLang) + "\n";
  b += "発生時刻: " + format_jst_minute(n.started_at) + " (" + format_utc_second(n.started_at) +
       ")\n";
  if (n.kind == NotificationKind::kUpdated) {
    b += "更新時刻: " + format_jst_minute(n.at) + " (" + format_utc_second(n.at) + ")\n";
  }
  if (n.kind == NotificationKind::kRecovered && n.recovered_at) {
    b += "復旧時刻: " + format_jst_minute(*n.recovered_at) + " (" +
         format_utc_second(*n.recovered_at) + ")\n";
    b += "継続時間: " + format_duration(*n.recovered_at - n.started_at, kLang) + "\n";
  }
  b += "\n";
  causes_block(n.verdict, b);
  if (n.previous) {
    const std::string before = cause_text(*n.previous, kLang);
    b += "前回の原因候補: " + (before.empty() ? std::string("切り分け中") : before) + "\n";
  }
  if (!n.failovers.empty()) {
    b += "\n回線切替:\n";
    for (const auto& f : n.failovers) {
      b += "  " + format_jst_minute(f.at) + " " + f.site + ": " + f.from_path + " → " + f.to_path +
           "\n";
    }
  }
  if (!n.verdict.evidence_ja.empty()) {
    b += "\n根拠 (切り分け結果):\n";
    for (const auto& line : n.verdict.evidence_ja) b += "  " + line + "\n";
  }
  b += "\n-- \npathwatch (このメールは自動送信です)\n";
  return m;
}

}  // namespace pathwatch::collector::notify::templates
