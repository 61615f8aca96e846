// Token file loading (permission checks on the descriptor that is read) and lookup.
#include "collector/api/api_tokens.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "shared/config/regular_file.hpp"

namespace pathwatch::collector {

namespace {

// Thousands of tokens are still far below this; anything larger is not a token file.
constexpr std::size_t kMaxTokenFileBytes = 1024 * 1024;

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  throw shared::ConfigError(shared::SourceLocation{path, 0, 0}, message);
}

}  // namespace

std::vector<ApiTokenEntry> parse_api_tokens(const shared::ConfigNode& root) {
  std::vector<ApiTokenEntry> out;
  if (root.is_null()) return out;  // an empty file: no tokens yet
  std::set<std::string> names;
  std::set<std::string> digests;
  for (const auto& item : root.as_sequence()) {
    shared::ConfigMap m = item.as_map();
    ApiTokenEntry e;
    const shared::ConfigNode name = m.required("name");
    e.name = name.as_nonempty_string();
    if (!shared::is_valid_token_name(e.name)) {
      name.fail("a token name is 1-64 characters of letters, digits and . _ @ -");
    }
    if (!names.insert(e.name).second) name.fail("token '" + e.name + "' is listed twice");
    const shared::ConfigNode role = m.required("role");
    const auto parsed_role = shared::parse_api_role(role.as_nonempty_string());
    if (!parsed_role) role.fail("expected one of: viewer, operator");
    e.role = *parsed_role;
    const shared::ConfigNode sha = m.required("sha256");
    const std::string hex = sha.as_nonempty_string();
    const auto digest = shared::parse_digest_hex(hex);
    if (!digest) {
      sha.fail("expected the token's SHA-256 as 64 hex digits (pathwatchctl token create)");
    }
    if (!digests.insert(shared::digest_hex(*digest)).second) {
      sha.fail("this digest is listed twice: one token, one name");
    }
    e.sha256 = *digest;
    m.finish();
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<ApiTokenEntry> load_api_token_file(const std::string& path) {
  // RegularFile opens non-blocking (a FIFO here would hang start-up and every reload), refuses a
  // symbolic link, and checks the type on the descriptor that is then read.
  shared::RegularFile file(path, "API token file", shared::RegularFile::Links::kRefuse);
  const struct stat& st = file.status();
  const unsigned mode = st.st_mode & 07777;
  if ((mode & 0077) != 0) {
    fail(path, fmt::format("token file has mode {:04o}: group/others may not have any access "
                           "(chmod 600 it)",
                           mode));
  }
  if (st.st_uid != ::geteuid() && st.st_uid != 0) {
    fail(path, fmt::format("token file is owned by uid {}, not by the running user (uid {}) "
                           "or root",
                           st.st_uid, ::geteuid()));
  }
  return parse_api_tokens(shared::ConfigNode::load_string(file.read_all(kMaxTokenFileBytes), path));
}

std::optional<ApiCaller> ApiTokenRegistry::find(std::string_view presented) const {
  const shared::TokenDigest digest = shared::api_token_digest(presented);
  const ApiTokenEntry* match = nullptr;
  for (const auto& e : entries_) {
    // No early exit: every entry is compared whatever matched before.
    if (shared::digests_equal(digest, e.sha256)) match = &e;
  }
  if (!match) return std::nullopt;
  return ApiCaller{match->name, match->role, "token"};
}

}  // namespace pathwatch::collector
