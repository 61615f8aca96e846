#include "collector/analysis/service_spec.hpp"

#include <algorithm>

namespace pathwatch::collector {

const char* to_string(UnknownPolicy p) {
  switch (p) {
    case UnknownPolicy::kUnavailable:
      return "unavailable";
    case UnknownPolicy::kAvailable:
      return "available";
    case UnknownPolicy::kExcluded:
      return "excluded";
  }
  return "invalid";
}

const char* to_string(PathPolicy p) {
  switch (p) {
    case PathPolicy::kAnyPath:
      return "any_path";
    case PathPolicy::kListed:
      return "per_path";
  }
  return "invalid";
}

const char* to_string(TargetPolicy p) {
  switch (p) {
    case TargetPolicy::kAllTargets:
      return "all_targets";
    case TargetPolicy::kAnyTarget:
      return "any_target";
  }
  return "invalid";
}

bool MaintenanceWindow::applies_to(const std::string& service) const {
  return services.empty() || std::find(services.begin(), services.end(), service) != services.end();
}

}  // namespace pathwatch::collector
