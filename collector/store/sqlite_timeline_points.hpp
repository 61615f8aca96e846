// Keeps `timeline_points` (schema v4) while the writer commits: of all window end-states, the
// few a flow's timeline needs (its state differs from the flow's point before it, or the window
// starts after that point). Availability then reads those and the state changes instead of
// every window of a month (issue 16 item 6). In-order data costs a compare per window; a late
// point (a resend, a backlog) also looks up its successor, whose predecessor it becomes.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "collector/store/records.hpp"
#include "collector/store/sqlite_statement.hpp"

namespace pathwatch::collector::sqlite {

class TimelinePointWriter {
 public:
  explicit TimelinePointWriter(Connection& db);
  ~TimelinePointWriter();

  // Inside the writer's transaction, before its points.
  void begin();
  // One stored point of a flow (`index`: its dense FlowCache index, `flow`: its flows.id), in
  // any order, after its raw row was inserted in the same transaction.
  void window(std::size_t index, std::int64_t flow, std::int64_t start, std::int64_t end,
              PathState state);
  void change(std::size_t index, std::int64_t flow, std::int64_t at, PathState state);
  // Before COMMIT.
  void finish();
  // After a ROLLBACK: what this object remembers may be gone from the file.
  void rolled_back();

 private:
  struct Point {
    std::int64_t at = 0;
    int change = 0;  // 1 a state change (it wins a window end at the same instant), 0 a window
    std::int64_t start = 0;
    int state = 0;
  };
  struct Latest {
    bool loaded = false;
    bool known = false;  // the flow has a point at all
    Point point;
  };
  Latest& latest(std::size_t index, std::int64_t flow);
  void observe(std::size_t index, std::int64_t flow, const Point& p);
  bool successor(std::int64_t flow, const Point& p, std::int64_t through, Point& out);
  void keep(std::int64_t flow, std::int64_t at, int state);

  Connection& db_;
  std::unique_ptr<Statement> insert_, select_latest_, next_window_, next_change_, read_max_,
      write_max_;
  std::vector<Latest> latest_;   // by dense flow index; the flow's newest point stored
  std::int64_t max_window_ = 0;  // the longest window stored: bounds window lookups by start
  bool max_window_grew_ = false;
};

}  // namespace pathwatch::collector::sqlite
