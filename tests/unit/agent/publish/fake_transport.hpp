// A Transport the test drives by hand: records what was sent, can refuse sends, and fires
// connection events and collector frames on request.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "agent/publish/transport.hpp"
#include "pathwatch/v1/messages.pb.h"

namespace pathwatch::agent::testing {

class FakeTransport final : public Transport {
 public:
  void start(TransportHandlers handlers) override { handlers_ = std::move(handlers); }
  SendStatus try_send(std::string_view frame) override {
    if (!accepting) return SendStatus::kWouldBlock;
    sent.emplace_back(frame);
    return SendStatus::kSent;
  }
  void stop() override {}

  void connect() { handlers_.on_connected(); }
  void disconnect() { handlers_.on_disconnected(); }
  void ack(std::uint64_t through) {
    pathwatch::v1::CollectorMessage m;
    m.set_schema_version(1);
    m.mutable_ack()->set_through_seq(through);
    const std::string f = m.SerializeAsString();
    handlers_.on_frame(f);
  }
  void frame(const std::string& bytes) { handlers_.on_frame(bytes); }

  // Every envelope sent, in order, batch frames unpacked (a batch is only packaging).
  std::vector<pathwatch::v1::Envelope> sent_envelopes() const {
    std::vector<pathwatch::v1::Envelope> v;
    for (const auto& f : sent) {
      pathwatch::v1::Envelope e;
      e.ParseFromString(f);
      if (!e.has_batch()) {
        v.push_back(std::move(e));
        continue;
      }
      for (const auto& inner : e.batch().envelopes()) {
        pathwatch::v1::Envelope one;
        one.ParseFromString(inner);
        v.push_back(std::move(one));
      }
    }
    return v;
  }
  // The seqs of what was sent, in order.
  std::vector<std::uint64_t> sent_seqs() const {
    std::vector<std::uint64_t> v;
    for (const auto& e : sent_envelopes()) v.push_back(e.seq());
    return v;
  }
  std::size_t envelope_count() const { return sent_envelopes().size(); }
  pathwatch::v1::Envelope sent_envelope(std::size_t i) const { return sent_envelopes().at(i); }
  // How many frames were batches, and how many envelopes the largest carried.
  std::size_t batch_frames() const {
    std::size_t n = 0;
    for (const auto& f : sent) {
      pathwatch::v1::Envelope e;
      e.ParseFromString(f);
      n += e.has_batch() ? 1 : 0;
    }
    return n;
  }

  bool accepting = true;
  std::vector<std::string> sent;

 private:
  TransportHandlers handlers_;
};

}  // namespace pathwatch::agent::testing
