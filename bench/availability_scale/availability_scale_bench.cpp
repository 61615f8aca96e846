// Availability at scale (issue 16 item 6): the services' figures over a JST month computed
// from what the store keeps for timelines (stored_availability: state changes, the timeline's
// window points, sessions) against the same computation from every raw window of the period
// (read_analysis_input, what stored_availability read before; peer), over one SQLite file
// filled through the real SqliteStore::commit. FLOWS flows (10 per agent and site, 5 targets
// × 2 paths) send a window every WINDOW_S seconds for the last HOURS hours of November 2026
// JST, each flow one 60 s outage a day (a state change down and up; the windows agree). Prints
// wall time, rows read and the process's peak RSS after each side (ours first), and checks
// that both sides' figures are equal. One JSON line per figure. `ours`: no peer (a month of
// raw windows for 4,000 flows does not fit in memory here; ours does not depend on the
// window length, only on state changes and sessions).
//   bench_availability_scale [FLOWS] [WINDOW_S] [HOURS] [ours]
#include <fmt/format.h>
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "collector/analysis/flow_timeline.hpp"
#include "collector/analysis/stored_availability.hpp"
#include "collector/store/sqlite_store.hpp"
#include "shared/time/jst.hpp"

using namespace pathwatch;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kFlowsPerAgent = 10;

long peak_rss_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

// The peak RSS from here on (Linux: writing 5 to clear_refs resets VmHWM), after handing the
// fill's freed heap back, so each side's figure is its own.
void reset_peak_rss() {
  malloc_trim(0);
  std::ofstream("/proc/self/clear_refs") << "5";
}

void print(const char* figure, double value, const char* unit) {
  std::printf(
      "{\"bench\":\"availability_scale\",\"figure\":\"%s\",\"value\":%.6g,\"unit\":\"%s\"}\n",
      figure, value, unit);
}

collector::FlowRef flow_of(std::size_t f) {
  const std::size_t a = f / kFlowsPerAgent;
  return collector::FlowRef{fmt::format("agent-{:04}", a),
                            fmt::format("site-{:04}", a),
                            fmt::format("target-{}", (f % kFlowsPerAgent) / 2),
                            "198.18.30.10",
                            f % 2 ? "backup" : "primary",
                            collector::ProbeKind::kIcmp,
                            0};
}

