// Which window end-states a timeline needs, decided as rows arrive. The kept set holds every
// window whose state differs from its predecessor's (the flow's previous point, window or state
// change) or that starts after its predecessor, whatever order points arrive in: a point newer
// than the flow's newest is compared with that one; a late point is kept itself and makes its
// successor's predecessor change, so the successor is checked again against it. (A point can
// only become kept later through a new predecessor, and that predecessor arrives late.)
#include "collector/store/sqlite_timeline_points.hpp"

#include <algorithm>

namespace pathwatch::collector::sqlite {
namespace {

int normalised(PathState s) {
  return static_cast<int>(s == PathState::kUnspecified ? PathState::kUnknown : s);
}

bool before(std::int64_t at_a, int change_a, std::int64_t at_b, int change_b) {
  return at_a != at_b ? at_a < at_b : change_a < change_b;
}

}  // namespace

TimelinePointWriter::TimelinePointWriter(Connection& db) : db_(db) {
  insert_ = std::make_unique<Statement>(
      db_, "INSERT OR IGNORE INTO timeline_points (at, flow, state) VALUES (?, ?, ?)");
  select_latest_ = std::make_unique<Statement>(
      db_, "SELECT latest_at, latest_state FROM flows WHERE id = ? AND latest_at IS NOT NULL");
  // The earliest window ending in (?4, ?3]: every such window starts at or after ?2 = ?4 minus
  // the longest window, so the start index bounds the scan.
  next_window_ = std::make_unique<Statement>(
      db_,
      "SELECT end, start, state FROM windows WHERE start >= ?2 AND start <= ?3 AND flow = ?1 "
      "AND end > ?4 AND end <= ?3 ORDER BY end LIMIT 1");
  next_change_ = std::make_unique<Statement>(db_,
                                             "SELECT at, to_state FROM state_changes WHERE flow = "
                                             "?1 AND at >= ?2 AND at <= ?3 ORDER BY at LIMIT 1");
  read_max_ =
      std::make_unique<Statement>(db_, "SELECT value FROM meta WHERE key = 'max_window_ns'");
  write_max_ = std::make_unique<Statement>(
      db_, "INSERT OR REPLACE INTO meta (key, value) VALUES ('max_window_ns', ?)");
}

TimelinePointWriter::~TimelinePointWriter() = default;

void TimelinePointWriter::begin() {
  // Another process sharing the file may have stored a longer window.
  if (read_max_->step()) max_window_ = std::max(max_window_, read_max_->column_int(0));
  read_max_->reset();
  max_window_grew_ = false;
}

void TimelinePointWriter::finish() {
  if (!max_window_grew_) return;
  write_max_->bind(1, max_window_).run();
  max_window_grew_ = false;
}

void TimelinePointWriter::rolled_back() {
  latest_.clear();
  max_window_ = 0;
  max_window_grew_ = false;
}

void TimelinePointWriter::window(std::size_t index, std::int64_t flow, std::int64_t start,
                                 std::int64_t end, PathState state) {
  if (end - start > max_window_) {
    max_window_ = end - start;
    max_window_grew_ = true;
  }
  observe(index, flow, Point{end, 0, start, normalised(state)});
}

void TimelinePointWriter::change(std::size_t index, std::int64_t flow, std::int64_t at,
                                 PathState state) {
  observe(index, flow, Point{at, 1, at, normalised(state)});
}

TimelinePointWriter::Latest& TimelinePointWriter::latest(std::size_t index, std::int64_t flow) {
  if (index >= latest_.size()) latest_.resize(index + 1);
  Latest& l = latest_[index];
  if (l.loaded) return l;
  l.loaded = true;
  // The flow's newest point before this process wrote to it. Its kind is not stored: taken as a
  // state change, so a point at the same instant goes the late way (always safe).
  select_latest_->bind(1, flow);
  if (select_latest_->step()) {
    l.known = true;
    const std::int64_t at = select_latest_->column_int(0);
    l.point = Point{at, 1, at, normalised(static_cast<PathState>(select_latest_->column_int(1)))};
  }
  select_latest_->reset();
  return l;
}

void TimelinePointWriter::keep(std::int64_t flow, std::int64_t at, int state) {
  insert_->bind(1, at).bind(2, flow).bind(3, std::int64_t{state}).run();
}

void TimelinePointWriter::observe(std::size_t index, std::int64_t flow, const Point& p) {
  Latest& l = latest(index, flow);
  if (!l.known || before(l.point.at, l.point.change, p.at, p.change)) {
    if (p.change == 0 && (!l.known || l.point.state != p.state || p.start > l.point.at)) {
      keep(flow, p.at, p.state);
    }
    l.known = true;
    l.point = p;
    return;
  }
  // Late: keep it (if a window), and its successor may now need keeping.
  if (p.change == 0) keep(flow, p.at, p.state);
  Point next;
  if (successor(flow, p, l.point.at, next) && next.change == 0 &&
      (next.state != p.state || next.start > p.at)) {
    keep(flow, next.at, next.state);
  }
}

// The flow's first stored point after p (up to `through`, its newest point's time).
bool TimelinePointWriter::successor(std::int64_t flow, const Point& p, std::int64_t through,
                                    Point& out) {
  bool found = false;
  // A state change at p's instant comes after a window there.
  next_change_->bind(1, flow).bind(2, p.change == 0 ? p.at : p.at + 1).bind(3, through);
  if (next_change_->step()) {
    found = true;
    const std::int64_t at = next_change_->column_int(0);
    out = Point{at, 1, at, normalised(static_cast<PathState>(next_change_->column_int(1)))};
  }
  next_change_->reset();
  // A window ending before that change (or at its instant: the window comes first). Searched in
  // growing spans: the flow's next window is normally one window length away.
  const std::int64_t limit = found ? out.at : through;
  const std::int64_t lo = p.at - max_window_;
  std::int64_t span = std::max<std::int64_t>(2 * max_window_, 1'000'000'000);
  for (;;) {
    const std::int64_t hi = std::min(limit, p.at + span);
    if (hi <= p.at) break;
    next_window_->bind(1, flow).bind(2, lo).bind(3, hi).bind(4, p.at);
    if (next_window_->step()) {
      out = Point{next_window_->column_int(0), 0, next_window_->column_int(1),
                  normalised(static_cast<PathState>(next_window_->column_int(2)))};
      next_window_->reset();
      return true;
    }
    next_window_->reset();
    if (hi >= limit) break;
    span *= 4;
  }
  return found;
}

}  // namespace pathwatch::collector::sqlite
