// pathwatch-replay: generates a deterministic synthetic month of agent envelopes, feeds them
// through the collector's ingest pipeline into an SQLite store, and prints each service's
// availability for the month as the API computes it; timings go to stderr.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "collector/store/sqlite_store.hpp"
#include "shared/config/units.hpp"
#include "shared/time/clock.hpp"
#include "tools/replay/replay_api.hpp"
#include "tools/replay/replay_ingest.hpp"
#include "tools/replay/scenario.hpp"

namespace {

using namespace pathwatch;
using Steady = std::chrono::steady_clock;

constexpr const char* kUsage =
    "usage: pathwatch-replay [--seed N] [--month YYYY-MM] [--sites N] [--services N]\n"
    "                        [--heartbeat DURATION] [--window DURATION] [--db FILE]\n"
    "                        [--out FILE|-] [--availability] [--holidays FILE]\n"
    "  --db            the SQLite store to ingest into (must not exist; default: a temporary\n"
    "                  file, removed afterwards)\n"
    "  --out           also write the envelopes, length-prefixed (4-byte big-endian), to FILE or "
    "-\n"
    "  --availability  print each service's availability for the month as JSON lines\n"
    "exit: 0 done, 1 ingest or store failure, 2 usage or config error\n";

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

double since(Steady::time_point t0) {
  return std::chrono::duration<double>(Steady::now() - t0).count();
}

std::string figures_json(const tools::ServiceFigures& f) {
  return fmt::format(
      "{{\"service\":\"{}\",\"scheduled_s\":{},\"excluded_s\":{},\"provided_s\":{},"
      "\"unavailable_s\":{},\"unknown_s\":{},\"unknown_counts_as\":\"{}\",\"percent\":{},"
      "\"met\":{},\"budget_left_min\":{:.2f}}}",
      f.service, f.scheduled_s, f.excluded_s, f.provided_s, f.unavailable_s, f.unknown_s,
      f.unknown_counts_as, f.percent ? fmt::format("{:.4f}", *f.percent) : "null",
      f.met ? "true" : "false", f.budget_left_minutes);
}

}  // namespace

int main(int argc, char** argv) {
  tools::ScenarioOptions opt;
  std::string out_file, db_file;
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
      } else if (arg == "--heartbeat" || arg == "--window") {
        const auto d = shared::parse_duration(value());
        if (!d || *d < std::chrono::seconds{10}) return usage_error(arg + " wants e.g. 5m");
        (arg == "--window" ? opt.window : opt.heartbeat_interval) = *d;
      } else if (arg == "--db") {
        db_file = value();
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
  const bool temporary_db = db_file.empty();
  if (temporary_db) {
    db_file = (std::filesystem::temp_directory_path() /
               fmt::format("pathwatch-replay-{}.db", static_cast<long>(::getpid())))
                  .string();
  }
  if (std::filesystem::exists(db_file)) return usage_error("--db: " + db_file + " exists");

  int rc = 0;
  try {
    const auto t0 = Steady::now();
    const auto sc = tools::generate_scenario(opt);
    const double generate_s = since(t0);
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
    const shared::ManualClock clock(sc.data.end);
    const auto analysis = tools::replay_analysis_config(sc, holidays_file);
    {
      collector::SqliteStore store(collector::SqliteOptions{db_file}, sc.data.start);
      const auto t1 = Steady::now();
      const auto report = tools::ingest_scenario(sc, store, tools::replay_ingest_options(opt));
      const double ingest_s = since(t1);
      if (!report.ok || report.rejected > 0) {
        std::cerr << fmt::format("pathwatch-replay: ingest failed: {} ({} rejected)\n",
                                 report.error, report.rejected);
        rc = 1;
      } else {
        const collector::ApiContext api{&store, &analysis, nullptr, &clock};
        tools::enter_maintenance(sc, api);
        const auto t2 = Steady::now();
        const auto figures = tools::month_availability(api, opt.month);
        const double availability_s = since(t2);
        if (availability) {
          for (const auto& f : figures) std::cout << figures_json(f) << "\n";
        }
        std::cerr << fmt::format(
            "{{\"services\":{},\"sites\":{},\"messages\":{},\"bytes\":{},\"stored\":{},"
            "\"commits\":{},\"generate_s\":{:.3f},\"ingest_s\":{:.3f},\"messages_per_s\":{:.0f},"
            "\"availability_s\":{:.3f},\"total_s\":{:.3f}}}\n",
            sc.services.size(), sc.sites.size(), report.messages, report.bytes, report.stored,
            report.commits, generate_s, ingest_s, static_cast<double>(report.messages) / ingest_s,
            availability_s, since(t0));
      }
    }
  } catch (const shared::ConfigError& e) {
    std::cerr << e.what() << "\n";
    rc = 2;
  } catch (const std::exception& e) {
    std::cerr << "pathwatch-replay: " << e.what() << "\n";
    rc = 1;
  }
  if (temporary_db) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_file + suffix);
  }
  return rc;
}
