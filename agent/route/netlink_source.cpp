// Names of netlink notice kinds, for logs.
#include "agent/route/netlink_source.hpp"

namespace pathwatch::agent {

const char* to_string(NetlinkNotice notice) {
  switch (notice) {
    case NetlinkNotice::kLink:
      return "link";
    case NetlinkNotice::kRoute:
      return "route";
    case NetlinkNotice::kAddress:
      return "address";
    case NetlinkNotice::kOverrun:
      return "overrun";
  }
  return "?";
}

}  // namespace pathwatch::agent
