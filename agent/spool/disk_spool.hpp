// The agent's disk spool: an Outbox whose entries survive restarts and crashes, so a site cut
// off from the collector keeps every measurement and delivers it later, oldest first, with its
// original timestamps. Two append-only segmented logs (summaries; events and control
// messages) so overflow can drop whole summary segments before any event; a state file holds
// the acknowledged position. Disk full or I/O errors fall back to a bounded memory queue.
// See docs/spool.md for the file format, the fsync policy and what a power cut can lose.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "agent/config/agent_config.hpp"
#include "agent/publish/memory_outbox.hpp"
#include "agent/publish/outbox.hpp"
#include "agent/spool/segment_scan.hpp"
#include "agent/spool/spool_file_ops.hpp"
#include "agent/spool/spool_state.hpp"
#include "shared/logging/logging.hpp"
#include "shared/time/clock.hpp"

namespace pathwatch::agent {

// The spool directory cannot be used (not creatable, not a directory, not writable, group or
// world writable, used by another agent). Thrown only while opening.
class SpoolStartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct DiskSpoolOptions {
  std::string directory;
  std::uint64_t max_bytes = 256ull << 20;  // segment files together stay within this
  std::uint64_t segment_bytes = 0;         // 0: max_bytes / 8, within [4 KiB, 4 MiB]
  // Summaries and control messages are fdatasync'ed at most this long after write();
  // events (state changes, route and link changes) before push() returns.
  shared::Nanos sync_interval{std::chrono::seconds{1}};
  // After a write error, how long the disk is left alone before the next attempt.
  shared::Nanos retry_interval{std::chrono::seconds{1}};
  shared::Nanos error_log_interval{std::chrono::seconds{60}};
  std::uint64_t memory_fallback_bytes = 16ull << 20;  // capped at max_bytes
  std::uint64_t memory_fallback_messages = 100'000;
};

class DiskSpool final : public Outbox {
 public:
  struct Counters {
    // Found while opening.
    std::uint64_t recovered_messages = 0;  // unacknowledged entries found on disk
    std::uint64_t torn_tails = 0;          // segments whose last record was cut short
    std::uint64_t torn_bytes = 0;
    std::uint64_t corrupt_records = 0;  // damaged records skipped (checksum, bad header)
    std::uint64_t corrupt_bytes = 0;
    // While running.
    std::uint64_t write_errors = 0;
    std::uint64_t sync_errors = 0;
    std::uint64_t read_errors = 0;  // records that failed to read or verify when sent: skipped
    std::uint64_t state_errors = 0;
    std::uint64_t memory_pushes = 0;  // entries kept in memory because the disk failed
    std::uint64_t moved_to_disk = 0;  // of those, written to disk once it worked again
    std::uint64_t dropped_segments = 0;
    std::uint64_t syncs = 0;
    // Messages the previous run lost (state file), reported through take_drops().
    std::uint64_t lost_by_previous_run = 0;
  };

  // Opens (creating if needed) the directory and recovers what is in it. Throws
  // SpoolStartError. `ops` must outlive the spool.
  DiskSpool(DiskSpoolOptions options, const shared::Clock& clock,
            SpoolFileOps& ops = posix_spool_file_ops());
  ~DiskSpool() override;
  DiskSpool(const DiskSpool&) = delete;
  DiskSpool& operator=(const DiskSpool&) = delete;

  void push(OutboxEntry entry) override;
  void ack(std::uint64_t through_seq) override;
  const OutboxEntry* next_after(std::uint64_t seq) const override;
  std::uint64_t messages() const override;
  // Unacknowledged bytes (records with their headers, and what waits in memory).
  std::uint64_t bytes() const override;
  std::uint64_t drops_pending() const override {
    return drops_.messages() + memory_.drops_pending();
  }
  // Empty while messages wait in memory (the disk failed): the DropReport would wait there
  // too and die with the process; the tally stays in the state file until the disk works.
  DropTally take_drops() override;
  // What a stop or a kill now would leave unreported: pending drops and what waits in memory.
  DropTally lost_if_stopped() const;

