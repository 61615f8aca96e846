// NotificationOutbox in SQLite: rows hold the notification in its kept JSON form.
#include "collector/incident/notification_outbox.hpp"

#include <fmt/format.h>

#include <mutex>

#include "collector/notify/notification_json.hpp"
#include "collector/store/sqlite_statement.hpp"
#include "collector/store/store.hpp"
#include "shared/logging/logging.hpp"

namespace pathwatch::collector::incident {

namespace {

// Like the incidents table: created on first use by the connection that uses it.
constexpr const char* kOutboxSchema = R"sql(
CREATE TABLE IF NOT EXISTS notification_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  thread TEXT NOT NULL,
  kind TEXT NOT NULL,
  channel TEXT NOT NULL,
  document TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  decided INTEGER NOT NULL,
  ended INTEGER
);
CREATE INDEX IF NOT EXISTS notification_outbox_pending
  ON notification_outbox (id) WHERE state = 'pending';
CREATE TABLE IF NOT EXISTS alert_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  saved INTEGER NOT NULL,
  document TEXT NOT NULL
);
)sql";

class SqliteNotificationOutbox final : public NotificationOutbox {
 public:
  SqliteNotificationOutbox(const std::string& database, std::chrono::milliseconds busy_timeout)
      : db_(database) {
    sqlite3_busy_timeout(db_.get(), static_cast<int>(busy_timeout.count()));
    db_.exec("PRAGMA synchronous = FULL");  // a decided notification survives a power cut
    db_.exec(kOutboxSchema);
  }

  std::vector<std::uint64_t> record(const std::vector<notify::Notification>& notifications,
                                    const std::vector<std::string>& channels,
                                    const std::optional<std::string>& alert_state,
                                    shared::UtcNanos now) override {
    std::lock_guard lock(mutex_);
    std::vector<std::uint64_t> ids;
    sqlite::Transaction tx(db_);
    sqlite::Statement insert(db_,
                             "INSERT INTO notification_outbox (thread, kind, channel, document, "
                             "decided) VALUES (?, ?, ?, ?, ?)");
    for (const auto& n : notifications) {
      const std::string document = notify::notification_json(n).dump(
          -1, ' ', false, nlohmann::json::error_handler_t::replace);
      for (const auto& channel : channels) {
        insert.bind(1, n.incident_id)
            .bind(2, notify::to_string(n.kind))
            .bind(3, channel)
            .bind(4, document)
            .bind(5, shared::to_unix_nanos(now))
            .run();
        ids.push_back(static_cast<std::uint64_t>(db_.last_insert_rowid()));
      }
    }
    if (alert_state) {
      sqlite::Statement s(db_,
                          "INSERT INTO alert_state (id, saved, document) VALUES (1, ?, ?) "
                          "ON CONFLICT(id) DO UPDATE SET saved = excluded.saved, "
                          "document = excluded.document");
      s.bind(1, shared::to_unix_nanos(now)).bind(2, *alert_state).run();
    }
    tx.commit();
    return ids;
  }

  void finish(const std::vector<notify::FinishedJob>& ends, shared::UtcNanos now) override {
    std::lock_guard lock(mutex_);
    sqlite::Transaction tx(db_);
    sqlite::Statement s(db_,
                        "UPDATE notification_outbox SET state = ?, attempts = ?, last_error = ?, "
                        "ended = ? WHERE id = ?");
    for (const auto& e : ends) {
      s.bind(1, notify::to_string(e.state))
          .bind(2, std::int64_t{e.attempts})
          .bind(3, e.error)
          .bind(4, shared::to_unix_nanos(now))
          .bind(5, static_cast<std::int64_t>(e.outbox))
          .run();
    }
    tx.commit();
  }

  std::vector<OutboxJob> pending() override {
    std::lock_guard lock(mutex_);
    std::vector<OutboxJob> out;
    std::vector<std::pair<std::int64_t, std::string>> unreadable;
    {
      sqlite::Statement s(db_,
                          "SELECT id, channel, decided, document FROM notification_outbox "
                          "WHERE state = 'pending' ORDER BY id");
      while (s.step()) {
        OutboxJob job;
        job.id = static_cast<std::uint64_t>(s.column_int(0));
        job.channel = s.column_text(1);
        job.decided = shared::from_unix_nanos(s.column_int(2));
        try {
          job.notification =
              notify::notification_from_json(nlohmann::json::parse(s.column_text(3)));
        } catch (const std::exception& e) {
          // One bad row must not hold back every other delivery at every start.
          unreadable.emplace_back(s.column_int(0), e.what());
          continue;
        }
        out.push_back(std::move(job));
      }
    }
    if (!unreadable.empty()) {
      sqlite::Statement u(db_,
                          "UPDATE notification_outbox SET state = 'failed', last_error = ? "
                          "WHERE id = ?");
      for (const auto& [id, why] : unreadable) {
        shared::component_logger("collector.incident")
            ->error("notification outbox row {}: unreadable, given up: {}", id, why);
        u.bind(1, "unreadable: " + why).bind(2, id).run();
      }
    }
    return out;
  }

  std::optional<std::string> alert_state() override {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(db_, "SELECT document FROM alert_state WHERE id = 1");
    if (!s.step()) return std::nullopt;
    return s.column_text(0);
  }

  std::size_t prune(shared::UtcNanos before) override {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(db_,
                        "DELETE FROM notification_outbox WHERE state != 'pending' AND ended < ?");
    s.bind(1, shared::to_unix_nanos(before)).run();
    return static_cast<std::size_t>(db_.changes());
  }

 private:
  std::mutex mutex_;
  sqlite::Connection db_;
};

}  // namespace

NotificationOutboxPtr open_sqlite_notification_outbox(const std::string& database,
                                                      std::chrono::milliseconds busy_timeout) {
  return std::make_unique<SqliteNotificationOutbox>(database, busy_timeout);
}

}  // namespace pathwatch::collector::incident
