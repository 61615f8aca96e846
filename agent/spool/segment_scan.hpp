// Reading a segment back after a restart or crash: which records are intact, where a torn
// tail (a write cut short by a crash or power cut) starts, and which damaged records in the
// middle were skipped. Pure: bytes in, verdict out.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "agent/publish/outbox.hpp"

namespace pathwatch::agent {

// Where one record lives in its segment file.
struct SpoolRecordRef {
  std::uint64_t seq = 0;
  std::int64_t created_unix_nanos = 0;
  std::uint32_t offset = 0;  // of the header
  std::uint32_t frame_len = 0;
  MessageClass message_class = MessageClass::kSummary;
};

struct SegmentScan {
  std::vector<SpoolRecordRef> records;  // intact, in file order, seq strictly increasing
  std::uint64_t valid_end = 0;          // the file should be truncated here
  bool torn_tail = false;               // bytes after valid_end were not a whole record
  std::uint64_t torn_bytes = 0;
  std::uint64_t corrupt_records = 0;  // damaged records skipped with intact ones after them
  std::uint64_t corrupt_bytes = 0;
};

// `after_seq`: records with seq <= after_seq (a duplicate or out-of-order seq can only come
// from damage) count as corrupt.
SegmentScan scan_spool_segment(std::string_view data, std::uint64_t after_seq = 0);

}  // namespace pathwatch::agent
