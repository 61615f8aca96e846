// The disk spool: recovery on open, appends with the fsync policy, segment-granular overflow
// (summaries first), acknowledgement, reads for the publisher, and the memory fallback.
#include "agent/spool/disk_spool.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include "agent/spool/spool_record.hpp"
#include "agent/spool/spool_state.hpp"

namespace pathwatch::agent {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMinSegmentBytes = 4 << 10;
constexpr std::uint64_t kMaxSegmentBytes = 4 << 20;
constexpr std::size_t kSeqDigits = 20;

std::uint64_t record_bytes(std::uint64_t frame_len) {
  return kSpoolHeaderBytes + frame_len;
}

std::string errno_text(int err) {
  return std::strerror(err < 0 ? -err : err);
}

// "summary-00000000000000000042.seg" -> 42 (the first seq it holds); 0 if not a segment name.
std::uint64_t parse_segment_name(const std::string& name, const std::string& prefix) {
  const std::string suffix = ".seg";
  if (name.size() != prefix.size() + 1 + kSeqDigits + suffix.size()) return 0;
  if (name.compare(0, prefix.size(), prefix) != 0 || name[prefix.size()] != '-') return 0;
  if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return 0;
  std::uint64_t v = 0;
  for (std::size_t i = prefix.size() + 1; i < prefix.size() + 1 + kSeqDigits; ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    v = v * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  return v;
}

bool read_all(int fd, std::string& out) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return false;
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

DiskSpool::DiskSpool(DiskSpoolOptions options, const shared::Clock& clock, SpoolFileOps& ops)
    : options_(std::move(options)),
      clock_(clock),
      ops_(ops),
      memory_(std::min(options_.memory_fallback_bytes, options_.max_bytes),
              options_.memory_fallback_messages),
      log_(shared::component_logger("agent.spool")) {
  if (options_.segment_bytes == 0) {
    options_.segment_bytes =
        std::clamp<std::uint64_t>(options_.max_bytes / 8, kMinSegmentBytes, kMaxSegmentBytes);
  }
  state_file_ = options_.directory + "/acked";
  last_sync_ = last_failure_ = clock_.mono_now();
  open_directory();
  try {
    recover();
  } catch (...) {
    for (Log& log : logs_) {
      for (Segment& s : log.segments) close_segment(s, false);
    }
    ::close(lock_fd_);
    throw;
  }
}

DiskSpool::~DiskSpool() {
  // A clean stop: what waits in memory gets one more chance at the disk; what cannot be
  // written stays counted in the state file as lost, for the next run to report.
  if (memory_.messages() > 0) move_memory_to_disk();
  sync_now();
  close_files();
}

void DiskSpool::close_files() {
  for (Log& log : logs_) {
    for (Segment& s : log.segments) close_segment(s, false);
  }
  if (state_fd_ >= 0) ::close(state_fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

void DiskSpool::open_directory() {
  const std::string& dir = options_.directory;
  if (dir.empty()) throw SpoolStartError("spool directory: not configured (spool.directory)");
  std::error_code ec;
  if (fs::create_directories(dir, ec)) {
    fs::permissions(dir, fs::perms::owner_all, ec);
  }
  if (ec) throw SpoolStartError("spool directory " + dir + ": cannot create it: " + ec.message());
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    throw SpoolStartError("spool directory " + dir + ": " + errno_text(errno));
  }
  if (!S_ISDIR(st.st_mode)) throw SpoolStartError("spool directory " + dir + ": not a directory");
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    // Anyone who can write there can inject or delete measurements before they are sent.
    throw SpoolStartError("spool directory " + dir +
                          ": group or world writable; make it private (chmod 700)");
  }
  if (::access(dir.c_str(), R_OK | W_OK | X_OK) != 0) {
    throw SpoolStartError("spool directory " + dir +
                          ": not readable and writable by this user: " + errno_text(errno));
  }
  // Two agents appending to one spool would interleave records: refuse the second.
  lock_fd_ = ::open((dir + "/lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) {
    throw SpoolStartError("spool directory " + dir +
                          ": cannot create its lock file: " + errno_text(errno));
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw SpoolStartError("spool directory " + dir + ": in use by another process (" +
                          errno_text(err) + ")");
  }
}

void DiskSpool::recover() {
  const std::string& dir = options_.directory;
  if (auto state = read_spool_state(state_file_)) {
    acked_through_ = state->acked_through;
    highest_seq_ = state->highest_seq;
    // Lost by the previous run (in memory when it stopped or was killed with the disk full,
    // or dropped and not reported yet): reported by this run, as its first DropReport.
    drops_ = state->lost;
    counters_.lost_by_previous_run = state->lost.messages();
  } else if (fs::exists(state_file_)) {
    log_->warn("spool {}: state file damaged: resending everything on disk", dir);
  }
  std::array<std::vector<std::pair<std::uint64_t, std::string>>, 2> found;
  std::error_code ec;
  for (const auto& de : fs::directory_iterator(dir, ec)) {
    const std::string name = de.path().filename().string();
    for (std::size_t i = 0; i < logs_.size(); ++i) {
      if (const std::uint64_t first = parse_segment_name(name, logs_[i].name)) {
        found[i].emplace_back(first, de.path().string());
      }
    }
  }
  if (ec) throw SpoolStartError("spool directory " + dir + ": cannot list: " + ec.message());
  for (std::size_t i = 0; i < logs_.size(); ++i) {
    std::sort(found[i].begin(), found[i].end());
    for (const auto& [first, path] : found[i]) load_segment(logs_[i], path, first);
  }
  for (Log& log : logs_) {
    if (!log.segments.empty()) {
      highest_seq_ = std::max(highest_seq_, log.segments.back().records.back().seq);
    }
  }
  highest_seq_ = std::max(highest_seq_, acked_through_);
  counters_.recovered_messages = live_messages_;
  exact_lost_ranges();
  make_room(0);  // max_bytes may have shrunk since the last run
  const int rc = write_spool_state(ops_, dir, state_file_, current_state(), /*durable=*/true);
  state_fd_ = ::open(state_file_.c_str(), O_RDWR | O_CLOEXEC);
  if (rc != 0) {
    // A full disk must not keep the agent from starting (it would lose everything it measures
    // until someone frees space): carry on with in-place rewrites of the existing file.
    if (state_fd_ < 0 || overwrite_spool_state(state_fd_, current_state()) != 0) {
      throw SpoolStartError("spool directory " + dir + ": cannot write " + state_file_ + ": " +
                            errno_text(rc));
    }
    ++counters_.state_errors;
    state_unsynced_ = true;
    io_error("replacing the state file at start", rc, /*fail_disk=*/false);
  }
  if (live_messages_ > 0 || counters_.torn_tails > 0 || counters_.corrupt_records > 0) {
    log_->info(
        "spool {}: {} unacknowledged messages ({} bytes) to resend after seq {}; {} torn tails "
        "truncated ({} bytes), {} damaged records skipped ({} bytes)",
        dir, live_messages_, live_bytes_, acked_through_, counters_.torn_tails,
        counters_.torn_bytes, counters_.corrupt_records, counters_.corrupt_bytes);
  }
}

void DiskSpool::exact_lost_ranges() {
  // The state file keeps only the span of what was lost, and the span may hold records that
  // were kept (summaries dropped, the events between them still on disk): the DropReport must
  // not give those up. Everything the last run kept is on disk now (what waited in memory is
  // in the tally), so the seqs lost are the span minus the records recovered.
  if (drops_.empty() || drops_.first_seq == 0 || drops_.last_seq < drops_.first_seq) return;
  std::vector<std::uint64_t> kept;
  for (const Log& log : logs_) {
    for (const Segment& seg : log.segments) {
      for (std::size_t i = seg.live; i < seg.records.size(); ++i) {
        const std::uint64_t seq = seg.records[i].seq;
        if (seq >= drops_.first_seq && seq <= drops_.last_seq) kept.push_back(seq);
      }
    }
  }
  std::sort(kept.begin(), kept.end());
  drops_.ranges.clear();
  std::uint64_t next = drops_.first_seq;
  for (const std::uint64_t seq : kept) {
    if (seq > next) add_seq_range(drops_.ranges, next, seq - 1);
    next = std::max(next, seq + 1);
  }
  if (next <= drops_.last_seq) add_seq_range(drops_.ranges, next, drops_.last_seq);
}

void DiskSpool::load_segment(Log& log, const std::string& path, std::uint64_t first_seq) {
  Segment seg;
  seg.first_seq = first_seq;
  seg.path = path;
  seg.fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  std::string data;
  if (seg.fd < 0 || !read_all(seg.fd, data)) {
    throw SpoolStartError("spool segment " + path + ": cannot read: " + errno_text(errno));
  }
  const std::uint64_t after = log.segments.empty() ? 0 : log.segments.back().records.back().seq;
  SegmentScan scan = scan_spool_segment(data, after);
  seg.size = data.size();
  if (scan.torn_tail) {
    ++counters_.torn_tails;
    counters_.torn_bytes += scan.torn_bytes;
    // Cut the partial record so the file is clean for the next scan (nothing is ever appended
    // to a recovered segment: new records go to new segments).
    if (::ftruncate(seg.fd, static_cast<off_t>(scan.valid_end)) == 0) seg.size = scan.valid_end;
  }
  counters_.corrupt_records += scan.corrupt_records;
  counters_.corrupt_bytes += scan.corrupt_bytes;
  seg.records = std::move(scan.records);
  while (seg.live < seg.records.size() && seg.records[seg.live].seq <= acked_through_) ++seg.live;
  if (seg.live == seg.records.size()) {
    if (!seg.records.empty()) {
      highest_seq_ = std::max(highest_seq_, seg.records.back().seq);
    }
    close_segment(seg, true);  // acknowledged or empty: nothing left to send
    return;
  }
  for (std::size_t i = seg.live; i < seg.records.size(); ++i) {
    live_bytes_ += record_bytes(seg.records[i].frame_len);
    ++live_messages_;
  }
  disk_bytes_ += seg.size;
  log.segments.push_back(std::move(seg));
}

void DiskSpool::push(OutboxEntry entry) {
  highest_seq_ = std::max(highest_seq_, entry.seq);
  const shared::MonoNanos now = clock_.mono_now();
  if (disk_failed_ && now - last_failure_ >= options_.retry_interval) {
    disk_failed_ = false;
    move_memory_to_disk();
  }
  // While anything waits in memory, newer entries queue behind it: the disk only ever holds
  // seqs below those in memory, so reads stay in seq order.
  const bool report = std::exchange(report_expected_, false);
  if (disk_failed_ || memory_.messages() > 0 || !append(entry)) {
    if (report && entry.message_class == MessageClass::kControl) {
      // The DropReport for what take_drops() just handed out could not be written: in memory
      // it would die with the process and its counts with it. Keep the counts instead, and
      // count the report itself as dropped; a later report says it all.
      drops_.merge(std::exchange(just_taken_, DropTally{}));
      tally_drop(entry.seq, entry.created_unix_nanos, entry.message_class);
      write_state(/*durable=*/false);
      return;
    }
    ++counters_.memory_pushes;
    memory_.push(std::move(entry));
    // A SIGKILL now loses what waits in memory: the state file says how much, exactly.
    write_state(/*durable=*/false);
    return;
  }
  if (entry.message_class == MessageClass::kEvent) {
    sync_data();  // state changes and route events are durable before push() returns
  } else {
    sync_due();
  }
}

bool DiskSpool::append(const OutboxEntry& entry) {
  Log& log = logs_[entry.message_class == MessageClass::kSummary ? kSummaryLog : kEventLog];
  const std::uint64_t need = record_bytes(entry.frame.size());
  if (need > options_.max_bytes) {
    tally_drop(entry.seq, entry.created_unix_nanos, entry.message_class);
    return true;  // can never fit: dropped and reported, not retried
  }
  make_room(need);
  Segment* seg = nullptr;
  if (!log.segments.empty() && log.segments.back().writable) seg = &log.segments.back();
  if (seg != nullptr && seg->size > 0 && seg->size + need > options_.segment_bytes) {
    if (log.unsynced) sync_log(log);  // a sealed segment is never synced later
    seg->writable = false;
    seg = nullptr;
    if (log.segments.size() == 1 &&
        log.segments.front().live == log.segments.front().records.size()) {
      disk_bytes_ -= log.segments.front().size;  // acknowledged while it was active
      close_segment(log.segments.front(), true);
      log.segments.pop_front();
    }
  }
  if (seg == nullptr) {
    char name[64];
    std::snprintf(name, sizeof name, "/%s-%020llu.seg", log.name,
                  static_cast<unsigned long long>(entry.seq));
    Segment fresh;
    fresh.first_seq = entry.seq;
    fresh.path = options_.directory + name;
    fresh.fd = ops_.open_write(fresh.path, /*append=*/true);
    if (fresh.fd < 0) {
      ++counters_.write_errors;
      io_error("creating a segment", fresh.fd, /*fail_disk=*/true);
      return false;
    }
    fresh.writable = true;
    log.segments.push_back(std::move(fresh));
    directory_unsynced_ = true;
    seg = &log.segments.back();
  }
  buffer_.clear();
  encode_spool_record(entry, buffer_);
  const long n = ops_.write(seg->fd, buffer_.data(), buffer_.size());
  if (n != static_cast<long>(buffer_.size())) {
    ++counters_.write_errors;
    // Never leave a partial record to append after: cut it, or stop using the segment (the
    // next open truncates the torn tail).
    if (n > 0 && ::ftruncate(seg->fd, static_cast<off_t>(seg->size)) != 0) seg->writable = false;
    if (seg->records.empty()) {
      close_segment(*seg, true);
      log.segments.pop_back();
    }
    io_error("writing", n < 0 ? static_cast<int>(n) : -ENOSPC, /*fail_disk=*/true);
    return false;
  }
  seg->records.push_back({entry.seq, entry.created_unix_nanos,
                          static_cast<std::uint32_t>(seg->size),
                          static_cast<std::uint32_t>(entry.frame.size()), entry.message_class});
  seg->size += need;
  disk_bytes_ += need;
  live_bytes_ += need;
  ++live_messages_;
  log.unsynced = true;
  return true;
}

bool DiskSpool::make_room(std::uint64_t need) {
  while (disk_bytes_ + need > options_.max_bytes) {
    // Oldest summary segment first; events only when no summary is left on disk.
    Log* victim = nullptr;
    if (!logs_[kSummaryLog].segments.empty()) {
      victim = &logs_[kSummaryLog];
    } else if (!logs_[kEventLog].segments.empty()) {
      victim = &logs_[kEventLog];
    } else {
      return false;
    }
    drop_segment(*victim);
  }
  return true;
}

void DiskSpool::drop_segment(Log& log) {
  Segment& seg = log.segments.front();
  for (std::size_t i = seg.live; i < seg.records.size(); ++i) {
    const SpoolRecordRef& r = seg.records[i];
    tally_drop(r.seq, r.created_unix_nanos, r.message_class);
    live_bytes_ -= record_bytes(r.frame_len);
    --live_messages_;
  }
  disk_bytes_ -= seg.size;
  close_segment(seg, true);
  log.segments.pop_front();
  if (log.segments.empty()) log.unsynced = false;
  ++counters_.dropped_segments;
  state_unsynced_ = true;  // highest_seq must outlive the dropped records
}

void DiskSpool::tally_drop(std::uint64_t seq, std::int64_t created, MessageClass cls) {
  drops_.add(seq, created, cls);
}

void DiskSpool::close_segment(Segment& seg, bool remove) {
  if (seg.fd >= 0) ::close(seg.fd);
  seg.fd = -1;
  if (remove) {
    ::unlink(seg.path.c_str());
    directory_unsynced_ = true;
  }
}

// The active segment lives until it is full (4 MiB: ~30,000 summaries), and its index with it:
// 32 B per record in a vector that doubles, ~1 MB for a full segment although acks keep only a
// few records unacknowledged. Once at least half of it (and kCompactAfter) is acknowledged,
// the acknowledged entries go, so the vector stays at about twice what is unacknowledged
// (moving at most as many entries as were acknowledged: amortized O(1) per record). The last
// entry always stays: records.back() is the segment's highest seq and an empty index means a
// segment that was never written to (append()).
void DiskSpool::compact_index(Segment& seg) {
  constexpr std::size_t kCompactAfter = 1024;
  if (seg.live < kCompactAfter || seg.live * 2 < seg.records.size()) return;
  const std::size_t drop = std::min(seg.live, seg.records.size() - 1);
  seg.records.erase(seg.records.begin(), seg.records.begin() + static_cast<std::ptrdiff_t>(drop));
  seg.live -= drop;
}

void DiskSpool::ack(std::uint64_t through_seq) {
  if (through_seq <= acked_through_) return;
  acked_through_ = through_seq;
  memory_.ack(through_seq);
  // State first, then deletions: a kill in between must not leave a state file older than
  // the segments (the restart would see acknowledged records missing, not resent ones).
  // Without fsync: exact after a killed process, made durable at the next sync point.
  write_state(/*durable=*/false);
  state_unsynced_ = true;
  for (Log& log : logs_) {
    while (!log.segments.empty()) {
      Segment& s = log.segments.front();
      while (s.live < s.records.size() && s.records[s.live].seq <= through_seq) {
        live_bytes_ -= record_bytes(s.records[s.live].frame_len);
        --live_messages_;
        ++s.live;
      }
      compact_index(s);
      // The active segment stays (no file churn when everything is acknowledged at once);
      // it goes when it is closed for writing.
      if (s.live < s.records.size() || s.writable) break;
      disk_bytes_ -= s.size;
      close_segment(s, true);
      log.segments.pop_front();
    }
    if (log.segments.empty()) log.unsynced = false;
  }
  sync_due();
}

const OutboxEntry* DiskSpool::next_after(std::uint64_t seq) const {
  // Bounded by the number of records: each round skips one unreadable record.
  for (std::uint64_t round = 0; round <= live_messages_; ++round) {
    const Segment* best_seg = nullptr;
    const SpoolRecordRef* best = nullptr;
    for (const Log& log : logs_) {
      const auto& segs = log.segments;
      auto sit = std::partition_point(segs.begin(), segs.end(), [&](const Segment& s) {
        return s.records.empty() || s.records.back().seq <= seq;
      });
      if (sit == segs.end()) continue;
      auto rit = std::upper_bound(
          sit->records.begin() + static_cast<std::ptrdiff_t>(sit->live), sit->records.end(), seq,
          [](std::uint64_t s, const SpoolRecordRef& r) { return s < r.seq; });
      if (rit == sit->records.end()) continue;
      if (best == nullptr || rit->seq < best->seq) {
        best = &*rit;
        best_seg = &*sit;
      }
    }
    // Everything in memory is newer than everything on disk.
    if (best == nullptr) return memory_.next_after(seq);
    if (const OutboxEntry* e = read_entry(*best_seg, *best)) return e;
    seq = best->seq;
  }
  return memory_.next_after(seq);
}

const OutboxEntry* DiskSpool::read_entry(const Segment& seg, const SpoolRecordRef& ref) const {
  const std::size_t size = record_bytes(ref.frame_len);
  std::string& buf = current_.frame;
  buf.resize(size);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n =
        ::pread(seg.fd, buf.data() + done, size - done, static_cast<off_t>(ref.offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  SpoolRecordHeader h;
  if (done != size || !decode_spool_header(buf.data(), h) || h.seq != ref.seq ||
      !spool_record_intact(buf.data(), h,
                           std::string_view(buf).substr(kSpoolHeaderBytes, h.frame_len))) {
    ++counters_.read_errors;  // damaged after it was written: skipped, the collector sees a gap
    return nullptr;
  }
  buf.erase(0, kSpoolHeaderBytes);
  current_.seq = ref.seq;
  current_.created_unix_nanos = ref.created_unix_nanos;
  current_.message_class = ref.message_class;
  return &current_;
}

std::uint64_t DiskSpool::messages() const {
  return live_messages_ + memory_.messages();
}

std::uint64_t DiskSpool::bytes() const {
  return live_bytes_ + memory_.bytes();
}

DropTally DiskSpool::take_drops() {
  // While messages wait in memory the DropReport would wait there too, and a stop would lose
  // it with its counts: keep the tally (it is in the state file) until the disk works again.
  if (disk_failed_ || memory_.messages() > 0) return {};
  drops_.merge(memory_.take_drops());
  DropTally taken = std::exchange(drops_, DropTally{});
  if (!taken.empty()) {
    write_state(/*durable=*/false);
    // The publisher pushes the DropReport next: push() checks that it reached the disk.
    just_taken_ = taken;
    report_expected_ = true;
  }
  return taken;
}

DropTally DiskSpool::lost_if_stopped() const {
  // Counts and span only: the state file keeps no more (the next run finds the exact ranges
  // from what it recovers, exact_lost_ranges()), and this runs on every push to memory.
  DropTally t = drops_.span_only();
  t.merge(memory_.pending_drops().span_only());
  t.merge(memory_.contents());
  return t;
}

SpoolState DiskSpool::current_state() const {
  return SpoolState{acked_through_, highest_seq_, lost_if_stopped()};
}

std::uint64_t DiskSpool::resume_seq(std::uint64_t seq_store_first) const {
  return std::max(seq_store_first, highest_seq_ + 1);
}

void DiskSpool::move_memory_to_disk() {
  std::uint64_t moved = 0;
  while (const OutboxEntry* e = memory_.next_after(0)) {
    if (!append(*e)) break;  // still failing: append marked the disk failed again
    const std::uint64_t seq = e->seq;
    memory_.ack(seq);
    ++moved;
  }
  counters_.moved_to_disk += moved;
  if (moved > 0) write_state(/*durable=*/false);
  if (moved > 0) {
    log_->info("spool {}: writing works again: moved {} messages from memory to disk",
               options_.directory, moved);
    sync_data();
  }
}

void DiskSpool::sync_due() {
  if (clock_.mono_now() - last_sync_ >= options_.sync_interval) sync_now();
}

void DiskSpool::sync_now() {
  sync_data();
  if (state_unsynced_) write_state(/*durable=*/true);
}

void DiskSpool::sync_data() {
  for (Log& log : logs_) {
    if (log.unsynced && !log.segments.empty() && log.segments.back().writable) sync_log(log);
  }
  if (directory_unsynced_) {
    const int rc = sync_directory(options_.directory);
    if (rc == 0) {
      directory_unsynced_ = false;
    } else {
      ++counters_.sync_errors;
      io_error("syncing the directory", rc, /*fail_disk=*/false);
    }
  }
  last_sync_ = clock_.mono_now();
  ++counters_.syncs;
}

bool DiskSpool::sync_log(Log& log) {
  const int rc = ops_.datasync(log.segments.back().fd);
  if (rc != 0) {
    ++counters_.sync_errors;
    io_error("fdatasync", rc, /*fail_disk=*/false);
    return false;
  }
  log.unsynced = false;
  return true;
}

void DiskSpool::write_state(bool durable) {
  const SpoolState state = current_state();
  if (!durable && state_fd_ >= 0) {
    // In place: a rename per ack costs milliseconds on ext4 (it flushes the replaced file).
    const int rc = overwrite_spool_state(state_fd_, state);
    if (rc != 0) {
      ++counters_.state_errors;
      io_error("rewriting the state file", rc, /*fail_disk=*/false);
    }
    return;
  }
  const int rc = write_spool_state(ops_, options_.directory, state_file_, state, durable);
  if (rc != 0) {
    ++counters_.state_errors;
    io_error("writing the state file", rc, /*fail_disk=*/false);
    // A full disk cannot take a new file, but the old one's block can be rewritten: the next
    // run must still learn what this one lost.
    if (state_fd_ >= 0 && overwrite_spool_state(state_fd_, state) != 0) ++counters_.state_errors;
    return;
  }
  if (durable) state_unsynced_ = false;
  // The rename replaced the file: in-place rewrites must go to the new one.
  if (state_fd_ >= 0) ::close(state_fd_);
  state_fd_ = ::open(state_file_.c_str(), O_RDWR | O_CLOEXEC);
}

void DiskSpool::io_error(const char* what, int err, bool fail_disk) {
  const shared::MonoNanos now = clock_.mono_now();
  if (fail_disk) {
    disk_failed_ = true;
    last_failure_ = now;
  }
  ++errors_since_log_;
  // Rate-limited: a full disk fails on every push.
  if (error_logged_ && now - last_error_log_ < options_.error_log_interval) return;
  log_->error("spool {}: {} failed: {} ({} I/O errors since the last report){}", options_.directory,
              what, errno_text(err), errors_since_log_,
              fail_disk ? "; keeping new messages in memory until the disk works again" : "");
  errors_since_log_ = 0;
  last_error_log_ = now;
  error_logged_ = true;
}

DiskSpoolPtr open_disk_spool(const SpoolConfig& config, const shared::Clock& clock) {
  DiskSpoolOptions options;
  options.directory = config.directory;
  options.max_bytes = config.max_bytes;
  return std::make_unique<DiskSpool>(std::move(options), clock);
}

}  // namespace pathwatch::agent
