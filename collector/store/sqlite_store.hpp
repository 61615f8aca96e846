// The embedded store: one SQLite file in WAL mode, a writer connection for ingest, a reader
// connection for the API and one for retention's reads, so queries never wait for a commit (and
// vice versa).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "collector/store/store.hpp"

namespace pathwatch::collector {

struct SqliteOptions {
  std::string path;
  // FULL by default: an ack promises the data survives a power cut, and WAL with NORMAL may
  // lose the last transactions on power loss (it stays consistent). Batching keeps FULL's
  // fsync per commit cheap. NORMAL is for disks whose cache already protects writes.
  bool synchronous_full = true;
  std::chrono::milliseconds busy_timeout{5000};
  // Retention deletes at most this many rows per transaction and rolls up one hour per
  // transaction, releasing the writer in between, so a commit (and its ack) waits at most for
  // one chunk, not for a whole prune (tens of millions of rows at 4,000 flows).
  std::size_t retention_chunk_rows = 20000;
};

class SqliteStore final : public Store {
 public:
  // Opens or creates the file and migrates its schema. Throws StoreError.
  explicit SqliteStore(const SqliteOptions& options, shared::UtcNanos now);
  ~SqliteStore() override;

  CommitResult commit(const CommitBatch& batch) override;
  std::vector<AgentSummary> agents() override;
  std::vector<AgentSession> latest_sessions() override;
  std::vector<AgentSession> sessions(const RowFilter& filter) override;
  std::vector<StoredWindow> windows(const RowFilter& filter) override;
  std::vector<StoredWindow> timeline_windows(const RowFilter& filter) override;
  std::vector<StoredStateChange> state_changes(const RowFilter& filter) override;
  std::vector<StoredRouteChange> route_changes(const RowFilter& filter) override;
  std::vector<StoredLinkChange> link_changes(const RowFilter& filter) override;
  std::vector<StoredHello> hellos(const RowFilter& filter) override;
  std::vector<StoredDropReport> drop_reports(const RowFilter& filter) override;
  std::vector<StoredGap> gaps(const RowFilter& filter) override;
  std::vector<FlowLatest> latest_flow_states() override;
  std::vector<HourlyWindow> hourly_windows(const RowFilter& filter) override;
  bool contains(const std::string& agent_id, std::uint64_t seq) override;
  std::int64_t add_maintenance(const MaintenanceRecord& record) override;
  std::vector<MaintenanceRecord> maintenance() override;
  bool remove_maintenance(std::int64_t id) override;
  std::int64_t add_audit(const AuditRecord& record) override;
  std::vector<AuditRecord> audit_records(shared::UtcNanos since, std::size_t limit) override;
  RetentionResult apply_retention(const RetentionPolicy& policy, shared::UtcNanos now) override;
  // sqlite3_interrupt for the statement running now, and a progress-handler flag for the
  // statements a route starts after it (sqlite3_interrupt alone ends one statement only).
  void cancel_api_reads() override;

  int schema_version();

 private:
  struct Writer;
  struct Reader;
  std::mutex writer_mutex_;
  std::unique_ptr<Writer> writer_;
  std::mutex reader_mutex_;
  std::unique_ptr<Reader> reader_;
  std::atomic<bool> api_reads_cancelled_{false};
  // Retention's own reader (its roll-up aggregates read an hour of windows at a time): the
  // API's reader is never held for it. The mutex also keeps retention runs one at a time.
  std::mutex upkeep_mutex_;
  std::unique_ptr<Reader> upkeep_reader_;
  std::size_t retention_chunk_rows_ = 20000;
};

}  // namespace pathwatch::collector
