// A Hello small enough for the collector: at ~1,000 targets × 2 paths one Hello is bigger than
// the collector's per-envelope limit (64 KiB), and an envelope over it is refused every time it
// is resent. split_hello shares the targets out among parts that each fit, every part carrying
// all the other fields (docs/protocol.md Hello: part, parts, total_targets).
#pragma once

#include <cstddef>
#include <vector>

#include "pathwatch/v1/messages.pb.h"

namespace pathwatch::agent {

// Room an Envelope needs around its Hello body: schema version, agent id and site (at most 128
// bytes each, agent/config checks), seq, created time, tags and lengths (~300 bytes), rounded
// up.
inline constexpr std::size_t kEnvelopeOverheadBytes = 512;

// The parts of `hello`, in order, each serializing to at most `max_body_bytes` unless a single
// target alone is bigger (then that part holds just it; the caller logs it). One part, with
// part/parts unset, when the whole Hello fits.
std::vector<pathwatch::v1::Hello> split_hello(const pathwatch::v1::Hello& hello,
                                              std::size_t max_body_bytes);

}  // namespace pathwatch::agent
