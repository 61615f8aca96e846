// Makes the per-agent sequence number survive restarts (docs/protocol.md: the collector
// stores each (agent, seq) once, so a restarted agent counting from 1 again would have its
// new messages dropped as duplicates). A small file in the spool directory holds a reserved
// upper bound: it is rewritten once per kBlock messages, and with the exact next value on a
// clean stop. After a crash the agent resumes above the reservation, leaving a gap of at
// most kBlock numbers that the collector records (a gap, never a collision).
#pragma once

#include <cstdint>
#include <string>

namespace pathwatch::agent {

class SeqStore {
 public:
  static constexpr std::uint64_t kBlock = 1024;

  // `directory` empty: sequence numbers are not persisted (they restart at 1). Throws
  // std::runtime_error when the directory or file cannot be created or read.
  explicit SeqStore(std::string directory);

  // The first seq to use now.
  std::uint64_t first() const { return first_; }
  // Call before using `seq`: reserves the next block when needed. Returns false (and the
  // agent carries on) if the file could not be written.
  bool reserve(std::uint64_t seq);
  // Clean stop: the next run continues at exactly `next_seq`.
  bool close(std::uint64_t next_seq);

 private:
  bool write(std::uint64_t value);

  std::string file_;
  std::uint64_t first_ = 1;
  std::uint64_t reserved_ = 0;  // seqs < reserved_ are covered by the file
};

}  // namespace pathwatch::agent
