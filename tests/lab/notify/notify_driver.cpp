// Test driver for the receiver tests: sends notifications described in JSON through the real
// collector/notify code (config parser, SMTP and webhook channels, delivery worker) and prints
// one JSON line per delivery with its final status.
//
//   notify_driver CONFIG.yaml NOTIFICATIONS.json [WAIT_SECONDS]
//
// CONFIG.yaml holds a `notify:` section's content at its root. NOTIFICATIONS.json is an array
// of objects (times in Unix seconds; every field but incident_id optional):
//   {"kind": "opened|updated|recovered", "fault": "down|degraded", "incident_id": "INC-1",
//    "at": 0, "started_at": 0, "recovered_at": 0, "services": [{"name","label","label_en"}],
//    "sites": [...], "causes": [[{"segment","label","label_en","owner","owner_label",
//    "owner_label_en","email","phone","notes"}]], "conclusive": true,
//    "evidence_ja": ["..."], "evidence_en": ["..."],
//    "failovers": [{"at": 0, "site": "...", "from": "primary", "to": "backup"}]}
// Exit: 0 every delivery sent, 1 some not, 2 configuration error (message on stderr).
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "collector/notify/delivery_worker.hpp"
#include "collector/notify/notify_channels.hpp"
#include "collector/notify/notify_config.hpp"
#include "shared/config/config_error.hpp"

namespace notify = pathwatch::collector::notify;
namespace shared = pathwatch::shared;
using nlohmann::json;

namespace {

shared::UtcNanos seconds_at(const json& j, const char* key) {
  return shared::UtcNanos{std::chrono::seconds(j.value(key, std::int64_t{0}))};
}

std::vector<notify::NamedItem> named(const json& j, const char* key) {
  std::vector<notify::NamedItem> out;
  for (const auto& i : j.value(key, json::array())) {
    out.push_back({i.value("name", ""), i.value("label", ""), i.value("label_en", "")});
  }
  return out;
}

notify::Notification notification_of(const json& j) {
  notify::Notification n;
  const std::string kind = j.value("kind", "opened");
  n.kind = kind == "recovered" ? notify::NotificationKind::kRecovered
           : kind == "updated" ? notify::NotificationKind::kUpdated
                               : notify::NotificationKind::kOpened;
  n.fault = j.value("fault", "down") == "degraded" ? notify::FaultNature::kDegraded
                                                   : notify::FaultNature::kDown;
  n.incident_id = j.at("incident_id").get<std::string>();
  n.at = seconds_at(j, "at");
  n.started_at = seconds_at(j, "started_at");
  if (j.contains("recovered_at")) n.recovered_at = seconds_at(j, "recovered_at");
  n.services = named(j, "services");
  n.sites = named(j, "sites");
  for (const auto& cause : j.value("causes", json::array())) {
    notify::Cause c;
    for (const auto& s : cause) {
      c.alternatives.push_back({s.value("segment", ""), s.value("label", ""),
                                s.value("label_en", ""), s.value("owner", ""),
                                s.value("owner_label", ""), s.value("owner_label_en", ""),
                                s.value("email", ""), s.value("phone", ""), s.value("notes", "")});
    }
    n.verdict.causes.push_back(std::move(c));
  }
  n.verdict.conclusive = j.value("conclusive", false);
  n.verdict.evidence_ja = j.value("evidence_ja", std::vector<std::string>{});
  n.verdict.evidence_en = j.value("evidence_en", std::vector<std::string>{});
  for (const auto& f : j.value("failovers", json::array())) {
    n.failovers.push_back(
        {seconds_at(f, "at"), f.value("site", ""), f.value("from", ""), f.value("to", "")});
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: notify_driver CONFIG.yaml NOTIFICATIONS.json [WAIT_SECONDS]\n";
    return 2;
  }
  notify::NotifyConfig config;
  try {
    config = notify::parse_notify_config(shared::ConfigNode::load_file(argv[1]));
  } catch (const shared::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  std::ifstream in(argv[2]);
  const json input = json::parse(in);
  const int wait_seconds = argc > 3 ? std::stoi(argv[3]) : 30;

  shared::SystemClock clock;
  notify::DeliveryWorker worker(notify::make_notifiers(config, clock), config.retry,
                                config.queue_capacity, clock);
  worker.start();
  std::vector<std::uint64_t> ids;
  for (const auto& j : input) ids.push_back(worker.submit(notification_of(j)));
  const bool idle = worker.wait_idle(std::chrono::seconds(wait_seconds));
  worker.stop();

  bool all_sent = idle;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    for (const auto& s : worker.status(ids[i])) {
      all_sent = all_sent && s.state == notify::DeliveryState::kSent;
      std::cout << json{{"notification", i},
                        {"incident_id", s.incident_id},
                        {"kind", notify::to_string(s.kind)},
                        {"channel", s.channel},
                        {"state", notify::to_string(s.state)},
                        {"attempts", s.attempts},
                        {"error", s.last_error}}
                       .dump()
                << "\n";
    }
  }
  const auto c = worker.counters();
  std::cout << json{{"counters",
                     {{"enqueued", c.enqueued},
                      {"attempts", c.attempts},
                      {"retries", c.retries},
                      {"sent", c.sent},
                      {"failed", c.failed},
                      {"dropped_updates", c.dropped_updates},
                      {"dropped_other", c.dropped_other},
                      {"pending", c.pending}}}}
                   .dump()
            << std::endl;
  return all_sent ? 0 : 1;
}
