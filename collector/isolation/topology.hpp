// The fault-isolation topology: owners, segments, vantage points and, for every measurement
// (vantage point, path, target), the ordered segments its probes cross. Plain data, built once
// by topology_config.cpp and then only read.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace pathwatch::collector::isolation {

using SegmentIndex = std::uint32_t;

struct Contact {
  std::string email;
  std::string phone;
  std::string notes;
};

// A responsible party (the municipality, a carrier, the DC provider, the cloud operator, a vendor).
struct Owner {
  std::string name;      // identifier used in the topology file
  std::string label;     // display name (usually Japanese)
  std::string label_en;  // English display name; empty: label is used
  Contact contact;
};

// A piece of network (or a service) with one owner.
struct Segment {
  std::string name;
  std::string owner;
  std::string label;
  std::string label_en;
  std::string description;
  // Addresses (canonical text form) of the equipment at this segment's far end: an ICMP error
  // from one of them proves the probe crossed this segment and every segment before it.
  std::vector<std::string> routers;
};

enum class VantageKind : std::uint8_t { kSite, kBoundary };

// One way a measurement's probes may go. `via` names the path whose route was taken
// ("primary", "backup") for an as-routed path; empty for an ordinary path.
struct MeasurementRoute {
  std::string via;
  std::vector<SegmentIndex> segments;
};

// Everything the topology says about one (vantage point, path, target).
struct Measurement {
  std::string agent_id;
  std::string path;
  std::string target;
  // One route, or for an as-routed path one per line it may follow (in the file's order).
  std::vector<MeasurementRoute> routes;
  // The listening application a TCP probe also exercises, by port (0 = any port).
  std::map<std::uint32_t, SegmentIndex> tcp_services;
  // True when this measurement stands for what users experience (as-routed traffic): its
  // failure is a service impact, a pinned line's failure alone is not.
  bool service = false;

  // The TCP service segment for a port, if the topology names one.
  std::optional<SegmentIndex> tcp_service(std::uint32_t port) const;
};

struct VantagePoint {
  std::string agent_id;
  std::string site;
  VantageKind kind = VantageKind::kSite;
};

class Topology {
 public:
  std::vector<Owner> owners;
  std::vector<Segment> segments;
  std::vector<VantagePoint> vantage_points;
  std::vector<Measurement> measurements;

  // Index everything for lookups; called by the loader after filling the vectors.
  void build_index();

  std::optional<SegmentIndex> find_segment(const std::string& name) const;
  const Owner* find_owner(const std::string& name) const;
  const Measurement* find_measurement(const std::string& agent_id, const std::string& path,
                                      const std::string& target) const;
  // The segment whose far end answers from this address (any text form); nullopt if none.
  std::optional<SegmentIndex> segment_of_router(const std::string& address) const;

 private:
  std::unordered_map<std::string, SegmentIndex> segment_index_;
  std::unordered_map<std::string, std::size_t> owner_index_;
  std::unordered_map<std::string, std::size_t> measurement_index_;
  std::unordered_map<std::string, SegmentIndex> router_index_;
};

}  // namespace pathwatch::collector::isolation
