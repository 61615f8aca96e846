// What the delivery layer sends: one plain, self-contained notification about an incident
// (opened, updated, recovered) with the cause, its owner and contact, and the evidence.
// Filled by the incident tracker (by hand or from an isolation verdict: verdict_summary.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shared/time/time_types.hpp"

namespace pathwatch::collector::notify {

enum class NotificationKind : std::uint8_t { kOpened, kUpdated, kRecovered };
enum class Language : std::uint8_t { kJa, kEn };
// What the incident is: a service down, or only degraded (loss, delay).
enum class FaultNature : std::uint8_t { kDown, kDegraded };

// A thing with an identifier and display names (service, site).
struct NamedItem {
  std::string name;
  std::string label;     // display name, usually Japanese; empty: name
  std::string label_en;  // English display name; empty: label
};

// One suspected segment and the party to call about it (a copy of the topology's data).
struct SuspectSegment {
  std::string segment;
  std::string label;
  std::string label_en;
  std::string owner;
  std::string owner_label;
  std::string owner_label_en;
  std::string email;
  std::string phone;
  std::string notes;
};

// One failed segment among alternatives the evidence cannot tell apart ("A or B").
struct Cause {
  std::vector<SuspectSegment> alternatives;
};

// The isolation verdict reduced to what a human needs in a message.
struct VerdictSummary {
  std::vector<Cause> causes;  // the best explanation: every cause failed; empty: not isolated
  bool conclusive = false;    // one best explanation, one segment per cause
  std::size_t other_explanations = 0;  // equally good explanations not listed in `causes`
  // The verdict's own lines (collector/isolation/verdict_text) per language; en falls back to ja.
  std::vector<std::string> evidence_ja;
  std::vector<std::string> evidence_en;
};

// A line switch seen during the incident.
struct FailoverNote {
  shared::UtcNanos at{};
  std::string site;  // display text
  std::string from_path;
  std::string to_path;
};

// An SLA error-budget alert (no verdict: nothing has failed now, the month is running out of
// allowed downtime). burned / budget are zero when the caller did not know them.
struct BudgetNote {
  std::chrono::year_month month{};
  double burned_percent = 0;  // of the whole month's error budget
  double limit_percent = 0;   // the rule's threshold
  shared::Nanos burned{};     // time not provided so far
  shared::Nanos budget{};     // (1 - target) x the month's scheduled time
};

struct Notification {
  NotificationKind kind = NotificationKind::kOpened;
  FaultNature fault = FaultNature::kDown;
  std::string incident_id;  // stable for the incident's life: threads the messages
  shared::UtcNanos at{};    // when this notification was decided (from the data)
  std::vector<NamedItem> services;
  std::vector<NamedItem> sites;  // affected sites
  VerdictSummary verdict;
  std::optional<VerdictSummary> previous;  // kUpdated: the verdict before this change
  std::vector<FailoverNote> failovers;
  shared::UtcNanos started_at{};
  std::optional<shared::UtcNanos> recovered_at;  // kRecovered
  std::optional<BudgetNote> budget;              // an SLA budget alert: its own wording
  // A line switch (failover) thread: its own wording ("回線切替" / "failover"), from the first
  // of `failovers` (from-line, to-line), started_at and, once failed back, recovered_at.
  bool line_switch = false;
};

const char* to_string(NotificationKind kind);
const char* to_string(FaultNature fault);
const char* to_string(Language language);

// The display name in a language: label_en, label, then name, whichever is set first.
const std::string& display_name(const NamedItem& item, Language language);
const std::string& segment_label(const SuspectSegment& s, Language language);
const std::string& owner_label(const SuspectSegment& s, Language language);

}  // namespace pathwatch::collector::notify
