#include "collector/notify/message_text.hpp"

namespace pathwatch::collector::notify {
namespace {

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

std::string join_named(const std::vector<NamedItem>& items, Language language) {
  std::vector<std::string> names;
  for (const auto& i : items) names.push_back(display_name(i, language));
  return join(names, language == Language::kJa ? "、" : ", ");
}

}  // namespace

MessageText render_message(const Notification& notification, Language language) {
  return language == Language::kJa ? templates::render_ja(notification)
                                   : templates::render_en(notification);
}

std::string join_services(const Notification& n, Language language) {
  if (n.services.empty()) return language == Language::kJa ? "(サービス未特定)" : "(no service)";
  return join_named(n.services, language);
}

std::string join_sites(const Notification& n, Language language) {
  if (n.sites.empty()) return language == Language::kJa ? "(拠点未特定)" : "(no site)";
  return join_named(n.sites, language);
}

std::string cause_text(const VerdictSummary& verdict, Language language) {
  std::vector<std::string> causes;
  for (const auto& cause : verdict.causes) {
    std::vector<std::string> alternatives;
    for (const auto& s : cause.alternatives) {
      alternatives.push_back(segment_label(s, language) + " (" + owner_label(s, language) + ")");
    }
    causes.push_back(join(alternatives, language == Language::kJa ? " または " : " or "));
  }
  return join(causes, " + ");
}

std::string contact_text(const SuspectSegment& s) {
  std::vector<std::string> parts;
  for (const auto* p : {&s.email, &s.phone, &s.notes}) {
    if (!p->empty()) parts.push_back(*p);
  }
  return join(parts, " / ");
}

}  // namespace pathwatch::collector::notify
