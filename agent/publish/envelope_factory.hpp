// Wraps message bodies in Envelopes: schema version, agent identity, the per-agent sequence
// number (from 1, strictly increasing) and the creation time from the injected clock.
#pragma once

#include <cstdint>
#include <string>

#include "pathwatch/v1/messages.pb.h"
#include "shared/time/clock.hpp"

namespace pathwatch::agent {

inline constexpr std::uint32_t kSchemaVersion = 1;

class EnvelopeFactory {
 public:
  // `next_seq`: the first seq to hand out (1 on a fresh agent; the stored value after a
  // restart, so the collector never mistakes new messages for duplicates).
  EnvelopeFactory(std::string agent_id, std::string site, const shared::Clock& clock,
                  std::uint64_t next_seq = 1);

  // A new envelope with the next seq; the caller sets the body.
  pathwatch::v1::Envelope make();

  std::uint64_t next_seq() const { return next_seq_; }

 private:
  std::string agent_id_;
  std::string site_;
  const shared::Clock& clock_;
  std::uint64_t next_seq_;
};

}  // namespace pathwatch::agent
