#include "collector/analysis/analysis_config.hpp"

#include <charconv>
#include <filesystem>
#include <set>

#include "shared/time/jst.hpp"

namespace pathwatch::collector {

using shared::ConfigMap;
using shared::ConfigNode;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

constexpr const char* kDefaultHolidayFile = "holidays/jp.yaml";
constexpr const char* kRepoHolidayFile = "etc/holidays/jp.yaml";

std::string resolve(const std::string& base_dir, const std::string& file) {
  if (file.empty() || file.front() == '/' || base_dir.empty()) return file;
  return (std::filesystem::path(base_dir) / file).string();
}

std::optional<int> digits(std::string_view s) {
  int v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// "HH:MM" (24:00 allowed as the end of a day).
std::optional<shared::Nanos> parse_hhmm(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  const auto h = digits(s.substr(0, 2));
  const auto m = digits(s.substr(3, 2));
  if (!h || !m || *m > 59 || *h > 24 || (*h == 24 && *m != 0)) return std::nullopt;
  return hours{*h} + minutes{*m};
}

ServiceCalendar parse_calendar(const std::string& name, const ConfigNode& node) {
  ServiceCalendar cal;
  cal.name = name;
  if (node.is_scalar()) {
    if (node.as_string() != "24x7") node.fail("a calendar is 24x7 or a map with hours:");
    return cal;
  }
  ConfigMap m = node.as_map();
  cal.kind = ServiceCalendar::Kind::kBusinessHours;
  const ConfigNode hours_node = m.required("hours");
  const std::string hours_text = hours_node.as_string();
  const auto dash = hours_text.find('-');
  const auto open =
      dash == std::string::npos ? std::nullopt : parse_hhmm(hours_text.substr(0, dash));
  const auto close =
      dash == std::string::npos ? std::nullopt : parse_hhmm(hours_text.substr(dash + 1));
  if (!open || !close) hours_node.fail("expected hours as HH:MM-HH:MM (JST), e.g. 08:30-17:15");
  if (*open >= *close) hours_node.fail("opening time must be before closing time");
  cal.open = *open;
  cal.close = *close;
  if (auto w = m.optional("weekdays")) {
    cal.weekdays.fill(false);
    for (const auto& d : w->as_sequence()) {
      const unsigned idx = d.as_enum<unsigned>(
          {{"sun", 0}, {"mon", 1}, {"tue", 2}, {"wed", 3}, {"thu", 4}, {"fri", 5}, {"sat", 6}});
      if (cal.weekdays[idx]) d.fail("weekday listed twice");
      cal.weekdays[idx] = true;
    }
  }
  if (auto h = m.optional("closed_on_holidays")) cal.exclude_holidays = h->as_bool();
  if (auto y = m.optional("year_end_closure")) cal.year_end_closure = y->as_bool();
  m.finish();
  return cal;
}

std::vector<std::string> name_list(const ConfigNode& node) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& n : node.as_scalar_or_sequence()) {
    std::string s = n.as_nonempty_string();
    if (!seen.insert(s).second) n.fail("'" + s + "' listed twice");
    out.push_back(std::move(s));
  }
  if (out.empty()) node.fail("must list at least one name");
  return out;
}

ServiceSpec parse_service(const ConfigNode& node,
                          const std::map<std::string, ServiceCalendar>& calendars) {
  ConfigMap m = node.as_map();
  ServiceSpec s;
  s.name = m.required("name").as_nonempty_string();
  s.targets = name_list(m.required("targets"));
  s.reference_sites = name_list(m.required("reference_sites"));
  if (auto p = m.optional("paths")) {
    if (p->is_scalar()) {
      s.path_policy = p->as_enum<PathPolicy>({{"any_path", PathPolicy::kAnyPath}});
    } else {
      ConfigMap pm = p->as_map();
      s.path_policy = PathPolicy::kListed;
      s.paths = name_list(pm.required("per_path"));
      pm.finish();
    }
  }
  if (auto t = m.optional("targets_policy")) {
    s.target_policy = t->as_enum<TargetPolicy>(
        {{"all_targets", TargetPolicy::kAllTargets}, {"any_target", TargetPolicy::kAnyTarget}});
  }
  if (auto c = m.optional("calendar")) {
    s.calendar = c->as_nonempty_string();
    if (!calendars.contains(s.calendar)) c->fail("unknown calendar '" + s.calendar + "'");
  }
  if (auto t = m.optional("target_percent")) {
    s.target_percent = t->as_double(0.0, 100.0);
    if (s.target_percent <= 0.0) t->fail("target_percent must be above 0");
  }
  if (auto u = m.optional("unknown_counts_as")) {
    s.unknown_counts_as = u->as_enum<UnknownPolicy>({{"unavailable", UnknownPolicy::kUnavailable},
                                                     {"available", UnknownPolicy::kAvailable},
                                                     {"excluded", UnknownPolicy::kExcluded}});
  }
  if (auto d = m.optional("degraded_counts_as")) {
    s.degraded_counts_as_available =
        d->as_enum<bool>({{"available", true}, {"unavailable", false}});
  }
  m.finish();
  return s;
}

