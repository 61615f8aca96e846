// Push+ack throughput of the disk spool against the in-memory outbox it replaces: 300-byte
// frames, an ack every 64 messages (the collector acknowledges batches). Summaries are
// fdatasync'ed at most once a second; the event figure pays one fdatasync per message.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>

#include "agent/publish/memory_outbox.hpp"
#include "agent/spool/disk_spool.hpp"
#include "shared/logging/logging.hpp"
#include "shared/time/clock.hpp"

namespace {

using namespace pathwatch::agent;

constexpr std::uint64_t kAckEvery = 64;

class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pw-spool-bench-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string spool() const { return path_ + "/spool"; }

 private:
  std::string path_;
};

void push_ack(benchmark::State& state, Outbox& outbox, MessageClass cls) {
  std::uint64_t seq = 0;
  const std::string frame(300, 'x');
  for (auto _ : state) {
    ++seq;
    outbox.push(OutboxEntry{seq, static_cast<std::int64_t>(seq), cls, frame});
    benchmark::DoNotOptimize(outbox.next_after(seq - 1));  // what the publisher sends
    if (seq % kAckEvery == 0) outbox.ack(seq);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_DiskSpoolPushAck(benchmark::State& state) {
  ScratchDir dir;
  pathwatch::shared::SystemClock clock;
  DiskSpoolOptions options;
  options.directory = dir.spool();
  DiskSpool spool(options, clock);
  push_ack(state, spool, MessageClass::kSummary);
}

void BM_DiskSpoolPushAckEvents(benchmark::State& state) {
  ScratchDir dir;
  pathwatch::shared::SystemClock clock;
  DiskSpoolOptions options;
  options.directory = dir.spool();
  DiskSpool spool(options, clock);
  push_ack(state, spool, MessageClass::kEvent);
}

void BM_MemoryOutboxPushAck(benchmark::State& state) {
  MemoryOutbox outbox(256ull << 20, 200'000);
  push_ack(state, outbox, MessageClass::kSummary);
}

BENCHMARK(BM_DiskSpoolPushAck);
BENCHMARK(BM_DiskSpoolPushAckEvents);
BENCHMARK(BM_MemoryOutboxPushAck);

}  // namespace

int main(int argc, char** argv) {
  pathwatch::shared::set_log_level(spdlog::level::warn);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
