// Authentication of API callers: a bearer token from the token file, or, when the collector has
// no token file and listens on loopback only, "whoever can reach loopback is an operator" (the
// single-host default of scripts/run and the lab). Which role a route needs is the routes'
// business (api_handler); this only says who is calling.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "collector/api/api_tokens.hpp"

namespace pathwatch::collector {

struct Authentication {
  std::optional<ApiCaller> caller;  // nullopt: answer 401
  std::string refusal;              // why, for the 401 body (never echoes the token)
};

class ApiAccess {
 public:
  // Without a token file: a loopback peer is the operator "loopback"; any other peer is refused
  // (start-up already refuses to listen beyond loopback without tokens; this is the backstop).
  static ApiAccess loopback_operators();
  static ApiAccess with_tokens(std::vector<ApiTokenEntry> tokens);

  // `authorization` is the request's Authorization header ("" when absent).
  Authentication authenticate(std::string_view authorization, bool peer_loopback) const;
  bool has_tokens() const { return tokens_.has_value(); }
  std::size_t token_count() const { return tokens_ ? tokens_->size() : 0; }

 private:
  std::optional<ApiTokenRegistry> tokens_;
};

// "Bearer abc" -> "abc" (scheme case-insensitive, RFC 6750 section 2.1); nullopt otherwise.
std::optional<std::string_view> bearer_token(std::string_view authorization);

}  // namespace pathwatch::collector
