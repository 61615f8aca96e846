// A month's availability for 1,000 services (100 sites, 4 flows per service) from a synthetic
// month replayed through the collector's ingest pipeline into SQLite (tools/replay): index
// build + compute from the stored rows, and the whole API route (store reads included), median
// of 5 runs, one JSON line per figure. No window summaries: a month of them for 4,000 flows
// would not fit in memory here; states come from the state changes.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "collector/analysis/availability.hpp"
#include "collector/store/sqlite_store.hpp"
#include "shared/time/clock.hpp"
#include "tools/replay/replay_api.hpp"
#include "tools/replay/replay_ingest.hpp"
#include "tools/replay/scenario.hpp"

using namespace pathwatch;

int main() {
  tools::ScenarioOptions opt;
  opt.seed = 42;
  opt.sites = 100;
  opt.services = 1000;
  opt.heartbeat_interval = std::chrono::minutes{15};
  opt.window_summaries = false;
  const auto sc = tools::generate_scenario(opt);
  const std::string db = (std::filesystem::temp_directory_path() /
                          ("bench-availability-" + std::to_string(::getpid()) + ".db"))
                             .string();
  int rc = 0;
  {
    collector::SqliteStore store(collector::SqliteOptions{db}, sc.data.start);
    const auto report = tools::ingest_scenario(sc, store, tools::replay_ingest_options(opt));
    if (!report.ok) return 1;
    const auto analysis = tools::replay_analysis_config(sc, "etc/holidays/jp.yaml");
    const shared::ManualClock clock(sc.data.end);
    const collector::ApiContext api{&store, &analysis, nullptr, &clock};
    tools::enter_maintenance(sc, api);

    collector::RowFilter f;
    f.start = sc.month.start - std::chrono::hours{1};
    f.end = sc.month.end;
    const auto changes = store.state_changes(f);
    const auto windows = store.windows(f);
    const auto sessions = store.sessions(f);
    std::vector<collector::MaintenanceWindow> maintenance = analysis.maintenance;
    for (const auto& m : store.maintenance()) {
      maintenance.push_back({{m.start, m.end}, m.services, m.note});
    }

    std::vector<double> totals, computes, api_route;
    std::size_t sink = 0;
    for (int run = 0; run < 5; ++run) {
      const auto t0 = std::chrono::steady_clock::now();
      collector::ObservationIndex index(collector::ObservationRows{changes, windows, sessions});
      const auto t1 = std::chrono::steady_clock::now();
      collector::AvailabilityContext ctx{&index, &analysis.holidays, &analysis.calendars,
                                         maintenance};
      const auto figures = collector::compute_availability_all(sc.services, ctx, sc.month);
      const auto t2 = std::chrono::steady_clock::now();
      sink += figures.size();
      sink += tools::month_availability(api, opt.month).size();
      const auto t3 = std::chrono::steady_clock::now();
      totals.push_back(std::chrono::duration<double>(t2 - t0).count());
      computes.push_back(std::chrono::duration<double>(t2 - t1).count());
      api_route.push_back(std::chrono::duration<double>(t3 - t2).count());
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    std::printf(
        "{\"bench\":\"availability\",\"figure\":\"month_1000_services_s\",\"value\":%.6f,"
        "\"unit\":\"s\"}\n",
        median(totals));
    std::printf(
        "{\"bench\":\"availability\",\"figure\":\"month_1000_services_compute_only_s\","
        "\"value\":%.6f,\"unit\":\"s\"}\n",
        median(computes));
    std::printf(
        "{\"bench\":\"availability\",\"figure\":\"month_1000_services_api_route_s\","
        "\"value\":%.6f,\"unit\":\"s\"}\n",
        median(api_route));
    std::printf(
        "{\"bench\":\"availability\",\"figure\":\"state_change_rows\",\"value\":%zu,"
        "\"unit\":\"rows\"}\n",
        changes.size());
    rc = sink == 10 * sc.services.size() ? 0 : 1;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  return rc;
}
