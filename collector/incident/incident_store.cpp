// Incident storage: the JSON document per incident, in SQLite or in memory.
#include "collector/incident/incident_store.hpp"

#include <algorithm>

#include "collector/store/sqlite_statement.hpp"
#include "collector/store/store.hpp"

namespace pathwatch::collector::incident {

namespace {

// Additive: a table of its own, created on first use, so the store's migration list (being
// reworked for the ingest hot path) is untouched. Folding it into sqlite_schema's migrations
// later is one CREATE TABLE.
constexpr const char* kIncidentSchema = R"sql(
CREATE TABLE IF NOT EXISTS incidents (
  id TEXT PRIMARY KEY,
  opened INTEGER NOT NULL,
  closed INTEGER,
  document TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_by_opened ON incidents (opened);
)sql";

class SqliteIncidentStore final : public IncidentStore {
 public:
  SqliteIncidentStore(const std::string& database, std::chrono::milliseconds busy_timeout)
      : db_(database) {
    sqlite3_busy_timeout(db_.get(), static_cast<int>(busy_timeout.count()));
    db_.exec(kIncidentSchema);
  }

  void save(const Incident& inc) override {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(db_,
                        "INSERT INTO incidents (id, opened, closed, document) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT(id) DO UPDATE SET opened = excluded.opened, "
                        "closed = excluded.closed, document = excluded.document");
    s.bind(1, inc.id).bind(2, shared::to_unix_nanos(inc.opened));
    if (inc.closed) {
      s.bind(3, shared::to_unix_nanos(*inc.closed));
    } else {
      s.bind_null(3);
    }
    s.bind(4, incident_to_json(inc)).run();
  }

  std::vector<Incident> list(const IncidentQuery& q) override {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(db_, q.open_only ? "SELECT document FROM incidents WHERE closed IS NULL "
                                           "ORDER BY opened DESC, id DESC LIMIT ?"
                                         : "SELECT document FROM incidents "
                                           "ORDER BY opened DESC, id DESC LIMIT ?");
    s.bind(1, static_cast<std::int64_t>(q.limit));
    std::vector<Incident> out;
    while (s.step()) out.push_back(parse(s.column_text(0)));
    return out;
  }

  std::optional<Incident> get(const std::string& id) override {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(db_, "SELECT document FROM incidents WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return parse(s.column_text(0));
  }

 private:
  static Incident parse(const std::string& text) {
    try {
      return incident_from_json(text);
    } catch (const std::runtime_error& e) {
      throw StoreError(e.what());
    }
  }

  std::mutex mutex_;
  sqlite::Connection db_;
};

}  // namespace

void MemoryIncidentStore::save(const Incident& incident) {
  std::lock_guard lock(mutex_);
  rows_[incident.id] = incident_to_json(incident);
}

std::vector<Incident> MemoryIncidentStore::list(const IncidentQuery& q) {
  std::lock_guard lock(mutex_);
  std::vector<Incident> all;
  for (const auto& [id, json] : rows_) {
    Incident inc = incident_from_json(json);
    if (q.open_only && inc.closed) continue;
    all.push_back(std::move(inc));
  }
  std::sort(all.begin(), all.end(), [](const Incident& a, const Incident& b) {
    return a.opened != b.opened ? a.opened > b.opened : a.id > b.id;
  });
  if (all.size() > q.limit) all.resize(q.limit);
  return all;
}

std::optional<Incident> MemoryIncidentStore::get(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = rows_.find(id);
  if (it == rows_.end()) return std::nullopt;
  return incident_from_json(it->second);
}

IncidentStorePtr open_sqlite_incident_store(const std::string& database,
                                            std::chrono::milliseconds busy_timeout) {
  return std::make_unique<SqliteIncidentStore>(database, busy_timeout);
}

}  // namespace pathwatch::collector::incident
