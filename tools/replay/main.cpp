// pathwatch-replay: writes a deterministic synthetic month of agent Envelopes (length-prefixed,
// 4-byte big-endian length + bytes) and/or the availability the collector computes from it.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "collector/analysis/availability.hpp"
#include "collector/analysis/holidays.hpp"
#include "shared/config/units.hpp"
#include "tools/replay/replay_rows.hpp"
#include "tools/replay/scenario.hpp"

namespace {

using namespace pathwatch;

constexpr const char* kUsage =
    "usage: pathwatch-replay [--seed N] [--month YYYY-MM] [--sites N] [--services N]\n"
    "                        [--heartbeat DURATION] [--out FILE|-] [--availability]\n"
    "                        [--holidays FILE]\n"
    "  --out           write the envelopes, length-prefixed (4-byte big-endian), to FILE or -\n"
    "  --availability  print each service's availability for the month as JSON lines\n";

int usage_error(const std::string& message) {
  std::cerr << "pathwatch-replay: " << message << "\n" << kUsage;
  return 2;
}

void write_envelopes(std::ostream& out, const std::vector<v1::Envelope>& envelopes) {
  std::string bytes;
  for (const auto& e : envelopes) {
    e.SerializeToString(&bytes);
    const auto n = static_cast<std::uint32_t>(bytes.size());
    const char len[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                         static_cast<char>(n >> 8), static_cast<char>(n)};
    out.write(len, 4);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
}

}  // namespace

int main(int argc, char** argv) {
  tools::ScenarioOptions opt;
  std::string out_file;
  std::string holidays_file = "etc/holidays/jp.yaml";
  bool availability = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    try {
      if (arg == "--seed") {
        opt.seed = std::stoull(value());
      } else if (arg == "--month") {
        const std::string v = value();
        if (v.size() != 7 || v[4] != '-') return usage_error("--month wants YYYY-MM");
        opt.month = std::chrono::year{std::stoi(v.substr(0, 4))} /
                    std::chrono::month{static_cast<unsigned>(std::stoi(v.substr(5, 2)))};
        if (!opt.month.ok()) return usage_error("--month wants YYYY-MM");
      } else if (arg == "--sites") {
        opt.sites = std::stoi(value());
      } else if (arg == "--services") {
        opt.services = std::stoi(value());
      } else if (arg == "--heartbeat") {
        const auto d = shared::parse_duration(value());
        if (!d || *d < std::chrono::seconds{1}) return usage_error("--heartbeat wants e.g. 5m");
        opt.heartbeat_interval = *d;
      } else if (arg == "--out") {
        out_file = value();
      } else if (arg == "--availability") {
        availability = true;
      } else if (arg == "--holidays") {
        holidays_file = value();
      } else if (arg == "-h" || arg == "--help") {
        std::cout << kUsage;
        return 0;
      } else {
        return usage_error("unknown argument '" + arg + "'");
      }
    } catch (const std::exception&) {
      return usage_error("bad value for " + arg);
    }
  }
  if (opt.sites < 1 || opt.services < 1) return usage_error("--sites and --services must be >= 1");
  if (out_file.empty() && !availability)
    return usage_error("nothing to do: --out or --availability");

  try {
    const auto sc = tools::generate_scenario(opt);
    if (out_file == "-") {
      write_envelopes(std::cout, sc.envelopes);
    } else if (!out_file.empty()) {
      std::ofstream f(out_file, std::ios::binary);
      if (!f) {
        std::cerr << "pathwatch-replay: cannot write " << out_file << "\n";
        return 1;
      }
      write_envelopes(f, sc.envelopes);
    }
    if (availability) {
      const auto rows =
          tools::rows_from_envelopes(sc.envelopes, tools::session_silence_threshold(opt));
      collector::HolidaySet holidays;
      holidays.add_all(collector::load_holiday_file(holidays_file));
      std::map<std::string, collector::ServiceCalendar> calendars{{"24x7", {}}};
      collector::ServiceCalendar office;
      office.name = "office";
      office.kind = collector::ServiceCalendar::Kind::kBusinessHours;
      calendars.emplace("office", office);
      collector::ObservationIndex index(
          collector::ObservationRows{rows.state_changes, rows.windows, rows.sessions});
      collector::AvailabilityContext ctx{&index, &holidays, &calendars, sc.maintenance};
      for (const auto& s : sc.services) {
        const auto f = collector::compute_availability(s, ctx, sc.month);
        const auto min = [](shared::Nanos d) {
          return std::chrono::duration<double>(d).count() / 60;
        };
        std::cout << fmt::format(
            "{{\"service\":\"{}\",\"scheduled_min\":{},\"excluded_min\":{},\"provided_min\":{},"
            "\"unavailable_min\":{},\"unknown_min\":{},\"unknown_counts_as\":\"{}\","
            "\"percent\":{},\"target\":{},\"met\":{},\"budget_left_min\":{:.2f}}}\n",
            f.service, min(f.scheduled), min(f.excluded), min(f.provided), min(f.unavailable),
            min(f.unknown), collector::to_string(f.unknown_policy),
            f.percent ? fmt::format("{:.4f}", *f.percent) : "null", f.target_percent,
            f.met ? "true" : "false", f.budget_left_minutes);
      }
    }
  } catch (const shared::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  return 0;
}
