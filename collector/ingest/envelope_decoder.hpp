// Decodes and validates one agent message (the bytes of a serialized pathwatch.v1.Envelope)
// into a StoredMessage. Pure: no sockets, no clock (the receive time is passed in), never
// throws: whatever an untrusted peer sends becomes a RejectReason.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

#include "collector/store/stored_message.hpp"

namespace pathwatch::collector {

enum class RejectReason : std::uint8_t {
  kOversized,     // more bytes than max_message_bytes
  kMalformed,     // not a parseable Envelope (truncated, garbage)
  kWrongSchema,   // schema_version != 1
  kMissingAgent,  // empty agent_id (or longer than kMaxIdLength)
  kMissingSite,   // empty site (or too long)
  kMissingBody,   // no body set
  kZeroSeq,       // seq == 0 (seqs start at 1)
  kBadTimestamp,  // created or body time before kMinValidTime or too far in the future
  kBadWindow,     // window end before start, or longer than max_window
  kUnauthorized,  // the authenticated peer may not speak for this agent/site (CURVE, later)
  kBadSeq,        // seq above max_seq(): no agent's clock floor can have reached it
  // Not a decode result: a restarted agent's Hello whose first_seq is at or below its ack
  // watermark (its clock stepped back, no spool): everything it sends is a duplicate.
  kSeqReused,
};
inline constexpr std::size_t kRejectReasonCount = 12;
const char* to_string(RejectReason reason);

struct DecodeLimits {
  std::size_t max_message_bytes = 64 * 1024;  // per envelope, inside a batch too
  // A batch frame (several envelopes in one message): at most this many bytes and envelopes;
  // beyond either the whole frame is rejected unread (kOversized).
  std::size_t max_batch_bytes = 4 * 64 * 1024;
  std::size_t max_batch_envelopes = 1024;
  // Agent clocks run ahead at most this much; spooled messages may be arbitrarily old, but
  // not older than kMinValidTime (an agent whose clock was never set reports 1970).
  std::chrono::nanoseconds max_future_skew = std::chrono::minutes{5};
  std::chrono::nanoseconds max_window = std::chrono::hours{1};
};
// 2020-01-01T00:00:00Z: nothing pathwatch measures is older.
inline constexpr std::int64_t kMinValidUnixNanos = 1'577'836'800'000'000'000;
inline constexpr std::size_t kMaxIdLength = 128;
// Headroom above the clock floor for seqs an agent used after numbering from it: 2^40
// (1.1e12 messages), while every seq stays far below 2^53 (exact in JSON) and 2^63 (the
// store's signed int64) for centuries.
inline constexpr std::uint64_t kSeqHeadroom = std::uint64_t{1} << 40;

// The highest seq an agent may use when the collector's clock says `received`: the agents'
// clock floor (microseconds since the epoch, agent/runtime/seq_resume.cpp) allowing for
// max_future_skew, plus kSeqHeadroom. Above it a seq would pin the ack watermark, overflow
// the store's int64, or lose precision in JSON.
std::uint64_t max_seq(shared::UtcNanos received, const DecodeLimits& limits);
struct DecodeResult {
  bool ok() const { return std::holds_alternative<StoredMessage>(value); }
  std::variant<StoredMessage, RejectReason> value;
  // Filled as far as decoding got (for logs and per-agent accounting of rejects); an oversized
  // envelope's identity is read from its first fields without parsing the rest. Claims only:
  // nothing here is authorized yet.
  std::string agent_id;
  std::string site;
  std::uint64_t seq = 0;
};

DecodeResult decode_envelope(std::span<const std::byte> bytes, shared::UtcNanos received,
                             const DecodeLimits& limits);

}  // namespace pathwatch::collector
