// A synthetic month replayed through envelopes → rows → availability, checked against figures
// computed minute by minute from the generator's known outage, silence and maintenance lists
// (no interval code of the analysis is used for the expectation).
#include <gtest/gtest.h>

#include "collector/analysis/availability.hpp"
#include "collector/analysis/failover.hpp"
#include "shared/time/jst.hpp"
#include "tools/replay/replay_rows.hpp"
#include "tools/replay/scenario.hpp"

namespace pathwatch::collector {
namespace {

using namespace std::chrono;

struct Expected {
  long scheduled = 0, excluded = 0, provided = 0, unavailable = 0, unknown = 0;
};

bool in(const Interval& i, shared::UtcNanos t) {
  return t >= i.start && t < i.end;
}

// Every generated edge falls on a whole minute, so the state at a minute's start holds for the
// whole minute and counting minutes is exact.
Expected expected_for(const tools::Scenario& sc, const ServiceSpec& s, const HolidaySet& hol) {
  Expected e;
  const std::string& site = s.reference_sites[0];
  for (auto t = sc.month.start; t < sc.month.end; t += minutes{1}) {
    if (s.calendar == "office") {
      const auto c = shared::to_jst(t);
      const unsigned wd = c.weekday.c_encoding();
      if (wd == 0 || wd == 6 || hol.contains(c.date)) continue;
      if (c.time_of_day < hours{8} + minutes{30} || c.time_of_day >= hours{17} + minutes{15}) {
        continue;
      }
    }
    ++e.scheduled;
    bool maintenance = false;
    for (const auto& m : sc.maintenance) maintenance |= in(m.when, t);
    if (maintenance) {
      ++e.excluded;
      continue;
    }
    bool silent = false;
    for (const auto& q : sc.silences) silent |= q.site == site && in(q.when, t);
    if (silent) {
      ++e.unknown;
      continue;
    }
    bool all_targets_up = true;
    for (const auto& target : s.targets) {
      bool primary_down = false, backup_down = false;
      for (const auto& o : sc.outages) {
        if (o.site != site || o.target != target || !in(o.when, t)) continue;
        (o.path == "primary" ? primary_down : backup_down) = true;
      }
      all_targets_up &= !(primary_down && backup_down);
    }
    ++(all_targets_up ? e.provided : e.unavailable);
  }
  return e;
}

TEST(ReplayAvailability, SyntheticMonthMatchesKnownOutages) {
  tools::ScenarioOptions opt;
  opt.seed = 20261101;
  opt.sites = 6;
  opt.services = 24;
  const auto sc = tools::generate_scenario(opt);
  const auto rows = tools::rows_from_envelopes(sc.envelopes, tools::session_silence_threshold(opt));
  ASSERT_FALSE(sc.silences.empty());  // the seed was chosen so every feature appears
  ASSERT_FALSE(sc.line_faults.empty());

  HolidaySet holidays;
  holidays.add_all(load_holiday_file("etc/holidays/jp.yaml"));
  std::map<std::string, ServiceCalendar> calendars{{"24x7", {}}};
  ServiceCalendar office;
  office.name = "office";
  office.kind = ServiceCalendar::Kind::kBusinessHours;
  calendars.emplace("office", office);
  ObservationIndex index(ObservationRows{rows.state_changes, rows.windows, rows.sessions});
  AvailabilityContext ctx{&index, &holidays, &calendars, sc.maintenance};
  const auto figures = compute_availability_all(sc.services, ctx, sc.month);

  long total_unavailable = 0;
  for (std::size_t i = 0; i < sc.services.size(); ++i) {
    const auto& s = sc.services[i];
    const auto& f = figures[i];
    const Expected e = expected_for(sc, s, holidays);
    SCOPED_TRACE(s.name);
    EXPECT_EQ(f.scheduled, minutes{e.scheduled});
    EXPECT_EQ(f.excluded, minutes{e.excluded});
    EXPECT_EQ(f.provided, minutes{e.provided});
    EXPECT_EQ(f.unavailable, minutes{e.unavailable});
    EXPECT_EQ(f.unknown, minutes{e.unknown});
    total_unavailable += e.unavailable;
  }
  EXPECT_GT(total_unavailable, 0);  // the scenario did exercise outages
}

TEST(ReplayAvailability, EveryLineFaultIsAFailoverEvent) {
  tools::ScenarioOptions opt;
  opt.seed = 20261101;
  opt.sites = 6;
  opt.services = 24;
  const auto sc = tools::generate_scenario(opt);
  const auto rows = tools::rows_from_envelopes(sc.envelopes, tools::session_silence_threshold(opt));
  ObservationIndex index(ObservationRows{rows.state_changes, rows.windows, rows.sessions});
  const auto report =
      detect_failovers(index, rows.route_changes, sc.services, FailoverOptions{}, sc.month);
  for (const auto& lf : sc.line_faults) {
    bool touches_silence = false;
    for (const auto& q : sc.silences) {
      touches_silence |=
          q.site == lf.site && q.when.start <= lf.when.end && lf.when.start <= q.when.end;
    }
    if (touches_silence) continue;
    SCOPED_TRACE(lf.site);
    bool found = false;
    for (const auto& e : report.events) {
      if (e.site != lf.site || e.route_at != lf.when.start) continue;
      found = true;
      // The route change and the primary flows going down happen together: both detected.
      EXPECT_EQ(e.detected_by, Detection::kBoth);
      EXPECT_GE(e.duration, lf.when.length());
    }
    EXPECT_TRUE(found);
  }
}

TEST(ReplayAvailability, SameSeedSameEnvelopes) {
  tools::ScenarioOptions opt;
  opt.sites = 3;
  opt.services = 6;
  const auto a = tools::generate_scenario(opt);
  const auto b = tools::generate_scenario(opt);
  ASSERT_EQ(a.envelopes.size(), b.envelopes.size());
  for (std::size_t i = 0; i < a.envelopes.size(); ++i) {
    ASSERT_EQ(a.envelopes[i].SerializeAsString(), b.envelopes[i].SerializeAsString());
  }
}

}  // namespace
}  // namespace pathwatch::collector
