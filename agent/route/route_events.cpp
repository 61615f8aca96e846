// Names of the route sources, for logs and the lab driver's output.
#include "agent/route/route_events.hpp"

namespace pathwatch::agent {

const char* to_string(RouteSource source) {
  switch (source) {
    case RouteSource::kNetlink:
      return "netlink";
    case RouteSource::kHops:
      return "hops";
  }
  return "?";
}

}  // namespace pathwatch::agent
