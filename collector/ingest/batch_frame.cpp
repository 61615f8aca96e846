// Batch frames scanned with protobuf's CodedInputStream: field tags and lengths only, so the
// envelopes stay in the receive buffer and a single envelope costs one skip per top-level field.
#include "collector/ingest/batch_frame.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <limits>

namespace pathwatch::collector {

namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

// Field numbers of messages.proto.
constexpr int kSchemaVersionField = 1;
constexpr int kBatchField = 17;     // Envelope.batch
constexpr int kEnvelopesField = 1;  // Batch.envelopes
constexpr std::uint32_t kBatchTag = (kBatchField << 3) | WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
constexpr std::uint32_t kEnvelopesTag =
    (kEnvelopesField << 3) | WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
constexpr std::uint32_t kSchemaVersionTag =
    (kSchemaVersionField << 3) | WireFormatLite::WIRETYPE_VARINT;

const std::uint8_t* data_of(std::span<const std::byte> bytes) {
  return reinterpret_cast<const std::uint8_t*>(bytes.data());
}

// Reads a length prefix and the bytes it covers (as a span into `all`); false when truncated.
bool read_span(CodedInputStream& in, std::span<const std::byte> all,
               std::span<const std::byte>& out) {
  std::uint32_t length = 0;
  if (!in.ReadVarint32(&length)) return false;
  const auto at = static_cast<std::size_t>(in.CurrentPosition());
  if (length > all.size() - at) return false;
  out = all.subspan(at, length);
  return in.Skip(static_cast<int>(length));
}

}  // namespace

void split_batch_frame(std::span<const std::byte> frame, const DecodeLimits& limits,
                       BatchSplit& out) {
  out.kind = BatchSplit::Kind::kSingle;
  out.reason = RejectReason::kMalformed;
  out.envelopes.clear();
  // Frames this large are never handed to libprotobuf's int-sized streams; decode_envelope
  // rejects them as oversized.
  if (frame.empty() || frame.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return;
  }
  auto reject = [&](RejectReason reason) {
    out.kind = BatchSplit::Kind::kRejected;
    out.reason = reason;
    out.envelopes.clear();
  };

  // Top level: find the batch field; anything unparseable is left to decode_envelope.
  CodedInputStream top(data_of(frame), static_cast<int>(frame.size()));
  std::span<const std::byte> body;
  bool batch = false;
  bool other_fields = false;
  bool bad_schema = false;
  for (;;) {
    const std::uint32_t tag = top.ReadTag();
    if (tag == 0) {
      if (top.CurrentPosition() != static_cast<int>(frame.size())) {
        if (!batch) return;  // garbage: not ours to judge
        return reject(RejectReason::kMalformed);
      }
      break;
    }
    if (tag == kBatchTag) {
      if (batch) return reject(RejectReason::kMalformed);  // protobuf would merge; we refuse
      if (!read_span(top, frame, body)) {
        return reject(RejectReason::kMalformed);
      }
      batch = true;
      continue;
    }
    if (tag == kSchemaVersionTag) {
      std::uint64_t version = 0;
      if (!top.ReadVarint64(&version)) {
        if (!batch) return;
        return reject(RejectReason::kMalformed);
      }
      bad_schema = version != 1;
      continue;
    }
    other_fields = true;
    if (!WireFormatLite::SkipField(&top, tag)) {
      if (!batch) return;
      return reject(RejectReason::kMalformed);
    }
  }
  if (!batch) return;
  if (other_fields) return reject(RejectReason::kMalformed);  // a batch is only a batch
  if (bad_schema) return reject(RejectReason::kWrongSchema);
  if (frame.size() > limits.max_batch_bytes) return reject(RejectReason::kOversized);

  CodedInputStream in(data_of(body), static_cast<int>(body.size()));
  for (;;) {
    const std::uint32_t tag = in.ReadTag();
    if (tag == 0) {
      if (in.CurrentPosition() != static_cast<int>(body.size())) {
        return reject(RejectReason::kMalformed);
      }
      break;
    }
    std::span<const std::byte> envelope;
    if (tag != kEnvelopesTag || !read_span(in, body, envelope)) {
      return reject(RejectReason::kMalformed);
    }
    if (out.envelopes.size() >= limits.max_batch_envelopes) {
      return reject(RejectReason::kOversized);
    }
    out.envelopes.push_back(envelope);
  }
  if (out.envelopes.empty()) return reject(RejectReason::kMalformed);
  out.kind = BatchSplit::Kind::kBatch;
}

}  // namespace pathwatch::collector
