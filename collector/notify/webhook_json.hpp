// The JSON a webhook receives for one notification: machine-readable fields (incident,
// kind, services, sites, suspected segment, owner, contact, times in UTC and JST) plus the
// rendered subject/text and the evidence lines in the channel's language. Pure.
#pragma once

#include <string>

#include "collector/notify/notification.hpp"

namespace pathwatch::collector::notify {

// Schema 1 (docs/notifications.md). Compact JSON, UTF-8.
std::string webhook_payload(const Notification& notification, Language language);

}  // namespace pathwatch::collector::notify
