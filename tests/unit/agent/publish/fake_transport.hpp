// A Transport the test drives by hand: records what was sent, can refuse sends, and fires
// connection events and collector frames on request.
#pragma once

#include <string>
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

  // The seqs of what was sent, in order.
  std::vector<std::uint64_t> sent_seqs() const {
    std::vector<std::uint64_t> v;
    for (const auto& f : sent) {
      pathwatch::v1::Envelope e;
      e.ParseFromString(f);
      v.push_back(e.seq());
    }
    return v;
  }
  pathwatch::v1::Envelope sent_envelope(std::size_t i) const {
    pathwatch::v1::Envelope e;
    e.ParseFromString(sent.at(i));
    return e;
  }

  bool accepting = true;
  std::vector<std::string> sent;

 private:
  TransportHandlers handlers_;
};

}  // namespace pathwatch::agent::testing
