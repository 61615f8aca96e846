// The API's token file (`api.tokens`): which bearer tokens exist, by SHA-256 only, each with a
// name (for logs and the audit trail) and a role. Read once at start-up, strictly: a file others
// could write would let them mint an operator.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/config/config_node.hpp"
#include "shared/security/api_role.hpp"
#include "shared/security/api_token.hpp"

namespace pathwatch::collector {

struct ApiTokenEntry {
  std::string name;
  shared::ApiRole role = shared::ApiRole::kViewer;
  shared::TokenDigest sha256{};
};

// Who is calling, once authenticated.
struct ApiCaller {
  std::string name;  // the token's name, or "loopback" without a token file
  shared::ApiRole role = shared::ApiRole::kViewer;
  std::string via;  // "token" or "loopback"
};

// A YAML list, one entry per token, as `pathwatchctl token create` prints it:
//   - {name: alice, role: operator, sha256: 64-hex-digits}
// Throws shared::ConfigError (FILE:LINE:COL) for a bad entry, a duplicate name or digest, and
// (FILE:0:0, naming the mode) for a file that is not regular, not owned by the running user
// (or root), or grants group or others any access (mode & 0077).
std::vector<ApiTokenEntry> load_api_token_file(const std::string& path);
std::vector<ApiTokenEntry> parse_api_tokens(const shared::ConfigNode& root);

class ApiTokenRegistry {
 public:
  explicit ApiTokenRegistry(std::vector<ApiTokenEntry> entries) : entries_(std::move(entries)) {}
  // Hashes the presented token and compares it with every entry in constant time (no early
  // exit), so timing tells neither which entry nor how much of a digest matched.
  std::optional<ApiCaller> find(std::string_view presented) const;
  std::size_t size() const { return entries_.size(); }

 private:
  std::vector<ApiTokenEntry> entries_;
};

}  // namespace pathwatch::collector
