// An in-memory store with the same behaviour as SQLite (passes the same typed test suite):
// for unit tests of ingest and the API, and for replaying synthetic data quickly.
#pragma once

#include <map>
#include <mutex>
#include <set>

#include "collector/store/store.hpp"

namespace pathwatch::collector {

class MemoryStore final : public Store {
 public:
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

  // Tests: the next commit fails (as a full disk would), storing nothing.
  void fail_next_commit(std::string error) { fail_next_ = std::move(error); }

 private:
  struct FlowEntry {
    FlowRef ref;  // site is taken from the agent at query time
    std::optional<FlowLatest> latest;
  };
  std::size_t flow_index(const FlowRef& f);
  FlowRef flow_with_site(std::size_t index) const;

  std::mutex mutex_;
  std::string fail_next_;
  std::map<std::string, AgentSummary> agents_;
  std::map<std::string, std::set<std::uint64_t>> messages_;  // agent -> seqs
  std::map<std::pair<std::string, std::uint64_t>, std::int64_t> message_created_;
  std::vector<FlowEntry> flows_;
  std::vector<std::pair<std::size_t, StoredWindow>> windows_;
  std::vector<std::pair<std::size_t, StoredStateChange>> state_changes_;
  std::vector<StoredRouteChange> route_changes_;
  std::vector<StoredLinkChange> link_changes_;
  std::vector<StoredHello> hellos_;
  std::vector<StoredDropReport> drop_reports_;
  std::map<std::pair<std::string, std::uint64_t>, StoredGap> gaps_;
  std::map<std::pair<std::string, std::int64_t>, AgentSession> sessions_;
  std::map<std::pair<std::size_t, std::int64_t>, HourlyWindow> hourly_;
  std::map<std::int64_t, MaintenanceRecord> maintenance_;
  std::int64_t next_maintenance_id_ = 1;
  std::vector<AuditRecord> audit_;  // in insertion order; ids are 1-based positions
  std::int64_t rolled_through_ = 0;
};

}  // namespace pathwatch::collector
