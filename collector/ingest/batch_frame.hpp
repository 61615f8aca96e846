// Recognises a batch frame (an Envelope whose body is `Batch`: several serialized envelopes in
// one ZeroMQ message) and splits it into the envelopes' bytes without copying them. Pure, never
// throws: whatever an untrusted peer sends becomes a RejectReason for the whole frame.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "collector/ingest/envelope_decoder.hpp"

namespace pathwatch::collector {

struct BatchSplit {
  enum class Kind : std::uint8_t {
    kSingle,    // not a batch: decode the frame as one envelope (decode_envelope)
    kBatch,     // `envelopes` point into the frame, in the order sent
    kRejected,  // a batch frame that is broken or over the limits: nothing in it is read
  };
  Kind kind = Kind::kSingle;
  RejectReason reason = RejectReason::kMalformed;  // kRejected only
  std::vector<std::span<const std::byte>> envelopes;
};

// Splits `frame` into `out` (its vector reused, so a caller keeping one BatchSplit allocates
// once). A batch frame holds schema_version (1, or absent) and exactly one `batch` field; any
// other top-level field, a second `batch`, an element that is not `envelopes`, an empty batch,
// more than limits.max_batch_envelopes elements or more than limits.max_batch_bytes make the
// whole frame rejected. Each envelope's own limits (size, schema, ...) are decode_envelope's.
void split_batch_frame(std::span<const std::byte> frame, const DecodeLimits& limits,
                       BatchSplit& out);

}  // namespace pathwatch::collector
