// The durable store's interface: ingest commits batches of accepted messages; the API and the
// analyzers query rows. Implementations: SQLite (embedded default), in-memory (tests); a
// PostgreSQL one can follow. Nothing here assumes one collector process owns the data: the
// store itself drops a second copy of any (agent_id, seq).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "collector/store/records.hpp"
#include "collector/store/stored_message.hpp"

namespace pathwatch::collector {

// Query failures (I/O, corruption). The API turns them into HTTP 500; commit() never throws.
struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Half-open [start, end) of data time, plus optional equality filters.
struct RowFilter {
  shared::UtcNanos start{};
  shared::UtcNanos end{shared::Nanos{INT64_MAX}};
  std::optional<std::string> site;
  std::optional<std::string> agent_id;
  std::optional<std::string> target;  // windows and state changes only
};

// Per-agent facts a batch brings, merged by the store with MIN/MAX (so several collectors can
// write the same agent's row in any order).
struct AgentUpdate {
  std::string agent_id;
  std::string site;
  shared::UtcNanos first_seen{};
  shared::UtcNanos last_seen{};
  shared::UtcNanos last_received{};
  std::uint64_t last_seq = 0;
  std::uint64_t through_seq = 0;
};

struct CommitBatch {
  std::vector<StoredMessage> messages;
  std::vector<StoredGap> gaps;
  std::vector<AgentSession> sessions;          // upserts keyed by (agent_id, first)
  std::vector<AgentSession> sessions_removed;  // keys (agent_id, first) to delete first
  std::vector<AgentUpdate> agents;
};

// The checked result of one commit (one transaction). On failure nothing was stored.
struct CommitResult {
  bool ok = false;
  std::string error;
  std::vector<bool> stored;  // per message: true stored now, false already there (duplicate)
  std::size_t stored_count = 0;
  std::size_t duplicate_count = 0;
};

// How long rows are kept (data time, relative to `now`). Zero = forever.
struct RetentionPolicy {
  shared::Nanos raw{std::chrono::hours{24 * 90}};      // window summaries
  shared::Nanos hourly{std::chrono::hours{24 * 730}};  // hourly roll-ups
  shared::Nanos events{std::chrono::hours{24 * 730}};  // state/route/link changes, sessions…
};

struct RetentionResult {
  std::size_t hours_rolled_up = 0;  // (flow, hour) rows written
  std::size_t windows_pruned = 0;
  std::size_t hourly_pruned = 0;
  std::size_t events_pruned = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Stores a batch in one transaction. Messages whose (agent_id, seq) is already stored are
  // skipped and reported as duplicates. Safe to call from one writer thread while readers
  // query from others.
  virtual CommitResult commit(const CommitBatch& batch) = 0;

  // Queries; throw StoreError. Rows come in data-time order.
  virtual std::vector<AgentSummary> agents() = 0;
  virtual std::vector<AgentSession> latest_sessions() = 0;  // the newest session per agent
  virtual std::vector<AgentSession> sessions(const RowFilter& filter) = 0;  // overlapping
  virtual std::vector<StoredWindow> windows(const RowFilter& filter) = 0;   // by start
  // The window end-states a flow's timeline needs, by end in [start, end): at least every
  // window whose state differs from the flow's point before it (window or state change) or that
  // starts after that point. With the state changes and sessions of the range they build the
  // same timelines as all windows (collector/analysis/flow_timeline.hpp) from a few rows per
  // state change. Plus, for each flow, its point in force at `start`: the last of its kept
  // points and state changes before `start` (however long before: no lookback needed). Rows
  // carry flow, state and start = end = the point's time; counts are zero. By time.
  virtual std::vector<StoredWindow> timeline_windows(const RowFilter& filter) = 0;
  virtual std::vector<StoredStateChange> state_changes(const RowFilter& filter) = 0;
  virtual std::vector<StoredRouteChange> route_changes(const RowFilter& filter) = 0;
  virtual std::vector<StoredLinkChange> link_changes(const RowFilter& filter) = 0;
  virtual std::vector<StoredHello> hellos(const RowFilter& filter) = 0;
  virtual std::vector<StoredDropReport> drop_reports(const RowFilter& filter) = 0;
  virtual std::vector<StoredGap> gaps(const RowFilter& filter) = 0;  // by detected
  virtual std::vector<FlowLatest> latest_flow_states() = 0;
  virtual std::vector<HourlyWindow> hourly_windows(const RowFilter& filter) = 0;  // by hour
  virtual bool contains(const std::string& agent_id, std::uint64_t seq) = 0;

  // Maintenance windows entered through the API.
  virtual std::int64_t add_maintenance(const MaintenanceRecord& record) = 0;
  virtual std::vector<MaintenanceRecord> maintenance() = 0;
  virtual bool remove_maintenance(std::int64_t id) = 0;

  // The API's audit trail of writes: appended, never pruned by retention. Throws StoreError.
  virtual std::int64_t add_audit(const AuditRecord& record) = 0;
  // Records at or after `since`, newest first, at most `limit`.
  virtual std::vector<AuditRecord> audit_records(shared::UtcNanos since, std::size_t limit) = 0;

  // Rolls every complete UTC hour of raw windows that will be pruned (and every complete hour
  // before `now`) into the hourly table, then prunes by the policy. Idempotent.
  virtual RetentionResult apply_retention(const RetentionPolicy& policy, shared::UtcNanos now) = 0;
  // Shutdown: makes the API's reads running now, and every later one, fail fast (StoreError)
  // so the API can stop within its bound (docs/collector.md "API"). Thread-safe; irreversible.
  // Ingest (the writer) and retention are not affected. Stores whose reads are quick ignore it.
  virtual void cancel_api_reads() {}
};

using StorePtr = std::unique_ptr<Store>;

}  // namespace pathwatch::collector