shared::UtcNanos time_of(const ConfigNode& node) {
  const std::string text = node.as_string();
  const auto t = parse_config_time(text);
  if (!t) node.fail("expected a time such as '2026-11-03 01:00' (JST) or '2026-11-02T16:00Z'");
  return *t;
}

MaintenanceWindow parse_maintenance(const ConfigNode& node,
                                    const std::set<std::string>& service_names) {
  ConfigMap m = node.as_map();
  MaintenanceWindow w;
  w.when.start = time_of(m.required("start"));
  const ConfigNode end_node = m.required("end");
  w.when.end = time_of(end_node);
  if (w.when.end <= w.when.start) end_node.fail("end must be after start");
  if (auto s = m.optional("services")) {
    w.services = name_list(*s);
    for (const auto& n : s->as_scalar_or_sequence()) {
      if (!service_names.contains(n.as_string())) n.fail("unknown service '" + n.as_string() + "'");
    }
  }
  if (auto n = m.optional("note")) w.note = n->as_string();
  m.finish();
  return w;
}

}  // namespace

std::optional<shared::UtcNanos> parse_config_time(std::string_view text) {
  if (text.size() < 16) return std::nullopt;
  const auto date = parse_iso_date(text.substr(0, 10));
  if (!date || (text[10] != ' ' && text[10] != 'T')) return std::nullopt;
  const auto hm = parse_hhmm(text.substr(11, 5));
  if (!hm || *hm >= hours{24}) return std::nullopt;
  shared::Nanos tod = *hm;
  std::string_view rest = text.substr(16);
  if (rest.size() >= 3 && rest[0] == ':') {
    const auto s = digits(rest.substr(1, 2));
    if (!s || *s > 59) return std::nullopt;
    tod += seconds{*s};
    rest = rest.substr(3);
  }
  shared::Nanos offset = shared::kJstOffset;
  if (rest == "Z") {
    offset = shared::Nanos{0};
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-')) {
    const auto o = parse_hhmm(rest.substr(1));
    if (!o) return std::nullopt;
    offset = rest[0] == '+' ? *o : -*o;
  } else if (!rest.empty() && rest != " JST") {
    return std::nullopt;
  }
  return shared::UtcNanos{std::chrono::sys_days{*date}} + tod - offset;
}

AnalysisConfig parse_analysis_config(ConfigMap& top, const std::string& base_dir) {
  AnalysisConfig config;

  // Holidays: explicit files must exist; the default is loaded when present and required
  // only by a calendar that closes on holidays (checked below).
  std::optional<ConfigNode> holiday_node = top.optional("holidays_file");
  if (holiday_node) {
    for (const auto& f : holiday_node->as_scalar_or_sequence()) {
      const std::string path = resolve(base_dir, f.as_nonempty_string());
      if (!std::filesystem::exists(path)) f.fail("holidays file '" + path + "' does not exist");
      config.holidays.add_all(load_holiday_file(path));
      config.holiday_files.push_back(path);
    }
  } else {
    for (const std::string& path :
         {resolve(base_dir, kDefaultHolidayFile), std::string(kRepoHolidayFile)}) {
      if (std::filesystem::exists(path)) {
        config.holidays.add_all(load_holiday_file(path));
        config.holiday_files.push_back(path);
        break;
      }
    }
  }
  if (auto extra = top.optional("extra_holidays")) {
    config.holidays.add_all(parse_holiday_list(*extra));
  }

  config.calendars.emplace("24x7", ServiceCalendar{});
  if (auto cals = top.optional("calendars")) {
    ConfigMap m = cals->as_map();
    for (const auto& [key, value] : m.entries()) {
      const std::string name = key.as_nonempty_string();
      if (name == "24x7") key.fail("'24x7' is built in");
      ServiceCalendar cal = parse_calendar(name, value);
      if (cal.kind == ServiceCalendar::Kind::kBusinessHours && cal.exclude_holidays &&
          config.holiday_files.empty()) {
        value.fail(
            "calendar closes on holidays but no holidays file was found (set holidays_file)");
      }
      config.calendars.emplace(name, std::move(cal));
    }
  }

  std::set<std::string> service_names;
  if (auto services = top.optional("services")) {
    for (const auto& item : services->as_sequence()) {
      ServiceSpec s = parse_service(item, config.calendars);
      if (!service_names.insert(s.name).second) item.fail("duplicate service '" + s.name + "'");
      config.services.push_back(std::move(s));
    }
  }

  if (auto maint = top.optional("maintenance")) {
    for (const auto& item : maint->as_sequence()) {
      config.maintenance.push_back(parse_maintenance(item, service_names));
    }
  }

  if (auto fo = top.optional("failover")) {
    ConfigMap m = fo->as_map();
    if (auto p = m.optional("primary_path")) config.failover.primary_path = p->as_nonempty_string();
    if (auto n = m.optional("flap_switches")) {
      config.failover.flap_switches = static_cast<int>(n->as_int(2, 1000));
    }
    if (auto w = m.optional("flap_window")) {
      config.failover.flap_window = w->as_duration(std::chrono::seconds{1}, hours{24});
    }
    m.finish();
  }
  return config;
}

}  // namespace pathwatch::collector
