#include "collector/notify/notification.hpp"

namespace pathwatch::collector::notify {
namespace {

const std::string& first_set(const std::string& a, const std::string& b, const std::string& c) {
  if (!a.empty()) return a;
  if (!b.empty()) return b;
  return c;
}

}  // namespace

const char* to_string(NotificationKind kind) {
  switch (kind) {
    case NotificationKind::kOpened:
      return "opened";
    case NotificationKind::kUpdated:
      return "updated";
    case NotificationKind::kRecovered:
      return "recovered";
  }
  return "?";
}

const char* to_string(FaultNature fault) {
  return fault == FaultNature::kDown ? "down" : "degraded";
}

const char* to_string(Language language) {
  return language == Language::kJa ? "ja" : "en";
}

const std::string& display_name(const NamedItem& item, Language language) {
  if (language == Language::kEn) return first_set(item.label_en, item.label, item.name);
  return first_set(item.label, item.name, item.label_en);
}

const std::string& segment_label(const SuspectSegment& s, Language language) {
  if (language == Language::kEn) return first_set(s.label_en, s.label, s.segment);
  return first_set(s.label, s.segment, s.label_en);
}

const std::string& owner_label(const SuspectSegment& s, Language language) {
  if (language == Language::kEn) return first_set(s.owner_label_en, s.owner_label, s.owner);
  return first_set(s.owner_label, s.owner, s.owner_label_en);
}

}  // namespace pathwatch::collector::notify
