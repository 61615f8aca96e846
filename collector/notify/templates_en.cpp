// The English wording of every notification (selected per channel with `language: en`).
// Tests pin the exact text (tests/unit/collector/notify/templates_test.cpp).
#include <cstdio>
#include <string>

#include "collector/notify/message_text.hpp"
#include "collector/notify/time_text.hpp"

namespace pathwatch::collector::notify::templates {
namespace {

constexpr Language kLang = Language::kEn;

std::string headline(const Notification& n, const std::string& services) {
  const bool down = n.fault == FaultNature::kDown;
  switch (n.kind) {
    case NotificationKind::kOpened:
      return services + (down ? " is down." : " is degraded.");
    case NotificationKind::kUpdated:
      return "The fault isolation of the incident on " + services + " has changed.";
    case NotificationKind::kRecovered:
      return services + " has recovered.";
  }
  return "";
}

std::string subject_word(const Notification& n) {
  const bool down = n.fault == FaultNature::kDown;
  switch (n.kind) {
    case NotificationKind::kOpened:
      return down ? "Down" : "Degraded";
    case NotificationKind::kUpdated:
      return down ? "Down (update)" : "Degraded (update)";
    case NotificationKind::kRecovered:
      return "Recovered";
  }
  return "";
}

void causes_block(const VerdictSummary& v, std::string& out) {
  if (v.causes.empty()) {
    out += "Suspected: not isolated yet\n";
    return;
  }
  out += "Suspected:\n";
  for (std::size_t i = 0; i < v.causes.size(); ++i) {
    const auto& alternatives = v.causes[i].alternatives;
    for (std::size_t j = 0; j < alternatives.size(); ++j) {
      const auto& s = alternatives[j];
      std::string prefix = "  ";
      if (v.causes.size() > 1 && j == 0) prefix += "(" + std::to_string(i + 1) + ") ";
      if (j > 0) prefix += "or ";
      out += prefix + segment_label(s, kLang) + " — owner: " + owner_label(s, kLang) + "\n";
      const std::string contact = contact_text(s);
      out += "    contact: " + (contact.empty() ? std::string("(none on file)") : contact) + "\n";
    }
  }
  if (!v.conclusive) out += "  (the evidence cannot single out one explanation)\n";
  if (v.other_explanations > 0) {
    out += "  (" + std::to_string(v.other_explanations) + " more equally good explanation(s))\n";
  }
}

std::string month_text(std::chrono::year_month m) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u", int(m.year()), unsigned(m.month()));
  return buf;
}

std::string percent_text(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%", p);
  return buf;
}

// An SLA budget alert: nothing is failing now, so no suspects; the month's figures instead.
MessageText render_budget(const Notification& n, const BudgetNote& b) {
  const std::string services = join_services(n, kLang);
  const std::string month = month_text(b.month);
  MessageText m;
  m.subject = "[pathwatch] SLA error budget: " + services + " has used " +
              percent_text(b.burned_percent) + " (" + month + ")";
  std::string& t = m.body;
  t += services + " has used " + percent_text(b.burned_percent) + " of its error budget for " +
       month + " (alert at " + percent_text(b.limit_percent) + ").\n\n";
  t += "Alert: " + n.incident_id + "\n";
  t += "Service: " + services + "\n";
  if (b.budget.count() > 0) {
    t += "Used: " + format_duration(b.burned, kLang) + " of the " +
         format_duration(b.budget, kLang) + " the month allows\n";
  }
  t += "As of: " + format_jst_minute(n.at) + " (" + format_utc_second(n.at) + ")\n";
  t += "\nWhen the budget is used up, the month's availability falls below the contract.\n";
  t += "\n-- \npathwatch (automatic message)\n";
  return m;
}

// A failover: which line the site left and which carries it, since when, and for how long.
MessageText render_line_switch(const Notification& n) {
  const std::string sites = join_sites(n, kLang);
  const FailoverNote f = n.failovers.empty() ? FailoverNote{} : n.failovers.front();
  const std::string to = f.to_path.empty() ? std::string("(no route)") : f.to_path;
  const bool back = n.kind == NotificationKind::kRecovered;
  MessageText m;
  m.subject = "[pathwatch] " + std::string(back ? "Failback" : "Failover") + ": " + sites + " " +
              f.from_path + " → " + to;
  if (back && n.recovered_at) {
    m.subject += " (lasted " + format_duration(*n.recovered_at - n.started_at, kLang) + ")";
  }
  std::string& b = m.body;
  b += back ? sites + " is back on the " + f.from_path + " line (failback).\n\n"
            : sites + " failed over from the " + f.from_path + " line to " + to + ".\n\n";
  b += "Thread: " + n.incident_id + "\n";
  b += "Site: " + sites + "\n";
  b += "From line: " + f.from_path + "\n";
  b += "To line: " + to + "\n";
  b += "Started: " + format_jst_minute(n.started_at) + " (" + format_utc_second(n.started_at) +
       ")\n";
  if (back && n.recovered_at) {
    b += "Failed back: " + format_jst_minute(*n.recovered_at) + " (" +
         format_utc_second(*n.recovered_at) + ")\n";
    b += "Duration: " + format_duration(*n.recovered_at - n.started_at, kLang) + "\n";
  } else {
    b += "Duration: ongoing\n";
  }
  b += "\n-- \npathwatch (automatic message)\n";
  return m;
}

}  // namespace

