#include "collector/isolation/topology.hpp"

#include "collector/isolation/address_text.hpp"

namespace pathwatch::collector::isolation {
namespace {

std::string measurement_key(const std::string& agent_id, const std::string& path,
                            const std::string& target) {
  std::string key;
  key.reserve(agent_id.size() + path.size() + target.size() + 2);
  key += agent_id;
  key += '\0';
  key += path;
  key += '\0';
  key += target;
  return key;
}

}  // namespace

std::optional<SegmentIndex> Measurement::tcp_service(std::uint32_t port) const {
  if (auto it = tcp_services.find(port); it != tcp_services.end()) return it->second;
  if (auto it = tcp_services.find(0); it != tcp_services.end()) return it->second;
  return std::nullopt;
}

void Topology::build_index() {
  segment_index_.clear();
  owner_index_.clear();
  measurement_index_.clear();
  router_index_.clear();
  for (SegmentIndex i = 0; i < segments.size(); ++i) {
    segment_index_.emplace(segments[i].name, i);
    for (const auto& r : segments[i].routers) router_index_.emplace(r, i);
  }
  for (std::size_t i = 0; i < owners.size(); ++i) owner_index_.emplace(owners[i].name, i);
  for (std::size_t i = 0; i < measurements.size(); ++i) {
    const auto& m = measurements[i];
    measurement_index_.emplace(measurement_key(m.agent_id, m.path, m.target), i);
  }
}

std::optional<SegmentIndex> Topology::find_segment(const std::string& name) const {
  if (auto it = segment_index_.find(name); it != segment_index_.end()) return it->second;
  return std::nullopt;
}

const Owner* Topology::find_owner(const std::string& name) const {
  if (auto it = owner_index_.find(name); it != owner_index_.end()) return &owners[it->second];
  return nullptr;
}

const Measurement* Topology::find_measurement(const std::string& agent_id, const std::string& path,
                                              const std::string& target) const {
  auto it = measurement_index_.find(measurement_key(agent_id, path, target));
  if (it == measurement_index_.end()) return nullptr;
  return &measurements[it->second];
}

std::optional<SegmentIndex> Topology::segment_of_router(const std::string& address) const {
  auto canonical = canonical_address(address);
  if (!canonical) return std::nullopt;
  if (auto it = router_index_.find(*canonical); it != router_index_.end()) return it->second;
  return std::nullopt;
}

}  // namespace pathwatch::collector::isolation
