// What a contract measures (a service: targets, reference sites, path and target policies,
// calendar, target %) and the planned maintenance excluded from it. Plain data from config.
#pragma once

#include <string>
#include <vector>

#include "collector/analysis/interval_set.hpp"

namespace pathwatch::collector {

// How time nobody observed (agent silent, state unknown) counts in the percentage.
enum class UnknownPolicy {
  kUnavailable,  // counts against the service (the conservative default)
  kAvailable,    // counts for it
  kExcluded,     // leaves the denominator, like maintenance
};
// Which paths of a (site, target) must work.
enum class PathPolicy {
  kAnyPath,  // available while at least one path reaches the target (the backup line's point)
  kListed,   // only the paths named in ServiceSpec::paths count (e.g. per_path: [primary])
};
// How several targets of a service combine.
enum class TargetPolicy {
  kAllTargets,  // the service needs every target (an application and its database)
  kAnyTarget,   // any target will do (redundant front ends)
};

const char* to_string(UnknownPolicy p);
const char* to_string(PathPolicy p);
const char* to_string(TargetPolicy p);

struct ServiceSpec {
  std::string name;
  std::vector<std::string> targets;          // target names as agents report them
  std::vector<std::string> reference_sites;  // measured from (the main office, 本庁舎)
  PathPolicy path_policy = PathPolicy::kAnyPath;
  std::vector<std::string> paths;  // kListed only
  TargetPolicy target_policy = TargetPolicy::kAllTargets;
  std::string calendar = "24x7";
  double target_percent = 99.8;
  UnknownPolicy unknown_counts_as = UnknownPolicy::kUnavailable;
  bool degraded_counts_as_available = true;
};

// Planned maintenance (サービスを提供すべき時間から除く時間): excluded from the denominator
// where it overlaps scheduled time. Empty `services` = every service.
struct MaintenanceWindow {
  Interval when;
  std::vector<std::string> services;
  std::string note;
  bool applies_to(const std::string& service) const;
};

}  // namespace pathwatch::collector
