// The human text of a notification (subject and body) in Japanese or English. The wording
// lives in one file per language (templates_ja.cpp, templates_en.cpp); shared helpers here.
#pragma once

#include <string>

#include "collector/notify/notification.hpp"

namespace pathwatch::collector::notify {

struct MessageText {
  std::string subject;  // one line, UTF-8
  std::string body;     // UTF-8 lines ending in '\n'
};

MessageText render_message(const Notification& notification, Language language);

// Pieces both templates use (exposed for the webhook JSON and tests).
// "住民記録システム、窓口システム" / "Resident records, Counter system"; empty: placeholder.
std::string join_services(const Notification& n, Language language);
std::string join_sites(const Notification& n, Language language);
// "主回線 (キャリアA)" per alternative joined by " または "/" or ", causes joined by " + ".
// Empty when nothing is isolated.
std::string cause_text(const VerdictSummary& verdict, Language language);
// "noc@carrier-a.example / 0120-000-001 / 回線ID PRI-0001" (only the parts that are set).
std::string contact_text(const SuspectSegment& segment);

namespace templates {
MessageText render_ja(const Notification& notification);
MessageText render_en(const Notification& notification);
}  // namespace templates

}  // namespace pathwatch::collector::notify
