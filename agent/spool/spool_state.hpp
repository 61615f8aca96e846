// The spool's small state file ("acked"): how far the collector acknowledged and the highest
// seq the spool ever held, so a restart resends only what is unacknowledged and never reuses a
// seq even when every segment was deleted. Replaced atomically (write temp, rename).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "agent/publish/outbox.hpp"
#include "agent/spool/spool_file_ops.hpp"

namespace pathwatch::agent {

struct SpoolState {
  std::uint64_t acked_through = 0;
  std::uint64_t highest_seq = 0;
  // What is gone, or would be gone if the process ended now, and was not reported yet: drops
  // not yet in a DropReport and the messages waiting in memory because the disk failed. The
  // next run reports it (docs/spool.md "Disk full"). Rewritten in place on every change while
  // the disk fails (an in-place write of an allocated block works on a full disk).
  DropTally lost;
};

// nullopt if the file is missing or damaged (the caller then resends everything it has:
// duplicates are harmless, the collector drops them by (agent, seq)).
std::optional<SpoolState> read_spool_state(const std::string& file);

// Writes `file`.tmp and renames it over `file`. `durable`: fdatasync the temp file before the
// rename and fsync the directory after it, so a power cut leaves the old or the new state.
// Without it the rename still survives a killed process (the page cache does). 0 or -errno.
int write_spool_state(SpoolFileOps& ops, const std::string& directory, const std::string& file,
                      const SpoolState& state, bool durable);

// Rewrites the state in place through `fd` (the open state file): one pwrite(2) of a
// fixed-length text, no rename. Survives a killed process; the next durable write_spool_state
// covers power cuts (a torn in-place write reads as damaged: everything is resent). 0 or -errno.
int overwrite_spool_state(int fd, const SpoolState& state);

// fsync(2) of a directory, so created, renamed and deleted names survive a power cut.
int sync_directory(const std::string& directory);

}  // namespace pathwatch::agent
