// Bearer-token and loopback authentication.
#include "collector/api/api_access.hpp"

#include <cctype>

namespace pathwatch::collector {

ApiAccess ApiAccess::loopback_operators() {
  return ApiAccess{};
}

ApiAccess ApiAccess::with_tokens(std::vector<ApiTokenEntry> tokens) {
  ApiAccess a;
  a.tokens_.emplace(std::move(tokens));
  return a;
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
