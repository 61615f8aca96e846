// SQLite store: batched commits with prepared statements inside one IMMEDIATE transaction;
// integer ids for agents and flows cached by the writer (dropped on rollback); dedup against
// per-agent ranges of stored seqs, checked and extended once per agent per batch.
#include "collector/store/sqlite_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <unordered_map>

#include "collector/store/flow_cache.hpp"
#include "collector/store/sqlite_schema.hpp"
#include "collector/store/sqlite_statement.hpp"
#include "collector/store/sqlite_timeline_points.hpp"

namespace pathwatch::collector {

using shared::from_unix_nanos;
using shared::to_unix_nanos;
using sqlite::Connection;
using sqlite::Statement;
using sqlite::Transaction;

namespace {

constexpr std::int64_t kHourNs = 3'600'000'000'000;

std::int64_t ns(shared::UtcNanos t) {
  return to_unix_nanos(t);
}
std::int64_t u64(std::uint64_t v) {
  return static_cast<std::int64_t>(v);
}

void configure(Connection& db, const SqliteOptions& options) {
  sqlite3_busy_timeout(db.get(), static_cast<int>(options.busy_timeout.count()));
  db.exec("PRAGMA journal_mode=WAL");
  db.exec(options.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  db.exec("PRAGMA foreign_keys=OFF");
  // Fewer, larger checkpoints (each one fsyncs under FULL): 16k pages of 4 KiB = 64 MiB WAL.
  db.exec("PRAGMA wal_autocheckpoint=16384");
  db.exec("PRAGMA cache_size=-65536");  // 64 MiB page cache
}

std::string join_lines(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += '\n';
    out += s;
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto nl = text.find('\n', pos);
    const auto end = nl == std::string::npos ? text.size() : nl;
    out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// WHERE clauses for a RowFilter; binds in the same order they were written.
struct Where {
  std::string sql;
  std::vector<std::function<void(Statement&, int)>> binds;

  void add(const std::string& clause, std::int64_t v) {
    sql += (sql.empty() ? " WHERE " : " AND ") + clause;
    binds.emplace_back([v](Statement& s, int i) { s.bind(i, v); });
  }
  void add(const std::string& clause, const std::string& v) {
    sql += (sql.empty() ? " WHERE " : " AND ") + clause;
    binds.emplace_back([v](Statement& s, int i) { s.bind(i, v); });
  }
  void bind(Statement& s) const {
    for (std::size_t i = 0; i < binds.size(); ++i) binds[i](s, static_cast<int>(i + 1));
  }
};

// time_from/time_to: column expressions compared with [start, end).
Where where_of(const RowFilter& f, const std::string& time_from, const std::string& time_to,
               bool has_target) {
  Where w;
  w.add(time_to + " >= ?", ns(f.start));
  w.add(time_from + " < ?", ns(f.end));
  if (f.site) w.add("a.site = ?", *f.site);
  if (f.agent_id) w.add("a.agent_id = ?", *f.agent_id);
  if (f.target && has_target) w.add("f.target = ?", *f.target);
  return w;
}

FlowRef flow_from(const Statement& q, int first) {
  // agent_id, site, target, address, path, kind, port
  FlowRef f;
  f.agent_id = q.column_text(first);
  f.site = q.column_text(first + 1);
  f.target = q.column_text(first + 2);
  f.address = q.column_text(first + 3);
  f.path = q.column_text(first + 4);
  f.kind = static_cast<ProbeKind>(q.column_int(first + 5));
  f.port = static_cast<std::uint32_t>(q.column_int(first + 6));
  return f;
}

constexpr const char* kFlowCols = "a.agent_id, a.site, f.target, f.address, f.path, f.kind, f.port";
constexpr const char* kFlowJoin = " JOIN flows f ON f.id = x.flow JOIN agents a ON a.id = f.agent";

}  // namespace

struct SqliteStore::Writer {
  explicit Writer(const SqliteOptions& options) : db(options.path) { configure(db, options); }
  void prepare() {
    begin = std::make_unique<Statement>(db, "BEGIN IMMEDIATE");
    commit = std::make_unique<Statement>(db, "COMMIT");
    insert_agent = std::make_unique<Statement>(
        db,
        "INSERT INTO agents (agent_id, site, first_seen, last_seen, last_received) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (agent_id) DO NOTHING");
    select_agent = std::make_unique<Statement>(db, "SELECT id FROM agents WHERE agent_id = ?");
    update_agent = std::make_unique<Statement>(
        db,
        "UPDATE agents SET site = ?2, first_seen = MIN(first_seen, ?3), "
        "last_seen = MAX(last_seen, ?4), last_received = MAX(last_received, ?5), "
        "last_seq = MAX(last_seq, ?6), through_seq = MAX(through_seq, ?7) WHERE id = ?1");
    update_agent_hello = std::make_unique<Statement>(
        db, "UPDATE agents SET agent_version = ?, hostname = ? WHERE id = ?");
    insert_flow = std::make_unique<Statement>(
        db,
        "INSERT INTO flows (agent, target, address, path, kind, port) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING");
    select_flow = std::make_unique<Statement>(
        db,
        "SELECT id FROM flows WHERE agent = ? AND target = ? AND address = ? AND path = ? AND "
        "kind = ? AND port = ?");
    // ?4 since, ?5 "the batch's first point had this state": keep the stored since when the
    // state did not change; ?6 the point is a state change (it wins a window end at ?3).
    update_flow_latest = std::make_unique<Statement>(
        db,
        "UPDATE flows SET latest_since = CASE WHEN ?5 AND latest_state IS ?2 AND latest_since "
        "IS NOT NULL THEN latest_since ELSE ?4 END, latest_state = ?2, latest_at = ?3 "
        "WHERE id = ?1 AND (latest_at IS NULL OR latest_at < ?3 OR (latest_at = ?3 AND ?6))");
    select_ranges = std::make_unique<Statement>(
        db,
        "SELECT first, last FROM seq_ranges WHERE agent = ? AND first <= ? ORDER BY first DESC");
    delete_range =
        std::make_unique<Statement>(db, "DELETE FROM seq_ranges WHERE agent = ? AND first = ?");
    insert_range = std::make_unique<Statement>(
        db, "INSERT INTO seq_ranges (agent, first, last) VALUES (?,?,?)");
    insert_window = std::make_unique<Statement>(
        db, "INSERT INTO windows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert_state = std::make_unique<Statement>(
        db, "INSERT INTO state_changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert_route = std::make_unique<Statement>(
        db, "INSERT INTO route_changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert_link =
        std::make_unique<Statement>(db, "INSERT INTO link_changes VALUES (?, ?, ?, ?, ?, ?)");
    insert_hello =
        std::make_unique<Statement>(db, "INSERT INTO hellos VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert_drop = std::make_unique<Statement>(
        db, "INSERT INTO drop_reports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert_gap = std::make_unique<Statement>(
        db, "INSERT OR IGNORE INTO gaps (agent, first_seq, last_seq, detected) VALUES (?,?,?,?)");
    upsert_session = std::make_unique<Statement>(
        db,
        "INSERT INTO sessions (agent, first, last) VALUES (?, ?, ?) ON CONFLICT (agent, first) "
        "DO UPDATE SET last = MAX(last, excluded.last)");
    delete_session =
        std::make_unique<Statement>(db, "DELETE FROM sessions WHERE agent = ? AND first = ?");
    timeline = std::make_unique<sqlite::TimelinePointWriter>(db);
  }

  std::int64_t agent_ref(const std::string& agent_id, const std::string& site,
                         shared::UtcNanos seen, shared::UtcNanos received) {
    if (auto it = agents.find(agent_id); it != agents.end()) return it->second;
    insert_agent->bind(1, agent_id).bind(2, site).bind(3, ns(seen)).bind(4, ns(seen));
    insert_agent->bind(5, ns(received)).run();
    select_agent->bind(1, agent_id);
    if (!select_agent->step()) throw StoreError("agent row vanished");
    const auto id = select_agent->column_int(0);
    select_agent->reset();
    agents.emplace(agent_id, id);
    return id;
  }

  // The flow's dense index in flow_cache (its flows.id is flow_cache.entry(index).id).
  std::size_t flow_ref(std::int64_t agent, const FlowRef& f) {
    // Hot path (once per window): one probe into the cache, no key string built.
    const std::uint64_t hash = FlowCache::hash_of(agent, f);
    if (const auto index = flow_cache.find(agent, f, hash); index != FlowCache::kNotFound) {
      return index;
    }
    for (Statement* s : {insert_flow.get(), select_flow.get()}) {
      s->bind(1, agent).bind(2, f.target).bind(3, f.address).bind(4, f.path);
      s->bind(5, std::int64_t{static_cast<int>(f.kind)}).bind(6, std::int64_t{f.port});
    }
    insert_flow->run();
    if (!select_flow->step()) throw StoreError("flow row vanished");
    const auto id = select_flow->column_int(0);
    select_flow->reset();
    return flow_cache.insert(agent, f, hash, id);
  }

  // Marks `fresh[i]` for the messages (indexes into `batch`, all of agent `agent`) whose seq is
  // neither stored yet nor repeated earlier in the batch, and records their seqs as stored.
  void claim_seqs(std::int64_t agent, const std::vector<StoredMessage>& batch,
                  std::vector<std::size_t>& indexes, std::vector<bool>& fresh) {
    std::sort(indexes.begin(), indexes.end(),
              [&](std::size_t a, std::size_t b) { return batch[a].seq < batch[b].seq; });
    const auto lo = u64(batch[indexes.front()].seq);
    const auto hi = u64(batch[indexes.back()].seq);
    // Stored ranges touching [lo - 1, hi + 1], newest first: disjoint and sorted, so the scan
    // stops at the first one ending below lo - 1.
    ranges_.clear();
    select_ranges->bind(1, agent).bind(2, hi + 1);
    while (select_ranges->step()) {
      const auto first = select_ranges->column_int(0);
      const auto last = select_ranges->column_int(1);
      if (last < lo - 1) break;
      ranges_.emplace_back(first, last);
    }
    select_ranges->reset();
    std::reverse(ranges_.begin(), ranges_.end());
    const std::size_t stored_ranges = ranges_.size();
    old_.assign(ranges_.begin(), ranges_.end());
    std::int64_t previous = -1;
    std::size_t r = 0;
    for (const std::size_t i : indexes) {
      const auto seq = u64(batch[i].seq);
      while (r < stored_ranges && ranges_[r].second < seq) ++r;
      const bool stored = r < stored_ranges && ranges_[r].first <= seq;
      fresh[i] = !stored && seq != previous;
      if (fresh[i]) ranges_.emplace_back(seq, seq);
      previous = seq;
    }
    if (ranges_.size() == stored_ranges) return;  // all duplicates
    // Merge the new seqs into the stored ranges; rewrite only what changed.
    std::sort(ranges_.begin(), ranges_.end());
    merged_.clear();
    for (const auto& x : ranges_) {
      if (!merged_.empty() && x.first <= merged_.back().second + 1) {
        merged_.back().second = std::max(merged_.back().second, x.second);
      } else {
        merged_.push_back(x);
      }
    }
    for (const auto& [first, last] : old_) {
      delete_range->bind(1, agent).bind(2, first).run();
    }
    for (const auto& [first, last] : merged_) {
      insert_range->bind(1, agent).bind(2, first).bind(3, last).run();
    }
  }

  Connection db;
  std::unique_ptr<Statement> begin, commit, insert_agent, select_agent, update_agent,
      update_agent_hello, insert_flow, select_flow, update_flow_latest, select_ranges, delete_range,
      insert_range, insert_window, insert_state, insert_route, insert_link, insert_hello,
      insert_drop, insert_gap, upsert_session, delete_session;
  std::unique_ptr<sqlite::TimelinePointWriter> timeline;  // timeline_points (schema v5)
  std::unordered_map<std::string, std::int64_t> agents;
  FlowCache flow_cache;
  // Latest state per flow within a commit, by the flow's dense index; `latest_touched` lists the
  // indexes set in this commit (`latest_stamp` == `stamp`), so nothing is allocated per row.
  struct Latest {
    std::int64_t at;
    PathState state;
    std::int64_t since;
    bool carried;
    bool change;
  };
  std::vector<Latest> latest;
  std::vector<std::uint64_t> latest_stamp;
  std::vector<std::size_t> latest_touched;
  std::uint64_t stamp = 0;
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges_, old_, merged_;  // claim_seqs' scratch
  std::unordered_map<std::int64_t, std::vector<std::size_t>> by_agent_;       // commit's scratch
};

struct SqliteStore::Reader {
  explicit Reader(const SqliteOptions& options) : db(options.path) {
    sqlite3_busy_timeout(db.get(), static_cast<int>(options.busy_timeout.count()));
  }
  Connection db;
};

SqliteStore::SqliteStore(const SqliteOptions& options, shared::UtcNanos now) {
  writer_ = std::make_unique<Writer>(options);
  sqlite::migrate(writer_->db, sqlite::migrations(), ns(now));
  writer_->prepare();
  reader_ = std::make_unique<Reader>(options);
  // Every 100 virtual machine instructions (well under a microsecond apart; the check is one
  // atomic load): a non-zero return interrupts the statement (SQLITE_INTERRUPT),
  // https://sqlite.org/c3ref/progress_handler.html.
  sqlite3_progress_handler(
      reader_->db.get(), 100,
      [](void* flag) -> int { return static_cast<std::atomic<bool>*>(flag)->load() ? 1 : 0; },
      &api_reads_cancelled_);
  upkeep_reader_ = std::make_unique<Reader>(options);
  retention_chunk_rows_ = std::max<std::size_t>(1, options.retention_chunk_rows);
}

SqliteStore::~SqliteStore() = default;

void SqliteStore::cancel_api_reads() {
  api_reads_cancelled_ = true;
  // Safe from any thread while the connection is open (https://sqlite.org/c3ref/interrupt.html);
  // the store outlives the API server that calls this.
  sqlite3_interrupt(reader_->db.get());
}

int SqliteStore::schema_version() {
  std::lock_guard lock(writer_mutex_);
  return sqlite::schema_version(writer_->db);
}

CommitResult SqliteStore::commit(const CommitBatch& batch) {
  std::lock_guard lock(writer_mutex_);
  Writer& w = *writer_;
  CommitResult result;
  result.stored.assign(batch.messages.size(), false);
  // Latest state per flow within the batch, written once per flow at the end. `carried`: the
  // state has not changed since the batch's first point, so the stored `since` still holds if
  // the stored state is the same. A change wins a window end-state at the same instant.
  ++w.stamp;
  w.latest_touched.clear();
  auto note_latest = [&](std::size_t flow, std::int64_t at, PathState state, bool change) {
    if (flow >= w.latest.size()) {
      w.latest.resize(w.flow_cache.size());
      w.latest_stamp.resize(w.flow_cache.size(), 0);
    }
    Writer::Latest& l = w.latest[flow];
    if (w.latest_stamp[flow] != w.stamp) {
      w.latest_stamp[flow] = w.stamp;
      w.latest_touched.push_back(flow);
      l = Writer::Latest{at, state, at, true, change};
      return;
    }
    if (l.at > at || (l.at == at && !change)) return;
    if (l.state != state) {
      l.since = at;
      l.carried = false;
    }
    l.at = at;
    l.state = state;
    l.change = change;
  };
  try {
    w.begin->run();
    w.timeline->begin();
    // Dedup first, once per agent: which messages are new (schema v2, seq_ranges).
    std::vector<std::int64_t> agent_of(batch.messages.size());
    std::vector<bool> is_new(batch.messages.size(), false);
    for (auto& [agent, indexes] : w.by_agent_) indexes.clear();
    for (std::size_t i = 0; i < batch.messages.size(); ++i) {
      const StoredMessage& m = batch.messages[i];
      agent_of[i] = w.agent_ref(m.agent_id, m.site, m.created, m.received);
      w.by_agent_[agent_of[i]].push_back(i);
    }
    for (auto& [agent, indexes] : w.by_agent_) {
      if (!indexes.empty()) w.claim_seqs(agent, batch.messages, indexes, is_new);
    }
    for (std::size_t i = 0; i < batch.messages.size(); ++i) {
      const StoredMessage& m = batch.messages[i];
      const std::int64_t agent = agent_of[i];
      if (!is_new[i]) {
        ++result.duplicate_count;
        continue;
      }
      result.stored[i] = true;
      ++result.stored_count;
      std::visit(
          [&](const auto& row) {
            using T = std::decay_t<decltype(row)>;
            if constexpr (std::is_same_v<T, StoredWindow>) {
              const auto index = w.flow_ref(agent, row.flow);
              const auto flow = w.flow_cache.entry(index).id;
              Statement& s = *w.insert_window;
              s.bind(1, flow).bind(2, u64(m.seq)).bind(3, ns(row.start)).bind(4, ns(row.end));
              s.bind(5, std::int64_t{row.sent}).bind(6, std::int64_t{row.received});
              s.bind(7, std::int64_t{row.lost}).bind(8, row.rtt_avg_ns).bind(9, row.rtt_p99_ns);
              s.bind(10, std::int64_t{static_cast<int>(row.state)});
              s.bind(11, std::int64_t{row.tcp_ok}).bind(12, std::int64_t{row.tcp_refused});
              s.bind(13, std::int64_t{row.tcp_timeout}).bind(14, std::int64_t{row.tcp_unreachable});
              s.bind(15, std::int64_t{row.tcp_error}).run();
              w.timeline->window(index, flow, ns(row.start), ns(row.end), row.state);
              note_latest(index, ns(row.end), row.state, false);
            } else if constexpr (std::is_same_v<T, StoredStateChange>) {
              const auto index = w.flow_ref(agent, row.flow);
              const auto flow = w.flow_cache.entry(index).id;
              Statement& s = *w.insert_state;
              s.bind(1, flow).bind(2, u64(m.seq)).bind(3, ns(row.at));
              s.bind(4, std::int64_t{static_cast<int>(row.from)});
              s.bind(5, std::int64_t{static_cast<int>(row.to)}).bind(6, row.reason);
              s.bind(7, std::int64_t{row.last_tcp_outcome}).bind(8, row.icmp_router);
              s.bind(9, std::int64_t{row.icmp_type}).bind(10, std::int64_t{row.icmp_code}).run();
              w.timeline->change(index, flow, ns(row.at), row.to);
              note_latest(index, ns(row.at), row.to, true);
            } else if constexpr (std::is_same_v<T, StoredRouteChange>) {
              Statement& s = *w.insert_route;
              s.bind(1, agent).bind(2, u64(m.seq)).bind(3, ns(row.at)).bind(4, row.prefix);
              s.bind(5, row.from_path).bind(6, row.to_path).bind(7, row.out_interface);
              s.bind(8, row.gateway).bind(9, std::int64_t{row.source}).run();
            } else if constexpr (std::is_same_v<T, StoredLinkChange>) {
              Statement& s = *w.insert_link;
              s.bind(1, agent).bind(2, u64(m.seq)).bind(3, ns(row.at)).bind(4, row.interface);
              s.bind(5, row.path).bind(6, std::int64_t{row.oper_up ? 1 : 0}).run();
            } else if constexpr (std::is_same_v<T, StoredHello>) {
              Statement& s = *w.insert_hello;
              s.bind(1, agent).bind(2, u64(m.seq)).bind(3, ns(row.at)).bind(4, row.agent_version);
              s.bind(5, row.hostname).bind(6, ns(row.started)).bind(7, row.window_ns);
              s.bind(8, std::int64_t{row.paths}).bind(9, std::int64_t{row.targets}).run();
              w.update_agent_hello->bind(1, row.agent_version).bind(2, row.hostname);
              w.update_agent_hello->bind(3, agent).run();
            } else if constexpr (std::is_same_v<T, StoredDropReport>) {
              Statement& s = *w.insert_drop;
              s.bind(1, agent).bind(2, u64(m.seq)).bind(3, ns(row.at));
              s.bind(4, u64(row.dropped_summaries)).bind(5, u64(row.dropped_events));
              s.bind(6, u64(row.first_dropped_seq)).bind(7, u64(row.last_dropped_seq));
              s.bind(8, ns(row.first_dropped)).bind(9, ns(row.last_dropped)).run();
            }
            // StoredHeartbeat: only the agent's last-seen times move (below).
          },
          m.body);
    }
    for (const auto& g : batch.gaps) {
      const auto agent = w.agent_ref(g.agent_id, g.site, g.detected, g.detected);
      w.insert_gap->bind(1, agent).bind(2, u64(g.first_seq)).bind(3, u64(g.last_seq));
      w.insert_gap->bind(4, ns(g.detected)).run();
    }
    for (const auto& s : batch.sessions_removed) {
      const auto agent = w.agent_ref(s.agent_id, s.site, s.first, s.last);
      w.delete_session->bind(1, agent).bind(2, ns(s.first)).run();
    }
    for (const auto& s : batch.sessions) {
      const auto agent = w.agent_ref(s.agent_id, s.site, s.first, s.last);
      w.upsert_session->bind(1, agent).bind(2, ns(s.first)).bind(3, ns(s.last)).run();
    }
    for (const auto& a : batch.agents) {
      const auto agent = w.agent_ref(a.agent_id, a.site, a.first_seen, a.last_received);
      Statement& s = *w.update_agent;
      s.bind(1, agent).bind(2, a.site).bind(3, ns(a.first_seen)).bind(4, ns(a.last_seen));
      s.bind(5, ns(a.last_received)).bind(6, u64(a.last_seq)).bind(7, u64(a.through_seq)).run();
    }
    for (const std::size_t index : w.latest_touched) {
      const Writer::Latest& l = w.latest[index];
      Statement& s = *w.update_flow_latest;
      s.bind(1, w.flow_cache.entry(index).id)
          .bind(2, std::int64_t{static_cast<int>(l.state)})
          .bind(3, l.at);
      s.bind(4, l.since).bind(5, std::int64_t{l.carried ? 1 : 0});
      s.bind(6, std::int64_t{l.change ? 1 : 0}).run();
    }
    w.timeline->finish();
    w.commit->run();
    result.ok = true;
  } catch (const StoreError& e) {
    sqlite3_exec(w.db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    // Ids handed out inside the rolled-back transaction no longer exist.
    w.by_agent_.clear();
    w.agents.clear();
    w.flow_cache.clear();
    w.latest.clear();
    w.latest_stamp.clear();
    w.timeline->rolled_back();
    result = CommitResult{};
    result.error = e.what();
  }
  return result;
}

std::vector<AgentSummary> SqliteStore::agents() {
  std::lock_guard lock(reader_mutex_);
  Statement q(reader_->db,
              "SELECT agent_id, site, first_seen, last_seen, last_received, last_seq, "
              "through_seq, agent_version, hostname FROM agents ORDER BY site, agent_id");
  std::vector<AgentSummary> out;
  while (q.step()) {
    AgentSummary a;
    a.agent_id = q.column_text(0);
    a.site = q.column_text(1);
    a.first_seen = from_unix_nanos(q.column_int(2));
    a.last_seen = from_unix_nanos(q.column_int(3));
    a.last_received = from_unix_nanos(q.column_int(4));
    a.last_seq = static_cast<std::uint64_t>(q.column_int(5));
    a.through_seq = static_cast<std::uint64_t>(q.column_int(6));
    a.agent_version = q.column_text(7);
    a.hostname = q.column_text(8);
    out.push_back(std::move(a));
  }
  return out;
}

namespace {
std::vector<AgentSession> read_sessions(Statement& q) {
  std::vector<AgentSession> out;
  while (q.step()) {
    out.push_back(AgentSession{q.column_text(0), q.column_text(1), from_unix_nanos(q.column_int(2)),
                               from_unix_nanos(q.column_int(3))});
  }
  return out;
}
}  // namespace

std::vector<AgentSession> SqliteStore::latest_sessions() {
  std::lock_guard lock(reader_mutex_);
  Statement q(reader_->db,
              "SELECT a.agent_id, a.site, s.first, s.last FROM sessions s JOIN agents a ON a.id = "
              "s.agent WHERE s.first = (SELECT MAX(first) FROM sessions t WHERE t.agent = "
              "s.agent) ORDER BY a.agent_id");
  return read_sessions(q);
}

std::vector<AgentSession> SqliteStore::sessions(const RowFilter& filter) {
  std::lock_guard lock(reader_mutex_);
  const Where w = where_of(filter, "x.first", "x.last", false);
  Statement q(reader_->db,
              "SELECT a.agent_id, a.site, x.first, x.last FROM sessions x JOIN "
              "agents a ON a.id = x.agent" +
                  w.sql + " ORDER BY x.first, a.agent_id");
  w.bind(q);
  return read_sessions(q);
}

std::vector<StoredWindow> SqliteStore::windows(const RowFilter& filter) {
  std::lock_guard lock(reader_mutex_);
  const Where w = where_of(filter, "x.start", "x.start", true);
  Statement q(reader_->db,
              fmt::format("SELECT {}, x.seq, x.start, x.end, x.sent, x.received, x.lost, "
                          "x.rtt_avg, x.rtt_p99, x.state, x.tcp_ok, x.tcp_refused, x.tcp_timeout, "
                          "x.tcp_unreachable, x.tcp_error FROM windows x{}{} ORDER BY x.start, "
                          "x.flow",
                          kFlowCols, kFlowJoin, w.sql));
  w.bind(q);
  std::vector<StoredWindow> out;
  while (q.step()) {
    StoredWindow r;
    r.flow = flow_from(q, 0);
    r.seq = static_cast<std::uint64_t>(q.column_int(7));
    r.start = from_unix_nanos(q.column_int(8));
    r.end = from_unix_nanos(q.column_int(9));
    r.sent = static_cast<std::uint32_t>(q.column_int(10));
    r.received = static_cast<std::uint32_t>(q.column_int(11));
    r.lost = static_cast<std::uint32_t>(q.column_int(12));
    r.rtt_avg_ns = q.column_int(13);
    r.rtt_p99_ns = q.column_int(14);
    r.state = static_cast<PathState>(q.column_int(15));
    r.tcp_ok = static_cast<std::uint32_t>(q.column_int(16));
    r.tcp_refused = static_cast<std::uint32_t>(q.column_int(17));
    r.tcp_timeout = static_cast<std::uint32_t>(q.column_int(18));
    r.tcp_unreachable = static_cast<std::uint32_t>(q.column_int(19));
    r.tcp_error = static_cast<std::uint32_t>(q.column_int(20));
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<StoredWindow> SqliteStore::timeline_windows(const RowFilter& filter) {
  std::lock_guard lock(reader_mutex_);
  const Where w = where_of(filter, "x.at", "x.at", true);
  Statement q(
      reader_->db,
      fmt::format("SELECT {}, x.at, x.state FROM timeline_points x{}{} ORDER BY x.at, x.flow",
                  kFlowCols, kFlowJoin, w.sql));
  w.bind(q);
  std::vector<StoredWindow> out;
  // Each flow's point in force at the range's start: its last kept point or state change
  // before it, whichever is later (one index seek per flow in each table).
  {
    Where fw;
    if (filter.site) fw.add("a.site = ?", *filter.site);
    if (filter.agent_id) fw.add("a.agent_id = ?", *filter.agent_id);
    if (filter.target) fw.add("f.target = ?", *filter.target);
    Statement b(reader_->db,
                fmt::format("SELECT {}, p.at, p.state, c.at, c.to_state FROM flows f JOIN agents a "
                            "ON a.id = f.agent LEFT JOIN timeline_points p ON p.flow = f.id AND "
                            "p.at = (SELECT MAX(at) FROM timeline_points WHERE flow = f.id AND at "
                            "< ?1) LEFT JOIN state_changes c ON c.rowid = (SELECT rowid FROM "
                            "state_changes WHERE flow = f.id AND at < ?1 ORDER BY at DESC, rowid "
                            "DESC LIMIT 1){}",
                            kFlowCols, fw.sql));
    // ?1 is the start; the filter's anonymous parameters come after it (2, 3, ...).
    b.bind(1, ns(filter.start));
    for (std::size_t i = 0; i < fw.binds.size(); ++i) fw.binds[i](b, static_cast<int>(i + 2));
    while (b.step()) {
      const bool has_point = !b.column_is_null(7);
      const bool has_change = !b.column_is_null(9);
      if (!has_point && !has_change) continue;
      // A change wins a window point at the same instant.
      const bool change = has_change && (!has_point || b.column_int(9) >= b.column_int(7));
      StoredWindow r;
      r.flow = flow_from(b, 0);
      r.start = r.end = from_unix_nanos(b.column_int(change ? 9 : 7));
      r.state = static_cast<PathState>(b.column_int(change ? 10 : 8));
      out.push_back(std::move(r));
    }
  }
  while (q.step()) {
    StoredWindow r;
    r.flow = flow_from(q, 0);
    r.start = r.end = from_unix_nanos(q.column_int(7));
    r.state = static_cast<PathState>(q.column_int(8));
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<StoredStateChange> SqliteStore::state_changes(const RowFilter& filter) {
  std::lock_guard lock(reader_mutex_);
  const Where w = where_of(filter, "x.at", "x.at", true);
  Statement q(reader_->db,
              fmt::format("SELECT {}, x.seq, x.at, x.from_state, x.to_state, x.reason, "
                          "x.last_tcp_outcome, x.icmp_router, x.icmp_type, x.icmp_code FROM "
                          "state_changes x{}{} ORDER BY x.at, x.flow, x.seq",
                          kFlowCols, kFlowJoin, w.sql));
  w.bind(q);
  std::vector<StoredStateChange> out;
  while (q.step()) {
    StoredStateChange r;
    r.flow = flow_from(q, 0);
    r.seq = static_cast<std::uint64_t>(q.column_int(7));
    r.at = from_unix_nanos(q.column_int(8));
    r.from = static_cast<PathState>(q.column_int(9));
    r.to = static_cast<PathState>(q.column_int(10));
    r.reason = q.column_text(11);
    r.last_tcp_outcome = static_cast<std::uint8_t>(q.column_int(12));
    r.icmp_router = q.column_text(13);
    r.icmp_type = static_cast<std::uint8_t>(q.column_int(14));
    r.icmp_code = static_cast<std::uint8_t>(q.column_int(15));
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<StoredRouteChange> SqliteStore::route_changes(const RowFilter& filter) {
  std::lock_guard lock(reader_mutex_);
  const Where w = where_of(filter, "x.at", "x.at", false);
  Statement q(reader_->db,
              "SELECT a.agent_id, a.site, x.seq, x.at, x.prefix, x.from_path, x.to_path, "
              "x.out_interface, x.gateway, x.source FROM route_changes x JOIN agents a ON a.id = "
              "x.agent" +
                  w.sql + " ORDER BY x.at, a.agent_id, x.seq");
  w.bind(q);
  std::vector<StoredRouteChange> out;
  while (q.step()) {
    StoredRouteChange r;
    r.agent_id = q.column_text(0);
    r.site = q.column_text(1);
    r.seq = static_cast<std::uint64_t>(q.column_int(2));
    r.at = from_unix_nanos(q.column_int(3));
    r.prefix = q.column_text(4);
    r.from_path = q.column_text(5);
    r.to_path = q.column_text(6);
    r.out_interface = q.column_text(7);
    r.gateway = q.column_text(8);
    r.source = static_cast<std::uint8_t>(q.column_int(9));
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<StoredLinkChange> SqliteStore::link_changes(const RowFilter& filter) {
  std::lock_guard lock(reader_mutex_);
  const Where w = where_of(filter, "x.at", "x.at", false);
  Statement q(reader_->db,
              "SELECT a.agent_id, a.site, x.seq, x.at, x.interface, x.path, x.oper_up FROM "
              "link_changes x JOIN agents a ON a.id = x.agent" +
                  w.sql + " ORDER BY x.at, a.agent_id, x.seq");
  w.bind(q);
  std::vector<StoredLinkChange> out;
  while (q.step()) {
    StoredLinkChange r;
    r.agent_id = q.column_text(0);
    r.site = q.column_text(1);
    r.seq = static_cast<std::uint64_t>(q.column_int(2));
    r.at = from_unix_nanos(q.column_int(3));
    r.interface = q.column_text(4);
    r.path = q.column_text(5);
    r.oper_up = q.column_int(6) != 0;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<StoredHello> SqliteStore::hellos(const RowFilter& filter) {
  std::lock_guard lock(reader_mutex_);
  const Where w = where_of(filter, "x.at", "x.at", false);
  Statement q(reader_->db,
              "SELECT a.agent_id, a.site, x.seq, x.at, x.agent_version, x.hostname, x.started, "
              "x.window_ns, x.paths, x.targets FROM hellos x JOIN agents a ON a.id = x.agent" +
                  w.sql + " ORDER BY x.at, a.agent_id, x.seq");
  w.bind(q);
  std::vector<StoredHello> out;
  while (q.step()) {
    StoredHello r;
    r.agent_id = q.column_text(0);
    r.site = q.column_text(1);
    r.seq = static_cast<std::uint64_t>(q.column_int(2));
    r.at = from_unix_nanos(q.column_int(3));
    r.agent_version = q.column_text(4);
    r.hostname = q.column_text(5);
    r.started = from_unix_nanos(q.column_int(6));
    r.window_ns = q.column_int(7);
    r.paths = static_cast<std::uint32_t>(q.column_int(8));
    r.targets = static_cast<std::uint32_t>(q.column_int(9));
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<StoredDropReport> SqliteStore::drop_reports(const RowFilter& filter) {
  std::lock_guard lock(reader_mutex_);
  const Where w = where_of(filter, "x.at", "x.at", false);
  Statement q(reader_->db,
              "SELECT a.agent_id, a.site, x.seq, x.at, x.dropped_summaries, x.dropped_events, "
              "x.first_dropped_seq, x.last_dropped_seq, x.first_dropped, x.last_dropped FROM "
              "drop_reports x JOIN agents a ON a.id = x.agent" +
                  w.sql + " ORDER BY x.at, a.agent_id, x.seq");
  w.bind(q);
  std::vector<StoredDropReport> out;
  while (q.step()) {
    StoredDropReport r;
    r.agent_id = q.column_text(0);
    r.site = q.column_text(1);
    r.seq = static_cast<std::uint64_t>(q.column_int(2));
    r.at = from_unix_nanos(q.column_int(3));
    r.dropped_summaries = static_cast<std::uint64_t>(q.column_int(4));
    r.dropped_events = static_cast<std::uint64_t>(q.column_int(5));
    r.first_dropped_seq = static_cast<std::uint64_t>(q.column_int(6));
    r.last_dropped_seq = static_cast<std::uint64_t>(q.column_int(7));
    r.first_dropped = from_unix_nanos(q.column_int(8));
    r.last_dropped = from_unix_nanos(q.column_int(9));
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<StoredGap> SqliteStore::gaps(const RowFilter& filter) {
  std::lock_guard lock(reader_mutex_);
  const Where w = where_of(filter, "x.detected", "x.detected", false);
  Statement q(reader_->db,
              "SELECT a.agent_id, a.site, x.first_seq, x.last_seq, x.detected FROM gaps x JOIN "
              "agents a ON a.id = x.agent" +
                  w.sql + " ORDER BY x.detected, a.agent_id, x.first_seq");
  w.bind(q);
  std::vector<StoredGap> out;
  while (q.step()) {
    out.push_back(
        StoredGap{q.column_text(0), q.column_text(1), static_cast<std::uint64_t>(q.column_int(2)),
                  static_cast<std::uint64_t>(q.column_int(3)), from_unix_nanos(q.column_int(4))});
  }
  return out;
}

std::vector<FlowLatest> SqliteStore::latest_flow_states() {
  std::lock_guard lock(reader_mutex_);
  Statement q(
      reader_->db,
      fmt::format("SELECT {}, f.latest_state, f.latest_at, f.latest_since FROM flows f JOIN "
                  "agents a ON a.id = f.agent WHERE f.latest_at IS NOT NULL "
                  "ORDER BY a.site, a.agent_id, f.target, f.path, f.kind, "
                  "f.port, f.address",
                  kFlowCols));
  std::vector<FlowLatest> out;
  while (q.step()) {
    out.push_back(FlowLatest{flow_from(q, 0), static_cast<PathState>(q.column_int(7)),
                             from_unix_nanos(q.column_int(8)), from_unix_nanos(q.column_int(9))});
  }
  return out;
}

std::vector<HourlyWindow> SqliteStore::hourly_windows(const RowFilter& filter) {
  std::lock_guard lock(reader_mutex_);
  const Where w = where_of(filter, "x.hour", "x.hour", true);
  Statement q(reader_->db,
              fmt::format("SELECT {}, x.hour, x.windows, x.sent, x.received, x.lost, x.rtt_avg, "
                          "x.rtt_max_p99, x.windows_down, x.windows_degraded FROM windows_hourly "
                          "x{}{} ORDER BY x.hour, x.flow",
                          kFlowCols, kFlowJoin, w.sql));
  w.bind(q);
  std::vector<HourlyWindow> out;
  while (q.step()) {
    HourlyWindow r;
    r.flow = flow_from(q, 0);
    r.hour = from_unix_nanos(q.column_int(7));
    r.windows = static_cast<std::uint32_t>(q.column_int(8));
    r.sent = static_cast<std::uint64_t>(q.column_int(9));
    r.received = static_cast<std::uint64_t>(q.column_int(10));
    r.lost = static_cast<std::uint64_t>(q.column_int(11));
    r.rtt_avg_ns = q.column_int(12);
    r.rtt_max_p99_ns = q.column_int(13);
    r.windows_down = static_cast<std::uint32_t>(q.column_int(14));
    r.windows_degraded = static_cast<std::uint32_t>(q.column_int(15));
    out.push_back(std::move(r));
  }
  return out;
}

bool SqliteStore::contains(const std::string& agent_id, std::uint64_t seq) {
  std::lock_guard lock(reader_mutex_);
  Statement q(reader_->db,
              "SELECT r.last >= ?2 FROM seq_ranges r JOIN agents a ON a.id = r.agent WHERE "
              "a.agent_id = ?1 AND r.first <= ?2 ORDER BY r.first DESC LIMIT 1");
  q.bind(1, agent_id).bind(2, u64(seq));
  return q.step() && q.column_int(0) != 0;
}

std::int64_t SqliteStore::add_maintenance(const MaintenanceRecord& record) {
  std::lock_guard lock(writer_mutex_);
  Statement q(writer_->db, "INSERT INTO maintenance (start, end, services, note) VALUES (?,?,?,?)");
  q.bind(1, ns(record.start)).bind(2, ns(record.end)).bind(3, join_lines(record.services));
  q.bind(4, record.note).run();
  return writer_->db.last_insert_rowid();
}

std::vector<MaintenanceRecord> SqliteStore::maintenance() {
  std::lock_guard lock(reader_mutex_);
  Statement q(reader_->db,
              "SELECT id, start, end, services, note FROM maintenance ORDER BY start, id");
  std::vector<MaintenanceRecord> out;
  while (q.step()) {
    out.push_back(MaintenanceRecord{q.column_int(0), from_unix_nanos(q.column_int(1)),
                                    from_unix_nanos(q.column_int(2)), split_lines(q.column_text(3)),
                                    q.column_text(4)});
  }
  return out;
}

bool SqliteStore::remove_maintenance(std::int64_t id) {
  std::lock_guard lock(writer_mutex_);
  Statement q(writer_->db, "DELETE FROM maintenance WHERE id = ?");
  q.bind(1, id).run();
  return writer_->db.changes() > 0;
}

std::int64_t SqliteStore::add_audit(const AuditRecord& r) {
  std::lock_guard lock(writer_mutex_);
  Statement q(writer_->db,
              "INSERT INTO audit (at, who, role, via, peer, method, route, summary, status, "
              "result) VALUES (?,?,?,?,?,?,?,?,?,?)");
  q.bind(1, ns(r.at)).bind(2, r.who).bind(3, r.role).bind(4, r.via).bind(5, r.peer);
  q.bind(6, r.method).bind(7, r.route).bind(8, r.summary).bind(9, std::int64_t{r.status});
  q.bind(10, r.result).run();
  return writer_->db.last_insert_rowid();
}

std::vector<AuditRecord> SqliteStore::audit_records(shared::UtcNanos since, std::size_t limit) {
  std::lock_guard lock(reader_mutex_);
  Statement q(reader_->db,
              "SELECT id, at, who, role, via, peer, method, route, summary, status, result "
              "FROM audit WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?");
  q.bind(1, ns(since)).bind(2, static_cast<std::int64_t>(limit));
  std::vector<AuditRecord> out;
  while (q.step()) {
    out.push_back(AuditRecord{q.column_int(0), from_unix_nanos(q.column_int(1)), q.column_text(2),
                              q.column_text(3), q.column_text(4), q.column_text(5),
                              q.column_text(6), q.column_text(7), q.column_text(8),
                              static_cast<int>(q.column_int(9)), q.column_text(10)});
  }
  return out;
}

// Short transactions throughout: the roll-up reads an hour's aggregates on the upkeep reader
// (no lock held on the writer) and writes them in one small transaction; each prune deletes
// at most retention_chunk_rows rows per transaction. The commit thread takes the writer between
// any two chunks. The outcome equals one big transaction's: a crash in between leaves only
// work the next run redoes (roll-ups are INSERT OR REPLACE, prunes are idempotent, and
// `rolled_through` moves only after every hour up to it was rolled).
RetentionResult SqliteStore::apply_retention(const RetentionPolicy& policy, shared::UtcNanos now) {
  std::lock_guard upkeep(upkeep_mutex_);
  RetentionResult result;
  const std::int64_t now_ns = ns(now);
  const std::int64_t hour_now = now_ns / kHourNs * kHourNs;
  const auto chunk = static_cast<std::int64_t>(retention_chunk_rows_);
  Connection& rdb = upkeep_reader_->db;
  // One writer transaction, holding writer_mutex_ only for its own duration.
  auto write = [&](const std::function<void(Connection&)>& body) {
    std::lock_guard lock(writer_mutex_);
    Connection& db = writer_->db;
    Transaction tx(db);
    body(db);
    tx.commit();
  };

  std::int64_t rolled = 0;
  {
    Statement q(rdb, "SELECT value FROM meta WHERE key = 'rolled_through'");
    if (q.step()) rolled = q.column_int(0);
  }
  // Recompute the last day again as well: spooled windows arrive late. Hours without windows
  // are skipped (the next hour to roll is the one holding the next window).
  struct Hourly {
    std::int64_t flow, windows, sent, received, lost, rtt_avg, rtt_max_p99, down, degraded;
  };
  std::vector<Hourly> rows;
  Statement next_start(rdb, "SELECT MIN(start) FROM windows WHERE start >= ? AND start < ?");
  Statement aggregate(rdb,
                      "SELECT flow, COUNT(*), SUM(sent), SUM(received), SUM(lost), CASE WHEN "
                      "SUM(received) > 0 THEN SUM(rtt_avg * received) / SUM(received) ELSE 0 END, "
                      "MAX(rtt_p99), SUM(state = 4), SUM(state = 3) FROM windows WHERE start >= ? "
                      "AND start < ? GROUP BY flow");
  std::int64_t hour = std::max<std::int64_t>(0, rolled - 24 * kHourNs);
  for (;;) {
    next_start.bind(1, hour).bind(2, hour_now);
    const bool any = next_start.step() && !next_start.column_is_null(0);
    const std::int64_t first = any ? next_start.column_int(0) : 0;
    next_start.reset();
    if (!any) break;
    hour = first / kHourNs * kHourNs;
    rows.clear();
    aggregate.bind(1, hour).bind(2, hour + kHourNs);
    while (aggregate.step()) {
      rows.push_back({aggregate.column_int(0), aggregate.column_int(1), aggregate.column_int(2),
                      aggregate.column_int(3), aggregate.column_int(4), aggregate.column_int(5),
                      aggregate.column_int(6), aggregate.column_int(7), aggregate.column_int(8)});
    }
    aggregate.reset();
    write([&](Connection& db) {
      Statement ins(db, "INSERT OR REPLACE INTO windows_hourly VALUES (?,?,?,?,?,?,?,?,?,?)");
      for (const auto& r : rows) {
        ins.bind(1, r.flow).bind(2, hour).bind(3, r.windows).bind(4, r.sent);
        ins.bind(5, r.received).bind(6, r.lost).bind(7, r.rtt_avg).bind(8, r.rtt_max_p99);
        ins.bind(9, r.down).bind(10, r.degraded).run();
      }
    });
    result.hours_rolled_up += rows.size();
    hour += kHourNs;
  }
  write([&](Connection& db) {
    Statement q(db, "INSERT OR REPLACE INTO meta (key, value) VALUES ('rolled_through', ?)");
    q.bind(1, std::max(rolled, hour_now)).run();
  });

  // `sql` deletes at most ?2 rows older than ?1; repeated until a chunk comes back short.
  auto prune = [&](const char* sql, std::int64_t cutoff) {
    std::size_t total = 0;
    for (;;) {
      std::int64_t changed = 0;
      write([&](Connection& db) {
        Statement q(db, sql);
        q.bind(1, cutoff).bind(2, chunk).run();
        changed = db.changes();
      });
      total += static_cast<std::size_t>(changed);
      if (changed < chunk) return total;
    }
  };
  if (policy.raw.count() > 0) {
    // Whole hours only, so every pruned hour was rolled up complete.
    const std::int64_t cutoff = (now_ns - policy.raw.count()) / kHourNs * kHourNs;
    result.windows_pruned = prune(
        "DELETE FROM windows WHERE rowid IN (SELECT rowid FROM windows WHERE start < ?1 LIMIT ?2)",
        cutoff);
  }
  if (policy.hourly.count() > 0) {
    result.hourly_pruned = prune(
        "DELETE FROM windows_hourly WHERE (flow, hour) IN (SELECT flow, hour FROM windows_hourly "
        "WHERE hour < ?1 LIMIT ?2)",
        now_ns - policy.hourly.count());
  }
  if (policy.events.count() > 0) {
    const std::int64_t cutoff = now_ns - policy.events.count();
    for (const char* sql :
         {"DELETE FROM state_changes WHERE rowid IN (SELECT rowid FROM state_changes WHERE at < ?1 "
          "LIMIT ?2)",
          "DELETE FROM route_changes WHERE rowid IN (SELECT rowid FROM route_changes WHERE at < ?1 "
          "LIMIT ?2)",
          "DELETE FROM link_changes WHERE rowid IN (SELECT rowid FROM link_changes WHERE at < ?1 "
          "LIMIT ?2)",
          "DELETE FROM hellos WHERE rowid IN (SELECT rowid FROM hellos WHERE at < ?1 LIMIT ?2)",
          "DELETE FROM drop_reports WHERE rowid IN (SELECT rowid FROM drop_reports WHERE at < ?1 "
          "LIMIT ?2)",
          "DELETE FROM gaps WHERE (agent, first_seq) IN (SELECT agent, first_seq FROM gaps WHERE "
          "detected < ?1 LIMIT ?2)",
          "DELETE FROM sessions WHERE (agent, first) IN (SELECT agent, first FROM sessions WHERE "
          "last < ?1 LIMIT ?2)",
          // Kept as long as the state changes they complete (a few rows per change), not only
          // as long as the raw windows: timelines stay whole after the windows are pruned.
          "DELETE FROM timeline_points WHERE (at, flow) IN (SELECT at, flow FROM timeline_points "
          "WHERE at < ?1 LIMIT ?2)"}) {
      result.events_pruned += prune(sql, cutoff);
    }
    // Dedup ranges (seq_ranges) are kept: a few rows per agent, and they must outlive the data.
  }
  return result;
}

}  // namespace pathwatch::collector
