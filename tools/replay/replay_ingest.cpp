#include "tools/replay/replay_ingest.hpp"

#include <span>

namespace pathwatch::tools {

collector::IngestOptions replay_ingest_options(const ScenarioOptions& options) {
  collector::IngestOptions o;
  o.silence = session_silence_threshold(options);
  return o;
}

IngestReport ingest_scenario(const Scenario& scenario, collector::Store& store,
                             const collector::IngestOptions& options) {
  IngestReport report;
  collector::IngestCounters counters;
  collector::IngestPipeline pipeline(options, counters);
  pipeline.load(store);
  auto flush = [&](shared::UtcNanos now) {
    const auto r = pipeline.flush(store, now);
    ++report.commits;
    if (!r.ok) {
      report.ok = false;
      report.error = r.error;
    }
    return r.ok;
  };
  std::string bytes;
  shared::UtcNanos last{};
  for (const auto& envelope : scenario.envelopes) {
    // As the agent sends it: the serialized envelope; received when it was created (live).
    envelope.SerializeToString(&bytes);
    const auto received = shared::from_unix_nanos(envelope.created_unix_nanos());
    last = received;
    ++report.messages;
    report.bytes += bytes.size();
    const auto r = pipeline.handle(std::as_bytes(std::span(bytes.data(), bytes.size())), received);
    if (r.outcome == collector::HandleResult::Outcome::kRejected) ++report.rejected;
    if (pipeline.batch_full() && !flush(received)) return report;
  }
  flush(last);
  report.accepted = counters.accepted.load();
  report.duplicates = counters.duplicates.load();
  report.stored = counters.stored.load();
  report.gaps = counters.gaps.load();
  return report;
}

}  // namespace pathwatch::tools
