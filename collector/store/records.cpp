#include "collector/store/records.hpp"

namespace pathwatch::collector {

const char* to_string(PathState state) {
  switch (state) {
    case PathState::kUnspecified:
      return "unspecified";
    case PathState::kUnknown:
      return "unknown";
    case PathState::kUp:
      return "up";
    case PathState::kDegraded:
      return "degraded";
    case PathState::kDown:
      return "down";
  }
  return "invalid";
}

}  // namespace pathwatch::collector
