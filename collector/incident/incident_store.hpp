// Where incidents are kept: one row per incident (its JSON document plus the columns queries
// need), upserted on every change. SQLite (a table of its own in the collector's database
// file) and in-memory (tests) implementations.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "collector/incident/incident.hpp"

namespace pathwatch::collector::incident {

// Newest first; `open_only` lists incidents not closed yet.
struct IncidentQuery {
  std::size_t limit = 100;
  bool open_only = false;
};

class IncidentStore {
 public:
  virtual ~IncidentStore() = default;
  // Insert or replace by id. Throws StoreError (collector/store/store.hpp).
  virtual void save(const Incident& incident) = 0;
  virtual std::vector<Incident> list(const IncidentQuery& query) = 0;
  virtual std::optional<Incident> get(const std::string& id) = 0;
};

using IncidentStorePtr = std::unique_ptr<IncidentStore>;

class MemoryIncidentStore final : public IncidentStore {
 public:
  void save(const Incident& incident) override;
  std::vector<Incident> list(const IncidentQuery& query) override;
  std::optional<Incident> get(const std::string& id) override;

 private:
  std::mutex mutex_;
  std::map<std::string, std::string> rows_;  // id -> JSON (what SQLite keeps, too)
};

// Opens the collector's database file with a connection of its own (the ingest writer never
// waits for it) and creates the `incidents` table if missing. Throws StoreError.
IncidentStorePtr open_sqlite_incident_store(const std::string& database,
                                            std::chrono::milliseconds busy_timeout);

}  // namespace pathwatch::collector::incident
