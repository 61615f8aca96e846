// Alert rules over the incident tracker's evaluations and the window summaries: decides which
// notifications to send, one thread (incident id) per condition, a recovery notice when it
// ends, and nothing while nothing changes. Pure: evaluations and rows in, notifications out.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "collector/alert/alert_config.hpp"
#include "collector/incident/incident_tracker.hpp"
#include "collector/isolation/verdict.hpp"
#include "collector/notify/notification.hpp"
#include "collector/store/records.hpp"

namespace pathwatch::collector::alert {

class AlertEngine {
 public:
  explicit AlertEngine(AlertConfig config) : config_(std::move(config)) {}

  // Service incidents (opened/updated/closed), failovers, flapping and paths down longer
  // than the limit. `verdict` (the tracker's current one) explains path and failover alerts.
  // `mono` is the collector's monotonic clock at this evaluation (see on_clock).
  std::vector<notify::Notification> on_evaluation(const incident::Evaluation& evaluation,
                                                  const isolation::Verdict* verdict,
                                                  shared::MonoNanos mono);
  // The backstop of settling when data time stops (the fault cut the collector off from the
  // agents, the store fails): a held incident message also goes once it has waited `settle`
  // + kDataStallGrace by the collector's monotonic clock (a wall-clock step moves neither).
  std::vector<notify::Notification> on_clock(shared::MonoNanos mono);
  static constexpr shared::Nanos kDataStallGrace = std::chrono::seconds{5};
  // After a restart: the incident the store still holds open. Announced, its thread goes on
  // from its current verdict; not yet announced (the collector stopped while the opened
  // message was held), the opened message is held again and goes when settled.
  void resume(const incident::Incident& incident, shared::MonoNanos mono);
  // Loss and latency over their limits, per flow.
  std::vector<notify::Notification> on_window(const StoredWindow& window);
  // The share of a service's monthly error budget used so far (0-100+), from availability;
  // `burned` and `budget` (time) go into the message when known.
  std::vector<notify::Notification> on_budget(const std::string& service,
                                              std::chrono::year_month month, double burned_percent,
                                              shared::UtcNanos at, shared::Nanos burned = {},
                                              shared::Nanos budget = {});

  // The rules and limits: the monitor feeds on_budget only when that rule is on.
  const AlertConfig& config() const { return config_; }

  // Everything the rules remember (open threads, what each last said, held messages, recent
  // switches, budget months already announced) as one JSON document, kept in the store
  // beside the notification outbox so a restart goes on where it stopped
  // (alert_engine_state.cpp). restore_state() replaces the state; held messages wait from
  // `mono` as if just held. Throws std::runtime_error on a document it cannot read.
  // Failovers and windows up to the data time the saved state had seen are not judged again
  // (the monitor reads its look-back again at start), and the threads of rules now turned
  // off are dropped; returns how many.
  std::string save_state() const;
  std::size_t restore_state(const std::string& document, shared::MonoNanos mono);
  // After restore_state: the service incidents as the store has them. A thread whose incident
  // is closed there gets its recovery (the collector stopped between saving the close and
  // keeping the alert state); an open incident without a thread is resumed.
  std::vector<notify::Notification> reconcile(const std::vector<incident::Incident>& stored,
                                              shared::MonoNanos mono);

  // Threads (conditions) open now, by id: for status and tests.
  std::vector<std::string> open_threads() const;

 private:
  struct Thread {
    notify::Notification last;  // what was sent last (kind opened or updated)
    bool sent = true;           // false: the incident's opened message is still held
    // A service incident's change not sent yet: it has not lasted `settle` (the first
    // verdicts of a fault are drafts while the evidence arrives).
    std::optional<notify::Notification> held;
    shared::UtcNanos held_since{};  // data time the held content began
    shared::UtcNanos held_first{};  // data time of the first change not sent yet
    shared::MonoNanos held_mono{};  // the collector's monotonic clock when it began
  };

  notify::Notification open_thread(const std::string& id, notify::FaultNature fault,
                                   shared::UtcNanos started, shared::UtcNanos at);
  std::optional<notify::Notification> close_thread(const std::string& id, shared::UtcNanos at);
  // A service incident's opened/updated message: held while its verdict settles.
  void hold(notify::Notification n, shared::UtcNanos at, shared::MonoNanos mono);
  // The held messages that have lasted `settle` by data time `at`, or changed for
  // kMaxSettles x `settle` without lasting that long.
  void release_settled(shared::UtcNanos at, std::vector<notify::Notification>& out);
  static void send_held(Thread& thread, shared::UtcNanos at,
                        std::vector<notify::Notification>& out);
  // A service incident's end: its held opening if it never went, then the recovery.
  void close_incident(const incident::Incident& inc, shared::UtcNanos at,
                      std::vector<notify::Notification>& out);
  std::size_t drop_disabled_threads();

  AlertConfig config_;
  std::map<std::string, Thread> threads_;
  std::map<std::string, std::string> path_threads_;               // "agent/path" -> thread id
  std::map<std::string, std::string> failover_threads_;           // site -> thread id
  std::map<std::string, std::deque<shared::UtcNanos>> switches_;  // site -> recent switches
  std::map<std::string, std::string> flap_threads_;               // site -> thread id
  std::map<std::string, std::string> loss_threads_;               // flow -> thread id
  std::map<std::string, std::string> latency_threads_;            // flow -> thread id
  std::set<std::string> budget_sent_;                             // "service/YYYY-MM"
  shared::UtcNanos seen_through_{};    // the newest data time judged (kept in the state)
  shared::UtcNanos replayed_until_{};  // seen_through_ of the state restored at start
};

}  // namespace pathwatch::collector::alert
