// Feeds a scenario's envelopes to the collector's real ingest pipeline (decode, validate,
// sequence tracking, sessions, batched commits) as serialized bytes, received at their data
// time, into a real store: what the ZeroMQ socket loop does, minus the socket.
#pragma once

#include <cstddef>
#include <string>

#include "collector/ingest/ingest_pipeline.hpp"
#include "collector/store/store.hpp"
#include "tools/replay/scenario.hpp"

namespace pathwatch::tools {

struct IngestReport {
  std::size_t messages = 0;  // handed to the pipeline
  std::size_t bytes = 0;     // their serialized size
  std::size_t accepted = 0;
  std::size_t duplicates = 0;
  std::size_t rejected = 0;
  std::size_t stored = 0;  // committed by the store
  std::size_t commits = 0;
  std::size_t gaps = 0;
  bool ok = true;  // false: a commit failed (error says why); the replay stops there
  std::string error;
};

// The collector's ingest options for a scenario: sessions close after the scenario's silence
// threshold (the collector's silence_after), everything else the collector's defaults.
collector::IngestOptions replay_ingest_options(const ScenarioOptions& options);

IngestReport ingest_scenario(const Scenario& scenario, collector::Store& store,
                             const collector::IngestOptions& options);

}  // namespace pathwatch::tools
