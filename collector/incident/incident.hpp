// An incident: services impaired from some vantage point, with the isolation verdict and how
// it changed over time, the sites and line switches involved. Plain data, stored as JSON.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "collector/isolation/verdict.hpp"
#include "collector/notify/notification.hpp"
#include "shared/time/time_types.hpp"

namespace pathwatch::collector::incident {

// The verdict at one instant, reduced to what changes an operator's next call.
struct VerdictPoint {
  shared::UtcNanos at{};
  isolation::ServiceImpact impact = isolation::ServiceImpact::kNotMeasured;
  notify::FaultNature fault = notify::FaultNature::kDown;
  // The best explanation: every cause failed; a cause with several segments is "A or B".
  std::vector<std::vector<std::string>> causes;
  bool conclusive = false;
  // "down: dc-edge or lgcs" / "degraded: main-primary" / "down: not isolated" / "none"
  std::string summary;
  bool nothing_failing = false;  // "none": not "not isolated", which is a failure
  // This verdict went out in an opened/updated message: it lasted alerts.settle (the others
  // are drafts, kept with their time).
  bool settled = false;
  // Same cause, same certainty, same nature: no new history entry, no new notification. A
  // cause's alternatives come likeliest first under loss; their order alone is no change.
  bool same_as(const VerdictPoint& other) const {
    return fault == other.fault && conclusive == other.conclusive &&
           nothing_failing == other.nothing_failing && same_causes(causes, other.causes);
  }
  static bool same_causes(std::vector<std::vector<std::string>> a,
                          std::vector<std::vector<std::string>> b) {
    for (auto& c : a) std::sort(c.begin(), c.end());
    for (auto& c : b) std::sort(c.begin(), c.end());
    return a == b;
  }
};

// A line switch at a site (from route changes, or primary flows down while backup flows work).
struct FailoverRecord {
  shared::UtcNanos at{};
  std::string site;
  std::string agent_id;
  std::string from_path;
  std::string to_path;  // "" = no route left
  bool failback = false;
};

struct Incident {
  std::string id;  // INC-YYYYMMDD-HHMMSS (JST of the opening, data time)
  notify::FaultNature fault = notify::FaultNature::kDown;
  shared::UtcNanos opened{};
  shared::UtcNanos updated{};
  std::optional<shared::UtcNanos> closed;
  std::vector<std::string> services;  // every service impaired during the incident
  std::vector<std::string> sites;     // every site that saw it
  std::vector<VerdictPoint> history;  // oldest first; back() is the current verdict
  std::vector<FailoverRecord> failovers;
  notify::VerdictSummary summary;  // the current verdict for messages (owners, contacts, text)
  std::string verdict_json;        // the current full verdict (isolation::verdict_to_json)
  // Its opened message has gone out (alerts.settle holds it a while): after a restart it is
  // not sent again, or is sent if the collector stopped while it was held.
  bool announced = false;
  // What people were told last: the verdict of the last opened/updated message. A closed
  // incident's headline (summary, causes) is this one; the drafts of its recovery, kept in
  // the history, never replace it. Unset before the first message.
  std::optional<VerdictPoint> notified;
  notify::VerdictSummary notified_summary;
};

// The verdict an opened/updated message carried becomes the incident's notified verdict,
// and the newest history point saying the same is marked settled.
void mark_notified(Incident& incident, const notify::Notification& message);

// What a reader is shown as the verdict: for a closed incident the notified one when there
// is one, else the current one (nullptr: no verdict yet).
const VerdictPoint* headline(const Incident& incident);

// The reduced form of a verdict (the down diagnosis when anything is down, else degraded).
VerdictPoint summarize(const isolation::Verdict& verdict);

// "INC-20261123-140509": the opening's JST civil time (readable by the people who call).
std::string incident_id_for(shared::UtcNanos opened);

// JSON for the store and the API; times as integer UTC nanoseconds plus readable strings.
std::string incident_to_json(const Incident& incident, bool with_verdict = true);
// Throws std::runtime_error when malformed (a store row written by another build).
Incident incident_from_json(const std::string& json);

}  // namespace pathwatch::collector::incident
