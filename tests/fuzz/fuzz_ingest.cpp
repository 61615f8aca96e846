// libFuzzer target: agent frames (any bytes) through the collector's ingest pipeline: batch
// frames split, each envelope admitted, decoded + validated, dedup, batch and commit into the
// in-memory store. One input is a few frames split at kFrameSeparator, fed to a fresh pipeline,
// so every crash reproduces from its one input.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "collector/ingest/ingest_pipeline.hpp"
#include "collector/store/memory_store.hpp"
#include "shared/logging/logging.hpp"

namespace {

using namespace pathwatch;

// 2026-11-01T00:00:00Z: the receive time; envelopes in the seeds are stamped just before it.
constexpr std::int64_t kNowUnixNanos = 1'793'491'200'000'000'000;
// Never valid protobuf at the start of a field (tag 0), so seeds can join frames with it.
constexpr std::string_view kFrameSeparator{"\x00PWFRAME\x00", 9};
constexpr std::size_t kMaxFrames = 64;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = [] {
    shared::set_log_level(spdlog::level::off);
    return true;
  }();
  (void)quiet;
  collector::IngestCounters counters;
  collector::IngestPipeline pipeline{collector::IngestOptions{}, counters};
  collector::MemoryStore store;
  pipeline.load(store);
  auto now = shared::from_unix_nanos(kNowUnixNanos);

  std::string_view rest(reinterpret_cast<const char*>(data), size);
  for (std::size_t i = 0; i < kMaxFrames; ++i) {
    const auto cut = rest.find(kFrameSeparator);
    const std::string_view frame = rest.substr(0, cut);
    const auto bytes =
        std::span<const std::byte>(reinterpret_cast<const std::byte*>(frame.data()), frame.size());
    // Admission refuses some envelopes (as the flood limiter would), decided by their size so
    // the input alone decides it.
    const auto r = pipeline.handle_frame(bytes, now, {}, [](std::size_t n) { return n % 13 != 5; });
    if (r.accepted + r.duplicates + r.rejected + r.throttled != (r.envelopes ? r.envelopes : 1)) {
      __builtin_trap();  // every envelope of a frame has exactly one outcome
    }
    // Every other frame commits: both batched and single-message flushes get exercised.
    if (i % 2 == 1) {
      if (!pipeline.flush(store, now).ok) __builtin_trap();  // the memory store never fails
    }
    now += std::chrono::seconds{1};
    if (cut == std::string_view::npos) break;
    rest.remove_prefix(cut + kFrameSeparator.size());
  }
  if (!pipeline.flush(store, now).ok) __builtin_trap();
  pipeline.expire_gaps(now + std::chrono::hours{1});
  if (!pipeline.flush(store, now + std::chrono::hours{1}).ok) __builtin_trap();
  return 0;
}
