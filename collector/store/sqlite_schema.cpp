// Schema v1 of the embedded store. Agents and flows are normalised into integer ids so a window
// row is a handful of integers (the ingest benchmark depends on it); dedup is the primary key
// (agent, seq) of `messages`, so it holds whatever process writes.
#include "collector/store/sqlite_schema.hpp"

#include <fmt/format.h>

#include <array>

#include "collector/store/store.hpp"

namespace pathwatch::collector::sqlite {

namespace {

constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE agents (
  id INTEGER PRIMARY KEY,
  agent_id TEXT NOT NULL UNIQUE,
  site TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  last_received INTEGER NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0,
  through_seq INTEGER NOT NULL DEFAULT 0,
  agent_version TEXT NOT NULL DEFAULT '',
  hostname TEXT NOT NULL DEFAULT ''
);
CREATE TABLE messages (
  agent INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY (agent, seq)
) WITHOUT ROWID;
CREATE TABLE flows (
  id INTEGER PRIMARY KEY,
  agent INTEGER NOT NULL,
  target TEXT NOT NULL,
  address TEXT NOT NULL,
  path TEXT NOT NULL,
  kind INTEGER NOT NULL,
  port INTEGER NOT NULL,
  latest_state INTEGER,
  latest_at INTEGER,
  UNIQUE (agent, target, address, path, kind, port)
);
CREATE TABLE windows (
  flow INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  start INTEGER NOT NULL,
  end INTEGER NOT NULL,
  sent INTEGER NOT NULL,
  received INTEGER NOT NULL,
  lost INTEGER NOT NULL,
  rtt_avg INTEGER NOT NULL,
  rtt_p99 INTEGER NOT NULL,
  state INTEGER NOT NULL,
  tcp_ok INTEGER NOT NULL,
  tcp_refused INTEGER NOT NULL,
  tcp_timeout INTEGER NOT NULL,
  tcp_unreachable INTEGER NOT NULL,
  tcp_error INTEGER NOT NULL
);
CREATE INDEX windows_by_start ON windows (start);
CREATE TABLE state_changes (
  flow INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  from_state INTEGER NOT NULL,
  to_state INTEGER NOT NULL,
  reason TEXT NOT NULL,
  last_tcp_outcome INTEGER NOT NULL,
  icmp_router TEXT NOT NULL,
  icmp_type INTEGER NOT NULL,
  icmp_code INTEGER NOT NULL
);
CREATE INDEX state_changes_by_at ON state_changes (at);
CREATE TABLE route_changes (
  agent INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  prefix TEXT NOT NULL,
  from_path TEXT NOT NULL,
  to_path TEXT NOT NULL,
  out_interface TEXT NOT NULL,
  gateway TEXT NOT NULL,
  source INTEGER NOT NULL
);
CREATE INDEX route_changes_by_at ON route_changes (at);
CREATE TABLE link_changes (
  agent INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  interface TEXT NOT NULL,
  path TEXT NOT NULL,
  oper_up INTEGER NOT NULL
);
CREATE INDEX link_changes_by_at ON link_changes (at);
CREATE TABLE hellos (
  agent INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  agent_version TEXT NOT NULL,
  hostname TEXT NOT NULL,
  started INTEGER NOT NULL,
  window_ns INTEGER NOT NULL,
  paths INTEGER NOT NULL,
  targets INTEGER NOT NULL
);
CREATE TABLE drop_reports (
  agent INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  dropped_summaries INTEGER NOT NULL,
  dropped_events INTEGER NOT NULL,
  first_dropped_seq INTEGER NOT NULL,
  last_dropped_seq INTEGER NOT NULL,
  first_dropped INTEGER NOT NULL,
  last_dropped INTEGER NOT NULL
);
CREATE TABLE gaps (
  agent INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  detected INTEGER NOT NULL,
  PRIMARY KEY (agent, first_seq)
) WITHOUT ROWID;
CREATE TABLE sessions (
  agent INTEGER NOT NULL,
  first INTEGER NOT NULL,
  last INTEGER NOT NULL,
  PRIMARY KEY (agent, first)
) WITHOUT ROWID;
CREATE TABLE windows_hourly (
  flow INTEGER NOT NULL,
  hour INTEGER NOT NULL,
  windows INTEGER NOT NULL,
  sent INTEGER NOT NULL,
  received INTEGER NOT NULL,
  lost INTEGER NOT NULL,
  rtt_avg INTEGER NOT NULL,
  rtt_max_p99 INTEGER NOT NULL,
  windows_down INTEGER NOT NULL,
  windows_degraded INTEGER NOT NULL,
  PRIMARY KEY (flow, hour)
) WITHOUT ROWID;
CREATE TABLE maintenance (
  id INTEGER PRIMARY KEY,
  start INTEGER NOT NULL,
  end INTEGER NOT NULL,
  services TEXT NOT NULL,
  note TEXT NOT NULL
);
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
)sql";

// v2: dedup by per-agent ranges of stored seqs instead of one `messages` row per message. A
// batch checks and extends a few ranges per agent, so a window summary costs one row insert (the
// ingest benchmark's largest cost was the second B-tree insert, at a random position, into
// `messages`). Ranges are tiny, so retention no longer needs to prune dedup keys.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE seq_ranges (
  agent INTEGER NOT NULL,
  first INTEGER NOT NULL,
  last INTEGER NOT NULL,
  PRIMARY KEY (agent, first)
) WITHOUT ROWID;
INSERT INTO seq_ranges
  SELECT agent, MIN(seq), MAX(seq) FROM (
    SELECT agent, seq, seq - ROW_NUMBER() OVER (PARTITION BY agent ORDER BY seq) AS run
    FROM messages)
  GROUP BY agent, run;
