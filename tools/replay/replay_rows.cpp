#include "tools/replay/replay_rows.hpp"

#include <map>

namespace pathwatch::tools {

using collector::PathState;

namespace {

collector::FlowRef flow_ref(const v1::Envelope& e, const v1::FlowKey& k) {
  return collector::FlowRef{e.agent_id(), e.site(), k.target(),
                            k.address(),  k.path(), static_cast<collector::ProbeKind>(k.kind()),
                            k.port()};
}

}  // namespace

ReplayRows rows_from_envelopes(std::span<const v1::Envelope> envelopes,
                               shared::Nanos silence_threshold) {
  ReplayRows rows;
  std::map<std::string, std::size_t> open_session;  // agent -> index in rows.sessions
  for (const auto& e : envelopes) {
    const auto at = shared::from_unix_nanos(e.created_unix_nanos());
    auto it = open_session.find(e.agent_id());
    if (it == open_session.end() || at - rows.sessions[it->second].last > silence_threshold) {
      rows.sessions.push_back({e.agent_id(), e.site(), at, at});
      open_session[e.agent_id()] = rows.sessions.size() - 1;
    } else {
      rows.sessions[it->second].last = std::max(rows.sessions[it->second].last, at);
    }
    if (e.has_state_change()) {
      const auto& c = e.state_change();
      collector::StoredStateChange row;
      row.flow = flow_ref(e, c.flow());
      row.seq = e.seq();
      row.at = shared::from_unix_nanos(c.at_unix_nanos());
      row.from = static_cast<PathState>(c.from());
      row.to = static_cast<PathState>(c.to());
      row.reason = c.reason();
      rows.state_changes.push_back(std::move(row));
    } else if (e.has_route_change()) {
      const auto& r = e.route_change();
      rows.route_changes.push_back({e.agent_id(), e.site(), e.seq(),
                                    shared::from_unix_nanos(r.at_unix_nanos()), r.prefix(),
                                    r.from_path(), r.to_path(), r.out_interface(), r.gateway(),
                                    static_cast<std::uint8_t>(r.source())});
    } else if (e.has_window()) {
      const auto& w = e.window();
      collector::StoredWindow row;
      row.flow = flow_ref(e, w.flow());
      row.seq = e.seq();
      row.start = shared::from_unix_nanos(w.start_unix_nanos());
      row.end = shared::from_unix_nanos(w.end_unix_nanos());
      row.sent = w.sent();
      row.received = w.received();
      row.lost = w.lost();
      row.state = static_cast<PathState>(w.state());
      rows.windows.push_back(std::move(row));
    }
  }
  return rows;
}

}  // namespace pathwatch::tools
