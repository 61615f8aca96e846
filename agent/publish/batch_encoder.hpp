// Packs several serialized envelopes into one batch frame (pathwatch.v1.Envelope with body
// Batch, docs/protocol.md), so one ZeroMQ message (and one CURVE box) carries many of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pathwatch::agent {

class BatchEncoder {
 public:
  // Starts an empty batch (keeps the buffers' capacity).
  void clear();
  // Appends one serialized Envelope (copied) and remembers its seq.
  void add(std::uint64_t seq, std::string_view envelope);
  std::size_t envelopes() const { return seqs_.size(); }
  const std::vector<std::uint64_t>& seqs() const { return seqs_; }
  // The first envelope's bytes as added (to send it alone, unbatched).
  std::string_view first_envelope() const {
    return std::string_view(body_).substr(first_at_, first_size_);
  }
  // The bytes add() has taken so far, framing included: what the batch frame will weigh.
  std::size_t body_bytes() const { return body_.size(); }
  // Bytes one more envelope of `size` bytes adds to the frame.
  static std::size_t cost(std::size_t size);
  // The frame: schema_version = 1 and batch = {envelopes...}. Valid until the next call.
  const std::string& frame();

 private:
  std::string body_;   // the Batch message's fields
  std::string frame_;  // the Envelope around it
  std::vector<std::uint64_t> seqs_;
  std::size_t first_at_ = 0;
  std::size_t first_size_ = 0;
};

}  // namespace pathwatch::agent
