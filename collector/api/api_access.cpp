// Bearer-token and loopback authentication.
#include "collector/api/api_access.hpp"

#include <arpa/inet.h>

#include <cctype>

namespace pathwatch::collector {

ApiAccess ApiAccess::loopback_operators(std::string listen_address) {
  ApiAccess a;
  a.listen_address_ = std::move(listen_address);
  return a;
}

ApiAccess ApiAccess::with_tokens(std::vector<ApiTokenEntry> tokens) {
  ApiAccess a;
  a.tokens_.emplace(std::move(tokens));
  return a;
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "127.0.0.1:7080" -> "127.0.0.1", "[::1]:7080" -> "::1", "localhost" -> "localhost".
std::string host_name(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    return lower(host.substr(1, close == std::string_view::npos ? host.size() : close - 1));
  }
  return lower(host.substr(0, host.find(':')));
}

bool is_loopback_literal(const std::string& name) {
  in_addr v4{};
  if (::inet_pton(AF_INET, name.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return ::inet_pton(AF_INET6, name.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

// application/json, with or without parameters (charset), any case (RFC 9110 section 8.3.1).
bool is_json(std::string_view content_type) {
  const std::string type = lower(content_type.substr(0, content_type.find(';')));
  const auto first = type.find_first_not_of(" \t");
  const auto last = type.find_last_not_of(" \t");
  return first != std::string::npos && type.substr(first, last - first + 1) == "application/json";
}

}  // namespace

std::optional<ApiRefusal> ApiAccess::screen(const RequestHeaders& headers) const {
  if (headers.origin) {
    return ApiRefusal{403, "requests from web pages (with an Origin header) are not served"};
  }
  // A bearer token is no ambient credential, so with tokens a rebound name gains nothing; the
  // loopback operator is ambient (whoever reaches the port), so the name must be ours.
  if (!tokens_ && headers.host) {
    const std::string name = host_name(*headers.host);
    if (name != "localhost" && name != lower(listen_address_) && !is_loopback_literal(name)) {
      return ApiRefusal{421, "this collector answers to loopback names only (Host header)"};
    }
  }
  const bool write = headers.method != "GET" && headers.method != "HEAD";
  if (write && !is_json(headers.content_type)) {
    return ApiRefusal{415, "writes need 'Content-Type: application/json'"};
  }
  return std::nullopt;
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i])
      return std::nullopt;
  }
  std::string_view rest = authorization.substr(kScheme.size());
  if (rest.front() != ' ') return std::nullopt;
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
  if (rest.empty() || rest.find(' ') != std::string_view::npos) return std::nullopt;
  return rest;
}

Authentication ApiAccess::authenticate(std::string_view authorization, bool peer_loopback) const {
  if (!tokens_) {
    if (peer_loopback) return {ApiCaller{"loopback", shared::ApiRole::kOperator, "loopback"}, ""};
    return {std::nullopt, "this collector has no token file and serves loopback callers only"};
  }
  if (authorization.empty()) {
    return {std::nullopt, "a bearer token is required (Authorization: Bearer ...)"};
  }
  const auto token = bearer_token(authorization);
  if (!token) return {std::nullopt, "expected 'Authorization: Bearer TOKEN'"};
  if (auto caller = tokens_->find(*token)) return {std::move(caller), ""};
  return {std::nullopt, "unknown token"};
}

}  // namespace pathwatch::collector
