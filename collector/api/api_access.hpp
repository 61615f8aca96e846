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

// Why a request is refused before anyone asks who is calling (browser defences).
struct ApiRefusal {
  int status;
  std::string message;
};

// The headers a browser sets and pathwatchctl does not: what screen() judges.
struct RequestHeaders {
  std::string_view method;
  std::optional<std::string_view> origin;  // Origin, when present
  std::optional<std::string_view> host;    // Host, when present
  std::string_view content_type;           // "" when absent
};

struct Authentication {
  std::optional<ApiCaller> caller;  // nullopt: answer 401
  std::string refusal;              // why, for the 401 body (never echoes the token)
};

class ApiAccess {
 public:
  // Without a token file: a loopback peer is the operator "loopback"; any other peer is refused
  // (start-up already refuses to listen beyond loopback without tokens; this is the backstop).
  // `listen_address` is api.listen's address: the Host header may name it (or localhost, or a
  // loopback literal).
  static ApiAccess loopback_operators(std::string listen_address = "127.0.0.1");
  static ApiAccess with_tokens(std::vector<ApiTokenEntry> tokens);

  // Refusals that keep browsers out (docs/security.md "Browsers"), checked before
  // authentication: any Origin header (403; pathwatchctl never sends one, a browser always does
  // on a cross-origin fetch), in loopback-operator mode a Host that is not a loopback name
  // (421: DNS rebinding points an attacker's name at 127.0.0.1), and a write whose Content-Type
  // is not application/json (415: text/plain is what a no-cors fetch may send without a
  // preflight).
  std::optional<ApiRefusal> screen(const RequestHeaders& headers) const;

  // `authorization` is the request's Authorization header ("" when absent).
  Authentication authenticate(std::string_view authorization, bool peer_loopback) const;
  bool has_tokens() const { return tokens_.has_value(); }
  std::size_t token_count() const { return tokens_ ? tokens_->size() : 0; }

 private:
  std::optional<ApiTokenRegistry> tokens_;
  std::string listen_address_;
};

// "Bearer abc" -> "abc" (scheme case-insensitive, RFC 6750 section 2.1); nullopt otherwise.
std::optional<std::string_view> bearer_token(std::string_view authorization);

}  // namespace pathwatch::collector