  // fdatasync what is due (sync_interval): the runtime calls this from its ~1 s tick so a
  // burst of summaries is made durable even when nothing is pushed after it.
  void sync_due();
  // fdatasync everything and write the state durably (also done by the destructor).
  void sync_now();

  // The highest seq the spool ever held (acknowledged or not); 0 if none.
  std::uint64_t highest_seq() const { return highest_seq_; }
  // The first seq a restarted agent may use: above both the seq store's reservation and
  // anything in the spool.
  std::uint64_t resume_seq(std::uint64_t seq_store_first) const;
  std::uint64_t acked_through() const { return acked_through_; }
  std::uint64_t disk_bytes() const { return disk_bytes_; }
  std::uint64_t memory_messages() const { return memory_.messages(); }
  const Counters& counters() const { return counters_; }

 private:
  struct Segment {
    std::uint64_t first_seq = 0;
    std::string path;
    int fd = -1;
    std::uint64_t size = 0;
    bool writable = false;  // the log's active segment
    // Unacknowledged records, after some acknowledged ones (compact_index() drops those, so
    // the index does not grow with the segment while acks come).
    std::vector<SpoolRecordRef> records;
    std::size_t live = 0;  // records before this index are acknowledged
  };
  struct Log {
    const char* name;
    std::deque<Segment> segments;
    bool unsynced = false;
  };
  static constexpr std::size_t kSummaryLog = 0;
  static constexpr std::size_t kEventLog = 1;

  void open_directory();
  void recover();
  // The previous run's lost tally, read from the state file, as exact ranges (below).
  void exact_lost_ranges();
  void load_segment(Log& log, const std::string& path, std::uint64_t first_seq);
  bool append(const OutboxEntry& entry);
  bool make_room(std::uint64_t need);
  void drop_segment(Log& log);
  void tally_drop(std::uint64_t seq, std::int64_t created, MessageClass cls);
  void delete_front_if_done(Log& log);
  static void compact_index(Segment& seg);
  void close_segment(Segment& seg, bool remove);
  void move_memory_to_disk();
  void write_state(bool durable);
  SpoolState current_state() const;
  void close_files();
  void sync_data();
  bool sync_log(Log& log);
  void io_error(const char* what, int err, bool fail_disk);
  const OutboxEntry* read_entry(const Segment& seg, const SpoolRecordRef& ref) const;

  DiskSpoolOptions options_;
  const shared::Clock& clock_;
  SpoolFileOps& ops_;
  std::string state_file_;
  int lock_fd_ = -1;
  int state_fd_ = -1;  // the current state file, for in-place rewrites on ack
  std::array<Log, 2> logs_{Log{"summary", {}, false}, Log{"event", {}, false}};
  MemoryOutbox memory_;
  bool disk_failed_ = false;
  shared::MonoNanos last_failure_{};
  shared::MonoNanos last_sync_{};
  shared::MonoNanos last_error_log_{};
  std::uint64_t errors_since_log_ = 0;
  bool error_logged_ = false;
  bool directory_unsynced_ = false;
  bool state_unsynced_ = false;
  std::uint64_t acked_through_ = 0;
  std::uint64_t highest_seq_ = 0;
  std::uint64_t disk_bytes_ = 0;  // segment file sizes
  std::uint64_t live_bytes_ = 0;  // unacknowledged records on disk
  std::uint64_t live_messages_ = 0;
  DropTally drops_;
  DropTally just_taken_;          // what the last take_drops() returned
  bool report_expected_ = false;  // the next push is the DropReport for just_taken_
  std::string buffer_;
  mutable OutboxEntry current_;  // what next_after() returned
  mutable Counters counters_;
  shared::LoggerPtr log_;
};

using DiskSpoolPtr = std::unique_ptr<DiskSpool>;

// What the agent calls at start-up: the spool for `config` (directory, max_bytes). Throws
// SpoolStartError with the directory and the reason when it cannot be used.
DiskSpoolPtr open_disk_spool(const SpoolConfig& config, const shared::Clock& clock);

}  // namespace pathwatch::agent
