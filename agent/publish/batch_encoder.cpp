// Protobuf wire format written by hand (tags, varint lengths, bytes): the envelopes are
// already serialized, so building a Batch message object would only copy them once more.
#include "agent/publish/batch_encoder.hpp"

#include <cstdint>

namespace pathwatch::agent {

namespace {

// Field keys: (field number << 3) | wire type (0 varint, 2 length-delimited).
constexpr char kSchemaVersionKey = (1 << 3) | 0;    // Envelope.schema_version
constexpr std::uint32_t kBatchKey = (17 << 3) | 2;  // Envelope.batch (two varint bytes)
constexpr char kEnvelopesKey = (1 << 3) | 2;        // Batch.envelopes

std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

}  // namespace

void BatchEncoder::clear() {
  body_.clear();
  seqs_.clear();
}

std::size_t BatchEncoder::cost(std::size_t size) {
  return 1 + varint_size(size) + size;
}

void BatchEncoder::add(std::uint64_t seq, std::string_view envelope) {
  body_.push_back(kEnvelopesKey);
  put_varint(body_, envelope.size());
  if (seqs_.empty()) {
    first_at_ = body_.size();
    first_size_ = envelope.size();
  }
  body_.append(envelope);
  seqs_.push_back(seq);
}

const std::string& BatchEncoder::frame() {
  frame_.clear();
  frame_.reserve(body_.size() + 16);
  frame_.push_back(kSchemaVersionKey);
  frame_.push_back(1);
  put_varint(frame_, kBatchKey);
  put_varint(frame_, body_.size());
  frame_.append(body_);
  return frame_;
}

}  // namespace pathwatch::agent