MessageText render_en(const Notification& n) {
  if (n.budget) return render_budget(n, *n.budget);
  if (n.line_switch) return render_line_switch(n);
  const std::string services = join_services(n, kLang);
  MessageText m;
  m.subject = "[pathwatch] " + subject_word(n) + ": " + services;
  if (n.kind == NotificationKind::kRecovered) {
    if (n.recovered_at) {
      m.subject += " (lasted " + format_duration(*n.recovered_at - n.started_at, kLang) + ")";
    }
  } else {
    const std::string cause = cause_text(n.verdict, kLang);
    m.subject += " — suspected: " + (cause.empty() ? std::string("not isolated yet") : cause);
  }

  const auto& evidence =
      n.verdict.evidence_en.empty() ? n.verdict.evidence_ja : n.verdict.evidence_en;
  std::string& b = m.body;
  b += headline(n, services) + "\n\n";
  b += "Incident: " + n.incident_id + "\n";
  b += "Service: " + services + "\n";
  b += "Sites: " + join_sites(n, kLang) + "\n";
  b += "Started: " + format_jst_minute(n.started_at) + " (" + format_utc_second(n.started_at) +
       ")\n";
  if (n.kind == NotificationKind::kUpdated) {
    b += "Updated: " + format_jst_minute(n.at) + " (" + format_utc_second(n.at) + ")\n";
  }
  if (n.kind == NotificationKind::kRecovered && n.recovered_at) {
    b += "Recovered: " + format_jst_minute(*n.recovered_at) + " (" +
         format_utc_second(*n.recovered_at) + ")\n";
    b += "Duration: " + format_duration(*n.recovered_at - n.started_at, kLang) + "\n";
  }
  b += "\n";
  causes_block(n.verdict, b);
  if (n.previous) {
    const std::string before = cause_text(*n.previous, kLang);
    b += "Previously suspected: " + (before.empty() ? std::string("not isolated yet") : before) +
         "\n";
  }
  if (!n.failovers.empty()) {
    b += "\nLine switches:\n";
    for (const auto& f : n.failovers) {
      b += "  " + format_jst_minute(f.at) + " " + f.site + ": " + f.from_path + " → " + f.to_path +
           "\n";
    }
  }
  if (!evidence.empty()) {
    b += "\nEvidence (fault isolation):\n";
    for (const auto& line : evidence) b += "  " + line + "\n";
  }
  b += "\n-- \npathwatch (automatic message)\n";
  return m;
}

}  // namespace pathwatch::collector::notify::templates