DROP TABLE messages;
)sql";

// v3: when each flow entered its latest state (`pathwatchctl status` SINCE). Existing rows get
// the latest state change into that state, else the latest time seen.
constexpr const char* kSchemaV3 = R"sql(
ALTER TABLE flows ADD COLUMN latest_since INTEGER;
UPDATE flows SET latest_since = x.since
  FROM (SELECT flow, to_state, MAX(at) AS since FROM state_changes GROUP BY flow, to_state) AS x
  WHERE x.flow = flows.id AND x.to_state = flows.latest_state;
UPDATE flows SET latest_since = latest_at WHERE latest_since IS NULL AND latest_at IS NOT NULL;
)sql";

// v4: the API's audit trail (docs/security.md "Audit"): one row per write request, kept
// whatever the retention policy says; `at` indexed for GET /v1/audit?since=.
constexpr const char* kSchemaV4 = R"sql(
CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  who TEXT NOT NULL,
  role TEXT NOT NULL,
  via TEXT NOT NULL,
  peer TEXT NOT NULL,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  summary TEXT NOT NULL,
  status INTEGER NOT NULL,
  result TEXT NOT NULL
);
CREATE INDEX audit_by_at ON audit (at);
)sql";

// v5: the window end-states a flow's timeline needs, kept at commit time (issue 16 item 6), so
// availability reads a few rows per state change instead of every window of the month: a
// window's point is kept when its state differs from the flow's point before it (a window or a
// state change) or when it starts after that point (nothing observed in between: it may open a
// new session, where time is unknown until the first observation). With the state changes they
// give the same timelines as all windows (docs/availability.md "Timelines"). Existing windows
// are backfilled here; `max_window_ns` bounds the raw lookups of late points.
constexpr const char* kSchemaV5 = R"sql(
CREATE TABLE timeline_points (
  at INTEGER NOT NULL,
  flow INTEGER NOT NULL,
  state INTEGER NOT NULL,
  PRIMARY KEY (at, flow)
) WITHOUT ROWID;
CREATE INDEX timeline_points_by_flow ON timeline_points (flow, at);
CREATE INDEX state_changes_by_flow ON state_changes (flow, at);
INSERT OR IGNORE INTO timeline_points (at, flow, state)
  SELECT at, flow, state FROM (
    SELECT flow, at, ch, start, state,
           LAG(state) OVER w AS prev_state, LAG(at) OVER w AS prev_at
    FROM (SELECT flow, end AS at, 0 AS ch, start, CASE state WHEN 0 THEN 1 ELSE state END AS state
            FROM windows
          UNION ALL
          SELECT flow, at, 1, at, CASE to_state WHEN 0 THEN 1 ELSE to_state END FROM state_changes)
    WINDOW w AS (PARTITION BY flow ORDER BY at, ch))
  WHERE ch = 0 AND (prev_state IS NULL OR prev_state <> state OR start > prev_at);
INSERT OR REPLACE INTO meta (key, value)
  SELECT 'max_window_ns', COALESCE(MAX(end - start), 0) FROM windows;
)sql";

constexpr std::array kMigrations{Migration{1, kSchemaV1}, Migration{2, kSchemaV2},
                                 Migration{3, kSchemaV3}, Migration{4, kSchemaV4},
                                 Migration{5, kSchemaV5}};

}  // namespace

std::span<const Migration> migrations() {
  return kMigrations;
}
int latest_schema_version() {
  return kMigrations.back().version;
}

int schema_version(Connection& db) {
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, "
      "applied_unix_nanos INTEGER NOT NULL)");
  Statement q(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
  q.step();
  return static_cast<int>(q.column_int(0));
}

void migrate(Connection& db, std::span<const Migration> steps, std::int64_t now_unix_nanos) {
  const int current = schema_version(db);
  const int newest = steps.empty() ? 0 : steps.back().version;
  if (current > newest) {
    throw StoreError(fmt::format(
        "database schema version {} is newer than this build knows ({}): upgrade pathwatch",
        current, newest));
  }
  for (const auto& step : steps) {
    if (step.version <= current) continue;
    Transaction tx(db);
    db.exec(step.sql);
    Statement rec(db, "INSERT INTO schema_version (version, applied_unix_nanos) VALUES (?, ?)");
    rec.bind(1, std::int64_t{step.version}).bind(2, now_unix_nanos).run();
    tx.commit();
  }
}

}  // namespace pathwatch::collector::sqlite
