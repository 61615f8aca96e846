// Envelopes to the collector's stored rows, for replay while the ingest pipeline
// (collector/ingest) is not there yet: state changes, route changes, windows, and agent
// sessions cut at silences longer than a threshold. Replace by ingest's handle() when it lands.
#pragma once

#include <span>
#include <vector>

#include "collector/store/records.hpp"
#include "pathwatch/v1/messages.pb.h"
#include "shared/time/time_types.hpp"

namespace pathwatch::tools {

struct ReplayRows {
  std::vector<collector::StoredStateChange> state_changes;
  std::vector<collector::StoredWindow> windows;
  std::vector<collector::StoredRouteChange> route_changes;
  std::vector<collector::AgentSession> sessions;
};

ReplayRows rows_from_envelopes(std::span<const pathwatch::v1::Envelope> envelopes,
                               shared::Nanos silence_threshold);

}  // namespace pathwatch::tools
