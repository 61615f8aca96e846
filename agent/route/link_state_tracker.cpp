// Turns successive link snapshots into up/down events and per-interface counters.
#include "agent/route/link_state_tracker.hpp"

#include <unordered_map>

namespace pathwatch::agent {

LinkStateTracker::LinkStateTracker(std::map<std::string, std::string> interface_paths)
    : paths_(std::move(interface_paths)) {
  for (const auto& [name, path] : paths_) tracked_[name].last.interface = name;
}

std::vector<LinkChangeEvent> LinkStateTracker::update(const std::vector<LinkInfo>& snapshot,
                                                      shared::UtcNanos at) {
  std::unordered_map<std::string, const LinkInfo*> by_name;
  for (const auto& link : snapshot) by_name.emplace(link.name, &link);

  std::vector<LinkChangeEvent> events;
  auto emit = [&](const std::string& name, bool up, bool initial) {
    events.push_back(LinkChangeEvent{name, paths_.at(name), up, at, initial});
  };
  for (auto& [name, t] : tracked_) {
    const auto it = by_name.find(name);
    const LinkInfo* now = it == by_name.end() ? nullptr : it->second;
    InterfaceCounters next = t.last;
    next.present = now != nullptr;
    next.oper_up = now != nullptr && now->oper_up;
    next.ifindex = now ? now->ifindex : 0;
    if (now) {
      next.rx_errors = now->rx_errors;
      next.tx_errors = now->tx_errors;
      next.rx_dropped = now->rx_dropped;
      next.tx_dropped = now->tx_dropped;
    }
    if (!t.seen) {
      t.seen = true;
      if (now) emit(name, next.oper_up, /*initial=*/true);
    } else if (next.oper_up != t.last.oper_up) {
      ++next.link_changes;
      emit(name, next.oper_up, false);
    } else if (next.oper_up && t.last.present && now->ifindex != t.last.ifindex) {
      next.link_changes += 2;
      emit(name, false, false);
      emit(name, true, false);
    }
    t.last = next;
  }
  return events;
}

InterfaceCounters LinkStateTracker::counters(const std::string& interface) const {
  const auto it = tracked_.find(interface);
  if (it == tracked_.end()) {
    InterfaceCounters none;
    none.interface = interface;
    return none;
  }
  return it->second.last;
}

}  // namespace pathwatch::agent
