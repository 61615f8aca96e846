// Makes the per-agent sequence number survive restarts (docs/protocol.md: the collector
// stores each (agent, seq) once, so a restarted agent reusing a seq would have its new message
// dropped as a duplicate). A small file in the spool directory, `next_seq`, holds a reserved
// upper bound: every seq any run used is below it. It is rewritten durably (write, fdatasync,
// rename, directory fsync) before the first seq of each block of kBlock is used, and with the
// exact next value on a clean stop. After a crash the agent resumes at the reservation,
// leaving a gap of at most kBlock numbers (a gap, never a collision).
//
// When the file cannot be written (disk full, I/O error) it is removed, so it never promises
// less than what was used: the next start finds no reservation and numbers from the clock
// floor (agent/runtime/seq_resume.hpp), which is above every seq an earlier run used.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "shared/logging/logging.hpp"
#include "shared/time/clock.hpp"

namespace pathwatch::agent {

struct SeqStoreOptions {
  // After a failed write, reservations are not retried for this long (a full disk fails
  // every time, and every message would otherwise try).
  shared::Nanos retry_interval{std::chrono::seconds{1}};
  // At most one error line per this interval (docs/spool.md: once a minute per kind).
  shared::Nanos error_log_interval{std::chrono::minutes{1}};
};

class SeqStore {
 public:
  static constexpr std::uint64_t kBlock = 1024;

  struct Counters {
    std::uint64_t writes = 0;
    std::uint64_t write_errors = 0;
    std::uint64_t unreadable_files = 0;  // empty, torn or not a number: recovered, not fatal
    std::uint64_t error_lines = 0;       // error lines logged (rate-limited)
  };

  // `directory` empty: nothing is persisted (persisted() is nullopt on every start). Reads the
  // file; an empty, torn or unparsable one is reported with a warning and ignored. Throws
  // std::runtime_error only when the directory cannot be created.
  SeqStore(std::string directory, const shared::Clock& clock, SeqStoreOptions options = {});

  // The reservation a previous run left, if there is one that can be trusted.
  std::optional<std::uint64_t> persisted() const { return persisted_; }

  // This run starts at `first` (agent/runtime/seq_resume): reserves [first, first + kBlock).
  // Returns false if that could not be written (the agent carries on; see the header).
  bool start_at(std::uint64_t first);
  // Call before using `seq`: reserves the next block when needed. False: not persisted now.
  bool reserve(std::uint64_t seq);
  // Clean stop: the next run continues at exactly `next_seq`.
  bool close(std::uint64_t next_seq);

  const Counters& counters() const { return counters_; }

 private:
  // remove_on_failure: the file may promise less than what is about to be used: unlink it.
  bool write(std::uint64_t value, bool remove_on_failure);
  void failed(const char* what, int err, bool remove);

  std::string directory_;
  std::string file_;
  const shared::Clock& clock_;
  SeqStoreOptions options_;
  std::optional<std::uint64_t> persisted_;
  std::uint64_t reserved_ = 0;  // seqs < reserved_ are covered by the file
  bool failing_ = false;        // the last write failed: the file was removed
  shared::MonoNanos last_failure_{};
  shared::MonoNanos last_error_log_{};
  bool error_logged_ = false;
  std::uint64_t errors_since_log_ = 0;
  Counters counters_;
  shared::LoggerPtr log_;
};

}  // namespace pathwatch::agent