std::size_t fill(collector::SqliteStore& store, collector::Interval data, std::size_t flows,
                 shared::Nanos window) {
  const std::size_t agents = (flows + kFlowsPerAgent - 1) / kFlowsPerAgent;
  std::vector<std::uint64_t> seq(agents, 0);
  std::vector<collector::FlowRef> refs;
  for (std::size_t f = 0; f < flows; ++f) refs.push_back(flow_of(f));
  collector::CommitBatch batch;
  std::size_t rows = 0;
  auto flush = [&] {
    const auto r = store.commit(batch);
    if (!r.ok) throw std::runtime_error("fill: " + r.error);
    rows += batch.messages.size();
    batch = collector::CommitBatch{};
  };
  const shared::Nanos day = 24h;
  for (auto t = data.start; t < data.end; t += window) {
    const auto into_day = (t - data.start) % day;
    for (std::size_t f = 0; f < flows; ++f) {
      const std::size_t a = f / kFlowsPerAgent;
      // Each flow's daily outage: 60 s starting at a flow-specific minute of the day.
      const shared::Nanos outage_at = std::chrono::minutes{static_cast<long>((f * 7) % 1380)};
      const bool down = into_day + window > outage_at && into_day + window <= outage_at + 60s;
      for (const auto edge : {outage_at, outage_at + 60s}) {
        if (edge > into_day && edge <= into_day + window) {
          collector::StoredStateChange c;
          c.flow = refs[f];
          c.seq = ++seq[a];
          c.at = t - into_day + edge;
          c.from = edge == outage_at ? collector::PathState::kUp : collector::PathState::kDown;
          c.to = edge == outage_at ? collector::PathState::kDown : collector::PathState::kUp;
          batch.messages.push_back(
              collector::StoredMessage{refs[f].agent_id, refs[f].site, c.seq, c.at, c.at, c});
        }
      }
      collector::StoredWindow w;
      w.flow = refs[f];
      w.seq = ++seq[a];
      w.start = t;
      w.end = t + window;
      w.sent = 10;
      w.received = down ? 0 : 10;
      w.lost = down ? 10 : 0;
      w.state = down ? collector::PathState::kDown : collector::PathState::kUp;
      batch.messages.push_back(
          collector::StoredMessage{refs[f].agent_id, refs[f].site, w.seq, w.end, w.end, w});
    }
    if (batch.messages.size() >= 20000) flush();
  }
  for (std::size_t a = 0; a < agents; ++a) {
    batch.sessions.push_back(collector::AgentSession{
        fmt::format("agent-{:04}", a), fmt::format("site-{:04}", a), data.start, data.end});
  }
  flush();
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t flows = argc > 1 ? std::stoul(argv[1]) : 4000;
  const shared::Nanos window = std::chrono::seconds{argc > 2 ? std::stol(argv[2]) : 10};
  const long hours = argc > 3 ? std::stol(argv[3]) : 2;
  const bool with_peer = !(argc > 4 && std::string(argv[4]) == "ours");
  const auto m = shared::jst_month(std::chrono::year{2026} / std::chrono::November);
  const collector::Interval month{m.start, m.end};
  const collector::Interval data{month.end - std::chrono::hours{hours}, month.end};
  collector::AnalysisConfig cfg;
  cfg.calendars.emplace("24x7", collector::ServiceCalendar{});
  for (std::size_t a = 0; a * kFlowsPerAgent < flows; ++a) {
    collector::ServiceSpec s;
    s.name = fmt::format("service-{:04}", a);
    for (int t = 0; t < 5; ++t) s.targets.push_back(fmt::format("target-{}", t));
    s.reference_sites = {fmt::format("site-{:04}", a)};
    cfg.services.push_back(s);
  }
  const std::string db = (std::filesystem::temp_directory_path() /
                          ("bench-availability-scale-" + std::to_string(::getpid()) + ".db"))
                             .string();
  int rc = 0;
  try {
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t rows = 0;
    {
      collector::SqliteStore store(collector::SqliteOptions{db}, data.start);
      rows = fill(store, data, flows, window);
    }
    std::fprintf(stderr, "bench_availability_scale: %zu rows stored in %.1f s\n", rows,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    collector::SqliteStore store(collector::SqliteOptions{db}, data.end);
    reset_peak_rss();
    const long rss_before = peak_rss_kb();

    const auto a0 = std::chrono::steady_clock::now();
    const auto ours = collector::stored_availability(store, cfg, cfg.services, month);
    const double ours_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - a0).count();
    const long rss_ours = peak_rss_kb();
    const auto kept = collector::read_availability_input(store, cfg, month).windows.size();

    reset_peak_rss();
    const auto p0 = std::chrono::steady_clock::now();
    std::vector<collector::AvailabilityFigure> peer;
    std::size_t raw_rows = 0;
    if (with_peer) {
      const auto in = collector::read_analysis_input(store, cfg, month);
      raw_rows = in.windows.size();
      const collector::ObservationIndex index(
          collector::ObservationRows{in.changes, in.windows, in.sessions});
      const collector::AvailabilityContext ctx{&index, &cfg.holidays, &cfg.calendars,
                                               in.maintenance};
      peer = collector::compute_availability_all(cfg.services, ctx, month);
    }
    const double peer_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - p0).count();
    const long rss_peer = peak_rss_kb();

    bool same = !with_peer || ours.size() == peer.size();
    for (std::size_t i = 0; with_peer && same && i < ours.size(); ++i) {
      same = ours[i].provided == peer[i].provided && ours[i].unavailable == peer[i].unavailable &&
             ours[i].unknown == peer[i].unknown;
    }
    print("flows", static_cast<double>(flows), "flows");
    print("window_s", static_cast<double>(window / 1s), "s");
    print("hours_of_data", static_cast<double>(hours), "h");
    print("rows_stored", static_cast<double>(rows), "rows");
    print("ours_month_s", ours_s, "s");
    print("ours_window_points_read", static_cast<double>(kept), "rows");
    print("ours_peak_rss_mb", rss_ours / 1024.0, "MiB");
    print("rss_before_mb", rss_before / 1024.0, "MiB");
    if (with_peer) {
      print("peer_raw_month_s", peer_s, "s");
      print("peer_windows_read", static_cast<double>(raw_rows), "rows");
      print("peer_peak_rss_mb", rss_peer / 1024.0, "MiB");
      print("time_ratio_ours_to_peer", ours_s / peer_s, "ratio");
    }
    print("figures_equal", same ? 1 : 0, "bool");
    rc = same ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_availability_scale: %s\n", e.what());
    rc = 1;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  return rc;
}
