// Sharing a Hello's targets out among parts that fit (see the header).
#include "agent/publish/hello_split.hpp"

#include <google/protobuf/io/coded_stream.h>

namespace pathwatch::agent {
namespace {

namespace pb = pathwatch::v1;

// part, parts and total_targets: a tag and a varint of at most 5 bytes each.
constexpr std::size_t kPartFieldsBytes = 3 * (1 + 5);

// What one repeated message field adds: its tag (1 byte for field 6), a length varint, the
// message.
std::size_t field_cost(std::size_t message_bytes) {
  return 1 +
         google::protobuf::io::CodedOutputStream::VarintSize32(
             static_cast<std::uint32_t>(message_bytes)) +
         message_bytes;
}

}  // namespace

std::vector<pb::Hello> split_hello(const pb::Hello& hello, std::size_t max_body_bytes) {
  std::vector<pb::Hello> parts;
  if (hello.ByteSizeLong() <= max_body_bytes) {
    parts.push_back(hello);
    return parts;
  }
  pb::Hello header = hello;
  header.clear_targets();
  const std::size_t header_bytes = header.ByteSizeLong() + kPartFieldsBytes;
  std::size_t used = 0;
  for (const pb::TargetInfo& target : hello.targets()) {
    const std::size_t cost = field_cost(target.ByteSizeLong());
    if (parts.empty() || (used > 0 && header_bytes + used + cost > max_body_bytes)) {
      parts.push_back(header);
      used = 0;
    }
    *parts.back().add_targets() = target;
    used += cost;
  }
  if (parts.empty()) parts.push_back(header);
  const auto count = static_cast<std::uint32_t>(parts.size());
  for (std::uint32_t i = 0; i < count; ++i) {
    parts[i].set_part(i + 1);
    parts[i].set_parts(count);
    parts[i].set_total_targets(static_cast<std::uint32_t>(hello.targets_size()));
  }
  return parts;
}

}  // namespace pathwatch::agent
