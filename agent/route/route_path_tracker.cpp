// Maps the kernel's route answers to path names and detects when a watched prefix moves.
#include "agent/route/route_path_tracker.hpp"

namespace pathwatch::agent {

RoutePathTracker::RoutePathTracker(std::vector<WatchedPrefix> watches)
    : watches_(std::move(watches)), current_(watches_.size()) {}

std::string RoutePathTracker::path_of(std::size_t i, const RouteAnswer& answer) const {
  if (answer.kind != RouteAnswer::Kind::kRoute) return {};
  const auto& paths = watches_.at(i).interface_paths;
  const auto it = paths.find(answer.out_interface);
  if (it != paths.end()) return it->second;
  return kUnknownPathPrefix + answer.out_interface;
}

std::optional<RouteChangeEvent> RoutePathTracker::update(std::size_t i, const RouteAnswer& answer,
                                                         shared::UtcNanos at) {
  if (answer.kind == RouteAnswer::Kind::kError) {
    ++counters_.lookup_errors;
    return std::nullopt;
  }
  ++counters_.answers;
  Current& cur = current_.at(i);
  Current next;
  next.known = true;
  next.path = path_of(i, answer);
  if (answer.kind == RouteAnswer::Kind::kRoute) {
    next.out_interface = answer.out_interface;
    next.gateway = answer.gateway;
  }
  if (cur.known && cur.path == next.path) {
    if (cur.out_interface != next.out_interface || cur.gateway != next.gateway) {
      ++counters_.same_path_changes;
    }
    cur = std::move(next);
    return std::nullopt;
  }
  RouteChangeEvent event;
  event.prefix = watches_.at(i).prefix;
  event.from_path = cur.path;
  event.to_path = next.path;
  event.out_interface = next.out_interface;
  event.gateway = next.gateway;
  event.at = at;
  event.source = RouteSource::kNetlink;
  event.initial = !cur.known;
  if (cur.known) ++counters_.path_changes;
  cur = std::move(next);
  return event;
}

}  // namespace pathwatch::agent
