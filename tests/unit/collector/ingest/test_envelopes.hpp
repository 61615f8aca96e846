// Crafted agent messages for the ingest tests: one valid window summary envelope per
// (agent, seq), 10 s apart from kT0, and the byte views the pipeline takes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "pathwatch/v1/messages.pb.h"

namespace pathwatch::collector::testing {

// 2026-11-01T00:00:00Z
inline constexpr std::int64_t kT0 = 1'793'491'200'000'000'000;

// A window of 10 probes, all answered, on asp-app/primary/icmp, ending at kT0 + seq × 10 s.
inline pathwatch::v1::Envelope window_envelope(const std::string& agent, std::uint64_t seq) {
  namespace pb = pathwatch::v1;
  pb::Envelope e;
  e.set_schema_version(1);
  e.set_agent_id(agent);
  e.set_site("honcho");
  e.set_seq(seq);
  e.set_created_unix_nanos(kT0 + static_cast<std::int64_t>(seq) * 10'000'000'000);
  auto* w = e.mutable_window();
  w->mutable_flow()->set_target("asp-app");
  w->mutable_flow()->set_address("198.18.30.10");
  w->mutable_flow()->set_path("primary");
  w->mutable_flow()->set_kind(pb::PROBE_KIND_ICMP);
  w->set_start_unix_nanos(e.created_unix_nanos() - 10'000'000'000);
  w->set_end_unix_nanos(e.created_unix_nanos());
  w->set_sent(10);
  w->set_received(10);
  w->set_state(pb::PATH_STATE_UP);
  return e;
}

inline std::span<const std::byte> span_of(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

}  // namespace pathwatch::collector::testing
