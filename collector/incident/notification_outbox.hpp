// The notification outbox and the alert rules' saved state, in the collector's database file
// (a connection of its own). Each tick's notifications are written, one pending row per
// channel, in the same transaction as the alert state that decided them, before delivery
// starts; a delivery's end marks its row. At start the alert state is read back and the
// pending rows are delivered again, oldest first, so a restart neither loses a message nor
// opens a thread twice. Delivery is at least once: a message sent just before a crash whose
// end was not yet written goes again.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collector/notify/delivery_queue.hpp"
#include "collector/notify/notification.hpp"

namespace pathwatch::collector::incident {

struct OutboxJob {
  std::uint64_t id = 0;  // row id: the order the notifications were decided in
  std::string channel;   // the channel's key when it was decided (incident_service.cpp)
  shared::UtcNanos decided{};
  notify::Notification notification;
};

class NotificationOutbox {
 public:
  virtual ~NotificationOutbox() = default;
  // One transaction: each notification once per channel (pending), and the alert state after
  // them (kept as is when `alert_state` is nullopt). Returns the row ids, notification by
  // notification, channel by channel. Throws StoreError; nothing is written then.
  virtual std::vector<std::uint64_t> record(const std::vector<notify::Notification>& notifications,
                                            const std::vector<std::string>& channels,
                                            const std::optional<std::string>& alert_state,
                                            shared::UtcNanos now) = 0;
  // Marks rows sent, failed or dropped. Throws StoreError.
  virtual void finish(const std::vector<notify::FinishedJob>& ends, shared::UtcNanos now) = 0;
  // Rows still pending, oldest first. A row it cannot read is marked failed (and logged), not
  // returned. Throws StoreError.
  virtual std::vector<OutboxJob> pending() = 0;
  virtual std::optional<std::string> alert_state() = 0;
  // Deletes ended rows older than `before`; returns how many. Pending rows are never pruned.
  virtual std::size_t prune(shared::UtcNanos before) = 0;
};

using NotificationOutboxPtr = std::unique_ptr<NotificationOutbox>;

// Creates the `notification_outbox` and `alert_state` tables if missing. Throws StoreError.
NotificationOutboxPtr open_sqlite_notification_outbox(const std::string& database,
                                                      std::chrono::milliseconds busy_timeout);

}  // namespace pathwatch::collector::incident
