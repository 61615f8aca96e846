// A month's availability for 1,000 services (100 sites, 4 flows per service) from a synthetic
// month of rows: index build + compute, median of 5 runs, one JSON line per figure.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <vector>

#include "collector/analysis/availability.hpp"
#include "tools/replay/replay_rows.hpp"
#include "tools/replay/scenario.hpp"

using namespace pathwatch;

int main() {
  tools::ScenarioOptions opt;
  opt.seed = 42;
  opt.sites = 100;
  opt.services = 1000;
  opt.heartbeat_interval = std::chrono::minutes{15};
  const auto sc = tools::generate_scenario(opt);
  const auto rows = tools::rows_from_envelopes(sc.envelopes, tools::session_silence_threshold(opt));

  collector::HolidaySet holidays;
  holidays.add_all(collector::load_holiday_file("etc/holidays/jp.yaml"));
  std::map<std::string, collector::ServiceCalendar> calendars{{"24x7", {}}};
  collector::ServiceCalendar office;
  office.name = "office";
  office.kind = collector::ServiceCalendar::Kind::kBusinessHours;
  calendars.emplace("office", office);

  std::vector<double> totals, computes;
  std::size_t sink = 0;
  for (int run = 0; run < 5; ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    collector::ObservationIndex index(
        collector::ObservationRows{rows.state_changes, rows.windows, rows.sessions});
    const auto t1 = std::chrono::steady_clock::now();
    collector::AvailabilityContext ctx{&index, &holidays, &calendars, sc.maintenance};
    const auto figures = collector::compute_availability_all(sc.services, ctx, sc.month);
    const auto t2 = std::chrono::steady_clock::now();
    sink += figures.size();
    totals.push_back(std::chrono::duration<double>(t2 - t0).count());
    computes.push_back(std::chrono::duration<double>(t2 - t1).count());
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
      "{\"bench\":\"availability\",\"figure\":\"state_change_rows\",\"value\":%zu,"
      "\"unit\":\"rows\"}\n",
      rows.state_changes.size());
  return sink == 5 * sc.services.size() ? 0 : 1;
}
