// AlertEngine's saved state: the JSON document IncidentMonitor keeps with each tick's
// notifications (NotificationOutbox), read back at start.
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "collector/alert/alert_engine.hpp"
#include "collector/notify/notification_json.hpp"

namespace pathwatch::collector::alert {

using Json = nlohmann::json;

namespace {

// Bumped when a field changes meaning; an unknown version is refused (and the collector
// starts its threads afresh from the open incident, as before the state was kept).
constexpr int kStateVersion = 1;

std::int64_t nanos(shared::UtcNanos t) {
  return shared::to_unix_nanos(t);
}

}  // namespace

std::string AlertEngine::save_state() const {
  Json threads = Json::array();
  for (const auto& [id, th] : threads_) {
    threads.push_back(Json{{"id", id},
                           {"last", notify::notification_json(th.last)},
                           {"sent", th.sent},
                           {"held", th.held ? notify::notification_json(*th.held) : Json(nullptr)},
                           {"held_since", nanos(th.held_since)},
                           {"held_first", nanos(th.held_first)}});
  }
  Json switches = Json::object();
  for (const auto& [site, times] : switches_) {
    Json list = Json::array();
    for (const auto t : times) list.push_back(nanos(t));
    switches[site] = std::move(list);
  }
  const Json j{{"version", kStateVersion},
               {"threads", std::move(threads)},
               {"path_threads", path_threads_},
               {"failover_threads", failover_threads_},
               {"flap_threads", flap_threads_},
               {"loss_threads", loss_threads_},
               {"latency_threads", latency_threads_},
               {"switches", std::move(switches)},
               {"budget_sent", budget_sent_},
               {"seen_through", nanos(seen_through_)}};
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::size_t AlertEngine::restore_state(const std::string& document, shared::MonoNanos mono) {
  try {
    const Json j = Json::parse(document);
    if (j.at("version").get<int>() != kStateVersion) {
      throw std::runtime_error("alert state: unknown version " + j.at("version").dump());
    }
    std::map<std::string, Thread> threads;
    for (const auto& t : j.at("threads")) {
      Thread th;
      th.last = notify::notification_from_json(t.at("last"));
      th.sent = t.at("sent").get<bool>();
      if (!t.at("held").is_null()) th.held = notify::notification_from_json(t.at("held"));
      th.held_since = shared::from_unix_nanos(t.at("held_since").get<std::int64_t>());
      th.held_first = shared::from_unix_nanos(t.at("held_first").get<std::int64_t>());
      th.held_mono = mono;  // the old run's monotonic clock means nothing now
      threads.emplace(t.at("id").get<std::string>(), std::move(th));
    }
    std::map<std::string, std::deque<shared::UtcNanos>> switches;
    for (const auto& [site, times] : j.at("switches").items()) {
      auto& list = switches[site];
      for (const auto& t : times) list.push_back(shared::from_unix_nanos(t.get<std::int64_t>()));
    }
    using Ids = std::map<std::string, std::string>;
    // Parsed whole before anything is replaced: a bad document leaves the engine as it was.
    auto path_threads = j.at("path_threads").get<Ids>();
    auto failover_threads = j.at("failover_threads").get<Ids>();
    auto flap_threads = j.at("flap_threads").get<Ids>();
    auto loss_threads = j.at("loss_threads").get<Ids>();
    auto latency_threads = j.at("latency_threads").get<Ids>();
    auto budget_sent = j.at("budget_sent").get<std::set<std::string>>();
    const auto seen = shared::from_unix_nanos(j.at("seen_through").get<std::int64_t>());
    threads_ = std::move(threads);
    switches_ = std::move(switches);
    path_threads_ = std::move(path_threads);
    failover_threads_ = std::move(failover_threads);
    flap_threads_ = std::move(flap_threads);
    loss_threads_ = std::move(loss_threads);
    latency_threads_ = std::move(latency_threads);
    budget_sent_ = std::move(budget_sent);
    seen_through_ = replayed_until_ = seen;
  } catch (const Json::exception& e) {
    throw std::runtime_error(std::string{"alert state: malformed JSON: "} + e.what());
  }
  return drop_disabled_threads();
}

std::size_t AlertEngine::drop_disabled_threads() {
  std::size_t dropped = 0;
  auto drop = [&](std::map<std::string, std::string>& ids, bool rule_on) {
    if (rule_on) return;
    for (const auto& [key, id] : ids) dropped += threads_.erase(id);
    ids.clear();
  };
  drop(path_threads_, config_.path_down_after.has_value());
  drop(failover_threads_, config_.failover);
  drop(flap_threads_, config_.flap_switches > 0);
  drop(loss_threads_, config_.loss_over_percent.has_value());
  drop(latency_threads_, config_.latency_over.has_value());
  if (!config_.service_down) {
    // Service incident threads are the ones no rule map names.
    std::set<std::string> named;
    for (const auto* ids :
         {&path_threads_, &failover_threads_, &flap_threads_, &loss_threads_, &latency_threads_}) {
      for (const auto& [key, id] : *ids) named.insert(id);
    }
    dropped += std::erase_if(threads_, [&](const auto& kv) { return !named.count(kv.first); });
  }
  return dropped;
}

}  // namespace pathwatch::collector::alert
