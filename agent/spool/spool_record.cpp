// Record encoding and checksum (zlib's CRC32 over the header's first 28 bytes and the frame).
#include "agent/spool/spool_record.hpp"

#include <zlib.h>

#include <cstring>

namespace pathwatch::agent {
namespace {

constexpr std::size_t kCrcOffset = 28;

void put_le(char* p, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

std::uint64_t get_le(const char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  }
  return v;
}

std::uint32_t record_crc(const char* header_bytes, std::string_view frame) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(header_bytes), kCrcOffset);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(frame.data()), static_cast<uInt>(frame.size()));
  return static_cast<std::uint32_t>(crc);
}

}  // namespace

void encode_spool_record(const OutboxEntry& entry, std::string& out) {
  char h[kSpoolHeaderBytes] = {};
  put_le(h, kSpoolMagic, 4);
  put_le(h + 4, entry.frame.size(), 4);
  put_le(h + 8, entry.seq, 8);
  put_le(h + 16, static_cast<std::uint64_t>(entry.created_unix_nanos), 8);
  h[24] = static_cast<char>(entry.message_class);
  put_le(h + kCrcOffset, record_crc(h, entry.frame), 4);
  out.append(h, sizeof h);
  out.append(entry.frame);
}

bool decode_spool_header(const char* bytes, SpoolRecordHeader& header) {
  if (get_le(bytes, 4) != kSpoolMagic) return false;
  header.frame_len = static_cast<std::uint32_t>(get_le(bytes + 4, 4));
  if (header.frame_len > kSpoolMaxFrameBytes) return false;
  const auto cls = static_cast<unsigned char>(bytes[24]);
  if (cls > static_cast<unsigned char>(MessageClass::kControl)) return false;
  if (bytes[25] != 0 || bytes[26] != 0 || bytes[27] != 0) return false;
  header.seq = get_le(bytes + 8, 8);
  header.created_unix_nanos = static_cast<std::int64_t>(get_le(bytes + 16, 8));
  header.message_class = static_cast<MessageClass>(cls);
  header.crc = static_cast<std::uint32_t>(get_le(bytes + kCrcOffset, 4));
  return header.seq != 0;
}

bool spool_record_intact(const char* header_bytes, const SpoolRecordHeader& header,
                         std::string_view frame) {
  return frame.size() == header.frame_len && record_crc(header_bytes, frame) == header.crc;
}

}  // namespace pathwatch::agent
