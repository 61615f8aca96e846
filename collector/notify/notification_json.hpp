// The kept form of a notification: every field, losslessly, as JSON. The notification outbox
// and the alert rules' saved threads use it, so a restart sends exactly what was decided.
// Not the webhook payload (webhook_json.hpp), which is rendered for people and receivers.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "collector/notify/notification.hpp"

namespace pathwatch::collector::notify {

nlohmann::json notification_json(const Notification& n);
// Throws std::runtime_error (with the field) on a document this code did not write.
Notification notification_from_json(const nlohmann::json& j);

// Pieces the incident document shares.
nlohmann::json suspect_json(const SuspectSegment& s);
SuspectSegment suspect_from_json(const nlohmann::json& j);
nlohmann::json verdict_summary_json(const VerdictSummary& v);
VerdictSummary verdict_summary_from_json(const nlohmann::json& j);
nlohmann::json time_json(shared::UtcNanos t);  // {unix_nanos, utc, jst}
shared::UtcNanos time_from_json(const nlohmann::json& j);
FaultNature fault_from_string(const std::string& s);

}  // namespace pathwatch::collector::notify
